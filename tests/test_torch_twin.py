"""The generated torch twin against the mpmath closed form, in fp64 and fp32, at extremes too.

The mpmath values (the closed form at 25 correct digits, quadrature for the narrow ramps) are
stored in tests/data/ (tests/reference_data.py, ``python tools/make_test_data.py``)."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import EXTREMES, MONOTONE, arguments, by_width, exact_function, module, records
from reference_data import ramp_limits

from smoothfn import FUNCTIONS
from smoothfn.generated import AVAILABLE, UNAVAILABLE

# fp64 tolerance: relative 1e-11, plus an absolute 1e-15 of the natural scale (|x| + w, or that
# over w for derivatives) for values that cross zero, where rounding of O(scale) terms is all
# there is (clamp ∗ triangular is exactly 0 at x = 0 and the twin gives 2e-17)
REL64, ABS64 = 1e-11, 1e-15


def test_every_pair_is_generated_or_explained():
    assert len(AVAILABLE) + len(UNAVAILABLE) == len(FUNCTIONS) * 8
    assert ("relu", "gaussian") in AVAILABLE and ("relu", "cauchy") in UNAVAILABLE
    assert ("clamp", "cauchy") in AVAILABLE and ("hardswish", "student_t2") in AVAILABLE  # regularized tails


@pytest.mark.parametrize("f,k", AVAILABLE)
def test_forward_and_backward_match_the_closed_form_fp64(f, k):
    m = module(f, k)
    variables = ["x", "width", *FUNCTIONS[f].params]
    widths = by_width(records("twin", f, k))
    assert len(widths) == 3
    for w, rows in widths.items():
        xs = [row[0] for row in rows]
        args = arguments(f, xs, w, torch.float64)
        value = m.forward(*args)
        grads = torch.broadcast_tensors(*m.backward(*args), args[0])[:-1]
        for i, (x, _, expected, gradients) in enumerate(rows):
            expected = float(expected)
            natural = 1 + abs(x) + w
            tol = abs(expected) * REL64 + ABS64 * natural
            assert abs(float(value[i]) - expected) <= tol, f"f_w at x={x}, w={w}"
            assert list(gradients) == variables
            for name, grad in zip(variables, grads):
                e = float(gradients[name])
                tol = abs(e) * REL64 + ABS64 * natural / w
                assert abs(float(grad[i]) - e) <= tol, f"∂/∂{name} at x={x}, w={w}"


@pytest.mark.parametrize("f,k", AVAILABLE)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_extremes_give_no_nan_and_the_right_limits(f, k, dtype):
    m = module(f, k)
    f_exact = exact_function(f)
    for w in (1e-6, 1e-3, 1.0, 1e3):
        args = arguments(f, EXTREMES + [math.nan], w, dtype)
        value = m.forward(*args)
        grads = m.backward(*args)
        assert torch.isnan(value[-1]), "nan in, nan out"
        assert not torch.isnan(value[:-1]).any(), f"NaN at w={w}: {value}"
        for grad in grads:
            grad = torch.broadcast_to(grad, value.shape)
            assert not torch.isnan(grad[:-1]).any(), f"NaN gradient at w={w}: {grads}"
        for i in (0, len(EXTREMES) - 1):  # ±inf: the tail polynomial, here f itself
            limit = float(torch.tensor(float(f_exact(EXTREMES[i])), dtype=dtype))
            assert float(value[i]) == limit, f"limit at {EXTREMES[i]}, w={w}"


@pytest.mark.parametrize("f,k", AVAILABLE)
def test_fp32_agrees_with_fp64(f, k):
    m = module(f, k)
    for w in (1e-2, 1.0, 30.0):
        xs = torch.linspace(-60, 60, 997, dtype=torch.float64) * w + 0.3
        v64 = m.forward(*arguments(f, xs, w, torch.float64))
        v32 = m.forward(*arguments(f, xs.float(), w, torch.float32)).double()
        scale = v64.abs() + w + xs.abs() * 1e-1
        assert ((v32 - v64).abs() <= 2e-6 * scale).all(), float(((v32 - v64).abs() / scale).max())


def test_smoothed_relu_derivative_stays_in_unit_interval():
    for k in ("gaussian", "logistic", "laplace", "uniform", "student_t2", "epanechnikov", "triangular"):
        m = module("relu", k)
        x = torch.cat([torch.linspace(-50, 50, 2001), torch.tensor(EXTREMES)])
        for w in (1e-6, 1e-3, 1.0, 1e3):
            dx = m.backward(x, torch.tensor(w), )[0]
            assert ((dx >= 0) & (dx <= 1)).all(), k
            v = m.forward(x, torch.tensor(w))
            finite = torch.isfinite(v)
            assert (torch.diff(v[:2001]) >= 0).all(), f"relu ∗ {k} not monotone"
            assert finite[:2001].all()


@pytest.mark.parametrize("f,k", [p for p in AVAILABLE if p[0] in MONOTONE])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_monotone_functions_stay_monotone(f, k, dtype):
    """Widths far above the kink spacing included: the clamp-like functions take the narrow ramp
    there (smoothfn.codegen.ramp_source), whose two tail terms would otherwise cancel."""
    m = module(f, k)
    for w in (1e-6, 1e-3, 0.3, 1.0, 1e3):
        x = torch.cat([torch.linspace(-40, 40, 4001, dtype=torch.float64) * max(w, 1.0), torch.tensor([1e30])])
        v = m.forward(*arguments(f, x.to(dtype), w, dtype))
        assert (torch.diff(v) >= 0).all(), f"{f} ∗ {k} decreases somewhere at w={w}"
        assert (m.backward(*arguments(f, x.to(dtype), w, dtype))[0] >= 0).all()


RAMPS = [pair for pair in AVAILABLE if hasattr(module(*pair), "narrow_ramp")]


@pytest.mark.parametrize("f,k", [pair for pair in RAMPS if pair[1] in ("cauchy", "student_t2")])
def test_clamp_like_functions_keep_their_far_tails_with_algebraic_kernels(f, k):
    """With an algebraic kernel tail the two kink terms of the tail-stable form grow while
    f_w − y_low decays (hardsigmoid ∗ cauchy in fp32: 6% off at x/w = −1e6, and not monotone);
    the narrow ramp takes over where the distance to the kinks is large against their spacing.
    f_w − limit against mpmath (stored: quadrature of the kernel's CDF over the ramp), relative,
    where the limit does not swamp it."""
    import mpmath

    c1, c2, low, high = ramp_limits(f)
    m = module(f, k)
    widths = by_width(records("ramp_tails", f, k))
    assert list(widths) == [1e-3, 1.0]
    for w, rows in widths.items():
        xs = [row[0] for row in rows]
        expected = [mpmath.mpf(row[2]) for row in rows]
        for dtype, rel in ((torch.float64, 1e-13), (torch.float32, 1e-6)):
            eps = torch.finfo(dtype).eps
            value = m.forward(*arguments(f, xs, w, dtype)).double().tolist()
            for x, v, e in zip(xs, value, expected):
                limit = low if x < c1 else high
                assert abs(v - float(e)) <= rel * abs(float(e - limit)) + eps * abs(limit), f"x={x}, w={w}, {dtype}"


@pytest.mark.parametrize("f,k", RAMPS)
def test_clamp_like_functions_at_widths_far_above_the_kink_spacing(f, k):
    """The narrow ramp (fp64 from h = (c2 − c1)/w ≤ 0.05, fp32 from 0.5) on both sides of the
    switch, against mpmath (stored, tests/reference.py's ramp): f_w = y_low + s·∫_{c1}^{c2} F((x − c)/w) dc
    (Fubini on the convolution; F the catalog's CDF, split at the kernel's knots); fp32 against fp64 at
    the same inputs within a few units of the last place of the ramp's height, where the tail-stable
    form had lost w/(c2 − c1) of them (clamp ∗ gaussian at w = 1000: 8% of the value near the middle).
    The same for ∂f_w/∂x = s·(F((x − c1)/w) − F((x − c2)/w)) and ∂f_w/∂w = −s·∫ u·k(u) du over
    (x − c2)/w ≤ u ≤ (x − c1)/w, which the ramp takes as means over the interval (the tail-stable
    differences had lost as much: in fp32 at w = 1e6, 27% of ∂/∂x, 10⁴ times ∂/∂w)."""
    c1, c2, low, high = ramp_limits(f)
    m = module(f, k)
    widths = by_width(records("ramp_wide", f, k))
    assert len(widths) == 4
    for w, rows in widths.items():
        xs = [row[0] for row in rows]
        value = m.forward(*arguments(f, xs, w, torch.float64))
        slope, width_slope = m.backward(*arguments(f, xs, w, torch.float64))[:2]
        peak = abs(high - low) / w  # the order of the largest ∂f_w/∂x and ∂f_w/∂w
        for (x, _, *exact), v, dv, dw in zip(rows, value.tolist(), slope.tolist(), width_slope.tolist()):
            expected, expected_x, expected_w = map(float, exact)
            assert abs(v - expected) <= 1e-13 * (abs(expected) + abs(high - low)), f"f_w at x={x}, w={w}"
            assert abs(dv - expected_x) <= 1e-12 * abs(expected_x) + 1e-15 * peak, f"∂f_w/∂x at x={x}, w={w}"
            assert abs(dw - expected_w) <= 1e-12 * abs(expected_w) + 1e-15 * peak, f"∂f_w/∂w at x={x}, w={w}"
        x32 = torch.tensor(xs, dtype=torch.float32)
        v32 = m.forward(*arguments(f, x32, w, torch.float32)).double()
        v64 = m.forward(*arguments(f, x32.double(), w, torch.float64))
        height = abs(high - low)
        assert ((v32 - v64).abs() <= 4 * 2**-24 * (v64.abs() + height)).all(), f"fp32 at w={w}: {v32 - v64}"
        for name, d32, d64 in zip("xw", m.backward(*arguments(f, x32, w, torch.float32)),
                                  m.backward(*arguments(f, x32.double(), w, torch.float64))):
            d32 = d32.double()
            assert ((d32 - d64).abs() <= 16 * 2**-24 * d64.abs() + 1e-7 * peak).all(), f"fp32 ∂/∂{name} at w={w}"
