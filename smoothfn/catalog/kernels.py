r"""The smoothing kernels: standard densities k, with K_w(u) = k(u/w)/w at width w.

Each kernel is given by its density on finitely many pieces. Everything else — the CDF, the
antiderivatives of u^j k(u) that the convolution is built from, the moments, which absolute
moments are finite — is computed from that density by SymPy on first use and cached.

The building block of every closed form is

.. math::  A_j(z) = \int_0^z u^j\,k(u)\,du ,

so that :math:`\int_a^b u^j k(u)\,du = A_j(b) - A_j(a)`. Anchoring at 0 (not at −∞) keeps
A_j finite for heavy-tailed kernels, where only the bounded pieces of a function may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

import sympy as sp
from sympy.series.formal import FormalPowerSeries

from smoothfn.errors import NoClosedFormError

u = sp.Symbol("u", real=True)
z = sp.Symbol("z", real=True)


@dataclass(frozen=True)
class KernelPiece:
    """The density ``density(u)`` on the open interval (lo, hi)."""

    lo: sp.Expr
    hi: sp.Expr
    density: sp.Expr


class Kernel:
    r"""A symmetric probability density k used as an approximate identity.

    At width w the kernel is

    .. math::
        K_w(u) = \frac{1}{w}\,k\!\left(\frac{u}{w}\right), \qquad
        f_w = f * K_w \to f \quad (w \to 0),

    and Y denotes a random variable with density k. A kernel is given by its density on
    finitely many pieces; everything else (CDF, antiderivatives, moments) is computed from it by
    SymPy on first use and cached. Take kernels from :data:`smoothfn.KERNELS`.

    Args:
        name: catalog name (``"gaussian"``, ...).
        title: a readable name.
        pieces: the density on consecutive intervals covering the support (:class:`KernelPiece`).
        note: one line for the documents.

    Attributes:
        name, title, pieces, note: as given.
        u: the SymPy symbol of :attr:`density` and :attr:`pdf`.
        z: the SymPy symbol of :attr:`cdf_expr` and :meth:`antiderivative`.

    Example::

        >>> import smoothfn
        >>> k = smoothfn.KERNELS["gaussian"]
        >>> k.pdf(0)
        sqrt(2)/(2*sqrt(pi))
        >>> k.cdf_expr
        erf(sqrt(2)*z/2)/2 + 1/2
        >>> k.mean_abs, k.variance
        (sqrt(2)/sqrt(pi), 1)
        >>> smoothfn.KERNELS["cauchy"].has_finite_moment(1)
        False
    """

    u = u
    z = z

    def __init__(self, name: str, title: str, pieces: list[KernelPiece], note: str = ""):
        self.name = name
        self.title = title
        self.pieces = tuple(pieces)
        self.note = note

    def __repr__(self) -> str:
        return f"Kernel({self.name!r})"

    # --- the density ----------------------------------------------------------------------
    @cached_property
    def density(self) -> sp.Expr:
        """k(u) as one SymPy expression (a Piecewise where the kernel has pieces or a support)."""
        return _piecewise_in(u, [(p.lo, p.hi, p.density) for p in self.pieces])

    @cached_property
    def pdf(self) -> sp.Lambda:
        """k as a SymPy ``Lambda``: ``kernel.pdf(0)`` is a number, ``kernel.pdf(u)`` an expression."""
        return sp.Lambda(u, self.density)

    @cached_property
    def support(self) -> tuple[sp.Expr, sp.Expr]:
        """(lo, hi): the ends of the support, ``(-oo, oo)`` or e.g. ``(-1, 1)`` for the compact kernels."""
        return self.pieces[0].lo, self.pieces[-1].hi

    @property
    def compact(self) -> bool:
        """Whether the support is bounded (uniform, triangular, epanechnikov)."""
        lo, hi = self.support
        return lo.is_finite and hi.is_finite

    @cached_property
    def symmetric(self) -> bool:
        """k(−u) = k(u), checked exactly at a few rational points and symbolically per piece."""
        points = [sp.Rational(n, 7) for n in (1, 3, 5, 9, 20, 50)]
        return all(sp.simplify(self.density.subs(u, -t) - self.density.subs(u, t)) == 0 for t in points)

    # --- antiderivatives and moments ---------------------------------------------------------
    def antiderivative(self, j: int) -> sp.Expr:
        r"""A_j(z) = ∫_0^z u^j k(u) du, as an expression in ``kernel.z``: the building block of every
        closed form (∫_a^b u^j k(u) du = A_j(b) − A_j(a)).

        Raises :class:`~smoothfn.errors.NoClosedFormError` when SymPy cannot integrate u^j k(u)
        with elementary functions (the logistic kernel at j = 2).

        Example::

            >>> import smoothfn
            >>> smoothfn.KERNELS["uniform"].antiderivative(1)
            Piecewise((1/4, z < -1), (z**2/4, z < 1), (1/4, True))
        """
        return _antiderivative(self, j)[0]

    def tail(self, j: int, side: int) -> sp.Expr:
        r"""A_j(+∞) (side=+1) or A_j(−∞) (side=−1); ``sympy.oo``/``-oo`` when it diverges."""
        values = _antiderivative(self, j)[1]
        return values[1] if side > 0 else values[0]

    @cached_property
    def cdf_expr(self) -> sp.Expr:
        """F(z) = ∫_{-∞}^z k(u) du."""
        return _tidy(self.antiderivative(0) - self.tail(0, -1))

    @cached_property
    def cdf(self) -> sp.Lambda:
        """F as a SymPy ``Lambda`` of one argument."""
        return sp.Lambda(z, self.cdf_expr)

    def moment(self, j: int) -> sp.Expr:
        """E[Y^j]: 0 for odd j (symmetric kernels), E|Y|^j for even j; ``nan`` when not finite."""
        if not self.has_finite_moment(j):
            return sp.nan
        return sp.S.Zero if j % 2 else self.absolute_moment(j)

    def absolute_moment(self, j: int) -> sp.Expr:
        """E|Y|^j by definite integration over the pieces; ``sympy.oo`` when infinite."""
        return _absolute_moment(self, j)

    abs_moment = absolute_moment

    @cached_property
    def finite_moment_bound(self) -> sp.Expr:
        r"""p* such that E|Y|^p < ∞ exactly when p < p*: ``oo`` for exponential or compact tails.

        From the tail exponent: if k(u) ~ C u^{-(1+a)} as u → ∞ then p* = a.
        """
        if self.compact:
            return sp.oo
        tail_density = self.pieces[-1].density
        decay = sp.limit(-sp.log(tail_density) / sp.log(u), u, sp.oo)
        return sp.oo if decay is sp.oo else sp.simplify(decay - 1)

    def has_finite_moment(self, p) -> bool:
        """Whether E|Y|^p is finite."""
        return bool(sp.sympify(p) < self.finite_moment_bound)

    @property
    def finite_absolute_moments(self) -> str:
        """A readable statement of which absolute moments are finite."""
        bound = self.finite_moment_bound
        return "all orders" if bound is sp.oo else f"orders p < {bound}"

    @cached_property
    def mean_abs(self) -> sp.Expr:
        """E|Y|, the first absolute moment (the sup error of smoothed ReLU is w·E|Y|/2)."""
        return self.absolute_moment(1)

    @cached_property
    def variance(self) -> sp.Expr:
        """Var Y = E[Y²] for these symmetric kernels; ``oo`` when infinite."""
        return self.absolute_moment(2)

    @cached_property
    def std(self) -> sp.Expr:
        """√Var Y; ``oo`` when the variance is infinite."""
        return sp.oo if self.variance is sp.oo else sp.sqrt(self.variance)

    def properties(self) -> dict[str, sp.Expr]:
        """The kernel's symbolic figures, by name (used by ``smoothfn list`` and the documents)."""
        return {
            "pdf": self.density,
            "cdf": self.cdf_expr,
            "E|Y|": self.mean_abs,
            "variance": self.variance,
            "std": self.std,
            "finite absolute moments": self.finite_absolute_moments,
        }


def _piecewise_in(var: sp.Symbol, pieces: list[tuple[sp.Expr, sp.Expr, sp.Expr]]) -> sp.Expr:
    """One expression for a function given on consecutive intervals, 0 outside them."""
    if len(pieces) == 1 and pieces[0][0] == -sp.oo and pieces[0][1] == sp.oo:
        return pieces[0][2]
    branches = []
    lo0 = pieces[0][0]
    if lo0 != -sp.oo:
        branches.append((sp.S.Zero, var < lo0))
    for _lo, hi, expr in pieces:
        branches.append((expr, var < hi) if hi != sp.oo else (expr, True))
    if pieces[-1][1] != sp.oo:
        branches.append((sp.S.Zero, True))
    return sp.Piecewise(*branches)


def _tidy(expr: sp.Expr) -> sp.Expr:
    """A cheap normal form: the shortest of expand / simplify, branch by branch of a Piecewise."""
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(_tidy(e), c) for e, c in expr.args])
    expanded = sp.expand(expr)
    simplified = sp.simplify(expanded)
    new_functions = {type(f) for f in simplified.atoms(sp.Function)} - {
        type(f) for f in expanded.atoms(sp.Function)
    }
    shorter = sp.count_ops(simplified) < 0.7 * sp.count_ops(expanded)
    return simplified if shorter and not new_functions else expanded


@cache
def _absolute_moment(kernel: Kernel, j: int) -> sp.Expr:
    if not kernel.has_finite_moment(j):
        return sp.oo
    total = sp.S.Zero
    for p in kernel.pieces:
        for lo, hi, sign in ((p.lo, sp.Min(p.hi, 0), -1), (sp.Max(p.lo, 0), p.hi, 1)):
            if kernel.symmetric and sign < 0:
                continue  # counted twice on the positive side below
            if (lo < hi) == True:  # noqa: E712
                part = sp.integrate((sign * u) ** j * p.density, (u, lo, hi))
                if part.has(sp.Integral) and (lo, hi) == (0, sp.oo):
                    part = _moment_by_exponential_series(p.density, j)
                if part.has(sp.Integral) and (lo, hi) == (-sp.oo, 0):
                    part = _moment_by_exponential_series(p.density.subs(u, -u), j)
                if part.has(sp.Integral):
                    raise NoClosedFormError(
                        f"SymPy cannot integrate |u|**{j} * k(u) for the {kernel.name} kernel"
                    )
                total += part
    return sp.simplify(2 * total if kernel.symmetric else total)


def _moment_by_exponential_series(density: sp.Expr, j: int) -> sp.Expr:
    r"""∫_0^∞ u^j k(u) du for a density that is a power series in q = e^{-u} on u > 0.

    With k = Σ a_n q^n (SymPy's formal power series gives a_n), ∫_0^∞ u^j e^{-nu} du = j!/n^{j+1},
    so the moment is the sum Σ a_n j!/n^{j+1} (the logistic kernel's moments come out as zeta values).
    """
    q = sp.Symbol("q", positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    in_q = sp.simplify(density.subs(u, -sp.log(q)))
    if in_q.has(u) or in_q.has(sp.log):
        return sp.Integral(u**j * density, (u, 0, sp.oo))
    series = sp.fps(in_q, q)
    if not isinstance(series, FormalPowerSeries):
        return sp.Integral(u**j * density, (u, 0, sp.oo))
    index = series.ak.variables[0]
    coefficient = series.ak.formula.subs(index, n)
    return sp.simplify(sp.summation(coefficient * sp.factorial(j) / n ** (j + 1), (n, 1, sp.oo)))


@cache
def _power_primitive(density: sp.Expr, j: int) -> sp.Expr:
    """A primitive of u^j·density(u); SymPy's ``integrate`` (which may leave an Integral).

    For j > 2 and a density with a linear logarithmic derivative, k' = −(αu + β)k (the Gaussian),
    by parts from the orders below: d/du[u^{j−1}k] = (j−1)u^{j−2}k − (αu + β)u^{j−1}k, so
    ∫u^j k = [(j−1)∫u^{j−2}k − β∫u^{j−1}k − u^{j−1}k]/α. SymPy's heuristic integrator takes
    seconds for u^4·e^{−u²/2} and minutes for u^8 (a degree-9 piece seemed to hang); orders up to
    2, which the catalog uses, keep SymPy's own form."""
    if j > 2:
        slope = sp.cancel(-sp.diff(density, u) / density)
        if slope.is_polynomial(u) and sp.degree(slope, u) == 1:
            alpha, beta = sp.Poly(slope, u).all_coeffs()
            lower, previous = _power_primitive(density, j - 2), _power_primitive(density, j - 1)
            if not (lower.has(sp.Integral) or previous.has(sp.Integral)):
                return sp.expand(((j - 1) * lower - beta * previous - u ** (j - 1) * density) / alpha)
    return sp.integrate(u**j * density, u)


@cache
def _antiderivative(kernel: Kernel, j: int) -> tuple[sp.Expr, tuple[sp.Expr, sp.Expr]]:
    """(A_j(z), (A_j(−∞), A_j(+∞))) computed piece by piece with SymPy."""
    pieces = []
    for p in kernel.pieces:  # split the piece that contains 0 so that 0 is a boundary
        if (p.lo < 0) == True and (p.hi > 0) == True:  # noqa: E712 (SymPy relationals)
            pieces += [KernelPiece(p.lo, sp.S.Zero, p.density), KernelPiece(sp.S.Zero, p.hi, p.density)]
        else:
            pieces.append(p)

    primitives = []
    for p in pieces:
        primitive = _power_primitive(p.density, j)
        if primitive.has(sp.Integral):
            raise NoClosedFormError(
                f"SymPy cannot integrate u**{j} * k(u) for the {kernel.name} kernel in closed form "
                f"(∫ {sp.sstr(u**j * p.density)} du): the antiderivative is not elementary (it needs a "
                f"special function, such as the dilogarithm polylog for the logistic kernel's u², that the "
                f"code generators cannot evaluate)"
            )
        primitives.append(primitive)

    def at(primitive: sp.Expr, point: sp.Expr) -> sp.Expr:
        return sp.limit(primitive, u, point) if point.is_infinite else primitive.subs(u, point)

    # anchor value V(b) = ∫_0^b u^j k at every boundary, walking out from 0
    zero = next(i for i, p in enumerate(pieces) if p.lo == 0)
    anchor = {sp.S.Zero: sp.S.Zero}
    for i in range(zero, len(pieces)):
        p, primitive = pieces[i], primitives[i]
        anchor[p.hi] = sp.simplify(anchor[p.lo] + at(primitive, p.hi) - at(primitive, p.lo))
    for i in range(zero - 1, -1, -1):
        p, primitive = pieces[i], primitives[i]
        anchor[p.lo] = sp.simplify(anchor[p.hi] - (at(primitive, p.hi) - at(primitive, p.lo)))

    branches: list[tuple[sp.Expr, sp.Expr]] = []  # (expression, upper end of its interval)
    lo0, hi_last = pieces[0].lo, pieces[-1].hi
    if lo0.is_finite:
        branches.append((anchor[lo0], lo0))
    for i, (p, primitive) in enumerate(zip(pieces, primitives)):
        reference = p.lo if i >= zero else p.hi  # the finite end nearer to 0
        expr = _tidy(anchor[reference] + primitive.subs(u, z) - primitive.subs(u, reference))
        branches.append((expr, p.hi))
    if hi_last.is_finite:
        branches.append((anchor[hi_last], sp.oo))
    merged: list[tuple[sp.Expr, sp.Expr]] = []
    for expr, upper in branches:
        if merged and sp.simplify(merged[-1][0] - expr) == 0:
            merged[-1] = (merged[-1][0], upper)
        else:
            merged.append((expr, upper))
    if len(merged) == 1:
        antiderivative = merged[0][0]
    else:
        antiderivative = sp.Piecewise(
            *[(e, z < upper) if upper != sp.oo else (e, True) for e, upper in merged]
        )
    below = anchor[lo0] if lo0.is_finite else anchor[-sp.oo]
    above = anchor[hi_last] if hi_last.is_finite else anchor[sp.oo]
    return antiderivative, (below, above)


def _kernels() -> dict[str, Kernel]:
    half = sp.Rational(1, 2)
    return {
        k.name: k
        for k in [
            Kernel(
                "gaussian",
                "Gaussian (standard normal)",
                [KernelPiece(-sp.oo, sp.oo, sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi))],
                "std 1; the SAU kernel",
            ),
            Kernel(
                "logistic",
                "logistic",
                [KernelPiece(-sp.oo, sp.oo, sp.exp(-u) / (1 + sp.exp(-u)) ** 2)],
                "the derivative of the sigmoid; gives softplus for ReLU",
            ),
            Kernel(
                "cauchy",
                "Cauchy",
                [KernelPiece(-sp.oo, sp.oo, 1 / (sp.pi * (1 + u**2)))],
                "no finite mean: only bounded functions can be smoothed",
            ),
            Kernel(
                "laplace",
                "Laplace",
                [
                    KernelPiece(-sp.oo, sp.S.Zero, sp.exp(u) / 2),
                    KernelPiece(sp.S.Zero, sp.oo, sp.exp(-u) / 2),
                ],
                "e^{-|u|}/2",
            ),
            Kernel("uniform", "uniform on [-1, 1]", [KernelPiece(-sp.S.One, sp.S.One, half)],
                   "gives SmeLU for ReLU; only C^1"),
            Kernel(
                "student_t2",
                "Student t (2 degrees of freedom, scaled)",
                [KernelPiece(-sp.oo, sp.oo, 1 / (2 * (1 + u**2) ** sp.Rational(3, 2)))],
                "gives squareplus for ReLU and SMU-1 for leaky ReLU; infinite variance",
            ),
            Kernel(
                "epanechnikov",
                "Epanechnikov",
                [KernelPiece(-sp.S.One, sp.S.One, sp.Rational(3, 4) * (1 - u**2))],
                "3/4 (1 - u^2) on [-1, 1]",
            ),
            Kernel(
                "triangular",
                "triangular",
                [KernelPiece(-sp.S.One, sp.S.Zero, 1 + u), KernelPiece(sp.S.Zero, sp.S.One, 1 - u)],
                "1 - |u| on [-1, 1]",
            ),
        ]
    }


KERNELS: dict[str, Kernel] = _kernels()
"""The kernels by name, in catalog order: gaussian, logistic, cauchy, laplace, uniform, student_t2,
epanechnikov, triangular (each a :class:`Kernel`). ``smoothfn list`` prints them with their figures."""
