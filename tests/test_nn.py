"""smoothfn.nn: the modules, replace_activations / harden / summary, the smoothing() mode.

Every tensor and model here is tiny; the one torch.compile is test_compile_fullgraph_matches_eager.
"""

from __future__ import annotations

import copy
import io
import math
import re
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.func import functional_call

import smoothfn.functional as F
from smoothfn import errors
from smoothfn import nn as snn

X = torch.tensor([-2.0, -0.7, -0.05, 0.0, 0.05, 0.7, 2.0, 3.5, 6.2])


# ----------------------------------------------------------------------------------------------
# the modules

MODULES = [  # (module, the same computation through smoothfn.functional)
    (lambda: snn.SmoothReLU(0.3), lambda x: F.relu(x, width=0.3)),
    (lambda: snn.SmoothReLU(0.3, kernel="logistic"), lambda x: F.relu(x, width=0.3, kernel="logistic")),
    (lambda: snn.SmoothLeakyReLU(0.2, 0.3), lambda x: F.leaky_relu(x, 0.2, width=0.3)),
    (lambda: snn.SmoothAbs(0.3, kernel="laplace"), lambda x: F.abs(x, width=0.3, kernel="laplace")),
    (lambda: snn.SmoothHardtanh(width=0.3), lambda x: F.hardtanh(x, width=0.3)),
    (lambda: snn.SmoothHardtanh(-2.0, 0.5, 0.3), lambda x: F.hardtanh(x, -2.0, 0.5, width=0.3)),
    (lambda: snn.SmoothReLU6(0.3, kernel="cauchy"), lambda x: F.relu6(x, width=0.3, kernel="cauchy")),
    (lambda: snn.SmoothHardsigmoid(0.3), lambda x: F.hardsigmoid(x, width=0.3)),
    (lambda: snn.SmoothHardswish(0.3), lambda x: F.hardswish(x, width=0.3)),
    (lambda: snn.SmoothClamp(-1.0, 2.0, 0.3), lambda x: F.clamp(x, -1.0, 2.0, width=0.3)),
    (lambda: snn.SmoothFloor(0.3), lambda x: F.floor(x, width=0.3)),
    (lambda: snn.SmoothRound(0.3, kernel="uniform"), lambda x: F.round(x, width=0.3, kernel="uniform")),
    (lambda: snn.SAU(), lambda x: F.sau(x, 0.15, width=0.5)),
    (lambda: snn.SMU(), lambda x: F.smu(x)),
    (lambda: snn.SMU1(mu=0.4), lambda x: F.smu1(x, mu=0.4)),
]


@pytest.mark.parametrize("index", range(len(MODULES)))
def test_modules_compute_the_functional(index):
    """Each module is its function of smoothfn.functional (up to the stored width's exp(log w))."""
    make, reference = MODULES[index]
    torch.testing.assert_close(make()(X), reference(X), rtol=1e-6, atol=1e-7)


def test_two_input_modules():
    y = torch.linspace(-1, 1, X.numel())
    torch.testing.assert_close(snn.SmoothMax(0.3)(X, y), F.max(X, y, width=0.3))
    torch.testing.assert_close(snn.SmoothMin(0.3)(X, 0.5), F.min(X, 0.5, width=0.3))


def test_repr_and_storage():
    m = snn.SmoothLeakyReLU(0.2, width=0.25, learnable_width=True, inplace=True)
    assert repr(m) == ("SmoothLeakyReLU(negative_slope=0.2, width=0.25, kernel='gaussian', learnable_width=True, "
                       "inplace=True)")
    assert [n for n, _ in m.named_parameters()] == ["log_width"] and not list(m.buffers())
    assert torch.allclose(m.width, torch.tensor(0.25)) and m.width.requires_grad
    fixed = snn.SmoothReLU(0.25)
    assert not list(fixed.parameters()) and [n for n, _ in fixed.named_buffers()] == ["log_width"]
    sau = snn.SAU(learnable_width=True)
    assert {n for n, _ in sau.named_parameters()} == {"alpha", "log_width"}
    assert isinstance(sau.alpha, nn.Parameter) and sau.alpha.item() == pytest.approx(0.15)
    smu = snn.SMU()
    assert {n for n, _ in smu.named_parameters()} == {"alpha", "mu"} and smu.mu is smu._parameters["mu"]
    assert {n for n, _ in snn.SMU1(learnable=False).named_buffers()} == {"alpha", "mu"}
    assert repr(snn.SMU1(learnable=False)) == "SMU1(alpha=0.01, mu=4.332e-09)"


def test_refusals_when_built():
    with pytest.raises(errors.DivergentConvolutionError, match="relu ∗ cauchy"):
        snn.SmoothReLU(kernel="cauchy")
    with pytest.raises(errors.NoClosedFormError, match="hardswish ∗ logistic"):
        snn.SmoothHardswish(kernel="logistic")
    with pytest.raises(errors.UnknownKernelError):
        snn.SmoothAbs(kernel="bogus")
    for width in (0.0, -1.0, math.inf, math.nan, torch.tensor([0.1, 0.0])):
        with pytest.raises(errors.SmoothfnError):
            snn.SmoothReLU(width, num_parameters=2)
    with pytest.raises(errors.SmoothfnError, match="min_val must be < max_val"):
        snn.SmoothHardtanh(1.0, -1.0)
    with pytest.raises(errors.SmoothfnError, match="num_parameters"):
        snn.SAU(num_parameters=0)
    with pytest.raises(errors.SmoothfnError, match="shape"):
        snn.SMU(alpha=torch.zeros(3), num_parameters=2)


# ----------------------------------------------------------------------------------------------
# gradients of every learnable value: fp64 finite differences through the module (functional_call)

GRADCHECKED = [  # (module, input shape)
    (lambda: snn.SmoothReLU(0.4, learnable_width=True), (7,)),
    (lambda: snn.SmoothLeakyReLU(0.1, 0.4, kernel="logistic", learnable_width=True), (7,)),
    (lambda: snn.SmoothAbs(0.4, kernel="epanechnikov", learnable_width=True, num_parameters=3), (2, 3, 2)),
    (lambda: snn.SmoothHardtanh(-0.5, 1.0, 0.4, kernel="cauchy", learnable_width=True), (7,)),
    (lambda: snn.SmoothHardswish(0.4, learnable_width=True), (7,)),
    (lambda: snn.SmoothFloor(0.4, learnable_width=True, num_parameters=3), (3,)),
    (lambda: snn.SAU(learnable_width=True), (7,)),
    (lambda: snn.SAU(paper=True, learnable_width=True, num_parameters=3), (2, 3)),
    (lambda: snn.SMU(alpha=0.2, mu=1.5, num_parameters=3), (2, 3, 2)),
    (lambda: snn.SMU1(alpha=0.2, mu=0.5), (7,)),
]


@pytest.mark.parametrize("index", range(len(GRADCHECKED)))
def test_gradcheck_of_every_learnable_value(index):
    make, shape = GRADCHECKED[index]
    module = make().double()
    names = [name for name, _ in module.named_parameters()]
    assert names and all(any(k in name for k in ("alpha", "width", "mu")) for name in names)
    values = [p.detach().clone().requires_grad_() for _, p in module.named_parameters()]
    x = torch.linspace(-2.5, 2.5, math.prod(shape), dtype=torch.float64).reshape(shape).requires_grad_()

    def through_module(x, *values):
        return functional_call(module, dict(zip(names, values)), (x,))

    assert torch.autograd.gradcheck(through_module, (x, *values))


def test_gradcheck_of_smooth_max_inputs_and_width():
    module = snn.SmoothMax(0.4, learnable_width=True).double()
    x = torch.linspace(-1, 1, 5, dtype=torch.float64, requires_grad=True)
    y = torch.linspace(1, -1, 5, dtype=torch.float64, requires_grad=True)
    log_width = module.log_width.detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda x, y, lw: functional_call(module, {"log_width": lw}, (x, y)),
                                    (x, y, log_width))


def test_sau_paper_is_the_published_formula():
    """MATH.md §2.1: n/√(2π)·… with s = 1/n; SAU_paper − SAU_exact = α·s·φ(x/s)."""
    module = snn.SAU(0.15, 0.3, paper=True).double()
    alpha, s = module.alpha.item(), module.width.item()  # as stored (in fp32, then converted)
    x = torch.linspace(-2, 2, 21, dtype=torch.float64)
    published = (s / 2 * math.sqrt(2 / math.pi) * torch.exp(-x**2 / (2 * s * s)) + (1 + alpha) / 2 * x
                 + (1 - alpha) / 2 * x * torch.erf(x / (math.sqrt(2) * s)))
    torch.testing.assert_close(module(x), published, rtol=1e-13, atol=1e-15)
    half = snn.SAU(alpha, s, paper=True)(x.to(torch.bfloat16))
    assert half.dtype == torch.bfloat16
    torch.testing.assert_close(half.double(), published, rtol=1e-2, atol=1e-2)


# ----------------------------------------------------------------------------------------------
# per channel, dtypes and devices, state, copies

def test_per_channel_values():
    widths = torch.tensor([0.1, 0.5, 2.0])
    m = snn.SmoothReLU(widths, learnable_width=True, num_parameters=3)
    assert m.log_width.shape == (3,)
    x = torch.randn(2, 3, 4, 5)
    torch.testing.assert_close(m(x), F.relu(x, width=widths.view(1, 3, 1, 1)))
    v = torch.randn(3)  # rank 1: its only dimension holds the channels (as nn.PReLU)
    torch.testing.assert_close(m(v), F.relu(v, width=widths))
    with pytest.raises(errors.SmoothfnError, match="3 channels"):
        m(torch.randn(2, 4))
    sau = snn.SAU(alpha=torch.tensor([0.0, 0.1, 0.2]), num_parameters=3)
    torch.testing.assert_close(sau(x), F.sau(x, torch.tensor([0.0, 0.1, 0.2]).view(1, 3, 1, 1), width=0.5))
    sau(x).sum().backward()
    assert sau.alpha.grad.shape == (3,)


def test_state_dict_deepcopy_and_save():
    source = nn.Sequential(snn.SmoothReLU(0.3, learnable_width=True, num_parameters=2), snn.SAU(num_parameters=2),
                           snn.SMU1(learnable=False))
    with torch.no_grad():
        source[0].log_width.add_(torch.tensor([0.1, -0.2]))
        source[1].alpha.fill_(0.3)
        source[2].mu.fill_(0.25)
    x = torch.randn(3, 2)
    fresh = nn.Sequential(snn.SmoothReLU(0.3, learnable_width=True, num_parameters=2), snn.SAU(num_parameters=2),
                          snn.SMU1(learnable=False))
    fresh.load_state_dict(source.state_dict())
    assert set(source.state_dict()) == {"0.log_width", "1.log_width", "1.alpha", "2.alpha", "2.mu"}
    assert torch.equal(fresh(x), source(x))
    assert torch.equal(copy.deepcopy(source)(x), source(x))
    buffer = io.BytesIO()
    torch.save(source, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    assert torch.equal(loaded(x), source(x)) and repr(loaded) == repr(source)


def test_to_dtype_moves_every_value():
    m = nn.Sequential(snn.SmoothReLU(0.3), snn.SAU(), snn.SMU(learnable=False)).to(torch.float64)
    assert all(t.dtype == torch.float64 for t in (*m.parameters(), *m.buffers()))
    assert m(torch.randn(4, dtype=torch.float64)).dtype == torch.float64


def test_autocast_bf16():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), snn.SmoothReLU(0.2, learnable_width=True), nn.Linear(3, 3), snn.SAU(),
                          nn.Linear(3, 3), snn.SMU(), nn.Linear(3, 1))
    x = torch.randn(6, 4)
    reference = model(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = model(x)
    assert y.dtype == torch.bfloat16
    torch.testing.assert_close(y.float(), reference, rtol=0.05, atol=0.05)
    y.float().sum().backward()
    learned = [model[1].log_width, model[3].alpha, model[5].alpha, model[5].mu]
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in learned)


@pytest.mark.slow  # 12 s (idle) to 30 s (busy) of Inductor compilation on 2 cores
def test_compile_fullgraph_matches_eager():
    """The one compile of this file: a small model with learnable smooth activations (per channel)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), snn.SmoothReLU(0.2, learnable_width=True, num_parameters=3),
                          snn.SAU(learnable_width=True), nn.Linear(3, 1))
    x = torch.randn(5, 4)
    compiled = torch.compile(model, fullgraph=True)
    y = compiled(x)
    y.sum().backward()
    got = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    expected = model(x)
    expected.sum().backward()
    torch.testing.assert_close(y, expected)
    for name, p in model.named_parameters():
        torch.testing.assert_close(got[name], p.grad, msg=name)


# ----------------------------------------------------------------------------------------------
# layout

def test_nn_builds_on_the_functional_api_only():
    """smoothfn/nn imports the run-time layers and the functional API, never the SymPy side."""
    package = Path(snn.__file__).parent
    allowed = {"errors", "api", "runtime", "functional", "nn"}
    imports = re.compile(r"^\s*(?:from smoothfn\.(\w+)|import smoothfn\.(\w+)|from smoothfn import (\w+))", re.M)
    for path in package.glob("*.py"):
        for match in imports.finditer(path.read_text(encoding="utf-8")):
            assert next(g for g in match.groups() if g) in allowed, path.name
