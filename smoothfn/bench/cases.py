r"""The benchmark cases: each smoothed function as smoothfn computes it, as the plain closed form a
user would write in torch (same mathematics, no tail-stable rewriting, no guards), and a native
PyTorch activation of similar shape as a cost reference.

The Gaussian blocks of the plain forms, with z = x/w:

    R(x; w) = relu ∗ gaussian = x·Φ(z) + w·φ(z) = x·(1 + erf(z/√2))/2 + w·exp(−z²/2)/√(2π).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as TF

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _relu_gaussian(x, w):
    z = x / w
    return x * (0.5 * (1 + torch.erf(z * _SQRT_HALF))) + w * (torch.exp(-0.5 * z * z) * _INV_SQRT_2PI)


def _plain_abs(x, width):
    z = x / width
    return x * torch.erf(z * _SQRT_HALF) + 2 * width * (torch.exp(-0.5 * z * z) * _INV_SQRT_2PI)


@dataclass(frozen=True)
class Case:
    """One benchmarked function: ``params`` are its parameters (the width included) by name, in the
    order the callables take them after x."""

    name: str
    title: str
    params: dict[str, float]
    smoothfn: Callable  # (x, *params) -> y
    plain: Callable  # (x, *params) -> y, the closed form in plain torch
    native: Callable | None = None  # (x) -> y, a native PyTorch activation (cost reference)
    native_name: str = ""
    tags: tuple = field(default_factory=tuple)


def _cases() -> dict[str, Case]:
    import smoothfn.functional as F

    cases = [
        Case("sau", "leaky_relu ∗ gaussian (SAU)", {"alpha": 0.15, "width": 0.5},
             lambda x, a, w: F.sau(x, a, width=w),
             lambda x, a, w: a * x + (1 - a) * _relu_gaussian(x, w),
             lambda x: TF.leaky_relu(x, 0.15), "F.leaky_relu"),
        Case("smu", "SMU", {"alpha": 0.01, "mu": 2.5},
             lambda x, a, m: F.smu(x, a, m),
             lambda x, a, m: ((1 + a) * x + (1 - a) * x * torch.erf(m * (1 - a) * x)) / 2,
             lambda x: TF.leaky_relu(x, 0.01), "F.leaky_relu"),
        Case("smu1", "SMU-1", {"alpha": 0.01, "mu": 0.5},
             lambda x, a, m: F.smu1(x, a, m),
             lambda x, a, m: ((1 + a) * x + torch.sqrt(((1 - a) * x) ** 2 + m * m)) / 2,
             lambda x: TF.leaky_relu(x, 0.01), "F.leaky_relu"),
        Case("relu_gaussian", "relu ∗ gaussian", {"width": 0.5},
             lambda x, w: F.relu(x, width=w, kernel="gaussian"),
             _relu_gaussian,
             TF.gelu, "F.gelu"),
        Case("relu_logistic", "relu ∗ logistic (softplus)", {"width": 0.5},
             lambda x, w: F.relu(x, width=w, kernel="logistic"),
             lambda x, w: w * torch.log1p(torch.exp(x / w)),
             lambda x: TF.softplus(x, beta=2.0), "F.softplus"),
        Case("abs", "abs ∗ gaussian", {"width": 0.5},
             lambda x, w: F.abs(x, width=w),
             _plain_abs,
             torch.abs, "torch.abs"),
        Case("clamp", "clamp ∗ gaussian", {"min": -1.0, "max": 1.0, "width": 0.5},
             lambda x, lo, hi, w: F.clamp(x, lo, hi, width=w),
             lambda x, lo, hi, w: lo + _relu_gaussian(x - lo, w) - _relu_gaussian(x - hi, w),
             lambda x: TF.hardtanh(x, -1.0, 1.0), "F.hardtanh"),
        Case("max", "max ∗ gaussian", {"y": 0.25, "width": 0.5},
             lambda x, y, w: F.max(x, y, width=w),
             lambda x, y, w: y + _relu_gaussian(x - y, w),
             lambda x: TF.relu(x), "F.relu"),
    ]
    return {case.name: case for case in cases}


CASES: dict[str, Case] = {}


def cases() -> dict[str, Case]:
    """The cases by name (built on first use: it imports smoothfn.functional)."""
    if not CASES:
        CASES.update(_cases())
    return CASES
