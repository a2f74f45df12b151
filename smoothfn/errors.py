"""Exceptions raised by smoothfn.

Every refusal is a ``ValueError`` subclass, so ``except ValueError`` catches them all, and each
message names the argument or the mathematical reason (which kernel, which moment, which special
function) so that nobody gets a silently wrong number.

The hierarchy::

    ValueError
    └── SmoothfnError
        ├── UnknownKernelError          (also a KeyError)
        ├── UnknownFunctionError        (also a KeyError)
        ├── InvalidWidthError
        ├── DivergentConvolutionError
        │   └── DivergentPairError      (also a NoClosedFormError)
        ├── NoClosedFormError
        │   └── UnsupportedSpecialFunctionError
        └── UnsupportedFunctionError
"""


class SmoothfnError(ValueError):
    r"""Base class of every refusal smoothfn raises.

    Raised as itself by :mod:`smoothfn.functional` for bad arguments that are not widths: a
    tensor argument whose shape does not broadcast with ``x``, a string or bool where a number
    belongs, a NaN or infinite Python parameter (``alpha``, ``y``, ``min``, ``max``, ``mu``),
    ``min >= max`` for :func:`~smoothfn.functional.clamp`, ``max_error=`` for a function with a
    jump, an unknown ``backend=``.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.sign(torch.zeros(3), max_error=1e-3)
        Traceback (most recent call last):
          ...
        smoothfn.errors.SmoothfnError: max_error= is not available for sign: it jumps, ...
    """


class UnknownKernelError(SmoothfnError, KeyError):
    r"""The kernel name is not in :data:`smoothfn.KERNELS`.

    Raised by :func:`smoothfn.derive`, :func:`smoothfn.compile` and every function of
    :mod:`smoothfn.functional` that takes ``kernel=``. Also a ``KeyError``; its message lists the
    kernels there are.

    Example::

        >>> import smoothfn
        >>> smoothfn.derive("relu", kernel="bogus")
        Traceback (most recent call last):
          ...
        smoothfn.errors.UnknownKernelError: unknown kernel 'bogus'; choose one of gaussian, logistic, ...
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownFunctionError(SmoothfnError, KeyError):
    r"""The function is neither a name in :data:`smoothfn.FUNCTIONS` nor a SymPy expression.

    Raised by :func:`smoothfn.derive` (and ``smoothfn derive FUNC``, where FUNC is neither a
    catalog name nor parses as SymPy). Also a ``KeyError``.

    Example::

        >>> import smoothfn
        >>> smoothfn.derive("swish")
        Traceback (most recent call last):
          ...
        smoothfn.errors.UnknownFunctionError: unknown function 'swish'; choose one of relu, leaky_relu, ...
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidWidthError(SmoothfnError):
    r"""The smoothing width w is not one smoothfn can use.

    :func:`smoothfn.derive` and the numeric methods of :class:`~smoothfn.Derivation` need a
    finite w > 0. :mod:`smoothfn.functional` needs more: w² must be a normal number of the compute
    dtype (fp32 about 1.1e-19 to 1.8e19, fp64 1.5e-154 to 1.3e154), and exactly one of
    ``width=`` and ``max_error=`` must be given (a ``max_error=`` that is not a positive number
    raises this error too).

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.relu(torch.zeros(3), width=0.0)
        Traceback (most recent call last):
          ...
        smoothfn.errors.InvalidWidthError: width must be finite and > 0, got 0.0
    """


class DivergentConvolutionError(SmoothfnError):
    r"""The kernel's tail is too heavy for the growth of the function: the integral diverges.

    :math:`f_w(x) = \int f(x - wu)\,k(u)\,du` converges only when the kernel has a finite absolute
    moment :math:`E|Y|^n` of the degree n at which f grows in its tails. The Cauchy kernel has
    none of order 1, so relu, leaky_relu, abs, max, min, hardswish, floor and round ∗ cauchy are
    refused; bounded functions (sign, step and the clamp family) converge with it.

    Example::

        >>> import smoothfn
        >>> smoothfn.derive("relu", kernel="cauchy")
        Traceback (most recent call last):
          ...
        smoothfn.errors.DivergentConvolutionError: relu ∗ cauchy diverges: relu grows like |x|^1 in a tail, ...
    """


class NoClosedFormError(SmoothfnError):
    r"""No closed form that the code generators can evaluate.

    Raised when SymPy cannot integrate the convolution with elementary functions and erf (e.g.
    hardswish ∗ logistic needs the dilogarithm), when a piece of a user expression is not a
    polynomial in x (``smoothfn.derive(sympy.exp(x))``), and by :mod:`smoothfn.functional` for a
    pair without generated code.

    Example::

        >>> import smoothfn
        >>> smoothfn.derive("hardswish", kernel="logistic")
        Traceback (most recent call last):
          ...
        smoothfn.errors.NoClosedFormError: hardswish ∗ logistic: the pieces of degree 2 need ∫ u^2 k(u) du, ...
    """


class DivergentPairError(DivergentConvolutionError, NoClosedFormError):
    """The run-time API (``smoothfn.functional``, ``smoothfn.ops.autograd``) has no kernel for a pair because
    its convolution diverges. A :class:`DivergentConvolutionError`, like the derivation's refusal of
    the same pair; also a :class:`NoClosedFormError`, which that API raised for these pairs before,
    so that code catching it keeps working.

    Example::

        >>> import torch, smoothfn.functional as F
        >>> F.relu(torch.zeros(3), width=0.1, kernel="cauchy")
        Traceback (most recent call last):
          ...
        smoothfn.errors.DivergentPairError: no kernel for relu ∗ cauchy: relu ∗ cauchy diverges: ...
    """


class UnsupportedSpecialFunctionError(NoClosedFormError):
    """The closed form needs a special function the code generators cannot evaluate.

    Reserved for that case and exported; no code path raises it at present (hardswish ∗ logistic,
    whose antiderivative needs the dilogarithm, raises its parent :class:`NoClosedFormError`).
    Catch :class:`NoClosedFormError`, which covers both.
    """


class InvalidParameterError(SmoothfnError):
    """A parameter value contradicts what its symbol declares (Symbol("a", negative=True) given
    a = 0.5): the closed form was derived for the declared sign and does not hold there."""


class UnsupportedFunctionError(SmoothfnError):
    """The expression is not of a form smoothfn can smooth.

    Raised by :func:`smoothfn.derive` and :func:`smoothfn.compile` for a SymPy expression with no
    free symbol, with several free symbols none of which is named ``x``, with breakpoints that
    depend on a parameter (they cannot be ordered), undefined on an interval, or with a staircase
    other than ``floor(x)`` and ``floor(x + 1/2)``. (A piece that is not a polynomial raises
    :class:`NoClosedFormError`.)

    Example::

        >>> import sympy as sp, smoothfn
        >>> x, c = sp.symbols("x c")
        >>> smoothfn.derive(sp.Max(x, c))
        Traceback (most recent call last):
          ...
        smoothfn.errors.UnsupportedFunctionError: cannot order the breakpoints of Max(c, x): ...
    """


def check_width(width):
    """Return ``width`` unchanged (an mpmath number keeps its digits), or raise
    :class:`InvalidWidthError` unless it is a finite number > 0.

    Example::

        >>> check_width(0.5)
        0.5
        >>> check_width(float("inf"))
        Traceback (most recent call last):
          ...
        smoothfn.errors.InvalidWidthError: width must be finite and > 0, got inf
    """
    try:
        value = float(width)
    except (TypeError, ValueError):
        raise InvalidWidthError(f"width must be a positive number, got {width!r}") from None
    if not value > 0 or value == float("inf"):
        raise InvalidWidthError(f"width must be finite and > 0, got {width!r}")
    return width
