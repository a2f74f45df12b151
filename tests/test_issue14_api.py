"""Cases found from outside (issue 14) in the public API: smu1 beyond α = 1, the margin of
max_error=, tensor widths under torch.compile, hardswish, and compiled user functions that are
copied, pickled, given max_error= or kernel=."""

from __future__ import annotations

import copy
import math
import pickle

import mpmath
import pytest
import sympy as sp
import torch

import smoothfn
import smoothfn.functional as F
from smoothfn.errors import DivergentConvolutionError, NoClosedFormError, SmoothfnError


def _smu1_reference(x: float, alpha: float, mu: float) -> float:
    with mpmath.workdps(40):  # not mp.dps = 40: that would leak into the other tests of the worker
        x, a, m = mpmath.mpf(x), mpmath.mpf(alpha), mpmath.mpf(mu)
        return float(((1 + a) * x + mpmath.sqrt(((1 - a) * x) ** 2 + m**2)) / 2)


@pytest.mark.parametrize("alpha", [1.5, 3.0, 10.0, -0.5, 0.5])
def test_smu1_any_alpha_limits_and_no_cancellation(alpha):
    """SMU-1 with α > 1 gave NaN at x = −∞ (−∞ + ∞) and lost digits in fp32 left of 0."""
    x = torch.tensor([-math.inf, math.inf], dtype=torch.float64)
    value = F.smu1(x, alpha, 0.3)
    # x → −∞: αx for α < 1, x for α > 1 (the larger of the two slopes' limits)
    assert value.tolist() == [-math.inf if alpha > 0 else math.inf, math.inf]
    xs = [-1e4, -37.0, -2.5, -0.3, -1e-3, 1e-3, 0.3, 2.5, 37.0, 1e4]
    for dtype, rel in ((torch.float64, 1e-14), (torch.float32, 4e-7)):
        got = F.smu1(torch.tensor(xs, dtype=dtype), alpha, 0.3)
        for g, x_ in zip(got.tolist(), xs):
            expected = _smu1_reference(x_, alpha, 0.3)
            assert abs(g - expected) <= rel * abs(expected), (dtype, x_, g, expected)


def test_smu1_gradients_any_alpha():
    x = torch.tensor([-50.0, -2.0, -0.1, 0.0, 0.1, 2.0, 50.0], dtype=torch.float64, requires_grad=True)
    for alpha in (1.5, 4.0, 0.3):
        a = torch.tensor(alpha, dtype=torch.float64, requires_grad=True)
        m = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda x, a, m: F.smu1(x, a, m), (x, a, m))


@pytest.mark.parametrize("function", [F.relu, F.abs])
def test_max_error_keeps_a_margin(function):
    """One kink: the width chosen for max_error= gives a sup error ≤ max_error after rounding
    (it was exactly equal, ratios up to 1 + 1.2e-14)."""
    for error in (1e-3, 0.37, 1e-9):
        x = torch.zeros(1, dtype=torch.float64)  # the sup of f_w − f is at the kink
        sup = float(function(x, max_error=error))
        assert sup <= error
        assert sup >= error * (1 - 1e-8)


def test_compiled_tensor_width_out_of_range_gives_nan_not_a_wrong_number():
    """Eager refuses a tensor width ≤ 0; a compiled graph cannot raise on data, so it gives NaN
    (a negative width gave a negative 'relu', width 0 NaN at 0 only)."""
    f = torch.compile(lambda t, w: F.relu(t, width=w), fullgraph=True)
    x = torch.linspace(-1, 1, 5)
    for bad in (-0.1, 0.0, math.nan, math.inf):
        assert torch.isnan(f(x, torch.tensor(bad))).all()
    assert torch.equal(f(x, torch.tensor(0.5)), F.relu(x, width=0.5))
    with pytest.raises(smoothfn.InvalidWidthError):
        F.relu(x, width=torch.tensor(-0.1))


def test_hardswish_public_function():
    x = torch.linspace(-5, 5, 11, dtype=torch.float64)
    got = F.hardswish(x, width=1e-6)
    assert torch.allclose(got, torch.nn.functional.hardswish(x), atol=1e-6)
    # the middle piece x(x + 3)/6 ∗ gaussian at x = 0: E[(−wY)(3 − wY)]/6 = w²/6 (the kinks at ±3 = ±6w
    # change it by about 1e-9)
    assert float(F.hardswish(torch.zeros(1, dtype=torch.float64), width=0.5)) == pytest.approx(0.25 / 6, rel=1e-6)
    with pytest.raises(smoothfn.InvalidWidthError):
        F.hardswish(x, width=-1.0)
    with pytest.raises(SmoothfnError, match="degree 2"):
        F.hardswish(x, max_error=0.1)
    with pytest.raises(DivergentConvolutionError):
        F.hardswish(x, width=0.3, kernel="cauchy")
    with pytest.raises(NoClosedFormError):
        F.hardswish(x, width=0.3, kernel="logistic")


@pytest.fixture(scope="module")
def compiled_relu(tmp_path_factory):
    import os

    previous = os.environ.get("SMOOTHFN_CACHE")
    os.environ["SMOOTHFN_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    x = sp.Symbol("x")
    try:
        yield smoothfn.compile(sp.Max(x, 0) - sp.Max(x - 2, 0), kernel="laplace")
    finally:
        if previous is None:
            del os.environ["SMOOTHFN_CACHE"]
        else:
            os.environ["SMOOTHFN_CACHE"] = previous


def test_compiled_function_copies_and_pickles(compiled_relu):
    x = torch.linspace(-3, 5, 17, dtype=torch.float64)
    expected = compiled_relu(x, width=0.4)
    for copied in (copy.deepcopy(compiled_relu), pickle.loads(pickle.dumps(compiled_relu))):
        assert torch.equal(copied(x, width=0.4), expected)
    model = torch.nn.Module()
    model.smooth = compiled_relu
    assert torch.equal(copy.deepcopy(model).smooth(x, width=0.4), expected)


def test_compiled_function_max_error_and_kernel(compiled_relu):
    """A compiled clamp-like function takes max_error= (two kinks of slope jump 1: the width is
    max_error/(E|Y|/2), E|Y| = 1 for laplace) and names its kernel when given another."""
    x = torch.linspace(-3, 5, 8001, dtype=torch.float64)
    exact = torch.clamp(x, 0, 2)
    for error in (0.05, 0.2):
        got = compiled_relu(x, max_error=error)
        sup = float((got - exact).abs().max())
        assert sup <= error and sup >= 0.99 * error
    assert torch.equal(compiled_relu(x, width=0.3, kernel="laplace"), compiled_relu(x, width=0.3))
    with pytest.raises(SmoothfnError, match="compiled for the laplace kernel"):
        compiled_relu(x, width=0.3, kernel="gaussian")
    with pytest.raises(SmoothfnError, match="give exactly one|width"):
        compiled_relu(x)
