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
    r"""derive(f, kernel="gaussian", *, width=None) -> Derivation

    Derive the smoothing of ``f`` by ``kernel`` in closed form, with SymPy:

    .. math::
        f_w(x) = (f * K_w)(x) = \int_{-\infty}^{\infty} f(x - wu)\,k(u)\,du,
        \qquad K_w(u) = \frac{1}{w}\,k\!\left(\frac{u}{w}\right).

    The derivatives (x, width, every parameter) and the error figures come with it, all symbolic
    in w; nothing here touches torch.

    Args:
        f: a name from :data:`smoothfn.FUNCTIONS`, a :class:`~smoothfn.SmoothableFunction`, or a
            SymPy expression in one real variable (Piecewise, Max, Min, Abs, Heaviside and sign of
            polynomial pieces, or ``floor(x)`` / ``floor(x + 1/2)``). With several free symbols the
            one named ``x`` is the variable and the others become parameters.
        kernel: a name from :data:`smoothfn.KERNELS` or a :class:`~smoothfn.Kernel`. Default: ``"gaussian"``.
        width: optional default width of the numeric methods (:meth:`Derivation.evaluate`, ...),
            checked to be finite and > 0. The closed form always keeps the width symbolic.

    Returns:
        a :class:`Derivation`.

    Raises:
        UnknownFunctionError, UnknownKernelError: unknown names.
        InvalidWidthError: ``width`` is not finite and > 0.
        DivergentConvolutionError: the kernel's tail is too heavy for the growth of f
            (relu ∗ cauchy).
        NoClosedFormError: SymPy cannot close the integral with functions the code generators
            evaluate (hardswish ∗ logistic), or a piece is not a polynomial.
        UnsupportedFunctionError: an expression smoothfn cannot fold into ordered pieces.

    Example::

        >>> import smoothfn
        >>> d = smoothfn.derive("relu", kernel="gaussian")
        >>> d.expr
        sqrt(2)*w*exp(-x**2/(2*w**2))/(2*sqrt(pi)) + x*erf(sqrt(2)*x/(2*w))/2 + x/2
        >>> d.sup_error            # w/√(2π), at the kink
        sqrt(2)*w/(2*sqrt(pi))
        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> smoothfn.derive(sp.Max(x, 0), kernel="uniform").expr
        Piecewise((0, x/w < -1), (w/4 + x/2 + x**2/(4*w), x/w < 1), (x, True))
    """
    if width is not None:
        check_width(width)
    derivation = Derivation(resolve_function(f), resolve_kernel(kernel))
    derivation.default_width = width
    return derivation


def evaluate_precisely(fn, *args, rel: float = 1e-25, max_dps: int = 1000, absolute: float = 0.0):
    """fn(*args) in mpmath, raising the working precision until two evaluations agree.

    A closed form such as x·Φ(x/w) + w·φ(x/w) cancels catastrophically in a tail (its value is
    1e-160 where its terms are 10); the formula is exact, so more digits recover the value. The
    result is returned at the caller's precision. Values that vanish exactly (outside a compact
    kernel's reach) come back as the residual of a ``max_dps``-digit evaluation (the precision
    doubles up to ``max_dps``, never beyond it). A caller that needs the value only to an
    absolute accuracy (an error measurement) passes ``absolute``: two evaluations within it
    settle the value, so an exact zero costs two evaluations instead of ``max_dps`` digits.
    """
    dps = max(mpmath.mp.dps, 30)
    previous = None
    while True:
        with mpmath.workdps(dps):
            value = fn(*(mpmath.mpf(a) for a in args))
        if previous is not None:
            difference = abs(value - previous)
            if (value != 0 and difference <= rel * abs(value)) or (absolute > 0 and difference <= absolute):
                return +value
        if dps >= max_dps:
            return +value
        previous, dps = value, min(dps * 2, max_dps)


def lambdify_mpmath(args: list[sp.Symbol], expr: sp.Expr):
    """``sympy.lambdify(args, expr, "mpmath")`` with every argument replaced by a Dummy first.

    lambdify names the arguments after the symbols and also puts every symbol of the expression
    into the function's namespace under its name, so that a parameter called pi, exp or mpf
    would shadow mpmath's (a wrong number or a TypeError) and one called m the index of a
    staircase series."""
    dummies = [sp.Dummy(f"a{i}", **arg.assumptions0) for i, arg in enumerate(args)]
    return sp.lambdify(dummies, expr.xreplace(dict(zip(args, dummies))), "mpmath", dummify=True)


class Derivation:
    r"""The smoothing :math:`f_w = f * K_w` of one function by one kernel, as returned by
    :func:`derive`.

    Everything symbolic is a plain SymPy expression in :attr:`x`, :attr:`width` (the symbol
    ``w``) and the symbols in :attr:`params`; ``sympy.lambdify(..., "mpmath")`` evaluates it. The
    numeric methods (:meth:`evaluate`, :meth:`numeric`, ...) raise the mpmath precision until two
    evaluations agree, so they return exact digits even where the closed form cancels.

    Attributes:
        function (SmoothableFunction), kernel (Kernel): what was smoothed with what.
        x, width: the SymPy symbols of the input and of the width w.
        params: the function's parameters, name → Symbol (``{"alpha": alpha}`` for leaky_relu).
        expr: f_w in closed form (for floor/round a series, evaluated by ``mpmath.nsum``).
        default_width: the ``width`` given to :func:`derive`, or None.

    Example::

        >>> import smoothfn
        >>> d = smoothfn.derive("leaky_relu", "gaussian")
        >>> d.params
        {'alpha': alpha}
        >>> d.derivative("alpha")
        -sqrt(2)*w*exp(-x**2/(2*w**2))/(2*sqrt(pi)) - x*erf(sqrt(2)*x/(2*w))/2 + x/2
        >>> d.l1_error
        w**2*Abs(alpha - 1)/2
        >>> float(d.evaluate(0.0, 0.5, alpha=0.15))
        0.1695504691706089
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
        """``"<function>_<kernel>"``, e.g. ``"relu_gaussian"`` (the generated module's name)."""
        return f"{self.function.name}_{self.kernel.name}"

    # --- derivatives -------------------------------------------------------------------------
    @property
    def variables(self) -> dict[str, sp.Symbol]:
        """Everything the closed form can be differentiated by: x, width and the parameters."""
        return {"x": self.x, "width": self.width, **self.params}

    def derivative(self, var: str | sp.Symbol) -> sp.Expr:
        """∂f_w/∂var for var in ``x``, ``width`` (or ``w``) or a parameter name (or its Symbol).

        Raises ``KeyError`` for anything else.

        Example::

            >>> import smoothfn
            >>> smoothfn.derive("relu").derivative("x")
            erf(sqrt(2)*x/(2*w))/2 + 1/2
        """
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
        """name → ∂f_w/∂name for x, width and every parameter (the backward pass); keys as in
        :attr:`variables`."""
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
        """∂f_w/∂x."""
        return self.gradients["x"]

    @property
    def dwidth(self) -> sp.Expr:
        """∂f_w/∂w."""
        return self.gradients["width"]

    # --- error figures -----------------------------------------------------------------------
    @cached_property
    def errors(self) -> accuracy.ErrorFigures:
        """All error figures at once (sup and L¹ errors, their limit as w → 0, where the sup is, a
        statement): :class:`smoothfn.derivation.accuracy.ErrorFigures`."""
        return accuracy.error_figures(self)

    @property
    def sup_error(self) -> sp.Expr | None:
        """sup_x |f_w − f| in closed form (in ``width`` and ``params``), or None if only measured.

        Closed for one kink (|Δ|·w·E|Y|/2, Δ the slope jump), the clamp family (the larger error
        at its two kinks), one jump between constants (half the jump) and the staircases (1/2).
        """
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
        """One sentence on how f_w approaches f as w → 0 (uniformly, or not at a jump)."""
        return self.errors.statement

    def measure_sup_error(self, /, width, **params) -> float:
        """sup_x |f_w − f| at ``width`` and ``params`` (defaults for the others), measured numerically.

        Example::

            >>> import smoothfn
            >>> round(smoothfn.derive("relu").measure_sup_error(0.5), 6)   # w/√(2π)
            0.199471
        """
        return accuracy.measure_sup_error(self, width, **params)

    def measure_l1_error(self, /, width, **params) -> float:
        """∫ |f_w − f| dx at ``width`` and ``params``, measured numerically."""
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
        """The function's defaults updated with ``params``; ``ValueError`` for an unknown name."""
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
        """x ↦ ∂f_w/∂name (x) as an mpmath function, ``name`` as in :meth:`derivative`."""
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
        """f_w(x) as an mpmath number (also ``derivation(x, width, **params)``).

        Args:
            x: the point (a number).
            width: w > 0; the ``width`` given to :func:`derive` when omitted.
            **params: parameter values by name; the function's defaults for the others.

        Example::

            >>> import smoothfn
            >>> float(smoothfn.derive("relu").evaluate(0.0, 0.5))    # w·φ(0) = 0.5/√(2π)
            0.19947114020071635
        """
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
        """The derivation document (Markdown with $…$ / $$…$$ LaTeX), as in ``derivations/`` and
        ``smoothfn derive FUNC --markdown``."""
        from smoothfn.derivation.document import render

        return render(self)

    def latex(self) -> str:
        """:attr:`expr` as LaTeX (``smoothfn derive FUNC --latex``)."""
        return sp.latex(self.expr)


__all__ = ["derive", "Derivation", "InvalidWidthError"]
