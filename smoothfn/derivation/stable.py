r"""A tail-stable form of f ∗ K_w for code generation.

For a piecewise polynomial f with breakpoints c_1 < … < c_n, pieces p_0 … p_n and jumps
Δ_i = p_i − p_{i−1} = Σ_j d_ij (t − c_i)^j,

.. math::
    f_w(x) = E\,p_r(x - wY) + \sum_i \sum_j d_{ij}\, w^j\, S_j(z_i), \qquad z_i = (x - c_i)/w,

where r is the region of x (the number of breakpoints c_i ≤ x; counted as the number of
z_i ≥ 0, from the same rounded z_i that the S_j take: the identity holds only where the region
and the branches of the S_j agree, and x < c_i and z_i < 0 differ where z_i underflows to −0) and

.. math::
    S_j(z) = E[(z - Y)^j\,1\{Y < z\}] - 1\{z \ge 0\}\,E[(z - Y)^j]
           = \begin{cases} L_j(z) & z < 0 \\ (-1)^{j+1} L_j(-z) & z \ge 0 \end{cases}

with L_j(s) = E[(s − Y)^j 1{Y < s}] the kernel's lower partial moments (symmetric kernels).
Every S_j is evaluated only at s = −|z| ≤ 0, in the kernel's left tail, where it is small and
can be computed without cancellation; the large polynomial part E p_r(x − wY) is exact. This is
what the code generators print. It needs E|Y|^j < ∞ for every degree j that occurs, with one
exception:

**Regularized top order.** When E|Y|^n = ∞ for the top degree n but E|Y|^{n−1} < ∞, and the
first and last pieces of f have degree < n (f_w then converges: clamp, hardtanh, relu6,
hardsigmoid ∗ Cauchy; hardswish ∗ Student-t₂), L_n diverges only through the z-independent term
∫_{−∞} u^n k(u) du of its binomial expansion. Dropping it (taking A_n(−∞) := 0) gives a finite
L̃_n = L_n − c, and the jump coefficients of degree n sum to zero (the end pieces have no t^n
term), so the constant c cancels from Σ_i d_in w^n L_n(z_i). With a symmetric cut-off
|Y| < R one finds L̃_n(z) = E~(z − Y)^n − (−1)^n L̃_n(−z), where E~ uses the regularized moment
m̃_n = 0 (n odd) or 2·L̃_n(0) (n even) in place of E[Y^n]; so the form above holds unchanged with
L̃_n and m̃_n. L̃_n(−t) grows like log t (Cauchy: −t·acot(t)/π − log(1 + t²)/(2π)), so the
generated S̃_n clamps its argument at 1e30 (beyond it the true difference of the paired terms is
below the rounding of f_w) and is 0 at z = ±∞, so the paired terms vanish exactly at x = ±∞ even
where a compiler contracts d₁·S̃ + d₂·S̃ into one FMA.

dS_j/dz = j·S_{j−1} and dS_0/dz = k away from z = 0, so the derivatives keep the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from smoothfn.catalog.kernels import Kernel
from smoothfn.errors import NoClosedFormError


class NoStableFormError(NoClosedFormError):
    """The kernel's tail is too heavy for a tail-stable form of this function."""


class erfcx(sp.Function):  # noqa: N801 (named as in scipy and torch.special)
    """The scaled complementary error function erfcx(a) = exp(a²)·erfc(a) (no underflow)."""

    nargs = 1

    def _eval_rewrite_as_erfc(self, a, **kwargs):
        return sp.exp(a**2) * sp.erfc(a)

    def _mpmathcode(self, printer, **kwargs):
        a = printer._print(self.args[0])
        return f"(exp(({a})**2)*erfc({a}))"

    def fdiff(self, argindex=1):
        a = self.args[0]
        return 2 * a * erfcx(a) - 2 / sp.sqrt(sp.pi)


class KernelDensity(sp.Function):
    """k(z) of one kernel (subclasses carry ``kernel``)."""

    kernel: str = ""
    nargs = 1


class TailMoment(sp.Function):
    """S_j(z) of one kernel (subclasses carry ``kernel`` and ``order``)."""

    kernel: str = ""
    order: int = 0
    nargs = 1

    def fdiff(self, argindex=1):
        if self.order == 0:
            return density_function(self.kernel)(self.args[0])
        return self.order * tail_moment_function(self.kernel, self.order - 1)(self.args[0])


class TailSlope(sp.Function):
    """z·S_j'(z) of one kernel: j·z·S_{j−1}(z), or z·k(z) for j = 0; → 0 as |z| → ∞."""

    kernel: str = ""
    order: int = 0
    nargs = 1


@cache
def tail_slope_function(kernel: str, order: int) -> type[TailSlope]:
    return type(f"zdS{order}_{kernel}", (TailSlope,), {"kernel": kernel, "order": order})


def tail_derivative(kernel: str, order: int, z: sp.Expr) -> sp.Expr:
    """S_j'(z): j·S_{j−1}(z), or k(z) for j = 0."""
    if order == 0:
        return density_function(kernel)(z)
    return order * tail_moment_function(kernel, order - 1)(z)


@cache
def density_function(kernel: str) -> type[KernelDensity]:
    return type(f"k_{kernel}", (KernelDensity,), {"kernel": kernel})


@cache
def tail_moment_function(kernel: str, order: int) -> type[TailMoment]:
    return type(f"S{order}_{kernel}", (TailMoment,), {"kernel": kernel, "order": order})


def is_regularized(kernel: Kernel, j: int) -> bool:
    """Whether L_j of ``kernel`` is the regularized L̃_j: E|Y|^j = ∞ but E|Y|^(j−1) < ∞."""
    return j >= 1 and not kernel.has_finite_moment(j) and kernel.has_finite_moment(j - 1)


@cache
def lower_partial_moment(kernel: Kernel, j: int) -> sp.Expr:
    """L_j(z) = E[(z − Y)^j 1{Y < z}] = Σ_i C(j,i) z^{j−i} (−1)^i [A_i(z) − A_i(−∞)];
    the regularized L̃_j (A_j(−∞) := 0) when :func:`is_regularized`."""
    z = kernel.z

    def lower_limit(i):
        return sp.S.Zero if i == j and is_regularized(kernel, j) else kernel.tail(i, -1)

    total = sum(
        sp.binomial(j, i) * z ** (j - i) * (-1) ** i * (kernel.antiderivative(i) - lower_limit(i))
        for i in range(j + 1)
    )
    return _simplify_branches(sp.piecewise_fold(sp.expand(total)))


@cache
def regularized_moment(kernel: Kernel, j: int) -> sp.Expr:
    """E[Y^j] where finite; for a regularized order, m̃_j = 0 (j odd) or 2·L̃_j(0) (j even)."""
    if kernel.has_finite_moment(j):
        return kernel.moment(j)
    if not is_regularized(kernel, j):
        raise NoStableFormError(f"E[Y^{j}] of the {kernel.name} kernel is infinite")
    if j % 2:
        return sp.S.Zero
    return sp.simplify(2 * sp.limit(lower_partial_moment(kernel, j), kernel.z, 0))


@cache
def left_tail(kernel: Kernel, j: int) -> sp.Expr:
    """L_j(−t) for t = |z| ≥ 0, in ``left_tail_symbol()``, rewritten so that it evaluates
    without cancellation or overflow.

    Rules (each checked numerically against L_j in the tests):
      * erf(a) → 1 − erfc(a) for a ≥ 0 (the Gaussian tail as erfc: no 1 − erf(·) cancellation;
        t·erfc and φ(t) still cancel to a relative eps·t², which the generator's subnormal flush
        covers where it matters);
      * polynomial branches (compact kernels) are factored: (1 − t)³/6, exact near the edge;
      * atan(a) → π/2 − acot(a) for a ≥ 0 (Cauchy: no π/2 − atan cancellation);
      * a form with square roots is rationalized in its numerator, L = 1/radsimp(1/L)
        (Student-t₂: (√(1+t²) − t)/2 becomes 1/(2(√(1+t²) + t)));
      * only the branches of a Piecewise kernel that can hold for −t ≤ 0 remain, and a last branch
        that holds only at t = 0 goes where the branch before it has the same value there
        (Laplace: exp(−t)/2 alone, not beside −(exp(t) − 2)/2, which a kernel would evaluate too);
      * e^t is rewritten in e^(−t) (logistic: 1/(e^t + 1) becomes e^(−t)/(e^(−t) + 1)): no
        overflow, and the one exponential the density and the other tails use;
      * the log and asinh terms of a regularized tail stay as they are (the printers evaluate
        log(1 + t²) and asinh(t) without overflow).
    """
    t = left_tail_symbol()
    expr = lower_partial_moment(kernel, j).subs(kernel.z, -t)
    expr = expr.replace(sp.erf, lambda a: 1 - sp.erfc(a))
    expr = expr.replace(sp.atan, lambda a: sp.pi / 2 - sp.acot(a))
    expr = sp.piecewise_fold(sp.expand(expr))
    if isinstance(expr, sp.Piecewise):
        return _drop_branch_at_zero(sp.Piecewise(*[(sp.factor(e), c) for e, c in expr.args]), t)
    # the logarithmic terms of a regularized tail are kept as they are; the rules below are for
    # the algebraic rest
    logarithmic = sp.Add(*[a for a in sp.Add.make_args(expr) if a.has(sp.log, sp.asinh)])
    if logarithmic != 0:
        return _algebraic_tail(expr - logarithmic, t) + logarithmic
    return _algebraic_tail(expr, t)


def _guard_zero_coefficients(polynomial: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The value's end regions with each c·x^k (k ≥ 1, c depending on a parameter) written as 0
    where c = 0: those regions meet x = ±∞, where c·x^k would be 0·∞ = NaN (leaky_relu with α = 0
    is relu, 0 at −∞). Only for the value: the derivative in a parameter of c·x^k is x^k even at
    c = 0."""
    def guarded(region):
        expanded = sp.Poly(sp.expand(region.doit()), x)
        if not any(k >= 1 and c.free_symbols for (k,), c in expanded.terms()):
            return region  # nothing to guard: keep the region's (factored) form
        terms = []
        for (k,), c in expanded.terms():
            term = c * x**k
            terms.append(sp.Piecewise((0, sp.Eq(c, 0)), (term, True)) if k >= 1 and c.free_symbols else term)
        return sp.Add(*terms)

    if not isinstance(polynomial, sp.Piecewise):
        return guarded(polynomial)
    branches = list(polynomial.args)
    for i in (0, len(branches) - 1):
        branches[i] = (guarded(branches[i][0]), branches[i][1])
    return sp.Piecewise(*branches)


def factored_by_width(polynomial: sp.Expr, x: sp.Symbol, w: sp.Symbol) -> sp.Expr:
    """A region's polynomial Σ_k w^k q_k(x) with each q_k factored over the rationals where its
    coefficients are numbers: x(x + 3)/6, not x²/6 + x/2, which near the root x = −3 (a kink of
    hardswish) is 3/2 − 3/2 + (x + 3)/2 and loses eps·3/2 absolutely (fp32 hardswish ∗ laplace at
    x = −2.99928, w = 1e-3: 3.7e-4 relative), and (x + 3)/6, not x/6 + 1/2 (hardsigmoid). A
    factor x − r with a representable root r is exact to rounding relative to itself, so a
    product of them is accurate near every root, at the kinks and between them (a Taylor form
    centred at one kink would cancel near the other roots: x(x + 3)/6 about −3 is
    (x + 3)²/6 − (x + 3)/2, which cancels at x = 0). Coefficients with parameters stay expanded."""
    expanded = sp.expand(polynomial)
    if not expanded.has(x):
        return expanded
    out = sp.S.Zero
    for (k,), q in sp.Poly(expanded, w).terms():
        if q.has(x) and q.free_symbols <= {x}:
            q = _kept_apart(sp.factor(q))
        out += w**k * q
    return out


def _kept_apart(product: sp.Expr) -> sp.Expr:
    """SymPy distributes a number over a sum ((x + 3)/6 becomes x/6 + 1/2): the sum factors of
    a number·product are held as UnevaluatedExpr (printed as plain parentheses; .doit() undoes it)."""
    if not isinstance(product, sp.Mul) or not any(a.is_number for a in product.args):
        return product
    return sp.Mul(*[sp.UnevaluatedExpr(a) if isinstance(a, sp.Add) else a for a in product.args])


def _drop_branch_at_zero(expr: sp.Piecewise, t: sp.Symbol) -> sp.Expr:
    """The last branch of a tail, when for t ≥ 0 it holds at t = 0 only and the branch before it
    takes the same value there, merged into that branch."""
    *before, (last, condition) = expr.args
    if not before or condition != sp.true:
        return expr
    covered = sp.Union(*[c.as_set() for _, c in before])
    previous = before[-1][0]
    if sp.Interval(0, sp.oo) - covered != sp.FiniteSet(0) or sp.simplify(previous.subs(t, 0) - last.subs(t, 0)) != 0:
        return expr
    branches = [*before[:-1], (previous, sp.true)]
    return branches[0][0] if len(branches) == 1 else sp.Piecewise(*branches)


def _algebraic_tail(expr: sp.Expr, t: sp.Symbol) -> sp.Expr:
    if expr.has(sp.exp(t)):  # e^t in e^(−t): e^t overflows where e^(−t) only underflows
        e = sp.Symbol("e", positive=True)
        expr = sp.cancel(expr.subs(sp.exp(t), 1 / e)).subs(e, sp.exp(-t))
    if any(p.base == 1 + t**2 for p in expr.atoms(sp.Pow)):
        # rationalize, then factor with r = √(1+t²) as a symbol (t² = r² − 1) so that no t² is
        # left to overflow: 1/(2t² + 2t√(1+t²) + 2) becomes 1/(2r(r + t))
        r = sp.Symbol("r", positive=True)
        rational = sp.radsimp(sp.together(1 / expr)).subs(sp.sqrt(1 + t**2), r)
        even_powers = lambda e: e.is_Pow and e.base == t and e.exp.is_Integer and e.exp >= 2  # noqa: E731
        in_r = lambda e: (r**2 - 1) ** (e.exp // 2) * t ** (e.exp % 2)  # noqa: E731 (t² = r² − 1)
        numerator, denominator = (
            sp.factor(sp.expand(sp.expand(part).replace(even_powers, in_r)))
            for part in sp.fraction(sp.together(rational))
        )
        rational = sp.factor(numerator / denominator)
        return sp.factor(1 / rational).subs(r, sp.sqrt(1 + t**2))
    return expr


def _region_derivative(polynomial: sp.Expr, symbol: sp.Symbol, x: sp.Symbol, w: sp.Symbol) -> sp.Expr:
    """∂/∂symbol of the regions' polynomial, each region again in factored_by_width's form."""
    if not isinstance(polynomial, sp.Piecewise):
        return factored_by_width(sp.diff(polynomial.doit(), symbol), x, w)
    return sp.Piecewise(*[(factored_by_width(sp.diff(e.doit(), symbol), x, w), c) for e, c in polynomial.args])


@cache
def left_tail_symbol() -> sp.Symbol:
    return sp.Symbol("t", nonnegative=True)


def _simplify_branches(expr: sp.Expr) -> sp.Expr:
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(sp.simplify(e), c) for e, c in expr.args])
    return sp.simplify(expr)


@dataclass(frozen=True)
class StableForm:
    """f_w in tail-stable form, with its derivatives, in the symbols of the derivation."""

    expr: sp.Expr
    gradients: dict[str, sp.Expr]
    orders: tuple[int, ...]  # the S_j orders used (and their derivatives' orders)
    ramp: tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr] | None = None  # see narrow_ramp
    bump: NarrowBump | None = None  # see narrow_bump


# the means over (x − c2)/w ≤ u ≤ (x − c1)/w that the narrow bump's expressions use
BUMP_MEANS = (sp.Symbol("mean_s1"), sp.Symbol("mean_s0"), sp.Symbol("mean_us0"))


@dataclass(frozen=True)
class NarrowBump:
    """f_w of a function quadratic between two kinks, in a form without the tail-stable form's
    cancellation at widths far above the kink spacing (see :func:`narrow_bump`): ``value``,
    ``grad_x`` and ``grad_w`` in x, w and the means BUMP_MEANS = (mean S_1, mean S_0, mean u·S_0)
    over (x − c2)/w ≤ u ≤ (x − c1)/w."""

    c1: sp.Expr
    c2: sp.Expr
    value: sp.Expr
    grad_x: sp.Expr
    grad_w: sp.Expr


def narrow_ramp(f, x: sp.Symbol) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr] | None:
    """(c1, c2, y_low, y_high) when f is clamp-like: constant y_low below the kink c1, linear up to
    y_high at c2, constant y_high above (clamp, hardtanh, relu6, hardsigmoid); else None.

    Its tail-stable form y + s·w·(S_1(z1) − S_1(z2)) cancels where c2 − c1 ≪ w (two terms of
    order w, a result of order c2 − c1): the code generator then evaluates
    y_low + (y_high − y_low)·(mean of the kernel's CDF over [(x − c2)/w, (x − c1)/w]) instead
    (smoothfn.codegen.ramp_source)."""
    pieces = f.pieces
    if f.is_staircase or len(pieces) != 3:
        return None
    low, middle, high = (p.poly for p in pieces)
    c1, c2 = pieces[1].lo, pieces[1].hi
    if sp.degree(low, x) > 0 or sp.degree(high, x) > 0 or sp.degree(middle, x) > 1:
        return None
    if sp.simplify(middle.subs(x, c1) - low) != 0 or sp.simplify(middle.subs(x, c2) - high) != 0:
        return None  # a jump, not a ramp
    return c1, c2, low, high


def narrow_bump(f, kernel: Kernel, x: sp.Symbol, w: sp.Symbol) -> NarrowBump | None:
    r"""The narrow form of a continuous f that is quadratic (leading coefficient a) between its two
    kinks c1 < c2 and at most linear outside (hardswish), or None.

    In the tail-stable form the top-order pair a·w²·(S_2(z1) − S_2(z2)) and the region's
    a·w²·m_2 are of order w², and the kink arguments z_i = (x − c_i)/w round to nearly one value
    once |x| ≫ c2 − c1 (x ± 3 rounds to x at |x| ≳ 1e7 in fp32): where the kinks lie within a
    fraction of the width or of the distance to them, the terms cancel to a result of order w
    (hardswish ∗ gaussian fp32 at x = −2e7, w = 5e6: 419 for 35.7; ∗ student_t2 at w = 1000:
    −0.0125 for +0.0125; NaN from w²·S̃_2 at the largest widths). With S_2' = 2 S_1, whose
    integral over [z2, z1] takes S_2's jump −m_2 at 0 exactly where x is in the middle region,

    .. math::
        f_w(x) = f(x) + w \sum_i d_{i1} S_1(z_i) + 2 a\, w\, (c_2 - c_1)\, \overline{S_1},

    d_i1 the jumps of f' at the kinks and \overline{S_1} the mean of S_1 over z2 ≤ u ≤ z1
    (the regularized S̃_2 of an algebraic kernel drops out, S_1 is an ordinary one). Its
    derivatives: ∂f_w/∂x = f'(x) + Σ d_i1 S_0(z_i) + 2a(c2 − c1) mean S_0, and
    ∂f_w/∂w = Σ d_i1 (S_1 − z S_1')(z_i) + 2a(c2 − c1)(mean S_1 − mean u·S_0). Nothing cancels
    but a factor of 2 (S_1 ≥ 0: for hardswish, 2·mean S_1 − (S_1(z1) + S_1(z2))/2). The means
    come from Gauss–Legendre nodes between the kernel's knots and 0 (smoothfn.codegen.ramp_source);
    f(x), f'(x) pick their pieces by z_i < 0, as the tail-stable form does.

    The terms of order w sum to about (p_R' − p_L')·w·S_1(z): the form suits hardswish (end slopes
    0 and 1, f_w − f of order w) but cancels where the end slopes agree (Min(x², 1): terms of
    order w for a result of order 1). Compiled user functions therefore take the general
    :class:`NarrowForm` instead (smoothfn.codegen.emit.derivation_sources)."""
    pieces = f.pieces
    if f.is_staircase or len(pieces) != 3:
        return None
    low, middle, high = (sp.expand(p.poly) for p in pieces)
    c1, c2 = pieces[1].lo, pieces[1].hi
    if any(p.free_symbols - {x} for p in (low, middle, high)) or not (c1.is_number and c2.is_number):
        return None
    if sp.degree(middle, x) != 2 or sp.degree(low, x) > 1 or sp.degree(high, x) > 1:
        return None
    if sp.simplify((middle - low).subs(x, c1)) != 0 or sp.simplify((high - middle).subs(x, c2)) != 0:
        return None  # a jump: the form needs a continuous f
    if not kernel.has_finite_moment(1):
        return None
    a = sp.Poly(middle, x).LC()
    slopes = [sp.diff(middle - low, x).subs(x, c1), sp.diff(high - middle, x).subs(x, c2)]
    z = [(x - c1) / w, (x - c2) / w]
    S1, S0 = tail_moment_function(kernel.name, 1), tail_moment_function(kernel.name, 0)
    slope1 = tail_slope_function(kernel.name, 1)

    def by_region(polys):
        return sp.Piecewise(*[(factored_by_width(q, x, w), c) for q, c in
                              zip(polys, [z[0] < 0, z[1] < 0, True])])

    mean1, mean0, mean_u0 = BUMP_MEANS
    span = 2 * a * (c2 - c1)
    value = (by_region([low, middle, high]) + sum((d * w * S1(zi) for d, zi in zip(slopes, z)), sp.S.Zero)
             + span * w * mean1)
    grad_x = (by_region([sp.diff(p, x) for p in (low, middle, high)])
              + sum((d * S0(zi) for d, zi in zip(slopes, z)), sp.S.Zero) + span * mean0)
    grad_w = sum((d * (S1(zi) - slope1(zi)) for d, zi in zip(slopes, z)), sp.S.Zero) + span * (mean1 - mean_u0)
    return NarrowBump(c1, c2, value, grad_x, grad_w)


def stable_form(derivation) -> StableForm:
    f, kernel, x, w = derivation.function, derivation.kernel, derivation.x, derivation.width
    if f.is_staircase:
        raise NoStableFormError(f"{f.name}: staircases have a series form, not a tail-stable one")
    needed = f.degree
    end_degree = max(sp.degree(f.pieces[0].poly, x), sp.degree(f.pieces[-1].poly, x))
    if not kernel.has_finite_moment(needed) and not (is_regularized(kernel, needed) and end_degree < needed):
        raise NoStableFormError(
            f"{f.name} ∗ {kernel.name}: the tail-stable form needs E|Y|^{needed} < ∞ (or E|Y|^{needed - 1} < ∞ "
            f"and end pieces of degree < {needed}), but the {kernel.name} kernel has finite absolute moments "
            f"only of {kernel.finite_absolute_moments}"
        )
    expr, gradients, orders = _tail_stable([p.poly for p in f.pieces], f.breakpoints, kernel, x, w,
                                           derivation.variables)
    return StableForm(expr, gradients, orders, narrow_ramp(f, x), narrow_bump(f, kernel, x, w))


def _tail_stable(polys, breakpoints, kernel: Kernel, x, w, variables) -> tuple[sp.Expr, dict, tuple[int, ...]]:
    """(f_w, {name: ∂f_w/∂name}, the S_j orders used) of the piecewise polynomial ``polys[i]`` on
    (breakpoints[i − 1], breakpoints[i]) in tail-stable form (the module docstring)."""
    u = sp.Dummy("u", real=True)  # Dummies: never equal to a symbol of f (a parameter named u or v)
    v = sp.Dummy("v", real=True)

    def averaged(poly):  # E p(x − wY), with m̃_n for a regularized top order
        shifted = sp.Poly(sp.expand(poly.subs(x, x - w * u)), u)
        return sp.expand(sum(c * regularized_moment(kernel, j) for (j,), c in shifted.terms()))

    regions = [factored_by_width(averaged(p), x, w) for p in polys]
    if len(regions) == 1:
        polynomial = regions[0]
    else:
        # the region from z = (x − c)/w, the very argument of the kink's S_j (and the same CSE
        # temporary): x < c would disagree with S_j's z < 0 where z underflows to −0 (sign ∗ any
        # kernel at x = −5e-324, w = 2 gave −2), and the form holds only where they agree
        branches = [(q, (x - c) / w < 0) for q, c in zip(regions[:-1], breakpoints)] + [(regions[-1], True)]
        polynomial = sp.Piecewise(*branches)
    terms = []  # (coefficient d_ij w^j, order j, breakpoint c)
    for left, right, c in zip(polys, polys[1:], breakpoints):
        jump = sp.Poly(sp.expand((right - left).subs(x, c + v)), v)
        terms += [(d * w**j, j, c) for (j,), d in jump.terms() if d != 0]
    S = lambda j, c: tail_moment_function(kernel.name, j)((x - c) / w)  # noqa: E731
    expr = _guard_zero_coefficients(polynomial, x) + sum((a * S(j, c) for a, j, c in terms), sp.S.Zero)

    # the chain rule by hand, so that ∂z/∂w = −z/w lands in the guarded block z·S_j'(z)
    # (sp.diff would print z·S_j'(z) as a product: ∞·0 at x = ±∞)
    gradients = {}
    for name, symbol in variables.items():
        grad = _region_derivative(polynomial, symbol, x, w)
        for a, j, c in terms:
            z = (x - c) / w
            grad += sp.diff(a, symbol) * S(j, c)
            if symbol == w:
                grad -= a / w * tail_slope_function(kernel.name, j)(z)
            else:
                grad += a * tail_derivative(kernel.name, j, z) * sp.diff(z, symbol)
        gradients[name] = grad
    return expr, gradients, tuple(sorted({j for _, j, _ in terms}))


@dataclass(frozen=True)
class NarrowForm:
    r"""f_w of a piecewise polynomial with kinks c_1 < … < c_n (n ≥ 2) for widths far above their
    spacing, and far in an algebraic tail, where the n kink terms of the tail-stable form cancel.

    With p_L and p_R the end pieces, f = f̃ + g, where f̃ is p_L left of one end kink and p_R
    right of it, and g = f − f̃ vanishes outside [c_1, c_n]:

    .. math::
        f_w(x) = \tilde f_w(x) + \int_{c_1}^{c_n} g(t)\,K_w(x - t)\,dt,

    f̃_w in tail-stable form (one kink, nothing to cancel) and the integral over the bounded
    support by quadrature (smoothfn.codegen.narrow_source), whose integrand holds no difference
    of large terms. Left of the middle (c_1 + c_n)/2 the end kink is c_n (g = f − p_L), right of it
    c_1 (g = f − p_R), so that f_w − p_R keeps its relative accuracy in the right tail and
    f_w − p_L in the left one. Where p_L = p_R there is no kink: f̃_w = E p_L(x − wY).
    """

    first: sp.Expr  # c_1
    last: sp.Expr  # c_n
    two_sided: bool  # p_L ≠ p_R: the side (x < middle) picks the decomposition
    kink: sp.Expr  # f̃_w (a Piecewise in x < middle where two_sided)
    kink_gradients: dict[str, sp.Expr]
    pieces: tuple[tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr], ...]  # (lo, hi, g left, g right) in x as t

    @property
    def middle(self) -> sp.Expr:
        return (self.first + self.last) / 2


def narrow_form(derivation) -> NarrowForm | None:
    """The :class:`NarrowForm` of a piecewise polynomial with at least two kinks, all numbers (a
    kink that moves with a parameter would add boundary terms to the parameter's derivative);
    None otherwise."""
    f, kernel, x, w = derivation.function, derivation.kernel, derivation.x, derivation.width
    kinks = f.breakpoints
    if f.is_staircase or len(kinks) < 2 or not all(c.is_number for c in kinks):
        return None
    left, right = f.pieces[0].poly, f.pieces[-1].poly
    two_sided = sp.expand(right - left) != 0
    variables = derivation.variables

    def kink_at(c):
        return _tail_stable([left, right], [c], kernel, x, w, variables)[:2]

    middle = (kinks[0] + kinks[-1]) / 2
    if two_sided:
        (expr_left, grad_left), (expr_right, grad_right) = kink_at(kinks[-1]), kink_at(kinks[0])
        kink = sp.Piecewise((expr_left, x < middle), (expr_right, True))
        gradients = {name: sp.Piecewise((grad_left[name], x < middle), (grad_right[name], True))
                     for name in variables}
    else:
        kink, gradients = _tail_stable([left], [], kernel, x, w, variables)[:2]
    pieces = tuple((p.lo, p.hi, sp.expand(p.poly - left), sp.expand(p.poly - right)) for p in f.pieces[1:-1])
    return NarrowForm(kinks[0], kinks[-1], two_sided, kink, gradients, pieces)
