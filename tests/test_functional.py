"""The functional API over the torch twin: values, autograd, dtypes, compile, bad input."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch

import smoothfn.functional as F
from smoothfn import ops
from smoothfn.errors import InvalidWidthError, NoClosedFormError, SmoothfnError, UnknownKernelError
from smoothfn.generated import AVAILABLE

PARAMS = {"alpha": 0.2, "lo": -0.6, "hi": 1.1, "y": 0.3}


def test_import_is_light():
    code = "import sys, smoothfn.functional; assert 'sympy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("f,k", AVAILABLE)
def test_gradcheck_every_pair_fp64(f, k):
    module = ops.generated(f, k)
    x = torch.tensor([-2.3, -0.45, -0.05, 0.17, 0.8, 1.9, 4.1], dtype=torch.float64, requires_grad=True)
    w = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    params = [torch.tensor(PARAMS[n], dtype=torch.float64, requires_grad=True) for n in module.PARAMETERS]
    assert torch.autograd.gradcheck(
        lambda x, w, *p: ops.SmoothFunction.apply(module, "torch", x, w, *p), (x, w, *params), eps=1e-6, atol=1e-7
    )


def test_values_match_the_known_closed_forms():
    x = torch.linspace(-4, 4, 81, dtype=torch.float64)
    w, a = 0.6, 0.15
    phi = torch.exp(-((x / w) ** 2) / 2) / math.sqrt(2 * math.pi)
    Phi = 0.5 * torch.special.erfc(-x / w / math.sqrt(2))
    torch.testing.assert_close(F.sau(x, a, width=w), a * x + (1 - a) * (x * Phi + w * phi))
    torch.testing.assert_close(F.relu(x, width=w, kernel="logistic"), w * torch.nn.functional.softplus(x / w))
    mu = 0.3
    torch.testing.assert_close(F.smu1(x, a, mu), ((1 + a) * x + torch.sqrt(((1 - a) * x) ** 2 + mu**2)) / 2)
    torch.testing.assert_close(F.sign(x, width=w, kernel="logistic"), torch.tanh(x / (2 * w)))
    torch.testing.assert_close(F.max(x, torch.zeros_like(x), width=w), F.relu(x, width=w))


def test_tensor_parameters_per_channel_get_gradients():
    x = torch.randn(4, 3, dtype=torch.float64)
    alpha = torch.tensor([[0.1], [0.2], [0.3], [0.4]], dtype=torch.float64, requires_grad=True)
    width = torch.full((1, 3), 0.5, dtype=torch.float64, requires_grad=True)
    F.leaky_relu(x, alpha, width=width).sum().backward()
    assert alpha.grad.shape == alpha.shape and width.grad.shape == width.shape
    assert torch.autograd.gradcheck(lambda a, w: F.leaky_relu(x, a, width=w), (alpha, width))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_low_precision_inputs_compute_in_fp32(dtype):
    x = torch.linspace(-3, 3, 101).to(dtype).requires_grad_()
    y = F.clamp(x, -1.0, 1.0, width=0.3)
    assert y.dtype == dtype
    reference = F.clamp(x.detach().float(), -1.0, 1.0, width=0.3).to(dtype)
    assert torch.equal(y, reference)
    y.sum().backward()
    assert x.grad.dtype == dtype and torch.isfinite(x.grad).all()


def test_max_error_chooses_the_width():
    x = torch.linspace(-1, 1, 20001, dtype=torch.float64)
    for kernel in ("gaussian", "logistic", "uniform"):
        y = F.relu(x, max_error=1e-2, kernel=kernel)
        sup = float((y - torch.relu(x)).abs().max())
        assert sup == pytest.approx(1e-2, rel=1e-3)
    # the bound is the one-kink error, reached to the last bit (the other kink is 1/w away)
    assert float((F.hardtanh(x, max_error=1e-3) - torch.nn.functional.hardtanh(x)).abs().max()) <= 1e-3 * (1 + 1e-12)


def test_max_error_with_the_cauchy_kernel_for_the_clamp_family():
    """E|Y| = ∞, yet the bounded clamp family converges and its sup error (at the kinks) vanishes
    like w·log(1/w): the width is solved for, and the measured sup error meets max_error."""
    x = torch.linspace(-12, 12, 48001, dtype=torch.float64)
    lo = torch.tensor([-0.5, 0.0, 2.0], dtype=torch.float64)[:, None]  # per channel
    hi = torch.tensor([1.0, 0.25, 9.0], dtype=torch.float64)[:, None]
    cases = [
        (lambda e: F.clamp(x, lo, hi, max_error=e, kernel="cauchy"), torch.maximum(torch.minimum(x, hi), lo)),
        (lambda e: F.hardtanh(x, max_error=e, kernel="cauchy"), torch.nn.functional.hardtanh(x)),
        (lambda e: F.relu6(x, max_error=e, kernel="cauchy"), torch.nn.functional.relu6(x)),
        (lambda e: F.hardsigmoid(x, max_error=e, kernel="cauchy"), torch.nn.functional.hardsigmoid(x)),
    ]
    for smoothed, exact in cases:
        for error in (1e-3, 3e-2):
            sup = (smoothed(error) - exact).abs().amax(dim=-1)
            assert bool((sup <= error).all()) and bool((sup >= 0.999 * error).all()), (error, sup)
    with pytest.raises(SmoothfnError, match="cauchy"):
        F.relu(x, max_error=1e-2, kernel="cauchy")  # relu ∗ cauchy diverges


def test_compiled_forward_and_backward_have_no_graph_break():
    def model(x, w, a):
        return (F.leaky_relu(x * 2, a, width=w) + F.clamp(x, -0.5, 0.5, width=w, kernel="logistic")).sum()

    compiled = torch.compile(model, fullgraph=True)
    x = torch.randn(64, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    a = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    expected = torch.autograd.grad(model(x, w, a), (x, w, a))
    got = torch.autograd.grad(compiled(x, w, a), (x, w, a))
    for g, e in zip(got, expected):
        torch.testing.assert_close(g, e)


def test_compiled_inference_traces_the_twin_without_autograd():
    """No input needs grad: the twin goes straight into the graph (torch 2.11's Dynamo mis-traced an
    autograd.Function given two parameter tensors, as clamp has, when none needed grad)."""
    def model(x):
        return F.clamp(x, -1.0, 1.0, width=0.5) + F.sau(x, width=0.3) + F.relu(x, width=0.2)

    x = torch.randn(257)
    with torch.no_grad():
        got = torch.compile(model, fullgraph=True)(x)
    torch.testing.assert_close(got, model(x))
    assert not got.requires_grad


def test_bad_input_is_refused_before_any_kernel_runs():
    x = torch.randn(5)
    for width in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(InvalidWidthError):
            F.relu(x, width=width)
    with pytest.raises(InvalidWidthError):
        F.relu(x)
    with pytest.raises(UnknownKernelError):
        F.relu(x, width=1.0, kernel="gauss")
    with pytest.raises(SmoothfnError, match="broadcast"):
        F.max(x, torch.randn(3), width=1.0)
    with pytest.raises(TypeError):
        F.sign(x, max_error=0.1)  # sign jumps: its sup error never vanishes, so no max_error=
    with pytest.raises(SmoothfnError, match="min < max"):
        F.clamp(x, 1.0, -1.0, width=0.5)
    with pytest.raises(NoClosedFormError, match="relu ∗ cauchy diverges"):
        F.relu(x, width=0.5, kernel="cauchy")
    with pytest.raises(SmoothfnError, match="backend"):
        F.relu(x, width=0.5, backend="cuda")
    torch.testing.assert_close(F.relu(x, width=0.5, backend="torch"), F.relu(x, width=0.5))


def test_cached_compiled_twin_for_eager_calls_matches():
    code = (
        "import torch, smoothfn.functional as F, smoothfn.ops as ops\n"
        "assert ops.EAGER_COMPILE\n"
        "x = torch.linspace(-3, 3, 50, dtype=torch.float64, requires_grad=True)\n"
        "w = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)\n"
        "assert torch.autograd.gradcheck(lambda x, w: F.clamp(x, -1.0, 1.0, width=w), (x, w))\n"
        "assert len(ops._COMPILED) == 2\n"
    )
    env = {**__import__("os").environ, "SMOOTHFN_EAGER_COMPILE": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_mean_abs_table_matches_the_catalog():
    """functional keeps E|Y| as numbers (no SymPy at run time); they must equal the catalog's."""
    import sympy as sp

    from smoothfn import KERNELS

    assert set(F._MEAN_ABS) == set(KERNELS)
    for name, value in F._MEAN_ABS.items():
        exact = KERNELS[name].mean_abs
        assert (value == math.inf) if exact == sp.oo else value == pytest.approx(float(exact), rel=1e-15)
