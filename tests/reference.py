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


def convolution(function: SmoothableFunction, kernel: Kernel, x, w, params: dict):
    """∫ f(x − wu) k(u) du by quadrature (piecewise-polynomial f)."""
    k = densities(kernel)
    f = function_values(function, params)
    x, w = mpmath.mpf(x), mpmath.mpf(w)
    symbols = {function.params[n]: v for n, v in params.items()}
    cuts = {(x - mpmath.mpf(float(c.subs(symbols)))) / w for c in function.breakpoints}
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
