"""smoothfn.nn: the modules, replace_activations / harden / summary, the smoothing() mode and annealing.

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

import smoothfn
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
    smoothfn.anneal(model, 0.5)  # widths are tensors in the graph's inputs: no recompilation
    with torch._dynamo.config.patch(error_on_recompile=True):
        torch.testing.assert_close(compiled(x), model(x))


# ----------------------------------------------------------------------------------------------
# replace_activations, harden, summary

class Net(nn.Module):
    """A custom module holding a ModuleList of Sequentials, with a shared activation and every
    replaceable type."""

    def __init__(self):
        super().__init__()
        shared = nn.ReLU(inplace=True)
        self.blocks = nn.ModuleList([
            nn.Sequential(nn.Linear(3, 4), shared, nn.Linear(4, 4), nn.LeakyReLU(0.2)),
            nn.Sequential(nn.Linear(4, 4), nn.ReLU6(), nn.Linear(4, 4), nn.Hardtanh(-2.0, 0.5), shared),
        ])
        self.head = nn.ModuleDict({"gate": nn.Hardsigmoid(), "act": nn.Hardswish()})
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.out(self.head["act"](x) * self.head["gate"](x))


def test_replace_counts_nested_and_shared():
    torch.manual_seed(0)
    model = Net()
    weights = [p for p in model.parameters()]
    assert smoothfn.replace_activations(model, width=0.1) is model
    assert [p for p in model.parameters()] == weights  # only activations change
    report = snn.summary(model)
    assert report.counts == {"ReLU → SmoothReLU": 1, "LeakyReLU → SmoothLeakyReLU": 1, "ReLU6 → SmoothReLU6": 1,
                             "Hardtanh → SmoothHardtanh": 1, "Hardsigmoid → SmoothHardsigmoid": 1,
                             "Hardswish → SmoothHardswish": 1}
    assert [path for path, _, _ in report.modules] == [
        "blocks.0.1", "blocks.0.3", "blocks.1.1", "blocks.1.3", "head.gate", "head.act"]
    assert model.blocks[0][1] is model.blocks[1][4] and model.blocks[0][1].inplace  # still shared, inplace kept
    assert model.blocks[0][3].negative_slope == 0.2
    assert (model.blocks[1][3].min_val, model.blocks[1][3].max_val) == (-2.0, 0.5)
    assert "6 smooth modules:\n  ReLU → SmoothReLU: 1" in str(report)
    assert not any(type(m) in snn.REPLACED_TYPES for m in model.modules())
    model(torch.randn(2, 3)).sum().backward()


def test_replace_include_and_learnable():
    model = Net()
    smoothfn.replace_activations(model, width=0.1, include=[nn.Hardtanh, "head.a*"], learnable=True)
    kinds = {path: type(m).__name__ for path, _, m in snn.summary(model).modules}
    assert kinds == {"blocks.1.1": "SmoothReLU6", "blocks.1.3": "SmoothHardtanh", "head.act": "SmoothHardswish"}
    assert type(model.blocks[0][1]) is nn.ReLU and model.blocks[1][1].learnable_width
    other = smoothfn.replace_activations(Net(), width=0.1, include="LeakyReLU")
    assert list(snn.summary(other).counts) == ["LeakyReLU → SmoothLeakyReLU"]
    assert type(smoothfn.replace_activations(nn.ReLU(), width=0.1)) is snn.SmoothReLU  # the model itself
    with pytest.raises(errors.SmoothfnError, match="include"):
        smoothfn.replace_activations(Net(), width=0.1, include=[3])


def test_replace_refuses_before_changing_anything():
    model = Net()
    before = list(model.modules())
    with pytest.raises(errors.DivergentConvolutionError):
        smoothfn.replace_activations(model, width=0.1, kernel="cauchy")
    with pytest.raises(errors.NoClosedFormError, match="hardswish"):
        smoothfn.replace_activations(model, width=0.1, kernel="logistic")
    with pytest.raises(errors.InvalidWidthError):
        smoothfn.replace_activations(model, width=0.0)
    assert list(model.modules()) == before
    smoothfn.replace_activations(model, width=0.1, kernel="cauchy", include=[nn.Hardtanh, nn.Hardsigmoid])
    assert len(snn.summary(model)) == 3


def test_replace_keeps_device_and_dtype():
    model = Net().to(torch.float64)
    smoothfn.replace_activations(model, width=0.1)
    assert all(b.dtype == torch.float64 for b in model.buffers())
    assert model(torch.randn(2, 3, dtype=torch.float64)).dtype == torch.float64


def test_harden_restores_the_exact_outputs():
    torch.manual_seed(0)
    original = Net()
    x = torch.randn(5, 3)
    expected = original(x)
    model = smoothfn.replace_activations(copy.deepcopy(original), width=0.3, learnable=True)
    assert not torch.equal(model(x), expected)
    hardened = smoothfn.harden(model)
    assert len(snn.summary(hardened)) == 0
    assert torch.equal(hardened(x), expected)
    assert repr(hardened) == repr(original)  # nn.ReLU(inplace=True), the slope, the bounds
    assert hardened.blocks[0][1] is hardened.blocks[1][4]


def test_harden_of_the_other_modules():
    x = torch.linspace(-3, 3, 13)
    exact = smoothfn.harden(nn.ModuleList([
        snn.SmoothAbs(), snn.SmoothFloor(), snn.SmoothRound(), snn.SmoothClamp(-1, 2), snn.SAU(0.3), snn.SMU1(0.2),
        snn.SmoothMax(), snn.SMU(num_parameters=3)]))
    assert torch.equal(exact[0](x), x.abs()) and torch.equal(exact[1](x), x.floor())
    assert torch.equal(exact[2](x), x.round()) and torch.equal(exact[3](x), x.clamp(-1, 2))
    assert torch.equal(exact[4](x), torch.nn.functional.leaky_relu(x, float(torch.tensor(0.3))))
    assert torch.equal(exact[6](x, 0.5), x.clamp(min=0.5))
    assert isinstance(exact[7], nn.PReLU) and exact[7].weight.shape == (3,)
    assert type(smoothfn.harden(snn.SmoothReLU6())) is nn.ReLU6


# ----------------------------------------------------------------------------------------------
# smoothing()

def test_smoothing_intercepts_functional_calls_and_restores():
    x = torch.linspace(-2, 2, 9)
    smooth = F.relu(x, width=0.2)
    with smoothfn.smoothing(width=0.2):
        for y in (torch.nn.functional.relu(x), torch.relu(x), x.relu(), nn.ReLU()(x)):
            torch.testing.assert_close(y, smooth, rtol=0, atol=0)
        torch.testing.assert_close(nn.LeakyReLU(0.3)(x), F.leaky_relu(x, 0.3, width=0.2), rtol=0, atol=0)
        torch.testing.assert_close(nn.ReLU6()(x), F.relu6(x, width=0.2), rtol=0, atol=0)
        torch.testing.assert_close(nn.Hardswish()(x), F.hardswish(x, width=0.2), rtol=0, atol=0)
        assert torch.equal(torch.abs(x), x.abs().detach()) and torch.equal(torch.abs(x), x.abs())  # not included
        inplace = x.clone()
        assert torch.nn.functional.relu(inplace, inplace=True) is inplace and torch.equal(inplace, smooth)
        assert torch.equal(torch.relu(torch.tensor([-1, 2])), torch.tensor([0, 2]))  # integers stay exact
    assert torch.equal(torch.relu(x), x.clamp(min=0))
    with pytest.raises(RuntimeError, match="boom"), smoothfn.smoothing(width=0.2):
        raise RuntimeError("boom")
    assert torch.equal(torch.relu(x), x.clamp(min=0)) and torch.equal(nn.ReLU()(x), x.clamp(min=0))


def test_smoothing_backward_and_third_party_modules():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0)  # calls F.relu
    x = torch.randn(3, 4)
    exact = layer(x)
    with smoothfn.smoothing(width=0.5):
        smooth = layer(x)
        smooth.sum().backward()
    assert not torch.allclose(smooth, exact)
    grad = layer.linear1.weight.grad.clone()
    layer.zero_grad()
    hidden = layer.linear1(layer.norm1(x + layer._sa_block(x, None, None)))  # the same path, by hand
    reference = layer.norm2(layer.norm1(x + layer._sa_block(x, None, None))
                            + layer.linear2(F.relu(hidden, width=0.5)))
    torch.testing.assert_close(smooth, reference)
    reference.sum().backward()
    torch.testing.assert_close(grad, layer.linear1.weight.grad)


def test_smoothing_on_request_and_nested():
    x = torch.linspace(-2, 2, 9, requires_grad=True)
    relu, clamped = torch.relu(x), torch.clamp(x, -1, 1)
    with smoothfn.smoothing(width=0.3, include=["abs"]):
        with smoothfn.smoothing(width=0.1, include=[torch.clamp, "floor", "maximum"]):
            assert torch.equal(torch.relu(x), relu)  # neither includes relu
            torch.testing.assert_close(x.abs(), F.abs(x, width=0.3))  # the outer one
            torch.testing.assert_close(torch.clamp(x, -1, 1), F.clamp(x, -1.0, 1.0, width=0.1))
            torch.testing.assert_close(x.clamp(min=0.5), F.max(x, 0.5, width=0.1))
            torch.testing.assert_close(torch.max(x, x.flip(0)), F.max(x, x.flip(0), width=0.1))
            assert torch.max(x).item() == 2.0  # the reduction stays exact
            y = torch.floor(x)
            torch.testing.assert_close(y, F.floor(x, width=0.1))
            y.sum().backward()  # backward inside: smoothfn's own torch.floor/clamp/abs are not intercepted
        assert torch.equal(torch.clamp(x, -1, 1), clamped)  # the inner one is gone
        torch.testing.assert_close(torch.abs(x), F.abs(x, width=0.3))
    expected = torch.autograd.grad(F.floor(x, width=0.1).sum(), x)[0]
    torch.testing.assert_close(x.grad, expected, rtol=0, atol=0)


def test_smoothing_does_not_touch_smoothfn_internals():
    """Under include="all", smoothfn's own forward and backward give what they give outside."""
    x = torch.linspace(-2.2, 2.2, 11, requires_grad=True)
    modules = [snn.SmoothFloor(0.3), snn.SmoothClamp(-1, 1, 0.3, kernel="laplace"), snn.SMU(), snn.SMU1(mu=0.3),
               snn.SAU(paper=True), snn.SmoothHardswish(0.2, kernel="uniform")]
    outside = [(m(x), torch.autograd.grad(m(x).sum(), [x, *m.parameters()])) for m in modules]
    with smoothfn.smoothing(width=0.05, include="all"):
        inside = [(m(x), torch.autograd.grad(m(x).sum(), [x, *m.parameters()])) for m in modules]
    for (y0, g0), (y1, g1) in zip(outside, inside):
        assert torch.equal(y0, y1) and all(torch.equal(a, b) for a, b in zip(g0, g1))


def test_smoothing_refusals():
    with pytest.raises(errors.DivergentConvolutionError):
        smoothfn.smoothing(width=0.1, kernel="cauchy")
    smoothfn.smoothing(width=0.1, kernel="cauchy", include=["hardtanh", "sign"])
    with pytest.raises(errors.NoClosedFormError):
        smoothfn.smoothing(width=0.1, kernel="logistic", include="hardswish")
    with pytest.raises(errors.SmoothfnError, match="cannot intercept"):
        smoothfn.smoothing(width=0.1, include=["tanh"])
    with pytest.raises(errors.InvalidWidthError):
        smoothfn.smoothing(width=-1.0)


# ----------------------------------------------------------------------------------------------
# annealing

def test_anneal_scales_every_width():
    model = nn.Sequential(snn.SmoothReLU(0.4, learnable_width=True), snn.SAU(width=0.2), snn.SMU(mu=2.0),
                          snn.SMU1(alpha=0.5, mu=0.1), nn.Linear(1, 1))
    smoothfn.anneal(model, 0.5)
    assert [round(v, 6) for v in (model[0].width.item(), model[1].width.item(), model[2].mu.item(),
                                  model[3].mu.item())] == [0.2, 0.1, 4.0, 0.05]
    smoothfn.anneal(model, 1e-3, min_width=0.01)
    assert [round(v, 6) for v in (model[0].width.item(), model[1].width.item(), model[2].mu.item(),
                                  model[3].mu.item())] == [0.01, 0.01, 100.0, 0.005]
    with pytest.raises(errors.SmoothfnError, match="factor"):
        smoothfn.anneal(model, 0.0)
    scheduler = smoothfn.WidthScheduler.geometric(model, start=1.0, end=0.1, steps=4)
    for _ in range(4):
        scheduler.step()
    assert model[0].width.item() == pytest.approx(0.001, rel=1e-5) and scheduler.last_step == 4


def test_training_while_annealing_ends_close_to_the_hardened_model():
    """A small ReLU network trained while its width shrinks from 0.5 to 1e-3: hardening it changes
    its outputs by about the last width; hardening the same network trained at a fixed 0.5 does not."""
    torch.manual_seed(0)
    x = torch.linspace(-2, 2, 64).unsqueeze(1)
    target = torch.sin(2 * x)

    def train(anneal: bool):
        torch.manual_seed(1)
        model = smoothfn.replace_activations(
            nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)), width=0.5)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
        scheduler = smoothfn.WidthScheduler.geometric(model, start=0.5, end=1e-3, steps=150)
        for _ in range(150):
            optimizer.zero_grad()
            loss = torch.mean((model(x) - target) ** 2)
            loss.backward()
            optimizer.step()
            if anneal:
                scheduler.step()
        with torch.no_grad():
            smooth = model(x)
            hard = smoothfn.harden(model)(x)
        return (smooth - hard).abs().max().item(), torch.mean((hard - target) ** 2).item()

    gap, hard_loss = train(anneal=True)
    fixed_gap, _ = train(anneal=False)
    assert gap < 0.01 and hard_loss < 0.05
    assert fixed_gap > 10 * gap


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


def test_docstring_examples():
    import doctest
    import importlib

    for name in ("nn", "nn.base", "nn.activations", "nn.learnable", "nn.exact", "nn.replace", "nn.mode",
                 "nn.schedule"):
        module = importlib.import_module(f"smoothfn.{name}")
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0, name


def test_replace_by_a_factory():
    """by= puts the caller's modules in the same places (a shared one once); its refusals."""
    model = Net()
    seen = []
    smoothfn.replace_activations(model, by=lambda exact: seen.append(type(exact)) or snn.SAU(), include="ReLU")
    assert seen == [nn.ReLU] and snn.summary(model).counts == {"LeakyReLU → SAU": 1}
    assert model.blocks[0][1] is model.blocks[1][4] and isinstance(model.blocks[0][1], snn.SAU)
    model(torch.randn(2, 3)).sum().backward()
    assert model.blocks[0][1].alpha.grad is not None
    for kwargs, match in (({}, "width"), ({"by": 3}, "callable"), ({"by": lambda m: 3}, "nn.Module"),
                          ({"by": lambda m: snn.SMU(), "width": 0.1}, "by="),
                          ({"by": lambda m: snn.SMU(), "kernel": "logistic"}, "by=")):
        fresh = Net()
        before = list(fresh.modules())
        with pytest.raises(errors.SmoothfnError, match=match):
            smoothfn.replace_activations(fresh, **kwargs)
        assert list(fresh.modules()) == before
