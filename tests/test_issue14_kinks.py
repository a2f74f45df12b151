"""Issue 14, item 6: the polynomial pieces near the kinks, at small widths, in fp32.

The regions' polynomials E p_r(x − wY) were printed expanded: x²/6 + x/2 (hardswish) and
x/6 + 1/2 (hardsigmoid) are 3/2 − 3/2 and 1/2 − 1/2 at the kink x = −3, so fp32 lost eps·3/2
absolutely where f_w is of order w (hardswish ∗ laplace at x = −2.99928, w = 1e-3: 3.7e-4
relative). The generator now factors each power of w over the rationals (x(x + 3)/6, (x + 3)/6),
accurate near every root. References: mpmath quadrature of ∫ f(x − wu) k(u) du at 45 digits split
at the kinks (tests/reference.py's ``convolution``), at the fp32 inputs; the sibling sweep checks
fp32 (twin and Triton) against the library's own fp64 at the same fp32 inputs, whose rounding is
2^29 times finer than the tolerance."""

from __future__ import annotations

import pytest
import torch

from smoothfn.generated import AVAILABLE
from smoothfn.ops import autograd as ops
from smoothfn.runtime.pairs import catalog_pair

# (function, kernel, x, w) at fp32 inputs (the values printed are the fp32 numbers), and
# f_w(x) by tests/reference.py: convolution(FUNCTIONS[f], KERNELS[k], x, w, {}) at 45 digits
REFERENCES = [
    ("hardswish", "laplace", -2.9992799758911133, 0.0010000000474974513, -0.00048135857892567534697),
    ("hardsigmoid", "gaussian", -2.999880075454712, 0.0010000000474974513, 0.000076961651983731788851),
    ("hardswish", "gaussian", -2.9992799758911133, 0.0010000000474974513, -0.00042882999875113907919),
    ("hardswish", "uniform", -2.9995999336242676, 0.0010000000474974513, -0.00024494700397573838779),
    ("hardswish", "student_t2", -2.9992799758911133, 0.0010000000474974513, -0.00048709156218712226625),
    ("hardsigmoid", "laplace", -2.999880075454712, 0.0010000000474974513, 0.000093903041610521277428),
    ("hardsigmoid", "cauchy", -2.999880075454712, 0.0010000000474974513, 0.0005249484955827515675),
    ("hardswish", "epanechnikov", 2.9997000694274902, 0.0010000000474974513, 2.9995147665040921664),
    ("hardswish", "triangular", -3.0002999305725098, 0.0010000000474974513, -0.000028588506101971975585),
]


@pytest.mark.parametrize("backend", ["torch", "triton"])
@pytest.mark.parametrize("f,k,x,w,expected", REFERENCES)
def test_values_next_to_a_kink_against_mpmath(f, k, x, w, expected, backend):
    m = catalog_pair(f, k)
    for dtype, rel in ((torch.float32, 4e-7), (torch.float64, 1e-13)):
        value = ops.SmoothFunction.apply(m, backend, torch.tensor([x], dtype=dtype), torch.tensor(w, dtype=dtype))
        assert abs(float(value) - expected) <= rel * abs(expected), f"{f} ∗ {k}, {dtype}: {float(value)!r}"


KINKS = {"relu": [0.0], "leaky_relu": [0.0], "abs": [0.0], "sign": [0.0], "step": [0.0], "clamp": [-0.7, 1.3],
         "hardtanh": [-1.0, 1.0], "relu6": [0.0, 6.0], "hardsigmoid": [-3.0, 3.0], "hardswish": [-3.0, 3.0],
         "max": [0.4], "min": [0.4]}
PARAMS = {"alpha": 0.15, "lo": -0.7, "hi": 1.3, "y": 0.4}


@pytest.mark.parametrize("backend", ["torch", "triton"])
@pytest.mark.parametrize("f,k", AVAILABLE)
def test_fp32_near_every_kink_at_small_widths(f, k, backend):
    """x = c + w·[−8, 8] around every kink c at w = 1e-6 … 1e-2: fp32 within 5e-5 of fp64 relative
    to |f_w| + 1e-3·w (before: hardswish 0.76, hardsigmoid 0.24 at w = 1e-6; the worst left is
    leaky_relu ∗ laplace at 2.4e-5, next to the root of f_w, where the input's own rounding sets the
    floor), ∂f_w/∂x relative to |∂f_w/∂x| + 1e-3 of its largest value."""
    m = catalog_pair(f, k)
    grid = torch.linspace(-8, 8, 161, dtype=torch.float64)
    xs, ws = [], []
    for w in (1e-6, 1e-4, 1e-3, 1e-2):
        for c in KINKS[f]:
            xs.append(c + w * grid)
            ws.append(torch.full_like(grid, w))
    x32, w32 = torch.cat(xs).float(), torch.cat(ws).float()
    params = [torch.full_like(x32, PARAMS[n]) for n in m.parameters]
    leaves = [t.clone().requires_grad_() for t in (x32, w32, *params)]
    v32 = ops.SmoothFunction.apply(m, backend, *leaves)
    g32 = torch.autograd.grad(v32.sum(), leaves[0])[0].double()
    v64 = m.forward(x32.double(), w32.double(), *(p.double() for p in params))
    g64 = m.backward(x32.double(), w32.double(), *(p.double() for p in params))[0]
    error = (v32.detach().double() - v64).abs() / (v64.abs() + 1e-3 * w32.double())
    assert error.max() <= 5e-5, f"f_w: {error.max():.3g} at x = {x32[error.argmax()].item()!r}"
    error = (g32 - g64).abs() / (g64.abs() + 1e-3 * g64.abs().max())
    assert error.max() <= 5e-5, f"∂f_w/∂x: {error.max():.3g} at x = {x32[error.argmax()].item()!r}"
