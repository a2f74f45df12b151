"""Exceptions raised by smoothfn.

Every refusal is a ``ValueError`` subclass, so ``except ValueError`` catches them all, and each
message names the argument or the mathematical reason (which kernel, which moment, which special
function) so that nobody gets a silently wrong number.
"""


class SmoothfnError(ValueError):
    """Base class of every refusal smoothfn raises."""


class UnknownKernelError(SmoothfnError, KeyError):
    """The kernel name is not in ``smoothfn.KERNELS``."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownFunctionError(SmoothfnError, KeyError):
    """The function name is not in ``smoothfn.FUNCTIONS``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidWidthError(SmoothfnError):
    """The smoothing width is not a finite positive number."""


class DivergentConvolutionError(SmoothfnError):
    """The kernel's tail is too heavy for the growth of the function: the integral diverges."""


class NoClosedFormError(SmoothfnError):
    """SymPy cannot integrate the convolution in closed form."""


class DivergentPairError(DivergentConvolutionError, NoClosedFormError):
    """The run-time API (``smoothfn.functional``, ``smoothfn.ops.autograd``) has no kernel for a pair because
    its convolution diverges. A :class:`DivergentConvolutionError`, like the derivation's refusal of
    the same pair; also a :class:`NoClosedFormError`, which that API raised for these pairs before,
    so that code catching it keeps working."""


class UnsupportedSpecialFunctionError(NoClosedFormError):
    """The closed form needs a special function the code generators cannot evaluate."""


class InvalidParameterError(SmoothfnError):
    """A parameter value contradicts what its symbol declares (Symbol("a", negative=True) given
    a = 0.5): the closed form was derived for the declared sign and does not hold there."""


class UnsupportedFunctionError(SmoothfnError):
    """The expression is not of a form smoothfn can smooth (not piecewise polynomial, several
    variables, breakpoints that cannot be ordered, ...)."""


def check_width(width):
    """Return ``width`` unchanged (an mpmath number keeps its digits), or raise
    :class:`InvalidWidthError` unless it is a finite number > 0."""
    try:
        value = float(width)
    except (TypeError, ValueError):
        raise InvalidWidthError(f"width must be a positive number, got {width!r}") from None
    if not value > 0 or value == float("inf"):
        raise InvalidWidthError(f"width must be finite and > 0, got {width!r}")
    return width
