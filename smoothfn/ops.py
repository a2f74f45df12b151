"""Differentiable ops over the generated kernels.

One ``torch.autograd.Function`` serves every (function, kernel) pair: its forward saves only the
inputs, its backward recomputes the closed-form derivatives from the generated ``backward``.
Both are plain torch code (the torch twin), so ``torch.compile`` traces through them and fuses
them with their neighbours. fp16/bf16/fp32 inputs are computed in fp32, fp64 in fp64; the
result has the input's dtype. Gradients of the width and of tensor parameters are reduced to
their own shapes (per-channel parameters work by broadcasting).

The Triton kernels (eager CUDA) are not generated yet: on CUDA tensors the torch twin runs too.
"""

from __future__ import annotations

import os

import torch

from smoothfn.errors import NoClosedFormError
from smoothfn.generated import MODULES, UNAVAILABLE


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.float64 else torch.float32


def generated(function: str, kernel: str):
    """The generated module of a pair, or a clear error naming why there is none."""
    module = MODULES.get((function, kernel))
    if module is None:
        reason = UNAVAILABLE.get((function, kernel), "not in the catalog")
        raise NoClosedFormError(f"no generated kernel for {function} ∗ {kernel}: {reason}")
    return module


# SMOOTHFN_EAGER_COMPILE=1: eager calls run a torch.compile'd copy of the generated functions
# (cached per module; dynamic shapes), paying a compile on the first call of each pair
EAGER_COMPILE = os.environ.get("SMOOTHFN_EAGER_COMPILE", "") == "1"
_COMPILED: dict[tuple[str, str], object] = {}


def _entry(module, name: str):
    """module.forward / module.backward, or their cached compiled copies (eager, opt-in)."""
    if not EAGER_COMPILE or torch.compiler.is_compiling():
        return getattr(module, name)
    key = (module.__name__, name)
    if key not in _COMPILED:
        _COMPILED[key] = torch.compile(getattr(module, name), dynamic=True)
    return _COMPILED[key]


def _reduce_to(grad: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Sum a broadcast gradient back to the shape of the input it belongs to."""
    grad = torch.broadcast_to(grad, torch.broadcast_shapes(grad.shape, shape)) if grad.dim() == 0 else grad
    while grad.dim() > len(shape):
        grad = grad.sum(0)
    for i, size in enumerate(shape):
        if size == 1 and grad.shape[i] != 1:
            grad = grad.sum(i, keepdim=True)
    return grad


class SmoothFunction(torch.autograd.Function):
    """f_w(x; params) for one generated pair; backward from the closed-form derivatives."""

    @staticmethod
    def forward(ctx, module, x, width, *params):
        dtype = compute_dtype(x.dtype)
        args = [x.to(dtype), width.to(dtype), *(p.to(dtype) for p in params)]
        ctx.module = module
        ctx.save_for_backward(x, width, *params)
        return _entry(module, "forward")(*args).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        x, width, *params = ctx.saved_tensors
        dtype = compute_dtype(x.dtype)
        args = [x.to(dtype), width.to(dtype), *(p.to(dtype) for p in params)]
        partials = _entry(ctx.module, "backward")(*args)
        grad = grad_output.to(dtype)
        grads = [None]  # the module argument
        for needed, partial, original in zip(ctx.needs_input_grad[1:], partials, [x, width, *params]):
            if not needed:
                grads.append(None)
                continue
            g = grad * partial
            if original is not x:
                g = _reduce_to(g, original.shape)
            else:
                g = torch.broadcast_to(g, x.shape)
            grads.append(g.to(original.dtype))
        return tuple(grads)


def smooth(function: str, kernel: str, x: torch.Tensor, width, *params) -> torch.Tensor:
    """Apply the smoothed ``function`` with ``kernel`` at ``width`` (validated by the caller)."""
    module = generated(function, kernel)
    return SmoothFunction.apply(module, x, width, *params)
