"""Every converging catalog pair: closed form = independent quadrature, derivatives = finite
differences, w → 0 recovers f, and the closed-form error figures = the measured ones."""

from __future__ import annotations

import mpmath
import pytest
import reference
import sympy as sp

from smoothfn import FUNCTIONS, KERNELS, derive
from smoothfn.errors import DivergentConvolutionError, NoClosedFormError

WIDTHS = (1e-3, 1.0, 10.0)
POINTS_PER_WIDTH = 36  # 108 per pair
REL = 1e-10
# Where the exact value is below 1e-30 of the scale of x (deep in a Gaussian tail: 1e-160 and
# less) quadrature itself has no 10 correct digits, so the comparison becomes absolute there.
ABS_FLOOR = 1e-30

def converging_pairs():
    for f in FUNCTIONS:
        for k in KERNELS:
            yield f, k


def _derive_or_skip_reason(f, k):
    try:
        return derive(f, k), None
    except (DivergentConvolutionError, NoClosedFormError) as error:
        return None, error


REFUSED = {
    ("relu", "cauchy"), ("leaky_relu", "cauchy"), ("abs", "cauchy"), ("max", "cauchy"),
    ("min", "cauchy"), ("floor", "cauchy"), ("round", "cauchy"), ("hardswish", "cauchy"),
    ("hardswish", "logistic"),
}


@pytest.mark.parametrize("f,k", list(converging_pairs()))
def test_closed_form_matches_quadrature(f, k, record_property):
    d, error = _derive_or_skip_reason(f, k)
    if (f, k) in REFUSED:
        assert error is not None, f"{f} ∗ {k} should be refused"
        return
    assert error is None, f"{f} ∗ {k} was refused: {error}"
    fn, kernel = FUNCTIONS[f], KERNELS[k]
    params = fn.defaults
    symbols = {fn.params[n]: v for n, v in params.items()}
    centres = [float(c.subs(symbols)) for c in fn.breakpoints] or [0.0]
    worst = 0.0
    for w in WIDTHS:
        for x in reference.sample_points(centres, w, POINTS_PER_WIDTH):
            if fn.is_staircase:
                expected = reference.staircase(fn, kernel, x, w)
            else:
                expected = reference.convolution(fn, kernel, x, w, params)
            got = d.evaluate(x, w)
            scale = max(abs(expected), ABS_FLOOR * (1 + abs(x)))
            error = float(abs(got - expected) / scale)
            worst = max(worst, error)
            assert error <= REL, f"{f} ∗ {k} at x={x}, w={w}: {got} vs quadrature {expected}"
    record_property("largest_relative_error", worst)


@pytest.mark.parametrize("f,k", [p for p in converging_pairs() if p not in REFUSED])
def test_derivatives_match_finite_differences(f, k):
    d = derive(f, k)
    fn = FUNCTIONS[f]
    params = {name: mpmath.mpf(v) + mpmath.mpf("0.1") for name, v in fn.defaults.items()}
    if f == "clamp":
        params = {"lo": mpmath.mpf("-0.7"), "hi": mpmath.mpf("1.3")}
    h = mpmath.mpf("1e-12")
    with mpmath.workdps(50):
        # (values chosen off the points where a compact kernel's derivative jumps)
        for w in (mpmath.mpf("0.3713"), mpmath.mpf("2.2961")):
            for x in (mpmath.mpf("-2.71"), mpmath.mpf("0.123"), mpmath.mpf("0.61"), mpmath.mpf("4.2173")):
                for name in d.variables:
                    def value(delta, name=name, x=x, w=w):
                        args = {"x": x, "width": w, **params}
                        args[name] += delta
                        return d.evaluate(args.pop("x"), args.pop("width"), **args)

                    numeric = (value(h) - value(-h)) / (2 * h)
                    closed = d.numeric_gradient(name, w, **params)(x)
                    assert abs(closed - numeric) <= 1e-9 * max(1, abs(numeric)), (
                        f"∂/∂{name} of {f} ∗ {k} at x={x}, w={w}: {closed} vs {numeric}"
                    )


@pytest.mark.parametrize("f,k", [p for p in converging_pairs() if p not in REFUSED])
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


@pytest.mark.parametrize("f,k", [p for p in converging_pairs() if p not in REFUSED])
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
