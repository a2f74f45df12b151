"""Differentiable ops over the generated kernels.

One ``torch.autograd.Function`` serves every (function, kernel) pair: its forward saves only the
inputs, its backward recomputes the closed-form derivatives from the generated ``backward``.
Both are plain torch code (the torch twin), so ``torch.compile`` traces through them and fuses
them with their neighbours. fp16/bf16/fp32 inputs are computed in fp32, fp64 in fp64; the
result has the input's dtype. Gradients of the width and of tensor parameters are reduced to
their own shapes (per-channel parameters work by broadcasting).

Eager CUDA tensors run the generated Triton kernels (:mod:`smoothfn.gpu.launch`); CPU
tensors, and every call traced by ``torch.compile``, run the torch twin (eager CPU calls with
scalar width and parameters in cache-sized slices, :mod:`smoothfn.runtime.twin_slices`). ``backend="torch"``
forces the twin; ``backend="triton"`` forces the kernels (CUDA tensors, or CPU tensors under
``TRITON_INTERPRET=1``) and is an error where they cannot run.
"""

from __future__ import annotations

import os

import torch

from smoothfn import generated as generated_package
from smoothfn.errors import DivergentPairError, NoClosedFormError, SmoothfnError
from smoothfn.generated import AVAILABLE, DIVERGENT, UNAVAILABLE
from smoothfn.gpu import launch as triton_launch
from smoothfn.runtime import twin_slices
from smoothfn.runtime.shapes import broadcast_shape


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.float64 else torch.float32


def generated(function: str, kernel: str):
    """The generated module of a pair, or a clear error naming why there is none."""
    # attribute access, not importlib: torch.compile resolves it at trace time (see the package)
    module = getattr(generated_package, f"{function}_{kernel}") if (function, kernel) in AVAILABLE else None
    reason = UNAVAILABLE.get((function, kernel), "not in the catalog")
    if module is None and (function, kernel) in DIVERGENT:
        raise DivergentPairError(f"no kernel for {function} ∗ {kernel}: {reason}")
    if module is None and function in ("floor", "round"):  # a series, not a generated closed form
        from smoothfn.runtime.staircase import module_for

        return module_for(function, kernel)
    if module is None:
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
    key = (getattr(module, "__name__", None) or id(module), name)
    if key not in _COMPILED:
        _COMPILED[key] = torch.compile(getattr(module, name), dynamic=True)
    return _COMPILED[key]


def _reduce_to(grad: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Sum a broadcast gradient back to the shape of the input it belongs to."""
    if grad.dim() == 0:
        grad = torch.broadcast_to(grad, broadcast_shape(("gradient", grad.shape), ("input", shape)))
    while grad.dim() > len(shape):
        grad = grad.sum(0)
    for i, size in enumerate(shape):
        if size == 1 and grad.shape[i] != 1:
            grad = grad.sum(i, keepdim=True)
    return grad


def use_triton(backend: str, module, x: torch.Tensor, *others: torch.Tensor) -> bool:
    """Whether this call runs the Triton kernels: never while torch.compile traces (the
    compiler must see the twin), "auto" on CUDA tensors, "triton" wherever Triton can run."""
    if backend == "torch" or torch.compiler.is_compiling():
        return False
    if backend == "triton":
        if not triton_launch.has_kernels(module):
            raise SmoothfnError("backend='triton': this function has no Triton kernels")
        if not triton_launch.available_for(x):
            raise SmoothfnError(
                "backend='triton' needs CUDA tensors (or TRITON_INTERPRET=1 for CPU tensors), "
                f"got a tensor on {x.device}"
            )
        if any(o.device != x.device for o in others):
            raise SmoothfnError("backend='triton': the width and the parameters must be on the input's device")
        return True
    return x.is_cuda and triton_launch.has_kernels(module) and all(o.device == x.device for o in others)


def _in(t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """t in dtype, t itself where it already is: Dynamo in torch 2.11 traced an autograd.Function
    whose forward returned a no-op ``.to`` of its result with zero gradients."""
    return t if t.dtype == dtype else t.to(dtype)


def _all_in(dtype: torch.dtype, *tensors: torch.Tensor) -> list[torch.Tensor]:
    return [_in(t, dtype) for t in tensors]


def twin_forward(module, x: torch.Tensor, width: torch.Tensor, *params: torch.Tensor) -> torch.Tensor:
    """f_w(x; params) by the torch twin, computed in compute_dtype(x.dtype), returned in x's dtype."""
    dtype = compute_dtype(x.dtype)
    if twin_slices.applies(x, width, *params) and not EAGER_COMPILE:
        return twin_slices.forward(module.forward, x, [width, *params], dtype)
    return _in(_entry(module, "forward")(*_all_in(dtype, x, width, *params)), x.dtype)


class SmoothFunction(torch.autograd.Function):
    """f_w(x; params) for one generated pair; backward from the closed-form derivatives."""

    @staticmethod
    def forward(ctx, module, backend, x, width, *params):
        ctx.module = module
        ctx.triton = use_triton(backend, module, x, width, *params)
        ctx.save_for_backward(x, width, *params)
        if ctx.triton:
            return triton_launch.forward(module, x, width, *params)
        return twin_forward(module, x, width, *params)

    @staticmethod
    def backward(ctx, grad_output):
        x, width, *params = ctx.saved_tensors
        if ctx.triton:
            grads = triton_launch.backward(ctx.module, grad_output, ctx.needs_input_grad[2:], x, width, *params)
            return (None, None, *grads)
        dtype = compute_dtype(x.dtype)
        if twin_slices.applies(x, width, *params) and not EAGER_COMPILE:
            grads = twin_slices.backward(ctx.module.backward, grad_output, ctx.needs_input_grad[2:], x,
                                         [width, *params], dtype)
            return (None, None, *grads)
        partials = _entry(ctx.module, "backward")(*_all_in(dtype, x, width, *params))
        grad = _in(grad_output, dtype)
        grads = [None, None]  # the module and backend arguments
        for needed, partial, original in zip(ctx.needs_input_grad[2:], partials, [x, width, *params]):
            if not needed:
                grads.append(None)
                continue
            grads.append(_in(_reduce_to(grad * partial, original.shape), original.dtype))
        return tuple(grads)


def smooth(function: str, kernel: str, x: torch.Tensor, width, *params, backend: str = "auto") -> torch.Tensor:
    """Apply the smoothed ``function`` with ``kernel`` at ``width`` (validated by the caller)."""
    return apply(generated(function, kernel), x, width, *params, backend=backend)


def apply(module, x: torch.Tensor, width: torch.Tensor, *params: torch.Tensor, backend: str = "auto") -> torch.Tensor:
    """The smoothed function of a twin module (catalog pair or compiled user function), with autograd."""
    if torch.compiler.is_compiling() and not _needs_grad(x, width, *params):
        # No gradient to trace: the twin itself goes into the graph. (Dynamo in torch 2.11 also
        # mis-traces an autograd.Function given exactly two extra tensors when none needs grad.)
        return twin_forward(module, x, width, *params)
    return SmoothFunction.apply(module, backend, x, width, *params)


def _needs_grad(*tensors: torch.Tensor) -> bool:
    return torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
