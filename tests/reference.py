"""Independent numerical references: mpmath quadrature of the convolution integral itself.

Nothing here uses a closed form from smoothfn: f is the catalog definition, k the kernel density,
and the integral ∫ f(x − wu) k(u) du is computed by mpmath.quad, split where the integrand has
kinks (the breakpoints of f mapped to u, and the kernel's piece boundaries).
"""

from __future__ import annotations

import math

import mpmath
import sympy as sp

from smoothfn.catalog.functions import SmoothableFunction
from smoothfn.catalog.kernels import Kernel

mpmath.mp.dps = 30


def densities(kernel: Kernel):
    k = sp.lambdify(kernel.u, kernel.density, "mpmath")
    return k


def function_values(function: SmoothableFunction, params: dict):
    f = sp.lambdify([function.x, *function.params.values()], function.expr, "mpmath")
    values = [mpmath.mpf(params[name]) for name in function.params]
    return lambda t: f(t, *values)


def breakpoints(function: SmoothableFunction, params: dict) -> list:
    """The breakpoints of f at these parameter values, in mpmath at the working precision (a
    parameter shifted by 1e-12 for a finite difference keeps its shift)."""
    names = list(function.params)
    values = [mpmath.mpf(params[n]) for n in names]
    return [sp.lambdify(list(function.params.values()), c, "mpmath")(*values) for c in function.breakpoints]


def convolution(function: SmoothableFunction, kernel: Kernel, x, w, params: dict):
    """∫ f(x − wu) k(u) du by quadrature (piecewise-polynomial f)."""
    k = densities(kernel)
    f = function_values(function, params)
    x, w = mpmath.mpf(x), mpmath.mpf(w)
    cuts = {(x - c) / w for c in breakpoints(function, params)}
    lo, hi = kernel.support
    lo = -mpmath.inf if lo == -sp.oo else mpmath.mpf(float(lo))
    hi = mpmath.inf if hi == sp.oo else mpmath.mpf(float(hi))
    cuts |= {mpmath.mpf(float(p.hi)) for p in kernel.pieces[:-1]} | {mpmath.mpf(0)}
    # extra cuts around each kink: tanh-sinh on a half-line that starts deep in a Gaussian tail
    # loses digits otherwise (seen: 4e-4 relative at 30 digits, u > 12)
    # (Gaussian mass beyond |u| = c sits within ~1/c of c, hence the scaled cuts)
    cuts |= {c + s * d * scale for c in list(cuts) for s in (-1, 1) for d in (0.5, 2, 8)
             for scale in (1, 1 / (1 + abs(c)))}
    inner = sorted(c for c in cuts if lo < c < hi)
    with mpmath.workdps(45):
        return +mpmath.quad(lambda u: f(x - w * u) * k(u), [lo, *inner, hi], maxdegree=10)


def staircase(function: SmoothableFunction, kernel: Kernel, x, w):
    """E floor(T), T = x + shift − wY, by the layer-cake formula

        E⌊T⌋ = ⌊X⌋ + Σ_{m≥1} P(T ≥ ⌊X⌋ + m) − Σ_{m≥0} P(T < ⌊X⌋ − m),

    summed directly (term by term until negligible; mpmath.nsum for the heavy-tailed student_t2).
    The tail probabilities use the kernel's CDF, which ``test_kernels`` checks against quadrature
    of the density; quadrature per term here would cost minutes per point.
    """
    with mpmath.workdps(120):  # the CDF cancels in one tail (erf/2 + 1/2): carry extra digits
        return +_staircase(function, kernel, x, w)


def _staircase(function, kernel, x, w):
    F = sp.lambdify(kernel.z, kernel.cdf_expr, "mpmath")
    X = mpmath.mpf(x) + mpmath.mpf(float(function.staircase_shift))
    w = mpmath.mpf(w)
    n0 = mpmath.floor(X)
    up = lambda m: F((X - n0 - m) / w)  # P(T ≥ n0 + m) = P(wY ≤ X − n0 − m)
    down = lambda m: F(-(X - n0 + m) / w)  # P(T < n0 − m) = P(wY > X − n0 + m), Y symmetric
    if kernel.finite_moment_bound is sp.oo:
        total, m = mpmath.mpf(0), 1
        while True:
            term = up(m) - down(m - 1)
            total += term
            if m > 2 and abs(up(m)) + abs(down(m - 1)) < mpmath.mpf(10) ** -110:
                return n0 + total
            m += 1
    return n0 + mpmath.nsum(up, [1, mpmath.inf]) - mpmath.nsum(down, [0, mpmath.inf])


def sample_points(centres: list[float], w: float, count: int) -> list[float]:
    """Points spanning both tails: sinh-spaced offsets up to ±30 widths around the breakpoints,
    plus far points at ±1e3·(1 + w)."""
    offsets = [math.sinh(-5 + 10 * i / (count - 5)) * 30 / math.sinh(5) for i in range(count - 4)]
    centre = sum(centres) / len(centres) if centres else 0.0
    points = [centre + w * t for t in offsets]
    points += [centre - 1e3 * (1 + w), centre + 1e3 * (1 + w), centre + 0.123 * w, centre - 0.377 * w]
    return points


def staircase_quadrature(function: str, kernel: Kernel, x, w):
    """E⌊x + shift − wY⌋ for a compact kernel by quadrature over the intervals where the floor is
    constant (shift 1/2 for round): independent of the series and of the closed forms."""
    density = sp.lambdify(kernel.u, kernel.density, "mpmath")
    shift = mpmath.mpf(1) / 2 if function == "round" else 0
    x, w = mpmath.mpf(x) + shift, mpmath.mpf(w)
    jumps = [(x - n) / w for n in range(int(mpmath.floor(x - w)) - 1, int(mpmath.ceil(x + w)) + 2)]
    points = sorted({mpmath.mpf(-1), mpmath.mpf(0), mpmath.mpf(1), *(u for u in jumps if -1 < u < 1)})
    return mpmath.quad(lambda u: mpmath.floor(x - w * u) * density(u), points)


def ramp(kernel: Kernel, c1, c2, low, high, x, w):
    """A clamp-like function (y_low below c1, y_high above c2, linear between) smoothed by the
    kernel, by Fubini on the convolution: y_low + (y_high − y_low)/(c2 − c1)·∫_{c1}^{c2} F((x − c)/w) dc,
    F the kernel's CDF, split at c1, c2, x and where (x − c)/w crosses a knot of the density.
    Returns (f_w, ∂f_w/∂x, ∂f_w/∂w); ∂/∂x = s·(F((x − c1)/w) − F((x − c2)/w)) and
    ∂/∂w = −s·∫ u·k(u) du over (x − c2)/w ≤ u ≤ (x − c1)/w, s the slope (y_high − y_low)/(c2 − c1)."""
    cdf = sp.lambdify(kernel.z, kernel.cdf(kernel.z), "mpmath")
    pdf = sp.lambdify(kernel.z, kernel.pdf(kernel.z), "mpmath")
    knots = [mpmath.mpf(float(e)) for p in kernel.pieces for e in (p.lo, p.hi) if e.is_finite]
    x, w, c1, c2 = (mpmath.mpf(v) for v in (x, w, c1, c2))
    slope = (mpmath.mpf(high) - low) / (c2 - c1)
    cuts = sorted({c1, c2, min(max(x, c1), c2), *[x - w * q for q in knots if c1 < x - w * q < c2]})
    value = low + slope * mpmath.quad(lambda c: cdf((x - c) / w), cuts)
    slope_x = slope * (cdf((x - c1) / w) - cdf((x - c2) / w))
    a, b = (x - c1) / w, (x - c2) / w
    moment = mpmath.quad(lambda u: u * pdf(u), sorted({b, a, *[q for q in knots if b < q < a]}))
    return value, slope_x, -slope * moment
