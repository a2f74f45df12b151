"""smoothfn.numerics.torch_math: the fp32 erfc and exp(−z²) the twin uses under torch.compile, against fp64, and every
Gaussian pair's twin compiled in fp32 against the eager fp64 twin, at extremes too."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import EXTREMES, MONOTONE, PARAMS, arguments, exact_function, module

from smoothfn import FUNCTIONS
from smoothfn.generated import AVAILABLE
from smoothfn.numerics.torch_math import erfc_nonnegative, exp_minus_square

SUBNORMAL_ULP = 2.0**-149


def test_compiled_fp32_erfc_is_within_eight_ulp():
    """The polynomial path (compiled, fp32) against ATen's fp64 erfc (relative error ~1e-16): at
    most 8 ulp (4.8e-7, about triton_math's fp32 erfc bound) where erfc(x) is a normal fp32
    number, 3 subnormal ulp below; measured on 3·10^6 points: 7.0 and 2.1 (fp32 steps, no fma)."""
    xs = torch.cat([torch.linspace(0, 10.1, 200_001, dtype=torch.float64),
                    torch.tensor([0.5, 1e-40, 9.0, 10.0625, 10.0626, 1e30])]).float()
    got = torch.compile(erfc_nonnegative, fullgraph=True)(xs).double()
    exact = torch.special.erfc(xs.double())
    normal = exact >= torch.finfo(torch.float32).tiny
    ulps = (got - exact).abs()[normal] / (exact[normal] * 2.0**-24)
    assert float(ulps.max()) <= 8.0, float(ulps.max())
    assert float((got - exact).abs()[~normal].max()) <= 3 * SUBNORMAL_ULP
    specials = torch.tensor([0.0, math.inf, 1e30, math.nan])
    assert torch.compile(erfc_nonnegative)(specials).tolist()[:3] == [1.0, 0.0, 0.0]
    assert math.isnan(torch.compile(erfc_nonnegative)(specials)[3])


def test_compiled_fp32_exp_minus_square_keeps_its_relative_accuracy():
    """exp(−z²) from the exact split of z²: within 3 ulp over normal values and 2 subnormal ulp
    below, measured 2.2 and 1.2 (exp(−z·z) loses up to z²/2 ulp: 43 at z = 9.3); 0 at ±inf and
    wherever it underflows, nan for nan."""
    zs = torch.cat([torch.linspace(-10.2, 10.2, 400_001, dtype=torch.float64),
                    torch.tensor([0.0, 1e-40, 1e30, -1e30, math.inf, -math.inf])]).float()
    got = torch.compile(exp_minus_square, fullgraph=True)(zs).double()
    z = zs.double()
    exact = torch.exp(-(z * z))  # z² of an fp32 z is exact in fp64
    normal = exact >= torch.finfo(torch.float32).tiny
    ulps = (got - exact).abs()[normal] / (exact[normal] * 2.0**-24)
    assert float(ulps.max()) <= 3.0, float(ulps.max())
    assert float((got - exact).abs()[~normal].max()) <= 2 * SUBNORMAL_ULP
    assert got[-4:].tolist() == [0.0] * 4
    assert math.isnan(torch.compile(exp_minus_square)(torch.tensor([math.nan]))[0])


def test_eager_and_fp64_keep_atens_erfc():
    x = torch.linspace(0, 12, 101)
    assert torch.equal(erfc_nonnegative(x), torch.special.erfc(x))
    x64 = x.double()
    torch.testing.assert_close(torch.compile(erfc_nonnegative)(x64), torch.special.erfc(x64), rtol=1e-15, atol=0)


GAUSSIAN = [p for p in AVAILABLE if p[1] == "gaussian"]
# the default tier compiles one pair of each form (one kink, a jump, the clamp family's narrow ramp, a
# quadratic piece); `pytest -m slow` the other twelve
SAMPLE = [("leaky_relu", "gaussian"), ("sign", "gaussian"), ("clamp", "gaussian"), ("hardswish", "gaussian")]
WIDTHS = (1e-6, 1e-2, 1.0, 30.0, 1e3)
GRID = torch.linspace(-60, 60, 997, dtype=torch.float64)


def compile_pairs(pairs):
    """Every pair's forward in one compiled graph and every backward in another (fullgraph; w and the
    parameters are tensors, so one graph serves every width): Inductor's start-up and its C++
    compilation are paid twice per test file, not twice per pair. Returns pair → width → the
    broadcast (value, ∂/∂x, ∂/∂w, …) in fp32."""
    modules = [module(f, k) for f, k in pairs]
    names = [list(FUNCTIONS[f].params) for f, _ in pairs]

    def forwards(x, w, parameters):
        return [m.forward(x, w, *[parameters[n] for n in used]) for m, used in zip(modules, names)]

    def backwards(x, w, parameters):
        return [m.backward(x, w, *[parameters[n] for n in used]) for m, used in zip(modules, names)]

    forwards, backwards = (torch.compile(fn, fullgraph=True) for fn in (forwards, backwards))
    parameters = {n: torch.tensor(v, dtype=torch.float32) for n, v in PARAMS.items()}
    out = {pair: {} for pair in pairs}
    for w in WIDTHS:
        xs = torch.cat([GRID * w + 0.3, torch.tensor(EXTREMES + [math.nan], dtype=torch.float64)]).float()
        width = torch.tensor(w, dtype=torch.float32)
        for pair, value, grads in zip(pairs, forwards(xs, width, parameters), backwards(xs, width, parameters)):
            out[pair][w] = torch.broadcast_tensors(value, *grads)
    return out


def check_compiled(f, k, results):
    """The compiled fp32 twin of one pair at every width: within 2e-6·(|f| + w) of the eager fp64
    twin, as the eager fp32 twin is; no NaN at extremes; the exact limits at ±inf; monotone where
    f is."""
    m = module(f, k)
    f_exact = exact_function(f)
    for w in WIDTHS:
        xs = torch.cat([GRID * w + 0.3, torch.tensor(EXTREMES + [math.nan], dtype=torch.float64)])
        got = results[w]
        assert math.isnan(got[0][-1]) and not any(torch.isnan(g[:-1]).any() for g in got), f"{f}: NaN at w={w}"
        for i in (997, 997 + len(EXTREMES) - 1):  # ±inf
            assert float(got[0][i]) == float(torch.tensor(float(f_exact(float(xs[i]))), dtype=torch.float32)), f
        if f in MONOTONE:
            assert (torch.diff(got[0][:997]) >= 0).all() and (got[1][:997] >= 0).all(), f"{f}: w={w}"
        if w in (1e-6, 1e3):
            continue
        exact_args = arguments(f, xs, w, torch.float64)
        expected = torch.broadcast_tensors(m.forward(*exact_args), *m.backward(*exact_args))
        for i, (g, e) in enumerate(zip(got, expected)):
            scale = e.abs() + (w + xs.abs() * 1e-1) / (w if i else 1.0)
            err = float(((g.double() - e).abs() / scale)[:997].max())
            assert err <= 2e-6, f"{f}: output {i} at w={w}: {err}"


def test_compiled_gaussian_twins_in_fp32():
    """leaky_relu, sign, clamp and hardswish ∗ gaussian, forward and backward compiled in fp32
    (one graph for the forwards, one for the backwards; w is a tensor) against the eager fp64 twin."""
    for (f, k), results in compile_pairs(SAMPLE).items():
        check_compiled(f, k, results)


@pytest.mark.slow
def test_every_compiled_gaussian_twin_in_fp32():
    """The other twelve Gaussian pairs, as test_compiled_gaussian_twins_in_fp32."""
    for (f, k), results in compile_pairs([p for p in GAUSSIAN if p not in SAMPLE]).items():
        check_compiled(f, k, results)
