"""smoothfn.approximation_error / convergence / compare_kernels: the measured errors against the
closed forms, the fitted orders, heavy tails, jumps and user functions."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import sympy as sp

import smoothfn
from smoothfn.analysis import approximation_error, convergence, equal_scale_width
from smoothfn.analysis.compare import compare_kernels
from smoothfn.errors import DivergentPairError

PLOTS = Path(__file__).resolve().parent.parent / "plots" / "data"
WIDTH = 0.1  # the representative width (one of the gallery's error widths)
ACCURACY = 1e-7  # the stated accuracy is 1e-9 relative (1e-6 where a heavy tail is fitted)
HEAVY = ("cauchy", "student_t2")


def _closed_forms():
    """(function, kernel, predicted sup, predicted L¹) at WIDTH from the committed gallery data:
    smoothfn.derive's closed forms, evaluated by the gallery generator (tests/test_gallery.py checks
    them against derive in the exhaustive tier)."""
    out = []
    for path in sorted(PLOTS.glob("error_*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        index = min(range(len(data["widths"])), key=lambda i: abs(data["widths"][i] - WIDTH))
        assert data["widths"][index] == pytest.approx(WIDTH)
        for kernel, row in data["kernels"].items():
            sup, l1 = row["predicted_sup"][index], row["predicted_l1"][index]
            if sup is not None or l1 is not None:
                out.append(pytest.param(data["function"], kernel, sup, l1, id=f"{data['function']}-{kernel}"))
    return out


CLOSED_FORMS = _closed_forms()


def test_every_pair_with_a_closed_form_is_checked():
    # 89 generated pairs + 14 staircase pairs, less those without any closed form (hardswish)
    assert len(CLOSED_FORMS) >= 90


@pytest.mark.parametrize(("function", "kernel", "sup", "l1"), CLOSED_FORMS)
def test_measured_errors_agree_with_the_closed_forms(function, kernel, sup, l1):
    r = approximation_error(function, kernel, width=WIDTH, predict=False)
    tolerance = 1e-6 if kernel in HEAVY else ACCURACY
    if sup is not None:
        if sup == "inf":
            assert r.sup == math.inf
        else:
            assert r.sup == pytest.approx(sup, rel=tolerance, abs=1e-15)
    if l1 is not None:
        if r.l1_per_period is not None:  # floor, round: infinite over the line
            assert l1 == "inf" and r.l1 == math.inf
        elif l1 == "inf":
            assert r.l1 == math.inf, "the closed form says the L1 error diverges"
        else:
            assert r.l1 == pytest.approx(l1, rel=tolerance, abs=1e-15)


def test_closed_forms_are_attached():
    r = approximation_error("relu", "gaussian", width=0.5)
    assert r.predicted_sup == pytest.approx(0.5 / math.sqrt(2 * math.pi), rel=1e-14)
    assert r.predicted_l1 == pytest.approx(0.125, rel=1e-14)
    assert r.sup == pytest.approx(r.predicted_sup, rel=1e-10) and r.argmax == 0.0 and r.sup_attained
    assert r.l1 == pytest.approx(0.125, rel=1e-10)
    assert "closed form" in str(r)
    clamp = approximation_error("clamp", "gaussian", width=0.3, lo=-0.5, hi=2.0)
    assert clamp.params == {"lo": -0.5, "hi": 2.0}
    assert clamp.sup == pytest.approx(clamp.predicted_sup, rel=1e-9)
    assert approximation_error("hardswish", "gaussian", width=0.2).predicted_sup is None


def test_relu_l2_against_quadrature():
    """L² has no closed form in the library: check relu ∗ uniform, ∫e² = 2∫_0^h ((h−x)²/(4h))² dx."""
    h = 0.4
    r = approximation_error("relu", "uniform", width=h, predict=False)
    assert r.l2 == pytest.approx(math.sqrt(h**3 / 40), rel=1e-10)


@pytest.mark.parametrize("kernel", ["gaussian", "logistic", "uniform"])
def test_fitted_orders_of_a_kink(kernel):
    c = convergence("relu", kernel, widths=[0.4, 0.2, 0.1, 0.05], predict=False)
    assert c.order_sup == pytest.approx(1.0, abs=1e-6)
    assert c.order_l1 == pytest.approx(2.0, abs=1e-6)
    assert c.order_l2 == pytest.approx(1.5, abs=1e-6)
    assert "fitted order" in c.table()


@pytest.mark.parametrize("kernel", ["gaussian", "laplace", "student_t2"])
def test_fitted_orders_of_a_jump(kernel):
    c = convergence("sign", kernel, widths=[0.4, 0.2, 0.1, 0.05], predict=False)
    assert c.order_sup == pytest.approx(0.0, abs=1e-9)  # half the jump at every width
    assert c.order_l1 == pytest.approx(1.0, abs=1e-6)  # 2·w·E|Y|
    assert all(not r.sup_attained and r.argmax == 0.0 for r in c.reports)


def test_heavy_tails():
    relu = approximation_error("relu", "student_t2", width=0.2, predict=False)
    assert relu.l1 == math.inf and math.isfinite(relu.l2)  # e ~ w²/(4x): L¹ diverges, L² does not
    assert relu.tail_exponent == pytest.approx(1.0, abs=1e-3)
    sign = approximation_error("sign", "student_t2", width=0.2, predict=False)
    assert sign.l1 == pytest.approx(2 * 0.2, rel=1e-9)  # fitted tail beyond 8192 w
    assert sign.tail_exponent == pytest.approx(2.0, abs=1e-3)
    cauchy = approximation_error("sign", "cauchy", width=0.2, predict=False)
    assert cauchy.l1 == math.inf and cauchy.sup == pytest.approx(1.0)
    # L² of sign ∗ cauchy (e = (2/π)·acot(x/w) − 0 on x > 0, odd): by quadrature
    import mpmath

    exact = 2 * mpmath.quad(lambda x: (1 - 2 / mpmath.pi * mpmath.atan(x / 0.2)) ** 2, [0, 1, mpmath.inf])
    assert cauchy.l2 == pytest.approx(math.sqrt(float(exact)), rel=1e-6)


def test_staircases():
    r = approximation_error("floor", "gaussian", width=0.05, predict=False)
    assert r.sup == pytest.approx(0.5) and not r.sup_attained and r.l1 == math.inf
    # per period, for small w, ≈ w·E|Y| (one jump's L¹)
    assert r.l1_per_period == pytest.approx(0.05 * math.sqrt(2 / math.pi), rel=1e-9)


def test_user_expressions():
    x = sp.Symbol("x")
    ramp = sp.Max(x, 0) - sp.Max(x - 2, 0)
    r = approximation_error(ramp, "uniform", width=0.3)
    assert r.sup == pytest.approx(0.3 / 4, rel=1e-10) and r.predicted_sup == pytest.approx(0.075, rel=1e-12)
    compiled = smoothfn.compile(ramp, "uniform")
    again = approximation_error(compiled, width=0.3, predict=False)
    assert again.kernel == "uniform" and again.sup == pytest.approx(r.sup, rel=1e-12)
    assert approximation_error(smoothfn.FUNCTIONS["relu"], width=0.3, predict=False).function == "relu"


def test_refusals():
    with pytest.raises(DivergentPairError):
        approximation_error("relu", "cauchy", width=0.1)
    with pytest.raises(smoothfn.UnknownKernelError):
        approximation_error("relu", "boxcar", width=0.1)
    with pytest.raises(smoothfn.UnknownFunctionError):
        approximation_error("relux", width=0.1)
    with pytest.raises(smoothfn.InvalidWidthError):
        approximation_error("relu", width=-1.0)
    with pytest.raises(smoothfn.SmoothfnError, match="no parameter"):
        approximation_error("relu", width=0.1, alpha=0.2)


def test_equal_scale_widths():
    assert equal_scale_width("gaussian", 0.3) == (pytest.approx(0.3), "std")
    assert equal_scale_width("logistic", 1.0)[0] == pytest.approx(math.sqrt(3) / math.pi)
    assert equal_scale_width("cauchy", 1.0) == (pytest.approx(0.6744897501960817), "iqr")
    assert equal_scale_width("student_t2", 1.0)[0] == pytest.approx(0.6744897501960817 * math.sqrt(3))


def test_kernel_comparison():
    c = compare_kernels("relu", width=0.1, scale=0.1)
    assert "cauchy" in c.refused
    assert c.winners("equal_width", "sup") == ["triangular"]
    assert c.winners("equal_scale", "sup") == ["laplace"]  # E|Y|/(2·std) is smallest for Laplace: 0.354
    assert len(c.winners("equal_scale", "l1")) == 6  # Var(Y)·w²/2 = σ²/2 for every finite variance
    sign = compare_kernels("sign", width=0.1, scale=0.1)
    assert sign.winners("equal_scale", "sup") == list(sign.equal_scale)  # every kernel: half the jump
    assert sign.winners("equal_scale", "l1") == ["laplace"]  # 2·E|Y|/std: Laplace √2 is the smallest
    table = c.table()
    assert "laplace" in table and "interquartile" in table


def test_docstring_examples():
    import doctest

    import smoothfn.analysis.compare
    import smoothfn.analysis.error

    for module in (smoothfn.analysis.error, smoothfn.analysis.compare):
        assert doctest.testmod(module).failed == 0, module.__name__
