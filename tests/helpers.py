"""What several test files share: parameter values, extreme inputs, argument builders, the
unsmoothed functions, a cached ``derive`` and the stored reference data (tests/reference_data.py).
"""

from __future__ import annotations

import functools
import importlib
import math

import reference_data
import torch

from smoothfn.catalog.functions import FUNCTIONS

# the parameter values of the twin and kernel tests (and of their reference data)
PARAMS = reference_data.PARAMS
# x from −∞ to ∞ through the awkward places (no NaN: callers append it where they want it)
EXTREMES = [-math.inf, -1e30, -1e3, -1.0, -1e-40, 0.0, 1e-40, 0.5, 1e3, 1e30, math.inf]
# the functions whose smoothing is monotone (at PARAMS)
MONOTONE = ("relu", "leaky_relu", "sign", "step", "clamp", "hardtanh", "relu6", "hardsigmoid", "max", "min")
REFUSED = reference_data.REFUSED
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


@functools.cache
def derive(function, kernel="gaussian"):
    """smoothfn.derive, once per (function, kernel) and process: the derivation is pure, and a
    pair's tests share it. (Callers must not change the returned Derivation.)"""
    from smoothfn import derive as _derive

    return _derive(function, kernel)


def module(function: str, kernel: str):
    """The generated torch twin of a pair."""
    return importlib.import_module(f"smoothfn.generated.{function}_{kernel}")


def arguments(function: str, x, w, dtype):
    """[x, w, *parameters at PARAMS] as tensors of ``dtype`` for a generated twin's forward/backward."""
    names = FUNCTIONS[function].params
    x = torch.as_tensor(x, dtype=dtype)
    return [x, torch.tensor(w, dtype=dtype), *[torch.tensor(PARAMS[n], dtype=dtype) for n in names]]


def exact_function(function: str, **params):
    """x ↦ f(x), the unsmoothed catalog function at PARAMS (or ``params``), in mpmath: what
    ``derive(f, k).numeric_function()`` gives, without deriving anything."""
    values = {n: PARAMS[n] for n in FUNCTIONS[function].params} | params
    return reference_data.exact_function(function, values)


def records(section: str, function: str, kernel: str) -> list:
    """The stored reference records of a pair (tests/data/<section>.json)."""
    return reference_data.records(section, reference_data.key(function, kernel))


def by_width(rows: list) -> dict[float, list]:
    """Records [x, w, …] grouped by w, in their stored order."""
    out: dict[float, list] = {}
    for row in rows:
        out.setdefault(row[1], []).append(row)
    return out
