"""Issue 14, item 9: NaN in x propagates to the value and to every gradient.

The compact kernels' density k(u) selected its pieces by comparisons that NaN fails, so
pdf(NaN) was the outer piece (0) and ∂f_w/∂x = 0 at x = NaN for sign and step (k itself), floor
and round (the local series); the generated pdf_<kernel> now returns NaN there. Checked for every
pair, both dtypes, twin and Triton (the interpreter on the CPU), each gradient per element (width
and parameters full-size, so one NaN cannot hide in a sum)."""

from __future__ import annotations

import math

import pytest
import torch

from smoothfn.generated import AVAILABLE
from smoothfn.ops import autograd as ops
from smoothfn.runtime.pairs import catalog_pair
from smoothfn.runtime.staircase import TWINS

PARAMS = {"alpha": 0.15, "lo": -0.7, "hi": 1.3, "y": 0.4}
WIDTHS = (1e-3, 0.7, 3.0, 1e3)  # floor/round: local series, closed forms, Fourier; clamp family: the narrow ramp
PAIRS = [*AVAILABLE, *TWINS]


def _module(f, k):
    return catalog_pair(f, k)


@pytest.mark.parametrize("backend", ["torch", "triton"])
@pytest.mark.parametrize("f,k", PAIRS)
def test_nan_input_gives_nan_value_and_gradients(f, k, backend):
    m = _module(f, k)
    for dtype in (torch.float32, torch.float64):
        # NaN at every width, then finite points that must stay finite
        xs = [math.nan] * len(WIDTHS) + [-0.4, 0.9]
        ws = [*WIDTHS, 0.7, 0.7]
        leaves = [torch.tensor(xs, dtype=dtype), torch.tensor(ws, dtype=dtype)]
        leaves += [torch.full((len(xs),), PARAMS[n], dtype=dtype) for n in m.parameters]
        leaves = [t.requires_grad_() for t in leaves]
        value = ops.SmoothFunction.apply(m, backend, *leaves)
        grads = torch.autograd.grad(value.sum(), leaves)
        n = len(WIDTHS)
        where = f"{f} ∗ {k}, {dtype}, {backend}"
        assert value[:n].isnan().all() and not value[n:].isnan().any(), where
        for name, g in zip(["x", "w", *m.parameters], grads):
            assert g[:n].isnan().all(), f"∂/∂{name} at x = NaN: {g[:n].tolist()}, {where}"
            assert not g[n:].isnan().any(), f"∂/∂{name} at finite x, {where}"
