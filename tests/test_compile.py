"""smoothfn.compile: user expressions → cached generated module with autograd."""

import sympy as sp
import torch

import smoothfn
import smoothfn.functional as F

x, a = sp.Symbol("x"), sp.Symbol("a")


def test_compile_matches_the_catalog_and_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    hardswish = x * sp.Min(sp.Max(x / 6 + sp.Rational(1, 2), 0), 1)
    f = smoothfn.compile(hardswish, kernel="gaussian")
    assert f.path.parent == tmp_path / "compiled" and f.path.exists()
    t = torch.linspace(-5, 5, 41, dtype=torch.float64)
    from smoothfn import ops

    catalog = ops.smooth("hardswish", "gaussian", t, torch.tensor(0.4, dtype=torch.float64))
    torch.testing.assert_close(f(t, width=0.4), catalog)
    mtime = f.path.stat().st_mtime_ns
    again = smoothfn.compile(hardswish, kernel="gaussian")
    assert again.path == f.path and f.path.stat().st_mtime_ns == mtime  # loaded, not rewritten


def test_compiled_parameters_get_gradients(tmp_path, monkeypatch):
    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    f = smoothfn.compile(sp.Piecewise((a * x, x < 0), (x, True)), kernel="laplace")
    t = torch.linspace(-3, 3, 13, dtype=torch.float64, requires_grad=True)
    alpha = torch.tensor(0.2, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(f(t, width=w, a=alpha), F.leaky_relu(t, alpha, width=w, kernel="laplace"))
    assert torch.autograd.gradcheck(lambda t, w, al: f(t, width=w, a=al), (t, w, alpha))


def test_compile_refuses_with_the_derivation_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    import pytest

    with pytest.raises(ValueError, match="cauchy"):
        smoothfn.compile(sp.Max(x, 0), kernel="cauchy")
    f = smoothfn.compile(sp.Max(x, 0))
    with pytest.raises(ValueError, match="parameters"):
        f(torch.zeros(3), width=1.0, a=1.0)
