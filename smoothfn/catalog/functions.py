r"""The functions smoothfn smooths, as exact piecewise definitions.

A function is either

* **piecewise polynomial** with finitely many pieces: breakpoints c_1 < … < c_n (numbers or
  parameters such as ``lo``/``hi``) and a polynomial in x on each interval — relu, abs, sign,
  clamp, max, hardswish-style products, any user Piecewise; or
* **a unit staircase** x ↦ floor(x + shift) with countably many unit jumps — floor and round.

The convolution with a kernel is derived from this description in :mod:`smoothfn.derivation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from smoothfn.errors import UnsupportedFunctionError

x = sp.Symbol("x", real=True)

#: Names no parameter of a user's expression may take: ``w`` is the width in every closed form (and
#: a parameter ``Symbol("w", positive=True)`` would be the width itself); the others are keyword
#: arguments of the calls that take the parameters as ``**params`` (``Derivation.evaluate``,
#: ``measure_sup_error``, ``CompiledFunction.__call__``, ...), which a test keeps in step with this set.
RESERVED_NAMES = frozenset({"x", "w", "width", "backend", "points", "max_error", "kernel"})


@dataclass(frozen=True)
class Piece:
    """f(x) = ``poly`` on the open interval (lo, hi); lo may be −∞, hi may be +∞."""

    lo: sp.Expr
    hi: sp.Expr
    poly: sp.Expr


@dataclass(frozen=True)
class Parameter:
    """A scalar parameter of a function (alpha of leaky ReLU, lo/hi of clamp, y of max)."""

    name: str
    symbol: sp.Symbol
    default: float
    description: str


@dataclass(frozen=True)
class SmoothableFunction:
    r"""A function that smoothfn can convolve with a kernel.

    Either piecewise polynomial,

    .. math::
        f(x) = p_i(x) \quad \text{for } c_i < x < c_{i+1}, \qquad c_0 = -\infty < c_1 < \dots < c_{n+1} = \infty,

    or a unit staircase :math:`f(x) = \lfloor x + \text{shift} \rfloor` (floor: shift 0, round: shift 1/2).
    Exactly one of ``pieces`` and ``staircase_shift`` is set. Take catalog functions from
    :data:`smoothfn.FUNCTIONS`; :func:`smoothfn.derive` builds one from a SymPy expression.

    Args:
        name: catalog name (``"relu"``, ...).
        title: a readable name.
        pieces: the polynomial pieces (:class:`Piece`), left to right, or None.
        staircase_shift: the shift of a staircase, or None.
        parameters: the scalar parameters (:class:`Parameter`: alpha, lo/hi, y) with defaults.
        x: the SymPy symbol the pieces are written in.
        note, assumptions, extra: text for the documents (e.g. ``"lo < hi"``).

    Example::

        >>> import smoothfn
        >>> f = smoothfn.FUNCTIONS["clamp"]
        >>> f.expr
        Piecewise((lo, lo > x), (x, hi > x), (hi, True))
        >>> f.defaults, f.breakpoints, f.continuous
        ({'lo': -1.0, 'hi': 1.0}, [lo, hi], True)
        >>> smoothfn.FUNCTIONS["sign"].jumps
        [(0, 2)]
    """

    name: str
    title: str
    pieces: tuple[Piece, ...] | None = None
    staircase_shift: sp.Expr | None = None
    parameters: tuple[Parameter, ...] = ()
    x: sp.Symbol = x
    note: str = ""
    assumptions: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def params(self) -> dict[str, sp.Symbol]:
        """Parameter name → SymPy symbol."""
        return {p.name: p.symbol for p in self.parameters}

    @property
    def defaults(self) -> dict[str, float]:
        """Parameter name → default value (what the numeric methods use when none is given)."""
        return {p.name: p.default for p in self.parameters}

    @property
    def is_staircase(self) -> bool:
        """Whether f is floor(x + shift) (floor, round) rather than piecewise polynomial."""
        return self.staircase_shift is not None

    @property
    def expr(self) -> sp.Expr:
        """f itself as one SymPy expression in ``x``."""
        if self.is_staircase:
            return sp.floor(self.x + self.staircase_shift)
        return piecewise_expression(self.x, self.pieces)

    @property
    def breakpoints(self) -> list[sp.Expr]:
        """c_1 < … < c_n, where the pieces meet (numbers or parameter symbols); [] for staircases."""
        if self.is_staircase:
            return []
        return [p.lo for p in self.pieces[1:]]

    @property
    def jumps(self) -> list[tuple[sp.Expr, sp.Expr]]:
        """(breakpoint, f(c+) − f(c−)) for every breakpoint where f jumps."""
        if self.is_staircase:
            return []
        out = []
        for left, right in zip(self.pieces, self.pieces[1:]):
            size = sp.simplify(right.poly.subs(self.x, right.lo) - left.poly.subs(self.x, right.lo))
            if size != 0:
                out.append((right.lo, size))
        return out

    @property
    def continuous(self) -> bool:
        """No jumps (kinks allowed); False for staircases."""
        return not self.is_staircase and not self.jumps

    @property
    def degree(self) -> int:
        """The largest degree in x of the pieces (0 for staircases): the moment order the kernel needs."""
        return 0 if self.is_staircase else max(sp.degree(p.poly, self.x) for p in self.pieces)

    @property
    def piecewise_linear(self) -> bool:
        """Piecewise polynomial of degree ≤ 1."""
        return not self.is_staircase and self.degree <= 1


def piecewise_expression(var: sp.Symbol, pieces: tuple[Piece, ...]) -> sp.Expr:
    """One Piecewise for consecutive pieces; the value at a breakpoint is the right piece's."""
    if len(pieces) == 1:
        return pieces[0].poly
    branches = [(p.poly, var < p.hi) for p in pieces[:-1]] + [(pieces[-1].poly, True)]
    return sp.Piecewise(*branches)


def _functions() -> dict[str, SmoothableFunction]:
    oo, half = sp.oo, sp.Rational(1, 2)
    alpha = sp.Symbol("alpha", real=True)
    lo, hi = sp.Symbol("lo", real=True), sp.Symbol("hi", real=True)
    y = sp.Symbol("y", real=True)
    zero = sp.S.Zero

    def clamp_pieces(a, b, slope=sp.S.One, offset=zero):
        # value clamp(slope*x + offset, low, high) where a, b are the x-breakpoints
        return (
            Piece(-oo, a, slope * a + offset),
            Piece(a, b, slope * x + offset),
            Piece(b, oo, slope * b + offset),
        )

    functions = [
        SmoothableFunction(
            "relu", "ReLU, max(x, 0)", (Piece(-oo, zero, zero), Piece(zero, oo, x))
        ),
        SmoothableFunction(
            "leaky_relu",
            "leaky ReLU, max(x, αx) for α ≤ 1",
            (Piece(-oo, zero, alpha * x), Piece(zero, oo, x)),
            parameters=(Parameter("alpha", alpha, 0.01, "slope for x < 0"),),
            note="with the Gaussian kernel this is the exact SAU: αx + (1−α)[xΦ(x/w) + wφ(x/w)]",
        ),
        SmoothableFunction("abs", "absolute value |x|", (Piece(-oo, zero, -x), Piece(zero, oo, x))),
        SmoothableFunction(
            "sign", "sign(x)", (Piece(-oo, zero, -sp.S.One), Piece(zero, oo, sp.S.One))
        ),
        SmoothableFunction(
            "step", "Heaviside step θ(x)", (Piece(-oo, zero, zero), Piece(zero, oo, sp.S.One))
        ),
        SmoothableFunction(
            "clamp",
            "clamp(x, lo, hi)",
            (Piece(-oo, lo, lo), Piece(lo, hi, x), Piece(hi, oo, hi)),
            parameters=(
                Parameter("lo", lo, -1.0, "lower bound"),
                Parameter("hi", hi, 1.0, "upper bound"),
            ),
            assumptions="lo < hi",
        ),
        SmoothableFunction("hardtanh", "hardtanh, clamp(x, −1, 1)", clamp_pieces(-sp.S.One, sp.S.One)),
        SmoothableFunction("relu6", "ReLU6, clamp(x, 0, 6)", clamp_pieces(zero, sp.Integer(6))),
        SmoothableFunction(
            "hardsigmoid",
            "hard sigmoid, clamp(x/6 + 1/2, 0, 1) (PyTorch's)",
            clamp_pieces(-sp.Integer(3), sp.Integer(3), sp.Rational(1, 6), half),
        ),
        SmoothableFunction(
            "hardswish",
            "hard swish, x·relu6(x + 3)/6 (PyTorch's)",
            (Piece(-oo, -sp.Integer(3), zero), Piece(-sp.Integer(3), sp.Integer(3), x * (x + 3) / 6),
             Piece(sp.Integer(3), oo, x)),
            note="quadratic between the kinks, so the kernel's second partial moment is needed",
        ),
        SmoothableFunction(
            "max",
            "max(x, y) = y + relu(x − y)",
            (Piece(-oo, y, y), Piece(y, oo, x)),
            parameters=(Parameter("y", y, 0.0, "second argument"),),
            note="smoothed along x with y fixed, which equals y + relu_w(x − y)",
        ),
        SmoothableFunction(
            "min",
            "min(x, y) = x − relu(x − y)",
            (Piece(-oo, y, x), Piece(y, oo, y)),
            parameters=(Parameter("y", y, 0.0, "second argument"),),
            note="smoothed along x with y fixed, which equals x − relu_w(x − y)",
        ),
        SmoothableFunction(
            "floor", "floor ⌊x⌋", staircase_shift=zero, note="unit jumps at every integer"
        ),
        SmoothableFunction(
            "round",
            "round, ⌊x + 1/2⌋",
            staircase_shift=half,
            note="unit jumps at every half-integer; the value at ties is irrelevant",
        ),
    ]
    return {f.name: f for f in functions}


FUNCTIONS: dict[str, SmoothableFunction] = _functions()
"""The catalog functions by name: relu, leaky_relu (alpha), abs, sign, step, clamp (lo, hi), hardtanh,
relu6, hardsigmoid, hardswish, max and min (y), floor, round (each a :class:`SmoothableFunction`)."""


def from_expression(expr: sp.Expr, name: str | None = None) -> SmoothableFunction:
    """A SmoothableFunction from a user's SymPy expression in one real symbol.

    The expression may use Piecewise, Max, Min, Abs, Heaviside and sign; it is folded into
    consecutive intervals with a polynomial on each. ``floor(x)`` and ``floor(x + 1/2)`` are
    recognised as the catalog staircases. Other free symbols become parameters, as long as no
    breakpoint depends on them.

    Raises :class:`~smoothfn.errors.UnsupportedFunctionError` (no variable, several free symbols
    none named x, breakpoints that cannot be ordered, other staircases) and
    :class:`~smoothfn.errors.NoClosedFormError` (a piece that is not a polynomial).

    Example::

        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> from_expression(sp.Max(x, 2 * x)).pieces
        (Piece(lo=-oo, hi=0, poly=x), Piece(lo=0, hi=oo, poly=2*x))
    """
    expr = sp.sympify(expr)
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if not symbols:
        raise UnsupportedFunctionError(f"{expr} has no variable to smooth over")
    names = [s.name for s in symbols]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UnsupportedFunctionError(
            f"{expr} has different symbols with the same name {repeated} (their assumptions differ); "
            "use one symbol per name"
        )
    variable = _pick_variable(expr, symbols)
    if variable.name == "w":
        raise UnsupportedFunctionError(
            f"{expr}: the variable is named w, which is the smoothing width in every closed form; name it x"
        )
    clashes = [s.name for s in symbols if s != variable and s.name in RESERVED_NAMES]
    if clashes:
        raise UnsupportedFunctionError(
            f"{expr}: the parameter name(s) {clashes} clash with smoothfn's own names (w is the smoothing "
            "width; width, backend and points are keyword arguments of evaluate() and of the compiled "
            "function); rename the symbol(s)"
        )
    real = sp.Symbol(variable.name, real=True)
    parameters = tuple(
        Parameter(s.name, s, _default(s), "parameter of the user expression") for s in symbols if s != variable
    )
    body = expr.subs(variable, real)
    label = name or sp.sstr(expr)
    for shift in (sp.S.Zero, sp.Rational(1, 2)):
        if sp.simplify(body - sp.floor(real + shift)) == 0:
            return SmoothableFunction(label, label, staircase_shift=shift, x=real)
    if body.has(sp.floor, sp.ceiling, sp.frac):
        raise UnsupportedFunctionError(
            f"{expr}: only floor(x) and floor(x + 1/2) (round) are supported among functions with "
            "infinitely many jumps"
        )
    pieces = _fold_into_pieces(body, real)
    return SmoothableFunction(label, label, pieces, parameters=parameters, x=real)


#: The facts a parameter's symbol can declare that a derivation may rely on (they decide conditions
#: such as -1 >= -a in Max(x, a*x)), with the test a value must pass and how to name it.
DECLARED = {
    "positive": (lambda v: v > 0, "> 0"),
    "negative": (lambda v: v < 0, "< 0"),
    "nonnegative": (lambda v: v >= 0, ">= 0"),
    "nonpositive": (lambda v: v <= 0, "<= 0"),
    "nonzero": (lambda v: v != 0, "!= 0"),
    "zero": (lambda v: v == 0, "= 0"),
    "integer": (lambda v: v == _round(v), "an integer"),
}


def declared(symbol: sp.Symbol) -> list[str]:
    """The facts of :data:`DECLARED` that ``symbol`` declares (or implies: positive → nonzero)."""
    return [fact for fact in DECLARED if symbol.assumptions0.get(fact)]


def check_parameter_value(name: str, facts: list[str], value) -> None:
    """Raise :class:`InvalidParameterError` unless ``value`` (a number or a tensor, every element)
    satisfies the ``facts`` its symbol declares (:func:`declared`)."""
    from smoothfn.errors import InvalidParameterError

    for fact in facts:
        test, text = DECLARED[fact]
        holds = test(value)
        if not bool(holds.all() if hasattr(holds, "all") else holds):
            raise InvalidParameterError(
                f"the parameter {name} is declared {fact} (by its SymPy symbol; the closed form was "
                f"derived for that), so it must be {text}; got {value!r}"
            )


def _round(value):
    return value.round() if hasattr(value, "round") else round(value)


def _default(symbol: sp.Symbol) -> float:
    """A default value that satisfies what the symbol declares."""
    facts = declared(symbol)
    if "zero" in facts:
        return 0.0
    if "negative" in facts:
        return -1.0
    return 1.0 if "positive" in facts or "nonzero" in facts else 0.0


def _pick_variable(expr: sp.Expr, symbols: list[sp.Symbol]) -> sp.Symbol:
    if len(symbols) == 1:
        return symbols[0]
    named_x = [s for s in symbols if s.name == "x"]
    if named_x:
        return named_x[0]
    raise UnsupportedFunctionError(
        f"{expr} has several free symbols {symbols}; name the variable to smooth over x"
    )


def _fold_into_pieces(body: sp.Expr, var: sp.Symbol) -> tuple[Piece, ...]:
    folded = sp.piecewise_fold(body.rewrite(sp.Piecewise))
    if not isinstance(folded, sp.Piecewise):
        return (Piece(-sp.oo, sp.oo, _polynomial(folded, var, "everywhere")),)
    boundaries: set[sp.Expr] = set()
    for _, condition in folded.args:
        for atom in sp.sympify(condition).atoms(sp.core.relational.Relational):
            roots = sp.solve(sp.Eq(atom.lhs - atom.rhs, 0), var)
            if not roots or any(not r.is_number for r in roots):
                raise UnsupportedFunctionError(
                    f"cannot order the breakpoints of {body}: condition {atom} does not reduce to "
                    f"a numeric breakpoint in {var}"
                )
            boundaries.update(r for r in roots if r.is_real)
    points = sorted(boundaries, key=lambda b: float(b))
    edges = [-sp.oo, *points, sp.oo]
    pieces: list[Piece] = []
    for a, b in zip(edges, edges[1:]):
        if a == -sp.oo:
            probe = b - 1
        elif b == sp.oo:
            probe = a + 1
        else:
            probe = (a + b) / 2
        branch = _branch_at(folded, var, probe, body, (a, b))
        poly = _polynomial(sp.expand(branch), var, f"on ({a}, {b})")
        if pieces and sp.expand(pieces[-1].poly - poly) == 0:
            pieces[-1] = Piece(pieces[-1].lo, b, pieces[-1].poly)
        else:
            pieces.append(Piece(a, b, poly))
    return tuple(pieces)


def _branch_at(folded: sp.Piecewise, var: sp.Symbol, probe: sp.Expr, body: sp.Expr, interval) -> sp.Expr:
    """The expression of the first branch whose condition holds at ``probe`` (inside ``interval``).

    Every condition before it must be decided: one that stays symbolic there (−1 ≥ −a for
    Max(x, a*x)) depends on a parameter, and skipping it would pick a branch that holds only for
    some values of that parameter, a silently wrong piece."""
    for expr, condition in folded.args:
        value = sp.sympify(condition).subs(var, probe)
        if value == True:  # noqa: E712 (SymPy booleans)
            return expr
        if value != False:  # noqa: E712
            parameters = sorted(s.name for s in value.free_symbols)
            raise UnsupportedFunctionError(
                f"cannot tell which piece of {body} holds on ({interval[0]}, {interval[1]}): its condition "
                f"{condition} becomes {value} there, which depends on the parameter(s) {parameters}; "
                "declare their sign where it decides the condition (e.g. sympy.Symbol('a', negative=True)) "
                "or give the breakpoints and pieces explicitly"
            )
    raise UnsupportedFunctionError(f"{body} is undefined on ({interval[0]}, {interval[1]})")


def _polynomial(expr: sp.Expr, var: sp.Symbol, where: str) -> sp.Expr:
    if not expr.is_polynomial(var):
        from smoothfn.errors import NoClosedFormError

        raise NoClosedFormError(
            f"{expr} ({where}) is not a polynomial in {var}: smoothfn derives closed forms only "
            "for piecewise-polynomial functions (and the floor/round staircases), so no closed "
            "form is attempted for this piece"
        )
    return sp.expand(expr)
