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
    from smoothfn.ops import autograd as ops
    from smoothfn.runtime.pairs import catalog_pair

    catalog = ops.apply(catalog_pair("hardswish", "gaussian"), t, torch.tensor(0.4, dtype=torch.float64))
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


def test_compiled_user_function_under_torch_compile_fullgraph(tmp_path, monkeypatch):
    # Dynamo imports the module of each function it traces by name: the generated module must be
    # registered in sys.modules
    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    f = smoothfn.compile(sp.Piecewise((a * x, x < 0), (x, x < 1), (1 + (x - 1) / 4, True)), kernel="gaussian")

    def model(t, alpha, width):
        return torch.sin(f(t, width=width, a=alpha)) * 2

    t = torch.linspace(-3, 3, 41, requires_grad=True)
    alpha = torch.tensor(0.2, requires_grad=True)
    width = torch.tensor(0.4, requires_grad=True)
    eager = model(t, alpha, width)
    eager_grads = torch.autograd.grad(eager.sum(), (t, alpha, width))
    for fullgraph in (True, False):
        torch._dynamo.reset()
        compiled = torch.compile(model, fullgraph=fullgraph)
        y = compiled(t, alpha, width)
        grads = torch.autograd.grad(y.sum(), (t, alpha, width))
        torch.testing.assert_close(y, eager)
        for got, expected in zip(grads, eager_grads):
            torch.testing.assert_close(got, expected)


def test_a_cached_compile_skips_the_derivation(tmp_path):
    import os
    import subprocess
    import sys
    import time

    code = (
        "import sys, time, sympy as sp, torch, smoothfn\n"
        "x, a = sp.Symbol('x'), sp.Symbol('a')\n"
        "start = time.perf_counter()\n"
        "f = smoothfn.compile(sp.Piecewise((a * x, x < 0), (x, x < 2), (2, True)), kernel='laplace')\n"
        "print(time.perf_counter() - start)\n"
        "print(any(m.startswith(('smoothfn.derivation', 'smoothfn.codegen')) for m in sys.modules))\n"
        "print(f.name, f.params)\n"
        "print(f(torch.tensor([-1.0, 0.5, 3.0]), width=0.5, a=0.1).tolist())\n"
    )
    env = {**os.environ, "SMOOTHFN_CACHE": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    start = time.perf_counter()
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    total = time.perf_counter() - start
    first_lines, second_lines = first.stdout.splitlines(), second.stdout.splitlines()
    assert first_lines[1] == "True" and second_lines[1] == "False"  # derived once, then loaded
    assert second_lines[2:] == first_lines[2:]  # same name, parameters and values
    assert float(second_lines[0]) < 1.5, second.stdout  # the derivation took seconds
    assert total < 30
