r"""How far f_w = f ∗ K_w is from f: sup and L¹ errors, closed where theory gives them, measured always.

Closed forms used (each checked against the measurement in the tests):

* one kink of slope jump Δ at c (relu, abs, leaky_relu, max, min): f_w − f has one sign and its
  extremum at c, so sup|f_w − f| = |f_w(c) − f(c)| (= |Δ| w E|Y|/2) and ∫|f_w − f| = |Δ| w² Var(Y)/2;
* two kinks with opposite slope jumps (clamp, hardtanh, relu6, hardsigmoid): f_w − f rises up to the
  first kink, falls between them, rises after, so sup = max(|e(c₁)|, |e(c₂)|) at the kinks;
* one jump J between constants (step, sign): sup = |J|/2, approached at the jump and never
  attained, for every w; ∫|f_w − f| = |J| w E|Y|;
* unit staircases (floor, round): f_w(n) = n − 1/2 at every jump and f_w climbs by one between
  jumps, so sup = 1/2 for every w; the L¹ error over the line is infinite.

Everything else is measured numerically (:func:`measure_sup_error`, :func:`measure_l1_error`).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from smoothfn.errors import check_width


@dataclass(frozen=True)
class ErrorFigures:
    """What is known in closed form about f_w − f (``None`` where only a measurement exists)."""

    sup_error: sp.Expr | None
    sup_error_limit: sp.Expr  # lim_{w→0} sup|f_w − f|
    l1_error: sp.Expr | None
    where: str  # where the sup is attained or approached
    statement: str

    @property
    def sup_error_vanishes(self) -> bool:
        return self.sup_error_limit == 0


def error_figures(derivation) -> ErrorFigures:
    f, kernel, w = derivation.function, derivation.kernel, derivation.width
    if f.is_staircase:
        return ErrorFigures(
            sp.Rational(1, 2),
            sp.Rational(1, 2),
            sp.oo,
            "approached on either side of every jump",
            "f has unit jumps: f_w passes through the midpoint of every jump, so the sup error is 1/2 "
            "for every width and does not vanish as w → 0; the L¹ error over the line is infinite "
            "(per unit period it tends to 0 like w·E|Y|).",
        )
    jumps = f.jumps
    if jumps:
        largest = sp.Max(*[sp.Abs(size) for _, size in jumps]) / 2
        constant_pieces = all(sp.degree(p.poly, f.x) <= 0 for p in f.pieces)
        single = len(jumps) == 1 and constant_pieces
        return ErrorFigures(
            sp.simplify(largest) if single else None,
            sp.simplify(largest),
            sp.simplify(sp.Abs(jumps[0][1]) * w * kernel.mean_abs) if single else None,
            f"approached at the jump x = {jumps[0][0]}" if single else "near the jumps",
            "f jumps, so the sup error does not vanish as w → 0: it tends to half the largest jump, "
            f"{sp.simplify(largest)}; f_w converges to f only away from the jumps.",
        )
    kinks = _kinks(f)
    closed_sup, closed_l1, where = None, None, "measured numerically"
    if f.piecewise_linear and kernel.symmetric:
        errors = [sp.simplify(derivation.expr.subs(f.x, c) - f.pieces[i + 1].poly.subs(f.x, c))
                  for i, (c, _) in kinks]
        slopes = [d for _, (_, d) in kinks]
        if len(kinks) == 1:
            closed_sup = sp.simplify(sp.Abs(errors[0]))
            variance = kernel.variance
            closed_l1 = sp.oo if variance is sp.oo else sp.simplify(sp.Abs(slopes[0]) * w**2 * variance / 2)
            where = f"attained at the kink x = {kinks[0][1][0]}"
        elif len(kinks) == 2 and sp.simplify(slopes[0] + slopes[1]) == 0:
            closed_sup = sp.Max(sp.Abs(errors[0]), sp.Abs(errors[1]))
            closed_sup = sp.simplify(closed_sup)
            where = f"attained at the kinks x = {kinks[0][1][0]} and x = {kinks[1][1][0]}"
    statement = (
        "f is continuous, so f_w → f uniformly as w → 0"
        + (f"; the error is {_order(kernel)}" if f.piecewise_linear else "")
        + "."
    )
    return ErrorFigures(closed_sup, sp.S.Zero, closed_l1, where, statement)


def _order(kernel) -> str:
    return f"proportional to w (w·E|Y| = w·{sp.sstr(kernel.mean_abs)} sets the scale)"


def _kinks(f) -> list[tuple[int, tuple[sp.Expr, sp.Expr]]]:
    """(index, (c, slope jump)) for every breakpoint where the slope changes."""
    out = []
    for i, (left, right) in enumerate(zip(f.pieces, f.pieces[1:])):
        jump = sp.simplify(sp.diff(right.poly, f.x) - sp.diff(left.poly, f.x))
        if jump != 0:
            out.append((i, (right.lo, jump)))
    return out


# --- measurement ---------------------------------------------------------------------------

def measure_sup_error(derivation, /, width, points: int = 400, **params) -> float:
    """sup_x |f_w(x) − f(x)| measured with mpmath: a dense grid around the breakpoints, then a
    golden-section refinement of the best cell; at jumps the one-sided limits are probed."""
    width = check_width(width)
    values = derivation.parameter_values(params)
    g = derivation.numeric(width, **values)
    f = derivation.numeric_function(**values)
    error = lambda t: abs(g(t) - f(t))  # noqa: E731
    if derivation.function.is_staircase:
        shift = float(derivation.function.staircase_shift)
        return float(max(error(n - shift + s) for n in (0, 1) for s in (1e-12, -1e-12, 0.5)))
    symbols = derivation._symbol_values(params)
    centres = [float(c.subs(symbols)) for c in derivation.function.breakpoints] or [0.0]
    lo, hi = min(centres) - 12 * width, max(centres) + 12 * width
    grid = sorted({*(lo + (hi - lo) * i / points for i in range(points + 1)), *centres,
                   *(c + s * width * 1e-9 for c in centres for s in (-1, 1))})
    best = max(grid, key=error)
    index = grid.index(best)
    a, b = grid[max(index - 1, 0)], grid[min(index + 1, len(grid) - 1)]
    peak = _golden_max(error, a, b)
    return float(max(error(best), error(peak)))


def _golden_max(func, a: float, b: float, steps: int = 60) -> float:
    ratio = (5**0.5 - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = func(c), func(d)
    for _ in range(steps):
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = func(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = func(d)
    return (a + b) / 2


def measure_l1_error(derivation, /, width, **params) -> float:
    """∫|f_w − f| dx by mpmath quadrature split at the breakpoints (∞ for staircases)."""
    width = check_width(width)
    if derivation.function.is_staircase:
        return float("inf")
    values = derivation.parameter_values(params)
    g = derivation.numeric(width=width, **values)
    f = derivation.numeric_function(**values)
    symbols = derivation._symbol_values(params)
    centres = sorted(float(c.subs(symbols)) for c in derivation.function.breakpoints) or [0.0]
    edges = [-mpmath.inf, *(c + s * k * width for c in centres for s in (-1, 1) for k in (0, 1, 4)),
             mpmath.inf]
    edges = [edges[0], *sorted(set(edges[1:-1])), edges[-1]]
    return float(mpmath.quad(lambda t: abs(g(t) - f(t)), edges))
