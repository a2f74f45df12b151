"""Every rule of the Triton printer, checked numerically: each case is printed into a kernel file,
run (Triton's interpreter without a GPU) in fp64 and fp32, and compared with mpmath."""

from __future__ import annotations

import importlib.util

import mpmath
import pytest
import sympy as sp
import torch

from smoothfn.codegen.triton_printer import triton_code

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
x, w = sp.symbols("x w", real=True)
t = sp.Symbol("t", nonnegative=True)
CASES = [
    sp.exp(-x / w),
    sp.exp(-x**2 / 2),  # exp_minus_square(0.7071067811865476*x)
    sp.exp(-3 * (x / w) ** 2) * x,
    sp.log(1 + sp.exp(-x)),
    sp.log(1 + sp.exp(-t)),  # log1p_unit_interval(exp(-t))
    sp.log(1 + sp.exp(-3 * t / 2)),
    sp.log(x + 3),
    sp.erf(x / sp.sqrt(2)),
    sp.erfc(t / sp.sqrt(2)),
    sp.acot(t),
    sp.asinh(t),
    sp.log(1 + x**2),
    sp.log(1 + (x / w) ** 2),
    sp.Abs(x - 1),
    sp.sign(x),
    sp.floor(x),
    sp.sqrt(1 + x**2),
    sp.sqrt(x + 3),
    1 / sp.sqrt(x + 3),
    (x + 3) ** sp.Rational(3, 2),
    (x**2 + 1) ** sp.Rational(-3, 2),
    x**2 / w**2,
    x**3,
    1 / (x + 3),
    -2 * x * w / (3 * sp.pi),
    x - w / 3,
    sp.Piecewise((0, x < -1), (x**2 / 4, x < 1), (x, True)),
    sp.Piecewise((1, (x > 0) & (w > 1)), (2, (x < -1) | (w < 0.5)), (3, True)),
    sp.Piecewise((sp.Rational(1, 3), x < 0), (sp.Rational(2, 7), True)),  # constants anchored on x
    sp.Piecewise((x, sp.Not(x < 0)), (0, True)),
]
TEMPLATE = '''import triton
import triton.language as tl

from smoothfn.numerics.triton_math import (  # noqa: F401
    acot_nonnegative, divide, erfc_nonnegative, exp, exp_minus_square, hypot1, log1p, log1p_unit_interval,
    square_root,
)


@triton.jit
def kernel(x_ptr, w_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask, other=1)
    w = tl.load(w_ptr + offsets, mask=mask, other=1)
    t = x
    out = {code}
    tl.store(out_ptr + offsets, out.to(out_ptr.dtype.element_ty), mask=mask)
'''


def load_kernel(tmp_path, code: str, name: str):
    path = tmp_path / f"{name}.py"
    path.write_text(TEMPLATE.format(code=code))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.kernel


@pytest.mark.parametrize("index", range(len(CASES)), ids=[str(c) for c in CASES])
def test_every_triton_rule_against_mpmath(tmp_path, index):
    expr = CASES[index]
    kernel = load_kernel(tmp_path, triton_code(expr, "x"), f"case_{index}")
    positive = expr.has(t)
    xs = [0.0, 0.4, 1.3, 3.0, 7.5, 30.0] if positive else [-2.5, -0.7, 0.0, 0.4, 1.3, 3.0]
    ws = [0.3, 1.7, 0.45, 2.0, 1.1, 0.9]
    f = sp.lambdify((x, w, t), expr, "mpmath")
    for dtype, rel in ((torch.float64, 1e-14), (torch.float32, 2e-6)):
        xt = torch.tensor(xs, dtype=dtype, device=DEVICE)
        wt = torch.tensor(ws, dtype=dtype, device=DEVICE)
        out = torch.empty_like(xt)
        kernel[(1,)](xt, wt, out, len(xs), BLOCK=8)
        for xv, wv, g in zip(xs, ws, out.tolist()):
            with mpmath.workdps(40):
                e = f(xv, wv, xv) if xv or not positive else f(xv, wv, mpmath.mpf(1e-60))
                e = float(mpmath.re(e))
            assert g == pytest.approx(e, rel=rel, abs=rel), f"{expr} at x={xv}, w={wv}, {dtype}"


def test_log1p_of_an_argument_in_the_unit_interval_is_the_polynomial():
    assert triton_code(sp.log(1 + sp.exp(-t))) == "log1p_unit_interval(exp(-t))"
    assert triton_code(sp.log(1 + sp.exp(-x))) == "log1p(exp(-x))"  # x may be negative: e^(−x) > 1
    assert "log1p_unit_interval" in triton_code(sp.log(1 + x**2))


def test_gaussian_exponentials_print_as_exp_minus_square():
    assert triton_code(sp.exp(-x**2 / 2)) == "exp_minus_square(0.7071067811865476*x)"
    assert triton_code(sp.exp(-x / w)) == "exp(divide(-x, w))"


@pytest.mark.parametrize(
    "expr", [sp.erfc(x), sp.acot(x), sp.atan(x), sp.asinh(x), x ** sp.Rational(1, 3)], ids=str
)
def test_rules_that_would_be_wrong_are_refused(expr):
    with pytest.raises(ValueError):
        triton_code(expr)


def test_log_of_one_plus_square_and_asinh_do_not_overflow(tmp_path):
    """log(1 + t²) and asinh(t) where t² overflows fp32 (and fp64 beyond 1e154)."""
    kernel = load_kernel(tmp_path, triton_code(sp.log(1 + t**2) + sp.asinh(t), "x"), "large")
    for dtype, values in ((torch.float32, [1e10, 1e20, 1e30, 3e38]), (torch.float64, [1e100, 1e160, 1e300])):
        xt = torch.tensor(values, dtype=dtype, device=DEVICE)
        out = torch.empty_like(xt)
        kernel[(1,)](xt, xt, out, len(values), BLOCK=4)
        for v, g in zip(xt.tolist(), out.tolist()):
            with mpmath.workdps(40):
                e = float(mpmath.log(1 + mpmath.mpf(v) ** 2) + mpmath.asinh(v))
            assert g == pytest.approx(e, rel=1e-6 if dtype == torch.float32 else 1e-15), (v, dtype)
