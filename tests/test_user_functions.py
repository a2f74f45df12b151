"""User SymPy expressions go through the same derivation as the catalog."""

import mpmath
import pytest
import reference
import sympy as sp

from smoothfn import FUNCTIONS, derive
from smoothfn.catalog.functions import from_expression

x = sp.Symbol("x", real=True)


def test_hardswish_written_with_min_max_equals_the_catalog():
    user = derive(x * sp.Min(sp.Max(x / 6 + sp.Rational(1, 2), 0), 1), "gaussian")
    catalog = derive("hardswish", "gaussian")
    for t in (-4.0, -1.0, 0.5, 2.9, 7.0):
        assert user.evaluate(t, 0.8) == pytest.approx(float(catalog.evaluate(t, 0.8)), rel=1e-14)


@pytest.mark.parametrize("kernel", ["gaussian", "laplace", "triangular", "student_t2"])
def test_custom_piecewise_against_quadrature(kernel):
    expr = sp.Piecewise((-1 - x, x < -1), (x**2, x < 2), (3 * x - 2, True)) + sp.Heaviside(x - 3)
    d = derive(expr, kernel)
    fn = from_expression(expr)
    for w in (0.3, 2.0):
        for t in (-5.0, -1.0, 0.0, 1.7, 3.0, 9.0):
            expected = reference.convolution(fn, d.kernel, t, w, {})
            assert abs(d.evaluate(t, w) - expected) <= 1e-10 * max(1, abs(expected))


def test_symbol_without_assumptions_and_floor():
    y = sp.Symbol("y")
    d = derive(sp.Abs(y), "logistic")
    assert d.x.name == "y"
    assert float(d.evaluate(0, 1)) == pytest.approx(2 * float(mpmath.log(2)))
    assert derive(sp.floor(x), "gaussian").function.is_staircase


def test_parameters_of_a_user_expression():
    a = sp.Symbol("a", real=True)
    d = derive(sp.Piecewise((a * x, x < 0), (x, True)), "gaussian")
    assert "a" in d.params
    assert set(d.gradients) == {"x", "width", "a"}
    leaky = derive("leaky_relu", "gaussian")
    assert d.evaluate(-0.4, 0.5, a=0.15) == leaky.evaluate(-0.4, 0.5, alpha=0.15)
    assert FUNCTIONS["leaky_relu"].params
