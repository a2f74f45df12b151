"""Bad input gets a ValueError subclass that names the cause."""

import pytest
import sympy as sp

from smoothfn import derive
from smoothfn.errors import (
    DivergentConvolutionError,
    InvalidWidthError,
    NoClosedFormError,
    UnknownFunctionError,
    UnknownKernelError,
)

x = sp.Symbol("x", real=True)


@pytest.mark.parametrize("f", ["relu", "abs", "leaky_relu", "floor", "round", "max", "min"])
def test_cauchy_diverges_for_growing_functions(f):
    with pytest.raises(DivergentConvolutionError, match="cauchy"):
        derive(f, "cauchy")


@pytest.mark.parametrize("f", ["sign", "step", "clamp", "hardtanh", "relu6", "hardsigmoid"])
def test_cauchy_converges_for_bounded_functions(f):
    derive(f, "cauchy")


def test_student_t2_refuses_when_the_second_moment_is_needed():
    with pytest.raises(DivergentConvolutionError, match=r"E\|Y\|\^2"):
        derive(sp.Piecewise((0, x < 0), (x**2, True)), "student_t2")
    derive("hardswish", "student_t2")  # quadratic only on a bounded piece: fine


def test_special_function_the_generators_cannot_evaluate_is_named():
    with pytest.raises(NoClosedFormError, match="polylog"):
        derive("hardswish", "logistic")


def test_non_polynomial_piece_is_refused():
    with pytest.raises(NoClosedFormError, match="not a polynomial"):
        derive(sp.sin(x), "gaussian")


def test_unknown_names():
    with pytest.raises(UnknownKernelError, match="gaussian"):
        derive("relu", "gauss")
    with pytest.raises(UnknownFunctionError, match="relu"):
        derive("rleu", "gaussian")
    assert issubclass(UnknownKernelError, ValueError)


@pytest.mark.parametrize("width", [0, -1.0, float("nan"), float("inf"), "wide"])
def test_bad_width(width):
    d = derive("relu", "gaussian")
    with pytest.raises(InvalidWidthError):
        d.evaluate(0.5, width)
    with pytest.raises(InvalidWidthError):
        d.measure_sup_error(width)
