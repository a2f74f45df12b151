"""Issue 14, item 1: the names of a user's symbols never meet smoothfn's own.

The integration variable u (and z, v, r of the derivation), the width w, the mpmath namespace of
the numeric evaluation and the identifiers of the generated modules are smoothfn's; a user's
variable or parameter with one of those names is either derived exactly as under another name or
refused with an UnsupportedFunctionError that names the clash.
"""

import inspect

import pytest
import sympy as sp
import torch

import smoothfn
from smoothfn import derive
from smoothfn.errors import UnsupportedFunctionError

x = sp.Symbol("x")


def _values(d, points=(-1.0, 0.3, 2.0), width=0.7, **params):
    return [float(d.evaluate(t, width, **params)) for t in points]


def test_a_variable_named_u_is_not_the_integration_variable():
    u = sp.Symbol("u")
    # 0.384336366120878 = 0.3·Φ(0.6) + 0.5·φ(0.6) (relu ∗ gaussian at x = 0.3, w = 0.5, mpmath)
    assert float(derive(sp.Max(u, 0)).evaluate(0.3, 0.5)) == pytest.approx(0.384336366120878, rel=1e-14)


@pytest.mark.parametrize("kernel", ["gaussian", "laplace"])
@pytest.mark.parametrize("name", ["u", "z", "v", "r", "t", "m", "e"])
def test_variables_named_like_internal_symbols(name, kernel):
    """Quadratic and linear pieces (the u² coefficients of f(x − wu) matter), plain and real."""
    reference = _values(derive(sp.Max(x, 0) ** 2 - sp.Abs(x - 1), kernel))
    for assumptions in ({}, {"real": True}):
        s = sp.Symbol(name, **assumptions)
        d = derive(sp.Max(s, 0) ** 2 - sp.Abs(s - 1), kernel)
        assert d.x.name == name
        assert _values(d) == pytest.approx(reference, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("name", ["u", "z", "v", "pi", "exp", "sqrt", "mpf", "erf"])
def test_parameters_named_like_internal_symbols_or_mpmath_functions(name):
    """u and z (real) were merged with the integration and grouping variables; pi was read as
    mpmath's π by the numeric evaluation, exp, sqrt, mpf shadowed the functions (a TypeError)."""
    kernel = "laplace"
    for assumptions in ({}, {"real": True}):
        a, p = sp.Symbol("a", **assumptions), sp.Symbol(name, **assumptions)
        reference = _values(derive(a * sp.Max(x, 0) ** 2 + a**2 * sp.Abs(x - 1), kernel), a=0.6)
        d = derive(p * sp.Max(x, 0) ** 2 + p**2 * sp.Abs(x - 1), kernel)
        assert _values(d, **{name: 0.6}) == pytest.approx(reference, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("name", ["m", "r", "u"])
def test_staircase_variables_named_like_the_series_symbols(name):
    """floor(m) was wrong: the series' lambda m shadowed the argument m."""
    reference = _values(derive(sp.floor(x)))
    assert _values(derive(sp.floor(sp.Symbol(name)))) == pytest.approx(reference, rel=1e-13)


def test_compile_with_a_variable_named_u(tmp_path, monkeypatch):
    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    u = sp.Symbol("u")
    out = smoothfn.compile(sp.Max(u, 0))(torch.tensor([0.3, -0.3], dtype=torch.float64), width=0.5)
    # relu ∗ gaussian at ±0.3, w = 0.5: 0.3·Φ(±0.6) ± … (mpmath), as above
    assert out.tolist() == pytest.approx([0.384336366120878, 0.084336366120878], rel=1e-13)


@pytest.mark.parametrize("name", ["math", "pi", "u", "A"])
def test_compile_accepts_names_the_generated_code_does_not_use(name, tmp_path, monkeypatch):
    """A clamp-like function (the narrow-ramp code, with its locals value, narrow, density)."""
    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    p = sp.Symbol(name)
    expr = sp.Min(sp.Max(x, 0), 1) + p
    f = smoothfn.compile(expr)
    t = torch.tensor([-0.5, 0.25, 3.0], dtype=torch.float64)
    expected = [float(derive(expr).evaluate(v, 0.4, **{name: 0.75})) for v in t.tolist()]
    assert f(t, width=0.4, **{name: 0.75}).tolist() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("names", [["torch"], ["tl"], ["t0"], ["exp"], ["S0_gaussian"], ["a_ptr"], ["a", "A"],
                                   ["lambda"], ["narrow_ramp"], ["value"]])
def test_compile_refuses_names_the_generated_code_uses(names, tmp_path, monkeypatch):
    """A parameter named torch shadowed the module (a TypeError at the call), one named value was
    overwritten by the narrow-ramp code's local; a and A share A_FULL."""
    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    expr = sp.Min(sp.Max(x, 0), 1) + sum(sp.Symbol(n) for n in names)
    with pytest.raises(UnsupportedFunctionError, match="rename the symbol"):
        smoothfn.compile(expr)
    assert not list(tmp_path.rglob("*.py"))  # nothing cached


@pytest.mark.parametrize("name", ["w", "width", "backend", "points"])
def test_parameters_named_like_the_width_or_a_keyword_are_refused(name):
    """Max(x, 0) + w printed two different w's and failed at evaluate(); Symbol("w", positive=True)
    would be the width itself."""
    for assumptions in ({}, {"positive": True}):
        with pytest.raises(UnsupportedFunctionError, match=f"'{name}'"):
            derive(sp.Max(x, 0) + sp.Symbol(name, **assumptions))


def test_a_variable_named_w_and_symbols_sharing_a_name_are_refused():
    with pytest.raises(UnsupportedFunctionError, match="variable is named w"):
        derive(sp.Max(sp.Symbol("w"), 0))
    with pytest.raises(UnsupportedFunctionError, match="same name"):
        derive(sp.Max(x, 0) + sp.Symbol("a") * sp.Symbol("a", positive=True))
    with pytest.raises(UnsupportedFunctionError, match="same name"):
        derive(sp.Max(x, 0) + sp.Symbol("x", positive=True))


def test_reserved_names_cover_every_keyword_next_to_the_parameters():
    """Every argument that can be passed by keyword next to ``**params`` is reserved."""
    from smoothfn.api.user_functions import CompiledFunction
    from smoothfn.catalog.functions import RESERVED_NAMES
    from smoothfn.derivation import accuracy
    from smoothfn.derivation.derivation import Derivation

    functions = [getattr(Derivation, n) for n in ("evaluate", "numeric", "numeric_gradient", "numeric_function",
                                                    "measure_sup_error", "measure_l1_error", "sup_error_at")]
    functions += [accuracy.measure_sup_error, accuracy.measure_l1_error, CompiledFunction.__call__]
    for function in functions:
        parameters = inspect.signature(function).parameters.values()
        assert any(p.kind is p.VAR_KEYWORD for p in parameters)
        keywords = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        assert keywords <= RESERVED_NAMES, function
