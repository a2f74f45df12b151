"""smoothfn.numerics.torch_math.select: torch.where's result bit for bit (its eager CPU form blends
bit patterns instead of branching), and the lean SMU/SMU-1 paths that the common case takes."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

import smoothfn.functional as F
from smoothfn.numerics.torch_math import select
from smoothfn.runtime import twin_slices

BITS = {torch.float32: torch.int32, torch.float64: torch.int64}


def _special(dtype):
    tiny = 5e-324 if dtype == torch.float64 else 1e-45
    return torch.tensor([math.inf, -math.inf, math.nan, 0.0, -0.0, tiny, -tiny, 1e30, -1e30, 1.0], dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("holds", ["random", "nowhere", "everywhere"])
def test_select_equals_torch_where_bit_for_bit(dtype, holds):
    torch.manual_seed(0)
    n = 5000
    x, y = torch.randn(n, dtype=dtype), torch.randn(n, dtype=dtype)
    x[:10], y[-10:] = _special(dtype), _special(dtype)
    condition = {"random": torch.rand(n) < 0.5, "nowhere": torch.zeros(n, dtype=torch.bool),
                 "everywhere": torch.ones(n, dtype=torch.bool)}[holds]
    values = [x, y, 0, 0.0, -0.0, 1, math.inf, -math.inf, math.nan, 0.1,
              torch.tensor(2.5, dtype=dtype), torch.tensor(-0.0, dtype=dtype)]
    for a, b in itertools.product(values, values):
        if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
            continue
        got, expected = select(condition, a, b), torch.where(condition, a, b)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert torch.equal(got.view(BITS[dtype]), expected.view(BITS[dtype])), (a, b)
        assert got.data_ptr() not in (x.data_ptr(), y.data_ptr())  # a new tensor, as torch.where's


def test_select_broadcasts_a_scalar_condition_and_leaves_autograd_to_torch_where():
    x, y = torch.randn(5000), torch.randn(5000)
    for condition in (torch.tensor(True), torch.tensor(False)):
        assert torch.equal(select(condition, x, y), torch.where(condition, x, y))
    leaf = torch.randn(5000, requires_grad=True)
    out = select(leaf > 0, leaf, 0.0)
    out.sum().backward()
    assert torch.equal(leaf.grad, (leaf > 0).float())


@pytest.mark.parametrize("function", [F.smu, F.smu1])
@pytest.mark.parametrize("special", [math.inf, -math.inf, math.nan, 3e38])
def test_smu_slices_take_the_careful_path_when_an_input_is_not_ordinary(function, special, monkeypatch):
    """One infinite, NaN or huge x sends the whole sliced call down the guarded path: the values and
    gradients equal those of the unsliced (always guarded) call, and ±inf gives exact limits."""
    torch.manual_seed(1)
    x = torch.randn(2 * twin_slices.slice_size() + 100)
    x[7] = special
    results = []
    for sliced in (True, False):
        if not sliced:
            monkeypatch.setattr(twin_slices, "applies", lambda *tensors: False)
        xr = x.clone().requires_grad_()
        a = torch.tensor(0.25, requires_grad=True)
        m = torch.tensor(2.0, requires_grad=True)
        y = function(xr, a, m)
        y.backward(torch.ones_like(y))
        results.append((y.detach(), xr.grad))
    (y1, g1), (y2, g2) = results
    assert torch.equal(y1[7:8], y2[7:8]) or (math.isnan(special) and y1[7].isnan())
    if special == math.inf:
        assert y1[7] == math.inf and g1[7] == 1.0
    if special == -math.inf:
        assert y1[7] == -math.inf and g1[7] == 0.25
    ordinary = torch.isfinite(y2)
    torch.testing.assert_close(y1[ordinary], y2[ordinary], rtol=0, atol=0)
    torch.testing.assert_close(g1[ordinary], g2[ordinary], rtol=0, atol=0)
