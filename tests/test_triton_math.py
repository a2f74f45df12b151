"""The hand-written Triton device functions against 40-digit mpmath, in fp64 and fp32."""

from __future__ import annotations

import math

import mpmath
import pytest
import torch
import triton
import triton.language as tl

from smoothfn.triton_math import acot_nonnegative, divide, erfc_nonnegative, hypot1, log1p, square_root

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


@triton.jit
def apply_kernel(x_ptr, out_ptr, n, WHICH: tl.constexpr, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask, other=1)
    if WHICH == 0:
        out = erfc_nonnegative(x)
    elif WHICH == 1:
        out = acot_nonnegative(x)
    elif WHICH == 2:
        out = log1p(x)
    elif WHICH == 3:
        out = hypot1(x)
    elif WHICH == 4:
        out = divide(1.0, x)
    else:
        out = square_root(x)
    tl.store(out_ptr + offsets, out, mask=mask)


def run(which: int, values, dtype):
    x = torch.tensor(values, dtype=dtype, device=DEVICE)
    out = torch.empty_like(x)
    apply_kernel[(triton.cdiv(x.numel(), 1024),)](x, out, x.numel(), WHICH=which, BLOCK=1024)
    return x.double().tolist(), out.double().tolist()


def reference(which: int, x: float) -> float:
    with mpmath.workdps(40):
        v = mpmath.mpf(x)
        if which == 0:
            return float(mpmath.erfc(v))
        if which == 1:
            return float(mpmath.pi / 2 if v == 0 else mpmath.acot(v))
        if which == 2:
            return float(mpmath.log1p(v))
        if which == 3:
            return float(mpmath.sqrt(1 + v * v))
        if which == 4:
            return float(1 / v)
        return float(mpmath.sqrt(v))


def grid(lo: float, hi: float, n: int, extra=()):
    return sorted(set([lo + (hi - lo) * i / (n - 1) for i in range(n)] + list(extra)))


CASES = {  # which: (name, finite grid, fp64 bound, fp32 bound) — relative errors
    0: ("erfc", grid(0, 27, 2701, [1e-30, 1e-8, 0.4999, 0.5, 0.5001, 9.0, 10.0, 26.5]), 1e-15, 5e-7),
    1: ("acot", [0.0, 1e-300, 1e-30, 1e-8, *grid(0, 4, 801), 0.41421356, 2.414, 10.0, 1e8, 1e30, 1e300], 4e-16, 3e-7),
    2: ("log1p", [0.0, 1e-300, 1e-30, 1e-8, -0.5, -0.999, *grid(-0.9, 1, 761), 3.0, 1e10, 1e300], 4e-16, 3e-7),
    3: ("hypot1", [0.0, 1e-30, *grid(-5, 5, 401), 1e10, -1e19, 1e30, 1e200, 3e38], 4e-16, 2e-7),
    4: ("divide", [1e-30, 1e-3, 0.3, 3.0, 1e30, 3e38, 1e-38, 1e-300], 1.2e-16, 6e-8),
    5: ("square_root", [0.0, 1e-40, 1e-30, 0.3, 2.0, 1e30, 3e38, 1e300], 1.2e-16, 6e-8),
}


@pytest.mark.parametrize("which", sorted(CASES), ids=[CASES[w][0] for w in sorted(CASES)])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_relative_accuracy(which, dtype):
    name, values, bound64, bound32 = CASES[which]
    bound = bound64 if dtype == torch.float64 else bound32
    tiny = torch.finfo(dtype).tiny
    xs, got = run(which, values, dtype)
    worst = 0.0
    for x, g in zip(xs, got):
        if (which == 4 and x == 0) or math.isinf(x):  # a value that rounded to 0 or inf in fp32
            continue
        e = reference(which, x)
        if dtype == torch.float32 and abs(e) > 3.4e38:
            continue
        if abs(e) < tiny:  # below the normal range only the absolute size matters
            assert abs(g) < 4 * tiny, f"{name}({x}) = {g}, expected {e}"
            continue
        error = abs(g - e) / abs(e)
        worst = max(worst, error)
        assert error <= bound, f"{name}({x}) = {g!r}, expected {e!r} (relative error {error:.2e})"
    print(f"{name} {dtype}: largest relative error {worst:.2e}")


def test_special_values():
    nan, inf = math.nan, math.inf
    for dtype in (torch.float32, torch.float64):
        _, erfc = run(0, [inf, nan, 0.0, 1e30], dtype)
        assert erfc[0] == 0.0 and math.isnan(erfc[1]) and erfc[2] == 1.0 and erfc[3] == 0.0
        _, acot = run(1, [inf, nan, 0.0], dtype)
        assert acot[0] == 0.0 and math.isnan(acot[1]) and acot[2] == pytest.approx(math.pi / 2, rel=1e-7)
        _, lp = run(2, [inf, nan, 0.0, -1.0], dtype)
        assert lp[0] == inf and math.isnan(lp[1]) and lp[2] == 0.0 and lp[3] == -inf
        _, h = run(3, [inf, -inf, nan], dtype)
        assert h[0] == inf and h[1] == inf and math.isnan(h[2])
