"""SMU and SMU-1 on large eager CPU inputs run in cache-sized slices: the same values and x
gradients bit for bit, and the α and μ gradients to rounding (each slice summed in the compute dtype,
the slices in fp64)."""

from __future__ import annotations

import pytest
import torch

import smoothfn.functional as F
from smoothfn.runtime import twin_slices


@pytest.mark.parametrize("function", [F.smu, F.smu1])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_sliced_smu_matches_the_whole_tensor(function, dtype, monkeypatch):
    torch.manual_seed(0)
    x = (torch.randn(2 * twin_slices.slice_size() + 1000, dtype=torch.float64) * 3).to(dtype)
    x[:4] = torch.tensor([3e4, -3e4, 0.0, -1e3], dtype=torch.float64).to(dtype)
    g = torch.randn(x.shape).to(dtype)
    results = []
    for sliced in (True, False):
        if not sliced:
            monkeypatch.setattr(twin_slices, "applies", lambda *tensors: False)
        xr = x.clone().requires_grad_()
        parameter_dtype = torch.float64 if dtype == torch.float64 else torch.float32
        a = torch.tensor(0.01, dtype=parameter_dtype, requires_grad=True)
        m = torch.tensor(2.5, dtype=parameter_dtype, requires_grad=True)
        y = function(xr, a, m)
        y.backward(g)
        results.append((y, xr.grad, a.grad, m.grad))
    (y1, gx1, ga1, gm1), (y2, gx2, ga2, gm2) = results
    assert torch.equal(y1, y2) and torch.equal(gx1, gx2)
    tolerance = 1e-12 if dtype == torch.float64 else 1e-5
    torch.testing.assert_close(ga1, ga2, rtol=tolerance, atol=0)
    torch.testing.assert_close(gm1, gm2, rtol=tolerance, atol=0)
