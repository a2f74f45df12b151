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

In the tails, where f is an end piece p, f_w − f tends to E p(x − wY) − p(x) (:func:`tail_errors`):
0 for linear end pieces, a constant for quadratic ones (the L¹ error is then infinite), and for
degree ≥ 3 a polynomial that grows without bound (|x|³ ∗ gaussian: 3w²|x|), so the sup and L¹ errors
are infinite at every width and f_w → f only uniformly on bounded sets. With a power-tailed kernel
(E|Y|^p < ∞ for p < p*) f_w − f decays only like |x|^(m − p*), m the degree of the difference of the
end pieces, so the L¹ error is infinite when m + 1 ≥ p* (clamp ∗ cauchy, hardswish ∗ student_t2).
Where E|Y| = ∞ (cauchy, bounded f) the error at a kink is not O(w) but ~ |Δ|·w·log(1/w)/π.

Everything else is measured numerically (:func:`measure_sup_error`, :func:`measure_l1_error`); the
measurements take the tail limits into account (∞ where f_w − f grows or is not integrable).
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
    tails = tail_errors(derivation)
    growing = _growth(tails, f.x)
    if growing is not None:
        return _unbounded(derivation, tails, growing)
    if len(f.pieces) == 1:  # a polynomial: f_w − f is the constant tails[1] exactly
        error = tails[1]
        l1 = sp.S.Zero if error == 0 else sp.oo if error.is_zero is False else None
        return ErrorFigures(
            sp.Abs(error), sp.limit(error, w, 0), l1, "everywhere",
            "f is a polynomial and the kernel symmetric, so f_w = f exactly." if error == 0 else
            f"f is a polynomial: f_w − f = {sp.sstr(error)} everywhere, which tends to 0 with w; the L¹ error "
            "is infinite.",
        )
    infinite_l1, l1_reason = _l1_diverges(derivation, tails)
    limits = "".join(f"; f_w − f tends to {sp.sstr(t)} as x → {side}" for side, t in zip(("−∞", "+∞"), tails)
                     if t != 0)
    if limits:
        limits += ", so the L¹ error is infinite"
    jumps = f.jumps
    if jumps:
        largest = sp.Max(*[sp.Abs(size) for _, size in jumps]) / 2
        constant_pieces = all(sp.degree(p.poly, f.x) <= 0 for p in f.pieces)
        single = len(jumps) == 1 and constant_pieces
        l1 = sp.simplify(sp.Abs(jumps[0][1]) * w * kernel.mean_abs) if single else None
        return ErrorFigures(
            sp.simplify(largest) if single else None,
            sp.simplify(largest),
            sp.oo if infinite_l1 else l1,  # None (it depends on the parameters): the closed form if any
            f"approached at the jump x = {jumps[0][0]}" if single else "near the jumps",
            "f jumps, so the sup error does not vanish as w → 0: it tends to half the largest jump, "
            f"{sp.simplify(largest)}; f_w converges to f only away from the jumps{limits}."
            + (f" {l1_reason}" if infinite_l1 is not False and l1 is None and l1_reason else ""),
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
        + limits
        + "."
        + (f" {l1_reason}" if infinite_l1 is not False and closed_l1 is None and l1_reason else "")
    )
    l1 = sp.oo if infinite_l1 else closed_l1
    return ErrorFigures(closed_sup, sp.S.Zero, l1, where, statement)


def tail_errors(derivation) -> tuple[sp.Expr, sp.Expr]:
    """(left, right): the polynomials that f_w − f approaches as x → −∞ and x → +∞.

    There f = p, an end piece, and f_w − p = E p(x − wY) − p(x) + E[(f − p)(x − wY)], whose last
    term tends to 0; the first is the asymptote of :attr:`Derivation.asymptotes` minus p. It is 0
    for a linear end piece and a symmetric kernel, a constant (w² Var Y for x²) for a quadratic
    one, and grows like |x|^(d−2) for an end piece of degree d ≥ 3 (3w²·Var Y·|x| for |x|³)."""
    f = derivation.function
    left, right = derivation.asymptotes
    return (sp.expand(left - f.pieces[0].poly), sp.expand(right - f.pieces[-1].poly))


def _growth(tails, x) -> tuple[int, sp.Expr] | None:
    """(degree, leading coefficient) of the tail error that grows fastest, if it grows."""
    terms = []
    for t in tails:
        if t != 0 and sp.degree(t, x) >= 1:
            poly = sp.Poly(t, x)
            terms.append((poly.degree(), poly.LC()))
    return max(terms, key=lambda term: term[0]) if terms else None


def _unbounded(derivation, tails, growing) -> ErrorFigures:
    """f_w − f grows without bound in a tail: the sup and L¹ errors are infinite at every width
    (generically: where the leading coefficient depends on a parameter, for the values where it
    is not 0, which the statement names)."""
    f, w = derivation.function, derivation.width
    degree, coefficient = growing
    generic = coefficient.is_zero is False
    condition = sp.sstr(coefficient.as_independent(w)[0].as_coeff_Mul()[1])
    sides = " and ".join(f"{sp.sstr(t)} + o(1) as x → {side}" for side, t in zip(("−∞", "+∞"), tails) if t != 0)
    local = "on bounded sets" + (", away from the jumps" if f.jumps else "")
    statement = (
        ("" if generic else f"Where {condition} ≠ 0, ")
        + f"f_w − f grows without bound: it is {sides} (the kernel's moments acting on end pieces of degree "
        f"{f.degree}), so the sup and L¹ errors are infinite for every w > 0; f_w → f as w → 0 only "
        f"uniformly {local}."
    )
    return ErrorFigures(sp.oo if generic else None, sp.oo if generic else sp.nan, sp.oo if generic else None,
                        f"as x → ±∞ (f_w − f grows like |x|^{degree})", statement)


def _l1_diverges(derivation, tails) -> tuple[bool | None, str]:
    """Whether ∫|f_w − f| = ∞ for bounded tail errors (None: for some parameter values), and why.

    A tail error that is a non-zero constant gives ∞. Otherwise, for a kernel with a power tail
    k(u) ~ C|u|^(−1−p*) (E|Y|^p < ∞ exactly for p < p*), f_w − f decays like |x|^(m − p*) in both
    tails, m the degree of the difference of the end pieces (its far part weighs on the kernel's
    tail): integrable exactly when m + 1 < p*, and always when the end pieces agree. Kernels with
    exponential or compact tails leave it finite."""
    f, kernel = derivation.function, derivation.kernel
    if any(t != 0 for t in tails):
        return True, ""  # said with the limits in the statement
    difference = sp.expand(f.pieces[-1].poly - f.pieces[0].poly)
    bound = kernel.finite_moment_bound
    if difference == 0 or bound == sp.oo:
        return False, ""
    m = sp.degree(difference, f.x)
    if m + 1 < bound:
        return False, ""
    lead = sp.Poly(difference, f.x).LC()
    decided = lead.is_zero is False
    condition = "" if decided else f" where {sp.sstr(lead)} ≠ 0"
    return True if decided else None, (
        f"The L¹ error is infinite{condition}: the {kernel.name} kernel's tail decays like "
        f"|u|^{sp.sstr(-1 - bound)}, so f_w − f decays only like |x|^{sp.sstr(m - bound)} in the tails, where "
        f"it is dominated by the difference of f's end pieces ({sp.sstr(difference)})."
    )


def _order(kernel) -> str:
    if kernel.mean_abs is not sp.oo:
        return f"proportional to w (w·E|Y| = w·{sp.sstr(kernel.mean_abs)} sets the scale)"
    bound = kernel.finite_moment_bound
    u = kernel.u
    if bound == 1:  # k(u) ~ C/u²: a kink's error is Δ·w·∫^{~1/w} C/u du
        scale = sp.limit(u**2 * kernel.pieces[-1].density, u, sp.oo)
        numerator, denominator = sp.fraction(scale)
        factor = "" if numerator == 1 else f"{sp.sstr(numerator)}·"
        return (
            f"not O(w), since E|Y| = oo: at a kink with slope jump Δ it behaves like "
            f"{factor}|Δ|·w·log(1/w)/{sp.sstr(denominator)} as w → 0 (the kernel's tail is "
            f"k(u) ~ {sp.sstr(numerator)}/({sp.sstr(denominator)}·u²))"
        )
    return f"not O(w), since E|Y| = oo: it tends to 0 like w^{sp.sstr(bound)} (the kernel's tail exponent)"


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
    golden-section refinement of the best cell; at jumps the one-sided limits are probed, and the
    values f_w − f tends to as x → ±∞ (:func:`tail_errors`) count too: ∞ where it grows without
    bound (|x|³), its limit where that is the sup (x² on x > 0)."""
    width = check_width(width)
    error = _error(derivation, width, params)
    if derivation.function.is_staircase:
        # near the jumps, where the error approaches 1/2; not halfway between them: with a
        # symmetric kernel ⌊·⌋_w(n + 1/2 + t) + ⌊·⌋_w(n + 1/2 − t) = 2n, so the error is exactly 0
        # there (and the value, for n = 0)
        shift = float(derivation.function.staircase_shift)
        offsets = (1e-12, -1e-12) if derivation.kernel.symmetric else (1e-12, -1e-12, 0.5)
        return float(max(error(n - shift + s) for n in (0, 1) for s in offsets))
    symbols = derivation._symbol_values(params)
    tails = _tails_at(derivation, width, symbols)
    if any(t.degree() >= 1 for t in tails):
        return float("inf")  # f_w − f grows without bound in a tail
    centres = [float(c.subs(symbols)) for c in derivation.function.breakpoints] or [0.0]
    lo, hi = min(centres) - 12 * width, max(centres) + 12 * width
    grid = sorted({*(lo + (hi - lo) * i / points for i in range(points + 1)), *centres,
                   *(c + s * width * 1e-9 for c in centres for s in (-1, 1))})
    best = max(grid, key=error)
    index = grid.index(best)
    a, b = grid[max(index - 1, 0)], grid[min(index + 1, len(grid) - 1)]
    peak = _golden_max(error, a, b)
    limits = [abs(float(t.as_expr())) for t in tails]  # the values f_w − f tends to in the tails
    return float(max(error(best), error(peak), *limits))


def _tails_at(derivation, width, symbols) -> list[sp.Poly]:
    """:func:`tail_errors` at a width and parameter values, as polynomials in x (the zero
    polynomial has degree −∞)."""
    values = {derivation.width: sp.Float(width, 30), **symbols}
    return [sp.Poly(t.subs(values), derivation.x) for t in tail_errors(derivation)]


def _l1_diverges_at(derivation, width, symbols) -> bool:
    """:func:`_l1_diverges` at a width and parameter values."""
    if any(not t.is_zero for t in _tails_at(derivation, width, symbols)):
        return True
    f, bound = derivation.function, derivation.kernel.finite_moment_bound
    difference = sp.Poly(sp.expand(f.pieces[-1].poly - f.pieces[0].poly).subs(symbols), f.x)
    return bound != sp.oo and not difference.is_zero and difference.degree() + 1 >= bound


def _error(derivation, width: float, params: dict):
    """t ↦ |f_w(t) − f(t)| with f_w known to an absolute 1e-25·(1 + w), far below any error worth
    reporting (not relative to |t|: far out the closed forms cancel terms of order t²/w). The
    closed form's own evaluation (:func:`evaluate_precisely`) asks for 25 correct digits relative
    to f_w: where f_w vanishes exactly (sign_w(0), floor_w(1/2)) that never settles and the
    precision doubled to a thousand digits and more, and deep in a tail, where f_w − f is 1e-200
    and less, it costs hundreds of digits for nothing."""
    from smoothfn.derivation.derivation import evaluate_precisely

    values = derivation.parameter_values(params)
    closed_form, arguments = derivation._lambdified, (width, *values.values())
    f = derivation.numeric_function(**values)

    def error(t):
        g = evaluate_precisely(closed_form, t, *arguments, absolute=1e-25 * (1 + width))
        return abs(g - f(t))

    return error


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
    """∫|f_w − f| dx by mpmath quadrature split at the breakpoints; ∞ for staircases and wherever
    f_w − f decays too slowly in a tail to be integrable (:func:`_l1_diverges`)."""
    width = check_width(width)
    if derivation.function.is_staircase:
        return float("inf")
    error = _error(derivation, width, params)
    symbols = derivation._symbol_values(params)
    if _l1_diverges_at(derivation, width, symbols):
        return float("inf")  # f_w − f does not decay, or decays too slowly in a heavy-tailed kernel's tails
    centres = sorted(float(c.subs(symbols)) for c in derivation.function.breakpoints) or [0.0]
    edges = [-mpmath.inf, *(c + s * k * width for c in centres for s in (-1, 1) for k in (0, 1, 4)),
             mpmath.inf]
    edges = [edges[0], *sorted(set(edges[1:-1])), edges[-1]]
    return float(mpmath.quad(error, edges))
