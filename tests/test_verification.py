"""Every converging catalog pair: closed form = independent quadrature, derivatives = finite
differences of it, w → 0 recovers f, and the closed-form error figures = the measured ones.

The quadrature and the finite differences are stored in tests/data/ (tests/reference_data.py,
``python tools/make_test_data.py``): 108 points per pair at three widths; the default tier
compares the closed form at 21 of them, the slow tier (``pytest -m slow``) at all.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from helpers import REFUSED, derive, records

from smoothfn import FUNCTIONS, KERNELS
from smoothfn import derive as derive_uncached
from smoothfn.errors import DivergentConvolutionError, NoClosedFormError

REL = 1e-10
# Where the exact value is below 1e-30 of the scale of x (deep in a Gaussian tail: 1e-160 and
# less) quadrature itself has no 10 correct digits, so the comparison becomes absolute there.
ABS_FLOOR = 1e-30
# the default tier's points, per width (reference.sample_points: 32 sinh-spaced offsets up to ±30
# widths, then the far points ∓1e3·(1 + w), then two near the centre): both tails, the centre,
# the far points and one of the near ones
SAMPLE = (0, 10, 16, 22, 32, 33, 34)

PAIRS = [(f, k) for f in FUNCTIONS for k in KERNELS]
CONVERGING = [p for p in PAIRS if p not in REFUSED]


@pytest.mark.parametrize("f,k", PAIRS)
def test_every_pair_is_derived_or_refused(f, k):
    if (f, k) in REFUSED:
        with pytest.raises((DivergentConvolutionError, NoClosedFormError)):
            derive_uncached(f, k)
    else:
        derive(f, k)


def _closed_form_against_quadrature(f, k, rows, record_property):
    d = derive(f, k)
    worst = 0.0
    with mpmath.workdps(30):
        for x, w, value in rows:
            expected = mpmath.mpf(value)
            got = d.evaluate(x, w)
            scale = max(abs(expected), ABS_FLOOR * (1 + abs(x)))
            error = float(abs(got - expected) / scale)
            worst = max(worst, error)
            assert error <= REL, f"{f} ∗ {k} at x={x}, w={w}: {got} vs quadrature {expected}"
    record_property("largest_relative_error", worst)


@pytest.mark.parametrize("f,k", CONVERGING)
def test_closed_form_matches_quadrature(f, k, record_property):
    rows = records("quadrature", f, k)
    assert len(rows) == 3 * 36
    _closed_form_against_quadrature(f, k, [r for i, r in enumerate(rows) if i % 36 in SAMPLE], record_property)


@pytest.mark.slow
@pytest.mark.parametrize("f,k", CONVERGING)
def test_closed_form_matches_quadrature_at_every_point(f, k, record_property):
    _closed_form_against_quadrature(f, k, records("quadrature", f, k), record_property)


@pytest.mark.parametrize("f,k", CONVERGING)
def test_derivatives_match_finite_differences(f, k):
    """∂f_w/∂v of the closed form (x, w and every parameter) against central differences of the
    quadrature (stored)."""
    d = derive(f, k)
    rows = records("derivatives", f, k)
    assert rows
    with mpmath.workdps(50):
        for row in rows:
            x, w = mpmath.mpf(row["x"]), mpmath.mpf(row["w"])
            params = {name: mpmath.mpf(v) for name, v in row["params"].items()}
            assert set(row["gradients"]) == set(d.variables)
            for name, value in row["gradients"].items():
                numeric = mpmath.mpf(value)
                closed = d.numeric_gradient(name, w, **params)(x)
                assert abs(closed - numeric) <= 1e-9 * max(1, abs(numeric)), (
                    f"∂/∂{name} of {f} ∗ {k} at x={x}, w={w}: {closed} vs {numeric}"
                )


@pytest.mark.parametrize("f,k", CONVERGING)
def test_small_width_recovers_f_away_from_kinks(f, k):
    d = derive(f, k)
    fn = FUNCTIONS[f]
    g = d.numeric(1e-6)
    f_exact = d.numeric_function()
    symbols = {fn.params[n]: v for n, v in fn.defaults.items()}
    kinks = [float(c.subs(symbols)) for c in fn.breakpoints]
    for x in (-7.3, -2.6, -0.4, 0.35, 1.45, 2.7, 5.55, 8.2):
        if fn.is_staircase:
            frac = (x + float(fn.staircase_shift)) % 1
            if min(frac, 1 - frac) < 0.05:
                continue
        elif any(abs(x - c) < 0.05 for c in kinks):
            continue
        assert abs(g(x) - f_exact(x)) < 1e-5, f"{f} ∗ {k} at w=1e-6, x={x}"


@pytest.mark.parametrize("f,k", CONVERGING)
def test_closed_form_errors_match_measurement(f, k):
    d = derive(f, k)
    for w in (0.1, 1.0, 3.0):
        measured = d.measure_sup_error(w)
        if d.sup_error is not None:
            closed = float(d.sup_error.subs(d.width, w).subs(d._symbol_values({})))
            assert measured == pytest.approx(closed, rel=1e-6, abs=1e-12), f"sup error at w={w}"
        if d.l1_error is not None and d.l1_error != sp.oo:
            closed = float(d.l1_error.subs(d.width, w).subs(d._symbol_values({})))
            assert d.measure_l1_error(w) == pytest.approx(closed, rel=1e-6), f"L1 error at w={w}"
    if d.sup_error_vanishes:
        assert d.measure_sup_error(1e-3) < 0.01
    else:
        assert d.measure_sup_error(1e-3) >= 0.49


def test_measured_sup_error_needs_no_extreme_precision():
    """measure_sup_error probes floor_w near its jumps, not halfway between them, where f_w − f and
    f_w itself vanish exactly; and it needs f_w only to an absolute accuracy, so a zero (sign_w(0))
    settles at once. Before, the relative criterion of evaluate_precisely doubled the precision
    to 1920 digits there (113 s for one point of floor ∗ gaussian)."""
    for f, figure in (("floor", 0.5), ("sign", 1.0)):
        d = derive_uncached(f, "gaussian")
        closed_form, precisions = d._lambdified, []

        def recording(*args, closed_form=closed_form, precisions=precisions):
            precisions.append(mpmath.mp.dps)
            return closed_form(*args)

        d._lambdified = recording
        assert d.measure_sup_error(1.0) == pytest.approx(figure, abs=1e-9)
        assert max(precisions) <= 60, (f, max(precisions))


def test_evaluate_precisely_stops_at_max_dps():
    """An exact zero under the relative criterion: the precision doubles up to max_dps, not past it."""
    from smoothfn.derivation.derivation import evaluate_precisely

    precisions = []

    def zero(x):
        precisions.append(mpmath.mp.dps)
        return x - x

    assert evaluate_precisely(zero, 0.5, max_dps=1000) == 0
    assert max(precisions) == 1000
    precisions.clear()
    assert evaluate_precisely(zero, 0.5, absolute=1e-25) == 0
    assert len(precisions) == 2
