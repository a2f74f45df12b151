"""Issue 14, item 11: a parameter inside a condition never folds into the wrong piece.

Max(x, a*x) folded into a*x on both sides (the condition −1 ≥ −a stayed symbolic and the fold
took the next branch). A condition that the parameters decide is now either decided by what the
symbol declares (Symbol("a", negative=True)), with the values passed checked against it, or the
function is refused with an UnsupportedFunctionError naming the condition.
"""

import pytest
import sympy as sp
import torch

import smoothfn
from smoothfn import derive
from smoothfn.errors import InvalidParameterError, UnsupportedFunctionError

x = sp.Symbol("x")
a = sp.Symbol("a")
negative = sp.Symbol("a", negative=True)
positive = sp.Symbol("a", positive=True)


@pytest.mark.parametrize("expr", [
    sp.Max(x, a * x), sp.Min(x, a * x), sp.Heaviside(a * x), sp.Piecewise((x, a * x < 0), (0, True)),
    sp.Max(x, positive * x), sp.Max(x, a * x) + sp.Abs(x - 1), sp.Piecewise((1, a * x > a), (0, True)),
])
def test_conditions_a_parameter_decides_are_refused(expr):
    with pytest.raises(UnsupportedFunctionError, match="depends on the parameter"):
        derive(expr)


def test_compile_refuses_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    with pytest.raises(UnsupportedFunctionError, match="depends on the parameter"):
        smoothfn.compile(sp.Max(x, a * x))


def test_a_breakpoint_that_depends_on_a_parameter_is_still_refused():
    with pytest.raises(UnsupportedFunctionError, match="numeric breakpoint"):
        derive(sp.Max(x, a))


@pytest.mark.parametrize("kernel", ["gaussian", "laplace", "uniform"])
def test_a_declared_sign_decides_the_condition(kernel):
    """Max(x, a·x) with a < 0 is x for x > 0 and a·x for x < 0: the leaky ReLU with α = a."""
    d = derive(sp.Max(x, negative * x), kernel)
    leaky = derive("leaky_relu", kernel)
    for t in (-2.0, -0.1, 0.0, 0.3, 1.0):
        assert float(d.evaluate(t, 0.5, a=-0.4)) == pytest.approx(float(leaky.evaluate(t, 0.5, alpha=-0.4)),
                                                                  rel=1e-13, abs=1e-15)
    assert float(d.evaluate(1.0, 0.01, a=-0.1)) == pytest.approx(1.0, rel=1e-12)


def test_a_declared_positive_sign():
    """x·[a·x < 0] with a > 0 is min(x, 0)."""
    d = derive(sp.Piecewise((x, positive * x < 0), (0, True)))
    reference = derive(sp.Min(x, 0))
    for t in (-1.0, 0.2):
        assert float(d.evaluate(t, 0.5, a=2.0)) == pytest.approx(float(reference.evaluate(t, 0.5)), rel=1e-13)


def test_values_that_contradict_the_declared_sign_are_refused(tmp_path, monkeypatch):
    d = derive(sp.Max(x, negative * x))
    for value in (0.1, 0.0):
        with pytest.raises(InvalidParameterError, match="declared negative"):
            d.evaluate(1.0, 0.01, a=value)
    assert d.function.defaults == {"a": -1.0}  # the default satisfies the declaration
    assert d.measure_sup_error(0.1) > 0

    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    f = smoothfn.compile(sp.Max(x, negative * x))
    t = torch.tensor([-2.0, 2.0], dtype=torch.float64)
    assert f(t, width=0.01, a=-0.5).tolist() == pytest.approx([1.0, 2.0], rel=1e-12)
    with pytest.raises(InvalidParameterError, match="declared negative"):
        f(t, width=0.01, a=0.5)
    with pytest.raises(InvalidParameterError, match="declared negative"):
        f(t, width=0.01, a=torch.tensor([-0.5, 0.5], dtype=torch.float64))
    again = smoothfn.compile(sp.Max(x, negative * x))  # from the cache: the declaration comes with it
    with pytest.raises(InvalidParameterError, match="declared negative"):
        again(t, width=0.01, a=0.5)


def test_undeclared_parameters_outside_conditions_are_unchanged():
    d = derive(sp.Piecewise((a * x, x < 0), (x, True)))
    assert d.function.defaults == {"a": 0.0}
    leaky = derive("leaky_relu")
    assert float(d.evaluate(-0.4, 0.5, a=0.15)) == pytest.approx(float(leaky.evaluate(-0.4, 0.5, alpha=0.15)),
                                                                 rel=1e-14)
