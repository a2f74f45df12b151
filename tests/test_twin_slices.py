"""The sliced eager CPU path gives what the whole-tensor twin gives (slices made small here)."""

from __future__ import annotations

import pytest
import torch

import smoothfn.functional as F
from smoothfn.runtime import twin_slices


def evaluate(fn, leaves, grad):
    leaves = [t.detach().clone().requires_grad_(t.requires_grad) for t in leaves]
    out = fn(*leaves)
    wanted = [t for t in leaves if t.requires_grad]
    grads = torch.autograd.grad(out, wanted, grad(out)) if wanted else ()
    return out.detach(), grads


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize("uniform", [True, False])
def test_slices_match_the_whole_tensor(monkeypatch, dtype, uniform):
    gen = torch.Generator().manual_seed(0)
    base = (torch.randn(61, 83, generator=gen, dtype=torch.float64) * 4).to(dtype)
    x = base.t().requires_grad_()  # non-contiguous
    alpha = torch.tensor([[[0.2]]], dtype=torch.float32, requires_grad=True)  # one element, three dims
    width = torch.tensor(0.7, dtype=torch.float32, requires_grad=True)
    noise = torch.randn(83, 61, generator=gen).to(dtype)

    def grad(out):
        return torch.ones_like(out).expand(out.shape) if uniform else noise.reshape(out.shape)

    def fn(x, w, a):
        return F.leaky_relu(x, a, width=w, kernel="logistic")

    results = []
    for sliced in (False, True):
        monkeypatch.setattr(twin_slices, "slice_size", lambda: 1000)
        monkeypatch.setattr(twin_slices, "applies", (lambda *a: True) if sliced else (lambda *a: False))
        results.append(evaluate(fn, [x, width, alpha], grad))
    (whole, g_whole), (sliced, g_sliced) = results
    assert sliced.shape == whole.shape == (1, 83, 61) and sliced.dtype == dtype
    assert torch.equal(sliced, whole)
    assert torch.equal(g_sliced[0], g_whole[0]) and g_sliced[0].dtype == dtype
    for a, b in zip(g_sliced[1:], g_whole[1:]):  # sums in another order (fp64 over slices)
        assert a.shape == b.shape and a.dtype == b.dtype
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-4)


def test_slices_apply_only_to_large_cpu_inputs_with_scalar_parameters():
    size = twin_slices.slice_size()
    assert size >= 1 << 16
    big = torch.zeros(2 * size + 1)
    assert twin_slices.applies(big, torch.tensor(0.5), torch.tensor([0.1]))
    assert not twin_slices.applies(torch.zeros(size), torch.tensor(0.5))
    assert not twin_slices.applies(big, torch.full((2 * size + 1,), 0.5))  # per-element width


def test_a_large_call_takes_the_sliced_path_and_agrees(monkeypatch):
    calls = []
    original = twin_slices.forward
    monkeypatch.setattr(twin_slices, "forward", lambda *a: calls.append(1) or original(*a))
    x = torch.linspace(-6, 6, 2 * twin_slices.slice_size() + 7, dtype=torch.float64)
    y = F.relu(x, width=0.5)
    assert calls, "the sliced path was not taken"
    expected = F.relu(x[::997].clone(), width=0.5)
    assert torch.equal(y[::997], expected)
