r"""The convolution integral, split into pieces and closed by the kernel's antiderivatives.

For a piecewise polynomial f with pieces p_i on (a_i, b_i) and a kernel k,

.. math::
    f_w(x) = \int f(x - y) K_w(y)\,dy = \int f(x - wu)\,k(u)\,du
           = \sum_i \sum_j c_{ij}(x, w) \,\big[A_j(z_{a_i}) - A_j(z_{b_i})\big],

where x − wu ∈ (a, b) ⇔ u ∈ (z_b, z_a) with z_c = (x − c)/w, p_i(x − wu) = Σ_j c_ij u^j, and
A_j(z) = ∫_0^z u^j k(u) du comes from :mod:`smoothfn.catalog.kernels`. At an infinite end A_j(±∞)
is the kernel's tail moment; when that diverges, so does the convolution.

For a unit staircase floor(X), X = x + shift, with fractional part r = X − floor(X) and a
symmetric kernel with CDF F,

.. math::
    f_w(x) = \lfloor X \rfloor + \sum_{m\ge1}\Big[F\Big(\frac{r-m}{w}\Big) - F\Big(\frac{1-r-m}{w}\Big)\Big],

the jumps above X pulled down and those below pushed up; it converges exactly when E|Y| < ∞.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from smoothfn.catalog.functions import SmoothableFunction
from smoothfn.catalog.kernels import Kernel
from smoothfn.derivation.series import KernelSeries
from smoothfn.errors import DivergentConvolutionError, NoClosedFormError, UnsupportedSpecialFunctionError

#: The integration variable u of f(x − wu): a Dummy, so that it never equals a symbol of the user's
#: expression (a user variable or parameter named u would otherwise merge with it).
u = sp.Dummy("u", real=True)

#: SymPy functions the code generators can evaluate; anything else in a closed form is refused.
SUPPORTED_FUNCTIONS = (
    sp.exp, sp.log, sp.erf, sp.erfc, sp.atan, sp.asinh, sp.tanh, sp.Abs, sp.sign,
    sp.Piecewise, sp.floor, sp.Max, sp.Min, sp.Heaviside,
)


@dataclass(frozen=True)
class PieceTerm:
    """One piece's contribution, kept for the derivation document."""

    lo: sp.Expr
    hi: sp.Expr
    poly: sp.Expr
    coefficients: dict[int, sp.Expr]  # p(x − wu) = Σ_j c_j u^j
    upper: sp.Expr  # u-limit z_lo = (x − lo)/w, or +oo
    lower: sp.Expr  # u-limit z_hi = (x − hi)/w, or −oo
    value: sp.Expr


@dataclass(frozen=True)
class BreakpointTerm:
    """All contributions evaluated at one breakpoint c, as a function G_c of z = (x − c)/w."""

    breakpoint: sp.Expr
    in_z: sp.Expr


@dataclass(frozen=True)
class Convolution:
    """f ∗ K_w = polynomial_part + Σ_c G_c((x − c)/w), with the pieces it came from."""

    expr: sp.Expr
    polynomial_part: sp.Expr
    piece_terms: list[PieceTerm]
    breakpoint_terms: list[BreakpointTerm]
    z: sp.Symbol  # the symbol of the G_c (the kernel's z, or a Dummy where f uses a symbol equal to it)


def convolve(function: SmoothableFunction, kernel: Kernel, width: sp.Symbol) -> Convolution:
    """The closed form of f ∗ K_w for a piecewise-polynomial f.

    Each antiderivative value A_j(z_c) is grouped with the breakpoint c it is evaluated at (tail
    moments go with the finite end of their piece) and every group is simplified as a function of
    z = (x − c)/w alone, which keeps arguments such as (x − lo)/w intact in the result.
    """
    x, z = function.x, grouping_symbol(function, kernel)
    polynomial_part = sp.S.Zero
    groups: dict[sp.Expr, sp.Expr] = {}
    terms: list[PieceTerm] = []
    for piece in function.pieces:
        if piece.poly == 0:
            continue
        in_u = sp.Poly(sp.expand(piece.poly.subs(x, x - width * u)), u)
        coefficients = {j: c for (j,), c in in_u.terms()}
        upper = sp.oo if piece.lo == -sp.oo else (x - piece.lo) / width
        lower = -sp.oo if piece.hi == sp.oo else (x - piece.hi) / width
        value = sp.S.Zero
        for j, c in sorted(coefficients.items()):
            top = _antiderivative_at(function, kernel, j, upper)
            bottom = _antiderivative_at(function, kernel, j, lower)
            value += c * (top - bottom)
            if piece.lo == -sp.oo and piece.hi == sp.oo:
                polynomial_part += c * (top - bottom)
                continue
            for end, sign, at in ((piece.lo, 1, top), (piece.hi, -1, bottom)):
                owner = end if end.is_finite else (piece.hi if end == -sp.oo else piece.lo)
                groups[owner] = groups.get(owner, sp.S.Zero) + sign * c * at
        terms.append(PieceTerm(piece.lo, piece.hi, piece.poly, coefficients, upper, lower, value))

    polynomial_part, breakpoint_terms = _regroup(polynomial_part, groups, x, width, z)
    closed = _assemble(polynomial_part, breakpoint_terms, x, width, z)
    check_supported(closed, function, kernel)
    return Convolution(closed, polynomial_part, terms, breakpoint_terms, z)


def grouping_symbol(function: SmoothableFunction, kernel: Kernel) -> sp.Symbol:
    """The kernel's z, which the documents print, unless f has a symbol equal to it (a variable or
    parameter ``Symbol("z", real=True)``): then a Dummy, so that (x − c)/w is never merged with it."""
    used = {function.x}
    for piece in function.pieces or ():
        used |= piece.poly.free_symbols | sp.sympify(piece.lo).free_symbols | sp.sympify(piece.hi).free_symbols
    return kernel.z if kernel.z not in used else sp.Dummy("z", real=True)


def _regroup(polynomial_part, groups: dict, x, width, z):
    """Simplify each breakpoint group in z, moving its plain polynomial terms (no special
    function of z) into the common polynomial part, where constants of different groups cancel."""
    breakpoint_terms = []
    for c, group in groups.items():
        in_z = expand(group.subs(x, c + width * z))
        if not isinstance(in_z, sp.Piecewise):
            plain = sum((t for t in sp.Add.make_args(in_z) if t.is_polynomial(z)), sp.S.Zero)
            polynomial_part += plain.subs(z, (x - c) / width)
            in_z = in_z - plain
        in_z = simplify_in_z(in_z, z)
        if in_z != 0:
            breakpoint_terms.append(BreakpointTerm(c, in_z))
    return tidy(polynomial_part, x, width), breakpoint_terms


def differentiate(conv: Convolution, x: sp.Symbol, width: sp.Symbol, z: sp.Symbol, var: sp.Symbol):
    """∂(f ∗ K_w)/∂var, term by term: for G_c(z) with z = (x − c)/w the chain rule gives
    ∂G/∂var + G'(z)·∂z/∂var, simplified as a function of z before z is put back."""
    groups = {}
    for term in conv.breakpoint_terms:
        dz = sp.diff((x - term.breakpoint) / width, var)
        derivative = sp.diff(term.in_z, var) + sp.diff(term.in_z, z) * dz.subs(x, term.breakpoint + width * z)
        groups[term.breakpoint] = groups.get(term.breakpoint, sp.S.Zero) + derivative.subs(
            z, (x - term.breakpoint) / width
        )
    polynomial_part, terms = _regroup(sp.diff(conv.polynomial_part, var), groups, x, width, z)
    return _assemble(polynomial_part, terms, x, width, z)


def _assemble(polynomial_part, terms: list[BreakpointTerm], x, width, z) -> sp.Expr:
    """polynomial part + Σ_c G_c((x − c)/w); a lone Piecewise absorbs the polynomial part."""
    parts = [b.in_z.subs(z, (x - b.breakpoint) / width) for b in terms]
    piecewise = [p for p in parts if isinstance(p, sp.Piecewise)]
    if len(piecewise) == 1 and polynomial_part != 0:
        others = sum((p for p in parts if p is not piecewise[0]), sp.S.Zero)
        folded = sp.Piecewise(*[(tidy(e + polynomial_part, x, width), c) for e, c in piecewise[0].args])
        return others + folded
    return polynomial_part + sum(parts, sp.S.Zero)


def simplify_in_z(expr: sp.Expr, z: sp.Symbol) -> sp.Expr:
    expr = sp.piecewise_fold(expand(expr))
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(simplify_in_z(e, z), cond) for e, cond in expr.args])
    expanded = expand(expr)
    simplified = sp.factor_terms(sp.simplify(expr))
    if _has_symbolic_power_in_log(simplified) or _has_growing_exp(simplified):
        return expanded
    return simplified if sp.count_ops(simplified) < 0.8 * sp.count_ops(expanded) else expanded


def _has_growing_exp(expr: sp.Expr) -> bool:
    """exp(+z²)-type factors (SymPy's simplify likes (e^{a} − 1)e^{−a}) overflow when evaluated."""
    return any(e.args[0].could_extract_minus_sign() is False and e.args[0].has(sp.Pow)
               for e in expr.atoms(sp.exp))


def _has_symbolic_power_in_log(expr: sp.Expr) -> bool:
    """log(a**b) with a symbolic b is exact for reals but overflows when evaluated; avoid it."""
    return any(
        not power.exp.is_number for f in expr.atoms(sp.log) for power in f.args[0].atoms(sp.Pow)
    )


def _antiderivative_at(function: SmoothableFunction, kernel: Kernel, j: int, point: sp.Expr) -> sp.Expr:
    try:
        if point.is_infinite:
            value = kernel.tail(j, 1 if point == sp.oo else -1)
            if value.is_infinite:
                raise DivergentConvolutionError(divergence_message(function, kernel, j))
            return value
        return kernel.antiderivative(j).subs(kernel.z, point)
    except NoClosedFormError as error:
        raise NoClosedFormError(
            f"{function.name} ∗ {kernel.name}: the pieces of degree {j} need ∫ u^{j} k(u) du, and "
            f"{error}"
        ) from None


def divergence_message(function: SmoothableFunction, kernel: Kernel, order) -> str:
    return (
        f"{function.name} ∗ {kernel.name} diverges: {function.name} grows like |x|^{order} in a "
        f"tail, so the convolution needs E|Y|^{order} < ∞, but the {kernel.name} kernel has finite "
        f"absolute moments only of {kernel.finite_absolute_moments}"
    )


def staircase(function: SmoothableFunction, kernel: Kernel, width: sp.Symbol) -> sp.Expr:
    """The smoothed unit staircase floor(x + shift): see the module docstring."""
    return _staircase_series(function, kernel, width, None)


def staircase_derivative(function, kernel, width, var) -> sp.Expr:
    """∂f_w/∂var for a staircase, term by term with the chain rule F' = k; floor is locally
    constant, so ∂/∂x acts through the fractional part r only (∂r/∂x = 1)."""
    return _staircase_series(function, kernel, width, var)


def _staircase_series(function, kernel, width, var) -> sp.Expr:
    if not kernel.has_finite_moment(1):
        raise DivergentConvolutionError(divergence_message(function, kernel, 1))
    if not kernel.symmetric:
        raise NoClosedFormError(f"the staircase series assumes a symmetric kernel; {kernel.name} is not")
    x = function.x
    r = sp.Dummy("r", real=True)  # substituted away below: never printed, never equal to the variable
    m = sp.Symbol("m", integer=True, positive=True)
    above, below = (r - m) / width, (1 - r - m) / width
    if var is None:
        term = kernel.cdf(above) - kernel.cdf(below)
    else:
        by = r if var == x else var
        term = kernel.pdf(above) * sp.diff(above, by) - kernel.pdf(below) * sp.diff(below, by)
    shifted = x + function.staircase_shift
    head = sp.floor(shifted) if var is None else sp.S.Zero
    series = head + KernelSeries(term.subs(r, shifted - sp.floor(shifted)), (m, 1, sp.oo))
    check_supported(series, function, kernel)  # the kernel's CDF may need one (lowergamma for e^(−u⁴))
    return series


def expand(expr: sp.Expr) -> sp.Expr:
    """Expand products and sums, but keep exp(a + b) and (ab)^c whole (they overflow when split)."""
    return sp.expand(expr, power_exp=False, power_base=False, log=False)


def tidy(expr: sp.Expr, x: sp.Symbol, width: sp.Symbol) -> sp.Expr:
    """A readable normal form: expand, then group the terms by the function they multiply."""
    expr = expand(expr)
    if expr.has(sp.Piecewise):
        return expr
    grouped = sp.collect(expr, list(expr.atoms(sp.Function)) + [x, width], evaluate=True)
    return sp.together(grouped) if sp.count_ops(sp.together(grouped)) < sp.count_ops(grouped) else grouped


def check_supported(expr: sp.Expr, function: SmoothableFunction, kernel: Kernel) -> None:
    """Refuse closed forms that contain a function the code generators cannot evaluate."""
    for f in expr.atoms(sp.Function):
        if not isinstance(f, SUPPORTED_FUNCTIONS):
            raise UnsupportedSpecialFunctionError(
                f"{function.name} ∗ {kernel.name}: the closed form needs the special function "
                f"{type(f).__name__} ({f}), which the Triton and torch code generators cannot evaluate"
            )
    if expr.has(sp.Integral):
        raise NoClosedFormError(f"{function.name} ∗ {kernel.name}: SymPy left an unevaluated integral")
