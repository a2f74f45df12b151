"""Exact (unsmoothed) modules for the functions torch has no module for: what
:func:`smoothfn.harden` puts back in place of :class:`~smoothfn.nn.SmoothAbs`,
:class:`~smoothfn.nn.SmoothMax`, :class:`~smoothfn.nn.SmoothMin`, :class:`~smoothfn.nn.SmoothFloor`
and :class:`~smoothfn.nn.SmoothRound` (the others harden to ``torch.nn`` modules).

    >>> import torch
    >>> Floor()(torch.tensor([-0.5, 0.5]))
    tensor([-1.,  0.])
"""

from __future__ import annotations

import torch
from torch import nn


class Abs(nn.Module):
    """|x|, elementwise (``torch.abs``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.abs(x)


class Maximum(nn.Module):
    """max(x, y), elementwise (``torch.maximum``; a number y as ``torch.clamp(x, min=y)``)."""

    def forward(self, x: torch.Tensor, y) -> torch.Tensor:
        return torch.maximum(x, y) if isinstance(y, torch.Tensor) else torch.clamp(x, min=y)


class Minimum(nn.Module):
    """min(x, y), elementwise (``torch.minimum``; a number y as ``torch.clamp(x, max=y)``)."""

    def forward(self, x: torch.Tensor, y) -> torch.Tensor:
        return torch.minimum(x, y) if isinstance(y, torch.Tensor) else torch.clamp(x, max=y)


class Floor(nn.Module):
    """⌊x⌋, elementwise (``torch.floor``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.floor(x)


class Round(nn.Module):
    """x rounded to the nearest integer, elementwise (``torch.round``). :class:`~smoothfn.nn.SmoothRound`
    smooths ⌊x + 1/2⌋, which differs only at the half-integers (ties to even here); there the smoothed
    value is the midpoint of the jump at every width. (``torch.floor(x + 0.5)`` would round
    0.49999997 up in fp32.)"""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.round(x)
