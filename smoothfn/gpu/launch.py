"""Launch the generated Triton kernels (host side).

``forward`` and ``backward`` take the same arguments as the torch twin (x, w, params) and return
the same results, computed by ``forward_kernel`` / ``backward_kernel`` of a pair's Triton module
(:mod:`smoothfn.codegen.triton_source` describes them). Each argument other than x is passed
either as a one-element tensor (scalar: the kernel loads it once; its gradient comes back as one
partial sum per program, summed here in fp64) or expanded to the output's shape and made
contiguous (full: loaded per element; its gradient comes back elementwise and is reduced to the
argument's shape here).

Triton runs on CUDA tensors, or on CPU tensors under ``TRITON_INTERPRET=1`` (tests).
"""

from __future__ import annotations

import importlib
import importlib.util
import os

import torch

from smoothfn.runtime.dtypes import compute_dtype
from smoothfn.runtime.shapes import broadcast_shape, sum_to_shape


def block_size(dtype: torch.dtype, backward: bool = False) -> int:
    """Elements per program, for inputs of ``dtype``: 4 per thread at 4 warps in fp32 (one 16-byte
    access each); 8 forward for fp16/bf16 (16 bytes); fp64 4 forward and 2 backward. Measured on an
    H200 (benchmarks/sweep_gpu_launch.py, kernel time from a CUDA graph, 2^26 elements): the
    kernels are bound by their arithmetic, and 4 fp32 elements per thread beat 8 (the sau forward
    0.31 against 0.39 ms, the clamp backward 0.61 against 0.88 ms)."""
    if dtype.itemsize == 2:
        return 1024
    if dtype == torch.float64 and backward:
        return 256
    return 512


def num_warps(backward: bool, pair=None, dtype: torch.dtype = torch.float32) -> int:
    """Warps per program: 4; 8 for the fp16/bf16 backward (4 elements per thread, as in fp32). The
    fp64 backward keeps 2 elements per thread (block_size), where the value, its derivatives and
    the partial sums live at once: the longest kernels (clamp ∗ cauchy) stay below 255 registers,
    and at 8 warps ptxas capped hardswish ∗ laplace at 64 registers and spilled. A pair may set
    its own ``triton_backward_warps`` (the floor/round kernels: 4)."""
    if not backward:
        return 4
    if pair is not None and pair.triton_backward_warps is not None:
        return pair.triton_backward_warps
    return 8 if dtype.itemsize == 2 else 4


def interpreted() -> bool:
    return os.environ.get("TRITON_INTERPRET", "") == "1"


def available_for(x: torch.Tensor) -> bool:
    """Whether Triton can run on x's device here."""
    if x.is_cuda:
        return True
    return x.device.type == "cpu" and interpreted()


# FMA contraction on, the setting the kernels were checked at, passed at each launch (Triton 3.9
# warns that its default turns off in 3.10; setting TRITON_DEFAULT_FP_FUSION would change the
# environment of whoever imports us)
FP_FUSION = True

_KERNELS: dict[str, object] = {}  # pair name → its imported Triton module


def kernels(pair):
    """The Triton module of a pair (its ``forward_kernel`` and ``backward_kernel``), imported once."""
    loaded = _KERNELS.get(pair.name)
    if loaded is not None:
        return loaded
    if pair.triton_module is not None:
        loaded = importlib.import_module(pair.triton_module)
    else:  # a user function compiled into the cache (a real file: triton.jit reads its source)
        spec = importlib.util.spec_from_file_location(f"{pair.name}_triton", pair.triton_path)
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
    _KERNELS[pair.name] = loaded
    return loaded


def _triton_dtype(dtype: torch.dtype):
    import triton.language as tl

    return tl.float64 if dtype == torch.float64 else tl.float32


def _prepare(x, others, compute):
    """(output shape, contiguous x of that shape, [(tensor, full)] for the other arguments)."""
    shape = broadcast_shape(("x", x.shape), *((f"argument {i}", a.shape) for i, a in enumerate(others, 1)))
    xs = x.expand(shape).contiguous()
    prepared = []
    for a in others:
        if a.numel() == 1:
            prepared.append((a.reshape(1).to(compute).contiguous(), False))
        else:
            prepared.append((a.expand(shape).contiguous(), True))
    return shape, xs, prepared


def forward(pair, x: torch.Tensor, w: torch.Tensor, *params: torch.Tensor) -> torch.Tensor:
    """f_w(x; params) with the output in x's dtype and the broadcast shape."""
    compute = compute_dtype(x.dtype)
    shape, xs, prepared = _prepare(x, [w, *params], compute)
    out = torch.empty(shape, dtype=x.dtype, device=x.device)
    n = out.numel()
    if n == 0:
        return out
    flags = {f"{name.upper()}_FULL": full for name, (_, full) in zip(["w", *pair.parameters], prepared)}
    flags.update(pair.triton_constexprs)
    block = block_size(x.dtype)
    kernels(pair).forward_kernel[(triton_cdiv(n, block),)](
        xs, out, *(t for t, _ in prepared), n, BLOCK=block, DTYPE=_triton_dtype(compute),
        num_warps=num_warps(False, pair, x.dtype), enable_fp_fusion=FP_FUSION, **flags
    )
    return out


def backward(pair, grad_output, needs, x, w, *params):
    """Gradients (x, w, params…) in their own shapes and dtypes; None where not needed."""
    compute = compute_dtype(x.dtype)
    originals = [x, w, *params]
    shape, xs, prepared = _prepare(x, [w, *params], compute)
    n = xs.numel()
    block = block_size(x.dtype, backward=True)
    programs = triton_cdiv(n, block)
    dy = grad_output.expand(shape).contiguous()
    names = ["x", "w", *pair.parameters]
    buffers = [torch.empty(shape, dtype=x.dtype, device=x.device)]
    for (_, full), original, need in zip(prepared, originals[1:], needs[1:]):
        if full:
            buffers.append(torch.empty(shape, dtype=original.dtype, device=x.device))
        else:  # one partial sum per program (never written where the gradient is not needed)
            partials = torch.zeros if need else torch.empty
            buffers.append(partials(max(programs, 1), dtype=compute, device=x.device))
    if n > 0:
        flags = {f"{name.upper()}_FULL": full for name, (_, full) in zip(names[1:], prepared)}
        flags.update({f"NEED_{name.upper()}": bool(need) for name, need in zip(names, needs)})
        flags.update(pair.triton_constexprs)
        kernels(pair).backward_kernel[(programs,)](
            xs, dy, *(t for t, _ in prepared), *buffers, n, BLOCK=block, DTYPE=_triton_dtype(compute),
            num_warps=num_warps(True, pair, x.dtype), enable_fp_fusion=FP_FUSION, **flags
        )
    grads = []
    for need, buffer, original, full in zip(needs, buffers, originals, [True, *(f for _, f in prepared)]):
        if not need:
            grads.append(None)
        elif not full:  # per-program partial sums of a scalar argument
            total = buffer.sum(dtype=torch.float64) if n > 0 else buffer.new_zeros(())
            grads.append(total.to(original.dtype).reshape(original.shape))
        else:
            grads.append(sum_to_shape(buffer, original.shape).to(original.dtype))
    return tuple(grads)


def triton_cdiv(a: int, b: int) -> int:
    return -(-a // b)
