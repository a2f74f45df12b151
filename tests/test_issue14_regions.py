"""Issue 14, item 3: the polynomial region and the kink terms are chosen from the same z.

The tail-stable form f_w = E p_r(x − wY) + Σ d_ij w^j S_j(z_i) holds for any region r whose
kinks agree with the branches of the S_j (z_i < 0 or not). The region was chosen by x < c_i and
the branch by z_i = (x − c_i)/w < 0: where z_i underflows to −0 they disagreed, and sign/step
left their range (sign(−5e-324, w = 2) = −2, step(−1e-30, w = 1e16) = −0.5 in fp32), relu,
leaky_relu, abs, clamp, relu6, max and min got a wrong ∂f_w/∂x (relu: −1/2 instead of 1/2) and
clamp, max and min a wrong ∂f_w/∂lo or ∂f_w/∂y. The generator now writes the region test as
z_i < 0 on the very z_i the S_j take. Checked: values and every gradient just below a kink equal
those at the kink, for every pair, both dtypes, twin and Triton."""

from __future__ import annotations

import math

import pytest
import torch

import smoothfn.functional as F
from smoothfn.generated import AVAILABLE
from smoothfn.ops import autograd as ops
from smoothfn.runtime.pairs import catalog_pair

# the kinks of each function at the parameters below (clamp's lo and max/min's y at 0: the
# kink where x/w underflows; a second call puts y at 1e-30 for a kink off 0)
KINKS = {"relu": [0.0], "leaky_relu": [0.0], "abs": [0.0], "sign": [0.0], "step": [0.0], "clamp": [0.0, 1.3],
         "hardtanh": [-1.0, 1.0], "relu6": [0.0, 6.0], "hardsigmoid": [-3.0, 3.0], "hardswish": [-3.0, 3.0],
         "max": [0.0], "min": [0.0]}
PARAMS = {"alpha": 0.15, "lo": 0.0, "hi": 1.3, "y": 0.0}


def test_the_reported_values():
    v = F.sign(torch.tensor([-5e-324], dtype=torch.float64), width=2.0)
    assert -1e-300 <= float(v) <= 0.0  # 2F(x/w) − 1 ≈ 2k(0)·x/w, −0 once rounded
    assert abs(float(F.sign(torch.tensor([-1e-38]), width=1e8))) <= 1e-30
    assert float(F.step(torch.tensor([-1e-30]), width=1e16)) == pytest.approx(0.5, abs=1e-7)
    for kernel in ("gaussian", "logistic", "cauchy", "laplace", "uniform", "student_t2", "epanechnikov",
                   "triangular"):
        x = torch.tensor([-5e-324, -1e-300, -0.0], dtype=torch.float64, requires_grad=True)
        y = F.relu(x, width=2.0, kernel=kernel) if kernel != "cauchy" else F.sign(x, width=2.0, kernel=kernel)
        y.sum().backward()
        assert (x.grad - x.grad[-1]).abs().max() <= 1e-12 * x.grad[-1].abs(), kernel


def _rows(dtype, kinks, params):
    """x just below each kink (and −0, the smallest normal and a subnormal below 0), the kink
    itself first in each group, at widths where x/w underflows for a kink at 0."""
    info = torch.finfo(dtype)
    xs, ws, groups = [], [], []
    for c in kinks:
        below = torch.nextafter(torch.tensor(c, dtype=dtype), torch.tensor(-math.inf, dtype=dtype)).item()
        candidates = [c, below] + ([-0.0, -info.tiny, -info.smallest_normal * info.eps] if c == 0 else [])
        # (x − c)/w can underflow only for a kink at or next to 0 (x − c is at least an ulp of c)
        widths = (2.0, 1e8, math.sqrt(info.max) * 0.999) if abs(c) < 1e-20 else (2.0,)
        for w in widths:
            groups.append((c, w, len(xs), len(candidates)))
            xs += candidates
            ws += [w] * len(candidates)
    n = len(xs)
    leaves = [torch.tensor(xs, dtype=dtype), torch.tensor(ws, dtype=dtype)]
    leaves += [torch.full((n,), params[name], dtype=dtype) for name in params]
    return leaves, groups


def _check(m, f, k, backend, kinks, params):
    for dtype in (torch.float32, torch.float64):
        leaves, groups = _rows(dtype, kinks, params)
        leaves = [t.requires_grad_() for t in leaves]
        value = ops.SmoothFunction.apply(m, backend, *leaves)
        grads = torch.autograd.grad(value.sum(), leaves)
        for name, v in zip(["f_w", "x", "w", *m.parameters], [value.detach(), *grads]):
            v = v.double()
            for c, w, start, count in groups:
                at_kink, near = v[start], v[start + 1:start + count]
                scale = {"f_w": abs(c) + w, "x": 1 / w}.get(name, 1.0)
                tolerance = 1e-5 * (at_kink.abs() + 1e-3 * scale)
                assert ((near - at_kink).abs() <= tolerance).all(), (
                    f"{f} ∗ {k}, {backend}, {dtype}, ∂/∂{name} below the kink {c} at w={w:g}: "
                    f"{near.tolist()} against {at_kink.item()}")


@pytest.mark.parametrize("backend", ["torch", "triton"])
@pytest.mark.parametrize("f,k", AVAILABLE)
def test_just_below_a_kink_equals_the_kink(f, k, backend):
    m = catalog_pair(f, k)
    params = {n: PARAMS[n] for n in m.parameters}
    _check(m, f, k, backend, KINKS[f], params)
    if f in ("max", "min"):  # a parameter kink off 0: x − y exact, (x − y)/w underflows
        _check(m, f, k, backend, [1e-30], {"y": 1e-30})
