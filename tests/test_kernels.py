"""The kernel catalog: densities, CDFs and moments against mpmath quadrature."""

import mpmath
import pytest
import sympy as sp

from smoothfn import KERNELS

EXPECTED = {  # (E|Y|, Var) of the standard densities, from the literature (MATH.md §5.2)
    "gaussian": (sp.sqrt(2 / sp.pi), 1),
    "logistic": (2 * sp.log(2), sp.pi**2 / 3),
    "cauchy": (sp.oo, sp.oo),
    "laplace": (1, 2),
    "uniform": (sp.Rational(1, 2), sp.Rational(1, 3)),
    "student_t2": (1, sp.oo),
    "epanechnikov": (sp.Rational(3, 8), sp.Rational(1, 5)),
    "triangular": (sp.Rational(1, 3), sp.Rational(1, 6)),
}


def test_catalog_names():
    assert set(EXPECTED) <= set(KERNELS)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_moments(name):
    k = KERNELS[name]
    mean_abs, variance = EXPECTED[name]
    assert sp.simplify(k.mean_abs - mean_abs) == 0 if mean_abs != sp.oo else k.mean_abs == sp.oo
    assert sp.simplify(k.variance - variance) == 0 if variance != sp.oo else k.variance == sp.oo
    if variance != sp.oo:
        assert sp.simplify(k.std - sp.sqrt(variance)) == 0
    assert k.symmetric
    assert k.has_finite_moment(0)
    assert k.has_finite_moment(1) == (mean_abs != sp.oo)
    assert k.has_finite_moment(2) == (variance != sp.oo)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_density_and_cdf_against_quadrature(name):
    with mpmath.workdps(30):
        _check_density_and_cdf(name)


def _check_density_and_cdf(name):
    k = KERNELS[name]
    pdf = sp.lambdify(k.u, k.density, "mpmath")
    cdf = sp.lambdify(k.z, k.cdf_expr, "mpmath")
    lo, hi = (float(b) if b.is_finite else (-mpmath.inf if b < 0 else mpmath.inf) for b in k.support)
    breaks = [float(p.hi) for p in k.pieces[:-1]]
    assert mpmath.quad(pdf, [lo, *breaks, hi]) == pytest.approx(1, abs=1e-14)
    for z in (-7.5, -2.0, -0.6, 0.0, 0.3, 1.0, 4.0):
        upper = min(z, hi) if hi != mpmath.inf else z
        cuts = [b for b in breaks if lo < b < upper]
        expected = 0 if upper <= lo else mpmath.quad(pdf, [lo, *cuts, upper])
        assert cdf(z) == pytest.approx(float(expected), abs=1e-13)
    assert k.pdf(0) == k.density.subs(k.u, 0)


def test_logistic_second_antiderivative_is_refused_with_its_reason():
    from smoothfn.errors import NoClosedFormError

    with pytest.raises(NoClosedFormError, match="polylog"):
        KERNELS["logistic"].antiderivative(2)
