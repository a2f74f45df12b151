"""Issue 14, item 7: the error figures are claimed only where they hold.

derive(Abs(x)**3) claimed uniform convergence and a sup error of 0.972 at w = 0.3 (the edge of the
±12w search window); f_w − f = 3|x|w² + o(1) there, so the sup error is infinite. The Cauchy
pairs claimed an error proportional to w (w·E|Y| = w·oo); it grows like w·log(1/w)/π. Siblings:
quadratic end pieces (a tail limit w²·Var Y, an infinite L¹ error), polynomials, and heavy-tailed
kernels whose L¹ error the documents printed as a finite number (clamp ∗ cauchy 56.6, hardswish ∗
student_t2 18.0, where f_w − f decays like 1/x).
"""

import math
from pathlib import Path

import pytest
import sympy as sp

from smoothfn import derive

x = sp.Symbol("x")
a = sp.Symbol("a")
DERIVATIONS = Path(__file__).resolve().parent.parent / "derivations"


@pytest.mark.parametrize("expr, kernel", [
    *[(sp.Abs(x) ** 3, k) for k in ("gaussian", "laplace", "uniform", "triangular")],
    (x**3, "gaussian"), (x**4, "uniform"), (sp.Max(x, 0) ** 3, "laplace"), (sp.Max(x, 0) ** 3, "epanechnikov"),
    (sp.Piecewise((x**3, x < 0), (x**3 + 1, True)), "gaussian"),
])
def test_growing_tail_errors_make_the_sup_error_infinite(expr, kernel):
    d = derive(expr, kernel)
    assert d.sup_error == sp.oo and d.l1_error == sp.oo
    assert not d.sup_error_vanishes
    assert "grows without bound" in d.error_statement and "uniformly as w → 0" not in d.error_statement
    assert d.measure_sup_error(0.3) == math.inf and d.sup_error_at(0.3) == math.inf
    assert d.measure_l1_error(0.3) == math.inf


def test_abs_cubed_tail_error_is_named():
    """E|x − wY|³ − |x|³ = 3w²·Var Y·|x| + o(1) (Var Y = 1 for the gaussian)."""
    d = derive(sp.Abs(x) ** 3)
    assert "3*w**2*x + o(1) as x → +∞" in d.error_statement
    assert "-3*w**2*x + o(1) as x → −∞" in d.error_statement
    g, f = d.numeric(0.3), d.numeric_function()
    assert float(g(100) - f(100)) == pytest.approx(3 * 0.09 * 100, rel=1e-9)  # exact up to e^(−x²/2w²)
    assert "uniformly on bounded sets" in d.markdown()


def test_a_parameter_that_may_switch_the_growth_off():
    d = derive(a * sp.Abs(x) ** 3)
    assert d.sup_error is None and not d.sup_error_vanishes
    assert d.error_statement.startswith("Where a ≠ 0, f_w − f grows without bound")
    assert d.measure_sup_error(0.3, a=0.5) == math.inf and d.measure_l1_error(0.3, a=-2.0) == math.inf


@pytest.mark.parametrize("kernel, variance", [("gaussian", 1.0), ("uniform", 1 / 3), ("epanechnikov", 0.2)])
def test_quadratic_end_pieces_have_a_tail_limit(kernel, variance):
    """relu² ∗ k − relu² tends to w²·Var Y as x → +∞ and stays below it: the sup is that limit."""
    d = derive(sp.Max(x, 0) ** 2, kernel)
    assert d.sup_error_vanishes and d.l1_error == sp.oo
    assert "tends to" in d.error_statement and "L¹ error is infinite" in d.error_statement
    assert d.measure_sup_error(0.3) == pytest.approx(0.09 * variance, rel=1e-9)
    assert d.measure_l1_error(0.3) == math.inf


def test_polynomials():
    square = derive(x**2)
    assert square.sup_error == square.width**2 and square.l1_error == sp.oo
    assert square.sup_error_vanishes and "f_w − f = w**2 everywhere" in square.error_statement
    linear = derive(x + a, "laplace")
    assert linear.sup_error == 0 and linear.l1_error == 0
    assert "f_w = f exactly" in linear.error_statement
    assert "proportional to w" not in linear.error_statement


@pytest.mark.parametrize("f", ["clamp", "hardtanh", "relu6", "hardsigmoid"])
def test_cauchy_kinks_are_not_order_w(f):
    d = derive(f, "cauchy")
    assert "proportional to w" not in d.error_statement and "w·oo" not in d.error_statement
    assert "|Δ|·w·log(1/w)/pi" in d.error_statement
    assert d.measure_l1_error(1.0) == math.inf
    assert "L¹ error is infinite" in d.error_statement
    assert d.l1_error == (None if f == "clamp" else sp.oo)  # clamp: infinite where hi ≠ lo


def test_hardtanh_cauchy_sup_error_grows_like_w_log_one_over_w():
    """sup/w from the closed form (mpmath, 30 digits): 2.0048180 at w = 1e-2 and 3.4706879 at 1e-4;
    the difference is log(100)/π = 1.4658712 to 3 digits, as |Δ|·w·log(1/w)/π with Δ = 1."""
    d = derive("hardtanh", "cauchy")
    small, smaller = d.sup_error_at(1e-2) / 1e-2, d.sup_error_at(1e-4) / 1e-4
    assert small == pytest.approx(2.004818010376535, rel=1e-9)
    assert smaller == pytest.approx(3.4706878819873803, rel=1e-9)
    assert smaller - small == pytest.approx(math.log(100) / math.pi, rel=2e-3)


def test_heavy_tails_and_the_l1_error():
    """x·(f_w − f) at x = 1e4, w = 1: 0.25 for hardswish ∗ student_t2, −2/π for clamp ∗ cauchy (not
    integrable); −5e−5 for clamp ∗ student_t2, which decays like 1/x² (integrable)."""
    hardswish = derive("hardswish", "student_t2")
    assert hardswish.l1_error == sp.oo and hardswish.measure_l1_error(1.0) == math.inf
    g, f = hardswish.numeric(1.0), hardswish.numeric_function()
    assert float(1e4 * (g(1e4) - f(1e4))) == pytest.approx(0.25, rel=1e-4)
    clamp = derive("clamp", "student_t2")
    assert clamp.l1_error is None and math.isfinite(clamp.measure_l1_error(1.0))
    assert "L¹" not in clamp.error_statement


def test_relu_errors_are_unchanged():
    d = derive("relu", "gaussian")
    assert d.sup_error == d.width / sp.sqrt(2 * sp.pi) and d.l1_error == d.width**2 / 2
    assert d.error_statement == ("f is continuous, so f_w → f uniformly as w → 0; the error is proportional to w "
                                 "(w·E|Y| = w·sqrt(2)/sqrt(pi) sets the scale).")


def test_committed_documents_make_no_false_claims():
    texts = {p.name: p.read_text(encoding="utf-8") for p in DERIVATIONS.glob("*.md")}
    assert not [name for name, text in texts.items() if "w·oo" in text]
    for f in ("clamp", "hardtanh", "relu6", "hardsigmoid"):
        assert "log(1/w)" in texts[f"{f}_cauchy.md"]
    assert "56.6065" not in texts["clamp_cauchy.md"] and "17.9673" not in texts["hardswish_student_t2.md"]
