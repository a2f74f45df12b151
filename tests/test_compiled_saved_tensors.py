"""Under torch.compile with gradients, smoothfn's forward saves x alone for the backward (which
recomputes), as in eager: AOTAutograd's CSE over the joint graph would otherwise share forward
intermediates with the backward and save them (sau saved a full-size bool mask, and its compiled
forward took 19 against 7 ms at 2^22)."""

from __future__ import annotations

import torch

import smoothfn.functional as F


def test_compiled_sau_saves_only_x():
    n = 50_000
    x = torch.randn(n, requires_grad=True)
    alpha, width = torch.tensor(0.15, requires_grad=True), torch.tensor(0.5, requires_grad=True)
    compiled = torch.compile(lambda x, a, w: F.sau(x, a, width=w), dynamic=True)
    compiled(x, alpha, width).sum().backward()
    saved = []

    def pack(t):
        saved.append((t.numel(), t.dtype))
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = compiled(x, alpha, width)
    assert [s for s in saved if s[0] == n] == [(n, torch.float32)]
    g = torch.randn(n)
    x.grad = None
    y.backward(g)
    expected = torch.autograd.grad(F.sau(x, alpha, width=width), x, g)[0]
    torch.testing.assert_close(x.grad, expected, rtol=2e-6, atol=2e-6)
