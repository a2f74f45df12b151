r"""``derive(f, kernel)``: the closed form of f_w = f ∗ K_w, its derivatives and its error.

.. math::  f_w(x) = \int_{-\infty}^{\infty} f(x - y)\,K_w(y)\,dy, \qquad K_w(u) = k(u/w)/w .
"""

from __future__ import annotations

from functools import cached_property

import mpmath
import sympy as sp

from smoothfn.catalog.functions import (
    FUNCTIONS,
    SmoothableFunction,
    check_parameter_value,
    declared,
    from_expression,
)
from smoothfn.catalog.kernels import KERNELS, Kernel
from smoothfn.derivation import accuracy, convolution
from smoothfn.errors import (
    InvalidWidthError,
    UnknownFunctionError,
    UnknownKernelError,
    check_width,
)

WIDTH = sp.Symbol("w", positive=True)


def resolve_kernel(kernel: str | Kernel) -> Kernel:
    if isinstance(kernel, Kernel):
        return kernel
    try:
        return KERNELS[kernel]
    except (KeyError, TypeError):
        raise UnknownKernelError(
            f"unknown kernel {kernel!r}; choose one of {', '.join(KERNELS)}"
        ) from None


def resolve_function(f) -> SmoothableFunction:
    if isinstance(f, SmoothableFunction):
        return f
    if isinstance(f, str):
        try:
            return FUNCTIONS[f]
        except KeyError:
            raise UnknownFunctionError(
                f"unknown function {f!r}; choose one of {', '.join(FUNCTIONS)} or pass a SymPy "
                "expression"
            ) from None
    if isinstance(f, sp.Basic):
        return from_expression(f)
    raise UnknownFunctionError(f"cannot smooth {f!r}: pass a catalog name or a SymPy expression")


def derive(f, kernel: str | Kernel = "gaussian", *, width=None) -> Derivation:
    """Derive the smoothing of ``f`` (a catalog name or a SymPy expression) by ``kernel``.

    ``width``, if given, is checked (finite, > 0) and becomes the default width of the numeric
    methods; the closed form itself always keeps the width symbolic.

    Raises a ``ValueError`` subclass naming the cause when the kernel or function is unknown,
    when the width is not positive, when the convolution diverges (kernel tail too heavy for the
    growth of f), or when SymPy cannot close the integral with functions the code generators can
    evaluate.
    """
    if width is not None:
        check_width(width)
    derivation = Derivation(resolve_function(f), resolve_kernel(kernel))
    derivation.default_width = width
    return derivation


def evaluate_precisely(fn, *args, rel: float = 1e-25, max_dps: int = 1000):
    """fn(*args) in mpmath, raising the working precision until two evaluations agree.

    A closed form such as x·Φ(x/w) + w·φ(x/w) cancels catastrophically in a tail (its value is
    1e-160 where its terms are 10); the formula is exact, so more digits recover the value. The
    result is returned at the caller's precision. Values that vanish exactly (outside a compact
    kernel's reach) come back as the residual of a 1000-digit evaluation.
    """
    dps = max(mpmath.mp.dps, 30)
    previous = None
    while True:
        with mpmath.workdps(dps):
            value = fn(*(mpmath.mpf(a) for a in args))
        settled = previous is not None and value != 0 and abs(value - previous) <= rel * abs(value)
        if settled or dps >= max_dps:
            return +value
        previous, dps = value, dps * 2


def lambdify_mpmath(args: list[sp.Symbol], expr: sp.Expr):
    """``sympy.lambdify(args, expr, "mpmath")`` with every argument replaced by a Dummy first.

    lambdify names the arguments after the symbols and also puts every symbol of the expression
    into the function's namespace under its name, so that a parameter called pi, exp or mpf
    would shadow mpmath's (a wrong number or a TypeError) and one called m the index of a
    staircase series."""
    dummies = [sp.Dummy(f"a{i}", **arg.assumptions0) for i, arg in enumerate(args)]
    return sp.lambdify(dummies, expr.xreplace(dict(zip(args, dummies))), "mpmath", dummify=True)


class Derivation:
    """The smoothing f ∗ K_w of one function by one kernel.

    Attributes:
        function, kernel: what was smoothed with what.
        x, width: the SymPy symbols of the input and of the width w.
        params: the function's parameters, name → Symbol.
        expr: the closed form in ``x``, ``width`` and ``params``.
    """

    default_width = None

    def __init__(self, function: SmoothableFunction, kernel: Kernel):
        self.function = function
        self.kernel = kernel
        self.x = function.x
        self.width = WIDTH
        self.params = function.params
        if function.is_staircase:
            self.convolution = None
            self.expr = convolution.staircase(function, kernel, WIDTH)
        else:
            self.convolution = convolution.convolve(function, kernel, WIDTH)
            self.expr = self.convolution.expr

    def __repr__(self) -> str:
        return f"Derivation({self.function.name!r}, {self.kernel.name!r})"

    @property
    def name(self) -> str:
        return f"{self.function.name}_{self.kernel.name}"

    # --- derivatives -------------------------------------------------------------------------
    @property
    def variables(self) -> dict[str, sp.Symbol]:
        """Everything the closed form can be differentiated by: x, width and the parameters."""
        return {"x": self.x, "width": self.width, **self.params}

    def derivative(self, var: str | sp.Symbol) -> sp.Expr:
        """∂f_w/∂var for var in ``x``, ``width`` (or ``w``) or a parameter name (or its Symbol)."""
        return self.gradients[self._variable_name(var)]

    def _variable_name(self, var) -> str:
        if isinstance(var, sp.Symbol):
            for name, symbol in self.variables.items():
                if symbol == var:
                    return name
        elif var == "w":
            return "width"
        elif var in self.variables:
            return var
        raise KeyError(f"{var!r} is not a variable of {self!r}; choose from {list(self.variables)}")

    @cached_property
    def gradients(self) -> dict[str, sp.Expr]:
        """name → ∂f_w/∂name for x, width and every parameter (the backward pass)."""
        out = {}
        for name, symbol in self.variables.items():
            if self.function.is_staircase:
                out[name] = convolution.staircase_derivative(self.function, self.kernel, WIDTH, symbol)
            else:
                out[name] = convolution.differentiate(
                    self.convolution, self.x, WIDTH, self.convolution.z, symbol
                )
        return out

    @property
    def derivatives(self) -> dict[str, sp.Expr]:
        """Alias of :attr:`gradients`."""
        return self.gradients

    @property
    def dx(self) -> sp.Expr:
        return self.gradients["x"]

    @property
    def dwidth(self) -> sp.Expr:
        return self.gradients["width"]

    # --- error figures -----------------------------------------------------------------------
    @cached_property
    def errors(self) -> accuracy.ErrorFigures:
        return accuracy.error_figures(self)

    @property
    def sup_error(self) -> sp.Expr | None:
        """sup_x |f_w − f| in closed form (in ``width`` and ``params``), or None if only measured."""
        return self.errors.sup_error

    @property
    def l1_error(self) -> sp.Expr | None:
        """∫ |f_w − f| dx in closed form (``oo`` if infinite), or None if only measured."""
        return self.errors.l1_error

    @property
    def sup_error_vanishes(self) -> bool:
        """False when f jumps: the sup error then tends to half the largest jump, not to 0."""
        return self.errors.sup_error_vanishes

    @property
    def error_statement(self) -> str:
        return self.errors.statement

    def measure_sup_error(self, /, width, **params) -> float:
        return accuracy.measure_sup_error(self, width, **params)

    def measure_l1_error(self, /, width, **params) -> float:
        return accuracy.measure_l1_error(self, width, **params)

    def sup_error_at(self, /, width, **params) -> float:
        """The closed-form sup error at a width if there is one, else the measured one."""
        width = check_width(width)
        if self.sup_error is None:
            return self.measure_sup_error(width, **params)
        values = {self.width: width, **self._symbol_values(params)}
        return float(self.sup_error.subs(values))

    # --- numbers -----------------------------------------------------------------------------
    def parameter_values(self, params: dict) -> dict[str, float]:
        unknown = set(params) - set(self.params)
        if unknown:
            raise ValueError(f"{self!r} has no parameter {sorted(unknown)}; it has {list(self.params)}")
        values = {**self.function.defaults, **params}
        for name, value in values.items():
            check_parameter_value(name, declared(self.params[name]), value)
        return values

    def _symbol_values(self, params: dict) -> dict[sp.Symbol, float]:
        return {self.params[k]: v for k, v in self.parameter_values(params).items()}

    @cached_property
    def _lambdified(self):
        args = [self.x, self.width, *self.params.values()]
        return lambdify_mpmath(args, self.expr)

    def _lambdified_gradient(self, name: str):
        cache = self.__dict__.setdefault("_gradient_cache", {})
        if name not in cache:
            args = [self.x, self.width, *self.params.values()]
            cache[name] = lambdify_mpmath(args, self.gradients[name])
        return cache[name]

    def _width(self, width):
        if width is None:
            if self.default_width is None:
                raise InvalidWidthError("no width given and derive() was called without one")
            width = self.default_width
        return check_width(width)

    def numeric(self, /, width=None, **params):
        """x ↦ f_w(x) as an mpmath function at a fixed width and parameters (exact digits: see
        :func:`evaluate_precisely`)."""
        width = self._width(width)
        values = list(self.parameter_values(params).values())
        fn = self._lambdified
        return lambda x: evaluate_precisely(fn, x, width, *values)

    def numeric_gradient(self, name: str, /, width=None, **params):
        width = self._width(width)
        values = list(self.parameter_values(params).values())
        fn = self._lambdified_gradient(self._variable_name(name))
        return lambda x: evaluate_precisely(fn, x, width, *values)

    def numeric_function(self, /, **params):
        """x ↦ f(x), the unsmoothed function, as an mpmath function."""
        values = self.parameter_values(params)
        fn = lambdify_mpmath([self.x, *self.params.values()], self.function.expr)
        return lambda x: fn(mpmath.mpf(x), *values.values())

    def evaluate(self, x, /, width=None, **params):
        """f_w(x) as an mpmath number."""
        return self.numeric(width, **params)(x)

    __call__ = evaluate

    # --- limits ------------------------------------------------------------------------------
    @cached_property
    def asymptotes(self) -> tuple[sp.Expr, sp.Expr] | None:
        """(left, right): polynomials with f_w(x) − asymptote → 0 as x → −∞ and x → +∞.

        For a tail piece p, E[p(x − wY)] = Σ_j c_j E[Y^j] — equal to p itself when p is linear
        and the kernel symmetric. None for staircases (f_w(x) − (x − 1/2) oscillates).
        """
        if self.function.is_staircase:
            return None
        out = []
        for piece in (self.function.pieces[0], self.function.pieces[-1]):
            u = sp.Dummy("u", real=True)  # never equal to a symbol of f
            shifted = sp.Poly(sp.expand(piece.poly.subs(self.x, self.x - self.width * u)), u)
            out.append(sp.expand(sum(c * self.kernel.moment(j) for (j,), c in shifted.terms())))
        return out[0], out[1]

    def markdown(self) -> str:
        """The derivation document (Markdown with $…$ / $$…$$ LaTeX)."""
        from smoothfn.derivation.document import render

        return render(self)

    def latex(self) -> str:
        return sp.latex(self.expr)


__all__ = ["derive", "Derivation", "InvalidWidthError"]
