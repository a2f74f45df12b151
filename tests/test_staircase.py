"""The torch twin of floor_w and round_w against the derivation's mpmath series, and its numerics.

The series values (45 digits) and the quadratures are stored in tests/data/ (tests/reference_data.py,
``python tools/make_test_data.py``)."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp
import torch
from helpers import by_width, records

import smoothfn.functional as F
from smoothfn import KERNELS
from smoothfn.runtime.pairs import catalog_pair as module_for

# fp64 relative tolerance (absolute floor 1e-13·(1 + |x|)); student_t2 uses a truncated series
# with a midpoint-rule tail
TOLERANCE = {k: 1e-12 for k in KERNELS} | {"student_t2": 1e-5}


def on_density_edge(kernel: str, x: float, w: float) -> bool:
    """The uniform density jumps at ±1: where (x − n)/w = ±1 the derivatives are one-sided."""
    near = range(math.floor(x - w) - 1, math.floor(x + w) + 2)
    return kernel == "uniform" and any(abs(abs(x - n) - w) < 1e-9 for n in near)


SERIES_KERNELS = [k for k in KERNELS if k != "cauchy"]  # floor ∗ cauchy diverges


@pytest.mark.parametrize("function", ["floor", "round"])
@pytest.mark.parametrize("kernel", SERIES_KERNELS)
def test_value_and_derivatives_match_the_series(function, kernel):
    """Against the derivation's series at 45 digits and its central differences (stored)."""
    module = module_for(function, kernel)
    rel = TOLERANCE[kernel]
    widths = by_width(records("staircase_series", function, kernel))
    assert len(widths) == 8
    for w, rows in widths.items():
        xs = [row[0] for row in rows]
        x = torch.tensor(xs, dtype=torch.float64)
        wt = torch.tensor(w, dtype=torch.float64)
        got = [module.forward(x, wt), *module.backward(x, wt)]
        for i, name in enumerate(("value", "d/dx", "d/dw")):
            for xv, g, row in zip(xs, got[i].tolist(), rows):
                if name != "value" and on_density_edge(kernel, xv + (0.5 if function == "round" else 0), w):
                    continue
                e = float(row[2 + i])
                scale = 1 if name == "value" else 1 / w
                assert abs(g - e) <= rel * abs(e) + max(rel, 1e-13) * (1 + abs(xv)) * scale, f"{name} at x={xv}, w={w}"


@pytest.mark.parametrize("kernel", SERIES_KERNELS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_extremes_monotone_and_fp32(kernel, dtype):
    module = module_for("floor", kernel)
    special = torch.tensor([-1e30, 1e30, -math.inf, math.inf, math.nan])
    x = torch.cat([torch.linspace(-4, 4, 4001, dtype=torch.float64), special])
    for w in (1e-6, 1e-3, 0.3, 1.0, 7.0, 1e3):
        wt = torch.tensor(w, dtype=dtype)
        v = module.forward(x.to(dtype), wt)
        dx, dw = module.backward(x.to(dtype), wt)
        assert torch.isnan(v[-1]) and not torch.isnan(v[:-1]).any(), f"w={w}"
        assert not torch.isnan(dx[:-1]).any() and not torch.isnan(dw[:-1]).any()
        assert v[-3] == -math.inf and v[-2] == math.inf
        assert (dx[:-1] >= 0).all()
        assert (torch.diff(v[:4001]) >= -4 * torch.finfo(dtype).eps).all(), f"not monotone at w={w}"
        v64 = module.forward(x[:4001], torch.tensor(w, dtype=torch.float64))
        atol = 1e-5 if kernel != "student_t2" else 1e-4  # 48 terms summed in fp32
        assert torch.allclose(v[:4001].double(), v64, rtol=0, atol=atol), f"fp32 vs fp64 at w={w}"
    # far from the origin floor_w(x) − x stays bounded and exact at fp32/fp64 integers
    far = module.forward(torch.tensor([1e30], dtype=dtype), torch.tensor(0.5, dtype=dtype))
    assert float(far) == pytest.approx(1e30, rel=1e-6)


def test_characteristic_functions_against_quadrature():
    from smoothfn.runtime.staircase import _phi

    def transform(pdf, t):
        return 2 * mpmath.quad(lambda u: mpmath.cos(t * u) * float(pdf(u)), [0, 10, 40, mpmath.inf])

    for kernel in ("gaussian", "logistic"):
        for t in (0.0, 0.3, 1.0, 2.5, 6.0):
            expected = transform(KERNELS[kernel].pdf, t)
            phi, _ = _phi(kernel, torch.tensor(t, dtype=torch.float64))
            assert float(phi) == pytest.approx(float(expected), rel=1e-9, abs=1e-12)


def test_functional_floor_round_and_compile():
    x = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w: F.floor(x, width=w), (x, w))
    assert torch.autograd.gradcheck(lambda x, w: F.round(x, width=w, kernel="logistic"), (x, w))
    shifted = x.detach() + 0.5
    off_jumps = x.detach()[(shifted - torch.floor(shifted) - 0.5).abs() < 0.45]  # away from round's jumps
    assert torch.allclose(F.round(off_jumps, width=1e-4), torch.floor(off_jumps + 0.5), atol=1e-12)
    torch._dynamo.reset()
    compiled = torch.compile(lambda x: F.floor(x, width=0.4, kernel="laplace").sum(), fullgraph=True)
    xs = x.detach().clone().requires_grad_()
    compiled(xs).backward()
    ys = x.detach().clone().requires_grad_()
    F.floor(ys, width=0.4, kernel="laplace").sum().backward()
    assert torch.allclose(xs.grad, ys.grad, rtol=1e-12)


def test_refusals():
    from smoothfn.errors import DivergentConvolutionError, InvalidWidthError

    with pytest.raises(InvalidWidthError, match="width"):
        F.floor(torch.zeros(3), width=-1.0, kernel="triangular")
    with pytest.raises(DivergentConvolutionError):
        F.round(torch.zeros(3), width=0.5, kernel="cauchy")


@pytest.mark.parametrize("function", ["floor", "round"])
@pytest.mark.parametrize("kernel", ["uniform", "triangular", "epanechnikov"])
def test_wide_closed_form_of_compact_kernels_against_quadrature(function, kernel):
    """w ≥ 1: the finite Bernoulli sum of smoothfn.derivation.staircase (no width limit) against
    E⌊x − wY⌋ by quadrature over the intervals where the floor is constant, with its derivatives by
    central differences of the quadrature (stored: tests/reference.py's staircase_quadrature)."""
    module = module_for(function, kernel)
    shift = 0.5 if function == "round" else 0.0
    widths = by_width(records("staircase_wide", function, kernel))
    assert list(widths) == [1.0, 2.5, 11.5, 40.0, 333.3]
    for w, rows in widths.items():
        xs = [row[0] for row in rows]
        x = torch.tensor(xs, dtype=torch.float64)
        wt = torch.tensor(w, dtype=torch.float64)
        value, (dx, dw) = module.forward(x, wt), module.backward(x, wt)
        for i, (xv, _, exact, slope_x, slope_w) in enumerate(rows):
            assert abs(float(value[i]) - float(exact)) <= 1e-12 * (1 + abs(xv)), (kernel, w, xv)
            if not on_density_edge(kernel, xv + shift, w):
                assert float(dx[i]) == pytest.approx(float(slope_x), abs=1e-7), (kernel, w, xv, "d/dx")
                assert float(dw[i]) == pytest.approx(float(slope_w), abs=1e-7), (kernel, w, xv, "d/dw")


def test_knot_jumps_of_the_compact_kernels():
    from smoothfn.derivation.staircase import knot_jumps
    from smoothfn.errors import NoClosedFormError

    assert knot_jumps(KERNELS["uniform"]) == [(-1, 0, sp.Rational(1, 2)), (1, 0, -sp.Rational(1, 2))]
    assert knot_jumps(KERNELS["triangular"]) == [(-1, 1, 1), (0, 1, -2), (1, 1, 1)]
    jumps = knot_jumps(KERNELS["epanechnikov"])
    assert jumps == [(-1, 1, sp.Rational(3, 2)), (-1, 2, -sp.Rational(3, 2)), (1, 1, sp.Rational(3, 2)),
                     (1, 2, sp.Rational(3, 2))]
    for kernel in ("gaussian", "student_t2"):
        with pytest.raises(NoClosedFormError, match="not compact"):
            knot_jumps(KERNELS[kernel])


def test_wide_widths_are_accepted_by_the_functional_api():
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    for kernel in ("triangular", "epanechnikov"):
        value = F.floor(x, width=25.0, kernel=kernel)
        assert torch.allclose(value, module_for("floor", kernel).forward(x, torch.tensor(25.0, dtype=torch.float64)))


@pytest.mark.parametrize("kernel", ["gaussian", "logistic", "laplace", "uniform", "student_t2", "epanechnikov",
                                    "triangular"])
def test_jumps_keep_their_precision_at_tiny_widths(kernel):
    """Just below the jump of floor at 0, and at the jumps of round at 1/2 and 3/2, the distance to
    the jump is exact (staircase_series._split): 1 − r or x + 1/2 rounded first had put ε/w into
    the argument of the jump's term (fp32 floor ∗ gaussian at w = 1e-6: 1.2e-2 off). fp32 against
    fp64 at the same inputs, values and ∂/∂x relative to their scale, at the ends of the fp32 range
    too (from 2^23 on, x is an integer and round's half-integer jumps are half a unit away)."""
    for function, jump in (("floor", 0.0), ("floor", 1.0), ("round", 0.5), ("round", 1.5), ("round", -0.5)):
        for w in (1e-6, 1e-5, 1e-3):
            x32 = jump + torch.tensor([-3.0, -0.7, -0.5, 0.0, 0.5, 0.7, 3.0]) * w  # not at a knot of k
            x32 = torch.cat([x32, torch.nextafter(torch.tensor([jump, jump]), torch.tensor([-1.0, 2.0])),
                             torch.tensor([2.0**23, -(2.0**23) - 1, 2.0**24])])
            x64 = x32.double().requires_grad_()
            x32 = x32.requires_grad_()
            call = getattr(F, function)
            v32, v64 = call(x32, width=w, kernel=kernel), call(x64, width=w, kernel=kernel)
            (d32,), (d64,) = torch.autograd.grad(v32.sum(), x32), torch.autograd.grad(v64.sum(), x64)
            assert ((v32.double() - v64).abs() <= 4e-7 * (v64.abs() + 1)).all(), (function, jump, w, v32, v64)
            assert ((d32.double() - d64).abs() <= 2e-6 * (d64.abs() + 1 / w)).all(), (function, jump, w)
