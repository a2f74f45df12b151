"""The functional API over the torch twin: values, autograd, dtypes, compile, bad input."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys

import pytest
import torch
from helpers import PARAMS

import smoothfn
import smoothfn.functional as F
from smoothfn.api.arguments import resolve_width
from smoothfn.errors import (
    DivergentConvolutionError,
    InvalidWidthError,
    SmoothfnError,
    UnknownKernelError,
)
from smoothfn.generated import AVAILABLE, KINKS, MEAN_ABS
from smoothfn.ops import autograd as ops
from smoothfn.runtime.pairs import catalog_pair


def test_import_is_light():
    code = "import sys, smoothfn.functional; assert 'sympy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("f,k", AVAILABLE)
def test_gradcheck_every_pair_fp64(f, k):
    module = catalog_pair(f, k)
    x = torch.tensor([-2.3, -0.45, -0.05, 0.17, 0.8, 1.9, 4.1], dtype=torch.float64, requires_grad=True)
    w = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    params = [torch.tensor(PARAMS[n], dtype=torch.float64, requires_grad=True) for n in module.parameters]
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


@pytest.mark.parametrize("dynamic", [True, pytest.param(None, marks=pytest.mark.slow)])  # None: 4 compilations
def test_compiled_calls_take_python_floats_that_change(dynamic):
    """A float width or parameter that changes between calls (a width schedule, a sweep) becomes a
    symbolic float in torch.compile (at once with dynamic=True, on the second value otherwise):
    the argument checks must trace, with no graph break under fullgraph=True."""
    def model(x, w, a, lo, y, mu, error):
        return (F.leaky_relu(x, a, width=w) + F.clamp(x, lo, 1.0, width=w, kernel="logistic")
                + F.max(x, y, width=w) + F.floor(x, width=w) + F.smu(x, a, mu) + F.relu(x, max_error=error)).sum()

    compiled = torch.compile(model, fullgraph=True, dynamic=dynamic)
    x = torch.randn(33, dtype=torch.float64, requires_grad=True)
    for step, w in enumerate((0.3, 0.2, 0.45)):
        arguments = (w, 0.1 + step / 10, -0.5 - step / 10, 0.2 * step, 2.5 + step, 0.01 * (step + 1))
        expected = torch.autograd.grad(model(x, *arguments), x)[0]
        got = torch.autograd.grad(compiled(x, *arguments), x)[0]
        torch.testing.assert_close(got, expected)
    # still checked when traced; under fullgraph=True Dynamo reports the error it observed
    with pytest.raises(Exception, match="width must be finite and > 0"):
        compiled(x, -0.3, *arguments[1:])


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
    for width in (0.0, -1.0, math.inf, math.nan, "0.3", True):  # a string or a bool is no width
        with pytest.raises(InvalidWidthError):
            F.relu(x, width=width)
    with pytest.raises(SmoothfnError, match="alpha must be a number"):
        F.leaky_relu(x, "0.1", width=0.3)
    with pytest.raises(InvalidWidthError):
        F.relu(x)
    with pytest.raises(UnknownKernelError):
        F.relu(x, width=1.0, kernel="gauss")
    with pytest.raises(SmoothfnError, match="broadcast"):
        F.max(x, torch.randn(3), width=1.0)
    with pytest.raises(SmoothfnError, match="jump"):
        F.sign(x, max_error=0.1)  # sign jumps: its sup error never vanishes, so no max_error=
    with pytest.raises(SmoothfnError, match="min < max"):
        F.clamp(x, 1.0, -1.0, width=0.5)
    with pytest.raises(DivergentConvolutionError, match="relu ∗ cauchy diverges"):
        F.relu(x, width=0.5, kernel="cauchy")
    with pytest.raises(SmoothfnError, match="backend"):
        F.relu(x, width=0.5, backend="cuda")
    torch.testing.assert_close(F.relu(x, width=0.5, backend="torch"), F.relu(x, width=0.5))


def test_cached_compiled_twin_for_eager_calls_matches():
    code = (
        "import torch, smoothfn.functional as F, smoothfn.ops.autograd as ops\n"
        "assert ops.EAGER_COMPILE\n"
        "x = torch.linspace(-3, 3, 50, dtype=torch.float64, requires_grad=True)\n"
        "w = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)\n"
        "assert torch.autograd.gradcheck(lambda x, w: F.clamp(x, -1.0, 1.0, width=w), (x, w))\n"
        "assert len(ops._COMPILED) == 2\n"
    )
    env = {**__import__("os").environ, "SMOOTHFN_EAGER_COMPILE": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_mean_abs_table_matches_the_catalog():
    """The generated index keeps E|Y| as numbers (no SymPy at run time); they must equal the catalog's."""
    import sympy as sp

    from smoothfn import KERNELS

    assert set(MEAN_ABS) == set(KERNELS)
    for name, value in MEAN_ABS.items():
        exact = KERNELS[name].mean_abs
        assert (value == math.inf) if exact == sp.oo else value == pytest.approx(float(exact), rel=1e-15)


def test_calling_the_api_imports_neither_sympy_nor_the_generator():
    # torch.broadcast_shapes imports torch.fx.experimental.symbolic_shapes, hence SymPy: these calls
    # went through it (a tensor y, an eager CPU call in slices, the cauchy max_error bisection)
    code = (
        "import sys, torch\n"
        "import smoothfn.functional as F\n"
        "x = torch.randn(10, requires_grad=True)\n"
        "F.max(x, torch.randn(10), width=0.2).sum().backward()\n"
        "big = torch.randn(300000, requires_grad=True)\n"
        "F.relu(big, width=0.2).sum().backward()\n"
        "a, w = torch.tensor(0.1, requires_grad=True), torch.tensor(0.3, requires_grad=True)\n"
        "F.sau(big, a, width=w).sum().backward()\n"
        "F.clamp(x, -1.0, 1.0, max_error=0.1, kernel='cauchy').sum().backward()\n"
        "F.leaky_relu(x, torch.tensor([[0.1], [1.0]]), max_error=0.01).sum().backward()\n"
        "F.smu(x).sum().backward(); F.smu1(x, 0.01, 0.0).sum().backward()\n"
        "F.hardtanh(x, -2.0, torch.tensor(0.5), width=0.3).sum().backward()\n"
        "F.floor(x, width=0.4, kernel='laplace').sum().backward()\n"
        "F.clamp(x, torch.tensor(-1.0), 1.0, width=0.3, backend='triton').sum().backward()\n"
        "bad = [m for m in sys.modules if m.startswith(('sympy', 'smoothfn.codegen', 'smoothfn.derivation'))]\n"
        "assert not bad, bad\n"
    )
    # the Triton path too (in the interpreter here, on CUDA tensors with a GPU)
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "TRITON_INTERPRET": "1"})


def test_shapes_that_do_not_broadcast_are_named_before_any_kernel_runs():
    x = torch.randn(5)
    cases = {
        "width": lambda: F.relu(x, width=torch.tensor([0.1, 0.2])),
        "max_error": lambda: F.relu(x, max_error=torch.tensor([0.1, 0.2])),
        "alpha": lambda: F.leaky_relu(x, torch.tensor([0.1, 0.2]), width=0.5),
        "min": lambda: F.clamp(x, torch.zeros(3), 1.0, width=0.5),
        "max": lambda: F.clamp(x, -1.0, torch.ones(2, 3), width=0.5),
        "min_val": lambda: F.hardtanh(x, torch.zeros(4), width=0.5),
        "y": lambda: F.min(x, torch.zeros(2, 4), width=0.5),
        "mu": lambda: F.smu(x, 0.1, torch.ones(3)),
    }
    for name, call in cases.items():
        with pytest.raises(SmoothfnError, match=f"^{name} has shape .* does not broadcast"):
            call()
    # shapes that broadcast still do, to the broadcast shape
    assert F.relu(x, width=torch.full((2, 1), 0.3)).shape == (2, 5)


@pytest.mark.parametrize("name", ["sign", "step", "floor", "round"])
def test_max_error_is_refused_for_functions_that_jump(name):
    with pytest.raises(SmoothfnError, match=r"jumps.*half the jump.*give width="):
        getattr(F, name)(torch.zeros(3), max_error=0.1)


def test_max_error_with_a_zero_slope_jump_picks_a_finite_width():
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    torch.testing.assert_close(F.leaky_relu(x, 1.0, max_error=0.1), x)  # linear: exact at every width
    alpha = torch.tensor([[1.0], [0.2]], dtype=torch.float64)  # per channel: one linear, one not
    y = F.leaky_relu(x, alpha, max_error=1e-3)
    assert torch.isfinite(y).all()
    torch.testing.assert_close(y[0], x)
    assert float((y[1] - torch.nn.functional.leaky_relu(x, 0.2)).abs().max()) <= 1e-3 * (1 + 1e-12)


def test_max_error_and_width_out_of_range_are_clear_value_errors():
    x32 = torch.randn(4)
    for bad in (math.inf, -math.inf, math.nan, 0.0, -1.0):
        with pytest.raises(SmoothfnError, match="max_error must be finite and > 0"):
            F.relu(x32, max_error=bad)
    with pytest.raises(SmoothfnError, match="max_error must be finite and > 0"):
        F.relu(x32, max_error=torch.tensor([0.1, math.inf, 0.1, 0.1]))
    # the widths taken: those whose squares are normal numbers of the compute dtype
    for width in (1e39, 1e20, 1e-20, 1e-300, 1e-39):
        with pytest.raises(InvalidWidthError, match="width"):
            F.relu(x32, width=width)
        with pytest.raises(InvalidWidthError, match="width"):
            F.relu(x32, width=torch.tensor(width, dtype=torch.float64))
    assert torch.isfinite(F.relu(x32.double(), width=1e-150)).all()  # fine in fp64
    with pytest.raises(InvalidWidthError, match="width"):
        F.relu(x32.double(), width=1e-300)
    with pytest.raises(SmoothfnError, match="max_error"):
        F.relu(x32, max_error=1e-300)
    # a huge max_error is met by any width: the width is capped, finite
    assert torch.isfinite(F.relu(x32, max_error=1e300)).all()
    for width in (1e-6, 1e3):  # the range
        for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
            assert torch.isfinite(F.relu(torch.tensor([-1.0, 0.0, 1.0], dtype=dtype), width=width)).all()


def test_the_backend_variable_is_read_at_each_call(monkeypatch):
    x = torch.randn(4)
    monkeypatch.setenv("SMOOTHFN_BACKEND", "bogus")
    with pytest.raises(SmoothfnError, match="SMOOTHFN_BACKEND.*'auto', 'torch' or 'triton'"):
        F.relu(x, width=0.5)
    torch.testing.assert_close(F.relu(x, width=0.5, backend="torch"), F.relu(x, width=0.5, backend="auto"))
    monkeypatch.setenv("SMOOTHFN_BACKEND", "torch")
    expected = F.relu(x, width=0.5, backend="torch")
    torch.testing.assert_close(F.relu(x, width=0.5), expected)
    monkeypatch.delenv("SMOOTHFN_BACKEND")
    torch.testing.assert_close(F.relu(x, width=0.5), expected)


def test_integer_and_bool_inputs_are_promoted_to_the_default_dtype():
    x = torch.arange(-2, 3)
    y = F.relu(x, width=0.5)
    assert y.dtype == torch.get_default_dtype()
    torch.testing.assert_close(y, F.relu(x.to(torch.get_default_dtype()), width=0.5))
    assert float(y[2]) == pytest.approx(0.5 / math.sqrt(2 * math.pi), rel=1e-6)  # not truncated to 0
    assert F.step(torch.tensor([True, False]), width=0.5).dtype == torch.get_default_dtype()
    assert F.smu(x).dtype == F.smu1(x, 0.01, 0.5).dtype == torch.get_default_dtype()
    torch.testing.assert_close(F.max(x, 0, width=0.5), F.max(x.float(), 0.0, width=0.5))


def test_hardtanh_takes_min_val_and_max_val():
    x = torch.linspace(-3, 3, 61, dtype=torch.float64)
    torch.testing.assert_close(F.hardtanh(x, width=0.3), F.hardtanh(x, -1.0, 1.0, width=0.3))
    torch.testing.assert_close(F.hardtanh(x, width=0.3), F.clamp(x, -1.0, 1.0, width=0.3))
    torch.testing.assert_close(F.hardtanh(x, min_val=-0.5, max_val=2.0, width=0.3, kernel="laplace"),
                               F.clamp(x, -0.5, 2.0, width=0.3, kernel="laplace"))
    err = (F.hardtanh(x, -0.5, 2.0, max_error=1e-3) - torch.nn.functional.hardtanh(x, -0.5, 2.0)).abs().max()
    assert float(err) <= 1e-3 * (1 + 1e-12)
    lo = torch.tensor(-0.4, dtype=torch.float64, requires_grad=True)
    hi = torch.tensor([[1.2], [0.7]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda lo, hi: F.hardtanh(x, lo, hi, width=0.3), (lo, hi))
    with pytest.raises(SmoothfnError, match="min_val < max_val"):
        F.hardtanh(x, 1.0, -1.0, width=0.3)


def _stable_smu(x, a, mu):
    """SMU in mpmath-free fp64 as a reference: the formula itself (fine in fp64 for |x| ≤ 6)."""
    return ((1 + a) * x + (1 - a) * x * torch.erf(mu * (1 - a) * x)) / 2


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_smu_and_smu1_compute_half_inputs_in_fp32(dtype):
    x = torch.linspace(-6, 6, 401).to(dtype)
    for f, mu in ((F.smu, 2.5), (F.smu1, 0.5)):
        y = f(x, 0.01, mu)
        assert y.dtype == dtype
        # the fp32 result rounded once to the half dtype
        assert torch.equal(y, f(x.float(), 0.01, mu).to(dtype))
        reference = f(x.double(), 0.01, mu)
        tiny = torch.finfo(dtype).tiny
        assert bool(((y.double() - reference).abs() <= torch.finfo(dtype).eps * reference.abs() + tiny).all())


def test_smu_limits_gradients_and_no_cancellation():
    x = torch.tensor([-math.inf, -30.0, -3.0, 0.0, 2.0, math.inf], dtype=torch.float64, requires_grad=True)
    for alpha in (0.01, 0.0, 0.3):
        y = F.smu(x, alpha, 2.5)
        assert y[0] == -math.inf if alpha > 0 else y[0] == 0.0
        assert y[-1] == math.inf
        (gx,) = torch.autograd.grad(y.sum(), x)
        assert torch.isfinite(gx).all()
        assert gx[0] == pytest.approx(alpha) and gx[-1] == pytest.approx(1.0)
    # x ≪ 0: (1 + α) + (1 − α)erf(v) = 2α + (1 − α)erfc(−v), no cancellation (the naive form's fp32 error)
    x = torch.tensor([-1.0, -2.0, -4.0])
    y = F.smu(x, 0.01, 2.5)
    exact = F.smu(x.double(), 0.01, 2.5)
    assert float(((y.double() - exact) / exact).abs().max()) <= 2e-7
    t = torch.linspace(-6, 6, 97, dtype=torch.float64)
    torch.testing.assert_close(F.smu(t, 0.2, 1.3), _stable_smu(t, 0.2, 1.3))


@pytest.mark.parametrize("function", [F.smu, F.smu1])
@pytest.mark.parametrize("mu", [2.5, -0.7])
def test_smu_gradients_for_x_alpha_and_mu(function, mu):
    x = torch.linspace(-3, 3, 13, dtype=torch.float64, requires_grad=True)
    alpha = torch.tensor([[0.1], [0.3]], dtype=torch.float64, requires_grad=True)
    m = torch.tensor(mu, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(function, (x, alpha, m))
    y = function(x, alpha, m)
    y.sum().backward()
    assert alpha.grad.shape == alpha.shape and m.grad.shape == m.shape


def test_smu1_takes_any_finite_mu():
    x = torch.linspace(-3, 3, 7, dtype=torch.float64, requires_grad=True)
    for mu in (0.0, -0.5, 0.5):
        y = F.smu1(x, 0.01, mu)
        torch.testing.assert_close(y, ((1.01) * x + torch.sqrt((0.99 * x) ** 2 + mu**2)) / 2)
        (gx,) = torch.autograd.grad(y.sum(), x)
        assert torch.isfinite(gx).all()
    torch.testing.assert_close(F.smu1(x, 0.01, 0.0), torch.nn.functional.leaky_relu(x, 0.01))
    # at x = μ = 0 the x-gradient is the mean of the one-sided slopes, (1 + α)/2; μ's is 0
    x0 = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    m0 = torch.zeros((), dtype=torch.float64, requires_grad=True)
    gx, gm = torch.autograd.grad(F.smu1(x0, 0.01, m0).sum(), (x0, m0))
    assert float(gx) == pytest.approx(1.01 / 2) and float(gm) == 0.0
    for bad in (math.inf, math.nan, torch.tensor([[0.5], [math.inf]])):
        with pytest.raises(SmoothfnError, match="mu must be a finite number"):
            F.smu1(x, 0.01, bad)
    # exact at ±∞, no NaN in value or gradient
    t = torch.tensor([-math.inf, -1e30, 1e30, math.inf], requires_grad=True)
    y = F.smu1(t, 0.01, 0.5)
    assert y[0] == -math.inf and y[-1] == math.inf and torch.isfinite(y[1:3]).all()
    (g,) = torch.autograd.grad(y.sum(), t)
    torch.testing.assert_close(g, torch.tensor([0.01, 0.01, 1.0, 1.0]))


def test_smu_smu1_and_tensor_hardtanh_bounds_compile_without_graph_break():
    def model(x, a, m, lo):
        return (F.smu(x, a, m) + F.smu1(x, a, m) + F.hardtanh(x, lo, 1.5, width=0.3)
                + F.leaky_relu(x, a, max_error=1e-2))

    x = torch.linspace(-3, 3, 33, requires_grad=True)
    a, m, lo = (torch.tensor(v, requires_grad=True) for v in (0.2, 1.3, -0.5))
    eager = model(x, a, m, lo)
    eager_grads = torch.autograd.grad(eager.sum(), (x, a, m, lo))
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True)
    y = compiled(x, a, m, lo)
    torch.testing.assert_close(y, eager)
    for got, expected in zip(torch.autograd.grad(y.sum(), (x, a, m, lo)), eager_grads):
        torch.testing.assert_close(got, expected)
    with torch.no_grad():  # inference: no autograd node
        torch.testing.assert_close(compiled(x, a, m, lo), eager.detach())


def test_compiled_smu_in_fp32_matches_fp64_from_tail_to_tail():
    """Under torch.compile SMU's erfc is the fp32 fit of smoothfn.numerics.torch_math (not ATen's):
    values and all three gradients stay within a few fp32 ulps of the fp64 eager result."""
    x64 = torch.cat([torch.linspace(-30, 30, 2001, dtype=torch.float64), torch.tensor([-1e4, 1e4, 0.0],
                                                                                     dtype=torch.float64)])
    results = []
    for dtype, call in ((torch.float64, F.smu), (torch.float32, torch.compile(F.smu, dynamic=True))):
        x = x64.to(dtype).requires_grad_()
        a, m = torch.tensor(0.1, dtype=dtype, requires_grad=True), torch.tensor(2.5, dtype=dtype, requires_grad=True)
        y = call(x, a, m)
        grads = torch.autograd.grad(y, (x, a, m), torch.ones_like(y))
        results.append([y.detach().double(), *(g.double() for g in grads)])
    for exact, got in zip(*results):
        torch.testing.assert_close(got, exact, rtol=4e-6, atol=4e-6 * (1 + exact.abs().max().item()) * 1e-3)


def test_every_function_stays_finite_at_the_ends_of_the_width_range():
    """At the smallest and largest width taken (squares normal in the compute dtype), x from −inf
    to inf: no NaN in any value or gradient, no infinite x-gradient at a finite x."""
    calls = {
        "relu": lambda x, w, k: F.relu(x, width=w, kernel=k),
        "leaky_relu": lambda x, w, k: F.leaky_relu(x, 0.1, width=w, kernel=k),
        "abs": lambda x, w, k: F.abs(x, width=w, kernel=k),
        "sign": lambda x, w, k: F.sign(x, width=w, kernel=k),
        "step": lambda x, w, k: F.step(x, width=w, kernel=k),
        "clamp": lambda x, w, k: F.clamp(x, -0.7, 1.3, width=w, kernel=k),
        "relu6": lambda x, w, k: F.relu6(x, width=w, kernel=k),
        "hardsigmoid": lambda x, w, k: F.hardsigmoid(x, width=w, kernel=k),
        "max": lambda x, w, k: F.max(x, 0.4, width=w, kernel=k),
        "floor": lambda x, w, k: F.floor(x, width=w, kernel=k),
        "round": lambda x, w, k: F.round(x, width=w, kernel=k),
    }
    xs = [-math.inf, -1e30, -3.0, -1.0, -0.3, -1e-40, 0.0, 1e-40, 0.3, 0.5, 1.0, 2.7, 1e30, math.inf]
    for dtype in (torch.float32, torch.float64):
        info = torch.finfo(dtype)
        for w in (math.sqrt(info.tiny) * 1.0001, math.sqrt(info.max) * 0.9999):
            for (name, call), kernel in itertools.product(calls.items(), smoothfn.KERNELS):
                x = torch.tensor(xs, dtype=dtype, requires_grad=True)
                width = torch.tensor(w, dtype=dtype, requires_grad=True)
                try:
                    value = call(x, width, kernel)
                except DivergentConvolutionError:
                    continue
                value.sum().backward()
                where = f"{name} ∗ {kernel}, w={w:g}, {dtype}"
                assert not torch.isnan(value).any() and not torch.isnan(x.grad).any(), where
                assert torch.isfinite(width.grad) and torch.isfinite(x.grad[1:-1]).all(), where


@pytest.mark.parametrize("kernel", ["gaussian", "logistic", "laplace", "uniform", "student_t2", "epanechnikov",
                                    "triangular"])
def test_leaky_relu_with_alpha_zero_has_relus_limits(kernel):
    """α = 0 makes leaky_relu relu: at x = −∞ the value is 0, not α·x = 0·∞ = NaN (the generated
    end regions guard a parameter coefficient that is 0)."""
    for dtype in (torch.float64, torch.float32, torch.bfloat16):
        x = torch.tensor([-math.inf, -1e30, 0.0, math.inf, math.nan], dtype=dtype)
        for alpha in (0.0, -0.0, torch.tensor(0.0)):
            got = F.leaky_relu(x, alpha, width=0.5, kernel=kernel)
            expected = F.relu(x, width=0.5, kernel=kernel)
            torch.testing.assert_close(got, expected, equal_nan=True)
            assert got[0] == 0 and got[3] == math.inf and got[4].isnan()
    torch.testing.assert_close(F.sau(x, 0.0, width=0.5), F.relu(x, width=0.5), equal_nan=True)


def test_non_finite_parameters_and_tiny_cauchy_errors_are_refused():
    """A NaN or infinite Python α, y, min or max gave NaN somewhere (α = nan everywhere); and
    clamp-like ∗ cauchy with max_error= searched widths only within e^±60, so a tiny max_error got
    e^-60 and an error 1e5 times too large, and fp32 widths below those width= takes."""
    x = torch.randn(7, dtype=torch.float64)
    for call in (lambda v: F.leaky_relu(x, v, width=0.3), lambda v: F.max(x, v, width=0.3),
                 lambda v: F.clamp(x, v, 1e3, width=0.3), lambda v: F.smu(x, v)):
        for value in (math.nan, math.inf, -math.inf):
            with pytest.raises(SmoothfnError, match="must be a finite number"):
                call(value)
    w = resolve_width(None, 1e-30, x, "cauchy", "hardtanh", (), KINKS["hardtanh"])  # the sup error is at the kinks
    sup = (2.0 * math.atan(float(w) / 2.0) + float(w) / 2 * math.log1p((2.0 / float(w)) ** 2)) / math.pi
    assert 0.999e-30 <= sup <= 1e-30
    with pytest.raises(SmoothfnError, match="needs a width below"):
        F.clamp(x.float(), -1.0, 1.0, max_error=1e-24, kernel="cauchy")
