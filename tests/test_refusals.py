"""Bad input gets a ValueError subclass that names the cause."""

import pytest
import sympy as sp
import torch

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


_RUN_TIME_CALLS = {  # the functional API's growing functions, with the cauchy kernel
    "relu": lambda F, t, **k: F.relu(t, **k),
    "leaky_relu": lambda F, t, **k: F.leaky_relu(t, 0.1, **k),
    "abs": lambda F, t, **k: F.abs(t, **k),
    "max": lambda F, t, **k: F.max(t, 0.3, **k),
    "min": lambda F, t, **k: F.min(t, torch.zeros(3), **k),
    "floor": lambda F, t, **k: F.floor(t, **k),
    "round": lambda F, t, **k: F.round(t, **k),
}


@pytest.mark.parametrize("f", sorted(_RUN_TIME_CALLS))
def test_the_functional_api_refuses_every_divergent_pair_alike(f):
    import smoothfn.functional as F

    t = torch.randn(3)
    with pytest.raises(DivergentConvolutionError, match=f"{f} ∗ cauchy diverges") as refusal:
        _RUN_TIME_CALLS[f](F, t, width=0.5, kernel="cauchy")
    assert isinstance(refusal.value, NoClosedFormError)  # what relu ∗ cauchy raised before: still caught
    if f not in ("floor", "round"):  # max_error= too (the staircases refuse max_error= for their jumps)
        with pytest.raises(DivergentConvolutionError, match="cauchy"):
            _RUN_TIME_CALLS[f](F, t, max_error=0.1, kernel="cauchy")


def test_every_divergent_generated_pair_raises_the_divergent_error():
    from smoothfn.generated import DIVERGENT, UNAVAILABLE
    from smoothfn.runtime.pairs import catalog_pair

    divergent = [pair for pair, reason in UNAVAILABLE.items() if " diverges" in reason]
    assert set(divergent) == DIVERGENT  # the generator's classification and its reasons agree
    assert ("relu", "cauchy") in divergent and ("floor", "cauchy") in divergent
    for function, kernel in divergent:
        with pytest.raises(DivergentConvolutionError, match=f"{function} ∗ {kernel} diverges"):
            catalog_pair(function, kernel)
    with pytest.raises(NoClosedFormError) as refusal:  # not divergent: no closed form
        catalog_pair("hardswish", "logistic")
    assert not isinstance(refusal.value, DivergentConvolutionError)


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
