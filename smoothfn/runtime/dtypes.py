"""The dtype rule of every kernel: fp16, bf16 and fp32 inputs are computed in fp32, fp64 in fp64;
results come back in the input's dtype."""

from __future__ import annotations

import torch


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype a kernel computes in for inputs of ``dtype``."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def in_dtype(t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """t in dtype, t itself where it already is: Dynamo in torch 2.11 traced an autograd.Function
    whose forward returned a no-op ``.to`` of its result with zero gradients."""
    return t if t.dtype == dtype else t.to(dtype)


def all_in_dtype(dtype: torch.dtype, *tensors: torch.Tensor) -> list[torch.Tensor]:
    return [in_dtype(t, dtype) for t in tensors]
