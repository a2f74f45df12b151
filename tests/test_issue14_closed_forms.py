"""Issue 14, check: an integral SymPy cannot do is refused with NoClosedFormError, promptly.

Unevaluated integrals and special functions the code generators cannot evaluate are refused
(also in the staircase series, which did not check); a Gaussian piece of degree ≥ 4 no longer
runs SymPy's heuristic integrator for minutes (u^8·e^(−u²/2): a degree-9 piece seemed to hang).
"""

import time

import mpmath
import pytest
import sympy as sp

from smoothfn import derive
from smoothfn.catalog.kernels import Kernel, KernelPiece
from smoothfn.errors import NoClosedFormError, UnsupportedSpecialFunctionError

x = sp.Symbol("x")
u = Kernel.u
SECH = Kernel("sech", "hyperbolic secant", [KernelPiece(-sp.oo, sp.oo, 1 / (sp.pi * sp.cosh(u)))])
QUARTIC = Kernel("quartic_exp", "e^(-u^4)",
                 [KernelPiece(-sp.oo, sp.oo, 2 * sp.exp(-(u**4)) / sp.gamma(sp.Rational(1, 4)))])


@pytest.mark.parametrize("f, kernel", [("relu", SECH), ("hardswish", "logistic"), (sp.Max(x, 0) ** 2, "logistic")])
def test_integrals_sympy_cannot_do_are_refused(f, kernel):
    start = time.perf_counter()
    with pytest.raises(NoClosedFormError, match="not elementary"):
        derive(f, kernel)
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("f", ["relu", "floor"])
def test_special_functions_are_refused_in_series_too(f):
    """floor ∗ e^(−u⁴) returned a series of lowergamma terms; relu ∗ e^(−u⁴) was refused."""
    with pytest.raises(UnsupportedSpecialFunctionError, match="special function (lower)?gamma"):
        derive(f, QUARTIC)


def test_a_kernel_whose_cdf_closes_still_derives():
    d = derive("sign", SECH)
    assert not d.expr.has(sp.Integral)
    # sign ∗ sech at x = 0.5, w = 1: (4/π)·atan(tanh(1/4)), the CDF of the sech density (mpmath)
    assert float(d.evaluate(0.5, 1.0)) == pytest.approx(float(4 / mpmath.pi * mpmath.atan(mpmath.tanh(0.25))),
                                                         rel=1e-14)


@pytest.mark.parametrize("degree, expected", [
    (4, 1.1186777420281402), (6, 3.4978136389034518),  # E relu(0.4 − 0.7Y)^n, Y ~ N(0, 1), by mpmath.quad
])
def test_high_degree_gaussian_pieces_are_derived_promptly(degree, expected):
    start = time.perf_counter()
    d = derive(sp.Max(x, 0) ** degree, "gaussian")
    assert time.perf_counter() - start < 15
    assert not d.expr.has(sp.Integral)
    assert float(d.evaluate(0.4, 0.7)) == pytest.approx(expected, rel=1e-12)
