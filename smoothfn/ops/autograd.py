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

from smoothfn.errors import SmoothfnError
from smoothfn.gpu import launch as triton_launch
from smoothfn.runtime import twin_slices
from smoothfn.runtime.dtypes import all_in_dtype, compute_dtype, in_dtype
from smoothfn.runtime.pairs import Pair
from smoothfn.runtime.shapes import sum_to_shape

# SMOOTHFN_EAGER_COMPILE=1: eager calls run a torch.compile'd copy of the generated functions
# (cached per pair; dynamic shapes), paying a compile on the first call of each pair
EAGER_COMPILE = os.environ.get("SMOOTHFN_EAGER_COMPILE", "") == "1"
_COMPILED: dict[tuple[str, str], object] = {}


def _entry(pair: Pair, name: str):
    """pair.forward / pair.backward, or their cached compiled copies (eager, opt-in)."""
    if not EAGER_COMPILE or torch.compiler.is_compiling():
        return getattr(pair, name)
    key = (pair.name, name)
    if key not in _COMPILED:
        _COMPILED[key] = torch.compile(getattr(pair, name), dynamic=True)
    return _COMPILED[key]


def use_triton(backend: str, pair: Pair, x: torch.Tensor, *others: torch.Tensor) -> bool:
    """Whether this call runs the Triton kernels: never while torch.compile traces (the
    compiler must see the twin), "auto" on CUDA tensors, "triton" wherever Triton can run."""
    if backend == "torch" or torch.compiler.is_compiling():
        return False
    if backend == "triton":
        if not pair.has_triton:
            raise SmoothfnError("backend='triton': this function has no Triton kernels")
        if not triton_launch.available_for(x):
            raise SmoothfnError(
                "backend='triton' needs CUDA tensors (or TRITON_INTERPRET=1 for CPU tensors), "
                f"got a tensor on {x.device}"
            )
        if any(o.device != x.device for o in others):
            raise SmoothfnError("backend='triton': the width and the parameters must be on the input's device")
        return True
    return x.is_cuda and pair.has_triton and all(o.device == x.device for o in others)


def twin_forward(pair: Pair, x: torch.Tensor, width: torch.Tensor, *params: torch.Tensor) -> torch.Tensor:
    """f_w(x; params) by the torch twin, computed in compute_dtype(x.dtype), returned in x's dtype."""
    dtype = compute_dtype(x.dtype)
    if twin_slices.applies(x, width, *params) and not EAGER_COMPILE:
        return twin_slices.forward(pair.forward, x, [width, *params], dtype)
    return in_dtype(_entry(pair, "forward")(*all_in_dtype(dtype, x, width, *params)), x.dtype)


class SmoothFunction(torch.autograd.Function):
    """f_w(x; params) for one pair; backward from the closed-form derivatives."""

    @staticmethod
    def forward(ctx, pair, backend, x, width, *params):
        ctx.pair = pair
        ctx.triton = use_triton(backend, pair, x, width, *params)
        ctx.save_for_backward(x, width, *params)
        if ctx.triton:
            return triton_launch.forward(pair, x, width, *params)
        return twin_forward(pair, x, width, *params)

    @staticmethod
    def backward(ctx, grad_output):
        x, width, *params = ctx.saved_tensors
        if torch.compiler.is_compiling():
            x = distinct_for_backward(x)
        if ctx.triton:
            grads = triton_launch.backward(ctx.pair, grad_output, ctx.needs_input_grad[2:], x, width, *params)
            return (None, None, *grads)
        dtype = compute_dtype(x.dtype)
        if twin_slices.applies(x, width, *params) and not EAGER_COMPILE:
            grads = twin_slices.backward(ctx.pair.backward, grad_output, ctx.needs_input_grad[2:], x,
                                         [width, *params], dtype)
            return (None, None, *grads)
        partials = _entry(ctx.pair, "backward")(*all_in_dtype(dtype, x, width, *params))
        grad = in_dtype(grad_output, dtype)
        grads = [None, None]  # the pair and backend arguments
        for needed, partial, original in zip(ctx.needs_input_grad[2:], partials, [x, width, *params]):
            if not needed:
                grads.append(None)
                continue
            grads.append(in_dtype(sum_to_shape(grad * partial, original.shape), original.dtype))
        return tuple(grads)


def distinct_for_backward(x: torch.Tensor) -> torch.Tensor:
    """x as a new graph node, for the backward under torch.compile. AOTAutograd merges the
    backward's recomputation with the forward's identical nodes (CSE over the joint graph), and
    its partitioner then saves a forward intermediate beside x: for sau a full-size bool mask
    (x/w < 0), which the fused forward kernel writes. That store made the compiled training
    forward 19 ms against 7 ms (sau, 2^22 fp32, 2 threads; Inductor's output code differs only
    in that buffer). From a distinct node nothing is merged: the forward saves x alone and the
    backward recomputes, as in eager."""
    return x * 1.0  # exact, −0.0 included


def apply(pair: Pair, x: torch.Tensor, width: torch.Tensor, *params: torch.Tensor,
          backend: str = "auto") -> torch.Tensor:
    """The smoothed function of a pair (catalog or compiled user function), with autograd; the
    arguments are checked by the caller (:mod:`smoothfn.api.arguments`)."""
    if torch.compiler.is_compiling() and not _needs_grad(x, width, *params):
        # No gradient to trace: the twin itself goes into the graph. (Dynamo in torch 2.11 also
        # mis-traces an autograd.Function given exactly two extra tensors when none needs grad.)
        return twin_forward(pair, x, width, *params)
    return SmoothFunction.apply(pair, backend, x, width, *params)


def _needs_grad(*tensors: torch.Tensor) -> bool:
    return torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
