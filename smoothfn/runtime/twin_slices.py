"""Eager evaluation of the torch twin in cache-sized slices (the CPU path).

An eager torch expression makes one full-size temporary per operation: for sau's backward that
is a dozen tensors the size of x, each written to memory and read back. When the width and the
parameters are scalars, the op is elementwise in x alone, so the twin can run on slices of
:func:`slice_size` elements: each slice's temporaries stay in cache, the only full-size tensors are the
output (and the gradient of x), and the gradients of the scalars are sums over the slices (each
slice's in the compute dtype, the slices' in fp64).

Used only in eager mode: under ``torch.compile`` the whole expression is traced and fused.
"""

from __future__ import annotations

import torch

from smoothfn.runtime.shapes import broadcast_shape


def slice_size() -> int:
    """2^16 elements per thread (256 KiB of fp32 per temporary and thread, an L2's share).

    Measured for sau forward+backward at 2^24 fp32 on 2 threads (benchmarks/): 2^15 elements
    0.62 s (torch runs slices below its 32768-element grain on one thread), 2^16 0.39 s,
    2^17 0.36 s, 2^19 0.34 s, 2^20 0.35 s; peak memory grows with the slice (111 → 219 MB).
    """
    return (1 << 16) * max(1, torch.get_num_threads())


def applies(x: torch.Tensor, *others: torch.Tensor) -> bool:
    """Slices pay off for large CPU inputs whose width and parameters are single numbers."""
    return (
        not torch.compiler.is_compiling()  # first: the checks below would break the graph
        and x.device.type == "cpu"
        and x.numel() > 2 * slice_size()
        and all(o.numel() == 1 for o in others)
    )


def _flat(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(-1) if t.is_contiguous() else t.contiguous().reshape(-1)


def forward(function, x: torch.Tensor, scalars: list[torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    """function(x, *scalars) elementwise, computed in ``dtype``, returned in x's dtype."""
    shape = broadcast_shape(("x", x.shape), *((f"argument {i}", s.shape) for i, s in enumerate(scalars, 1)))
    scalars = [s.reshape(()).to(dtype) for s in scalars]
    flat = _flat(x)
    out = torch.empty(flat.shape, dtype=x.dtype)
    size = slice_size()
    for start in range(0, flat.numel(), size):
        out[start:start + size] = function(flat[start:start + size].to(dtype), *scalars)
    return out.view(shape)


def backward(function, grad_output: torch.Tensor, needs, x: torch.Tensor, scalars: list[torch.Tensor],
             dtype: torch.dtype) -> list[torch.Tensor | None]:
    """Gradients of x (elementwise) and of each scalar (summed) from the closed-form partials
    ``function(x, *scalars)`` = (∂f/∂x, ∂f/∂scalar…)."""
    values = [s.reshape(()).to(dtype) for s in scalars]
    flat = _flat(x)
    n = flat.numel()
    uniform = grad_output.numel() == 1 or all(s == 0 for s in grad_output.stride())  # y.sum().backward()
    grad = grad_output.reshape(-1)[:1].to(dtype) if uniform else _flat(grad_output)
    gx = torch.empty(flat.shape, dtype=x.dtype) if needs[0] else None
    sums = [torch.zeros((), dtype=torch.float64) if need else None for need in needs[1:]]
    size = slice_size()
    for start in range(0, n, size):
        piece = flat[start:start + size].to(dtype)
        g = grad if uniform else grad[start:start + size].to(dtype)
        partials = function(piece, *values)
        if gx is not None:
            torch.mul(g, partials[0], out=gx[start:start + size])
        for i, total in enumerate(sums):
            if total is not None:
                # the slice's sum in the compute dtype (ATen sums in cascade: the rounding grows like
                # log n), the slices' sums in fp64; sum(dtype=float64) would first copy the slice to
                # fp64, at ten times the cost
                total += torch.broadcast_to(g * partials[i + 1], piece.shape).sum()
    grads = [gx.view(x.shape) if gx is not None else None]
    for total, original in zip(sums, scalars):
        grads.append(None if total is None else total.to(original.dtype).reshape(original.shape))
    return grads
