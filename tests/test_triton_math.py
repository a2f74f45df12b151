"""The hand-written Triton device functions: accuracy against mpmath in fp64 and fp32 (in the
interpreter without a GPU), special values, and ahead-of-time compilation for sm_80 and sm_90."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest
import torch
import triton
import triton.language as tl

from smoothfn.numerics.triton_math import (
    acot_nonnegative,
    divide,
    erfc_nonnegative,
    exp,
    exp_minus_square,
    expm1,
    hypot1,
    log1p,
    log1p_unit_interval,
    sin_cos_pi,
    square_root,
)

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
NAMES = ["erfc", "acot", "log1p", "hypot1", "divide", "square_root", "expm1", "sinpi", "cospi", "exp", "quotient",
         "exp_minus_square", "log1p_unit_interval"]


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
    elif WHICH == 5:
        out = square_root(x)
    elif WHICH == 6:
        out = expm1(x)
    elif WHICH == 7:
        out, _ = sin_cos_pi(x)
    elif WHICH == 8:
        _, out = sin_cos_pi(x)
    elif WHICH == 9:
        out = exp(x)
    elif WHICH == 11:
        out = exp_minus_square(x)
    elif WHICH == 12:
        out = log1p_unit_interval(x)
    else:
        out = divide(x, tl.zeros_like(x) + 0.75)
    tl.store(out_ptr + offsets, out, mask=mask)


@triton.jit
def all_functions_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask, other=1)
    a = tl.abs(x)
    s, c = sin_cos_pi(x)
    out = erfc_nonnegative(a) + acot_nonnegative(a) + log1p(x) + hypot1(x) + expm1(x) + s + c
    tl.store(out_ptr + offsets, out, mask=mask)


def run(name: str, values, dtype) -> tuple[list[float], list[float]]:
    """The inputs as the kernel saw them (rounded to dtype) and its results, as Python floats."""
    x = torch.tensor(values, dtype=dtype, device=DEVICE)
    out = torch.empty_like(x)
    apply_kernel[(triton.cdiv(x.numel(), 1024),)](x, out, x.numel(), WHICH=NAMES.index(name), BLOCK=1024)
    return x.double().tolist(), out.double().tolist()


def reference(name: str, x: float) -> mpmath.mpf:
    """The value at the (already rounded) input, to 40 digits."""
    with mpmath.workdps(40):
        v = mpmath.mpf(x)
        return {
            "erfc": lambda: mpmath.erfc(v),
            "acot": lambda: mpmath.pi / 2 if v == 0 else mpmath.acot(v),
            "log1p": lambda: mpmath.log1p(v),
            "log1p_unit_interval": lambda: mpmath.log1p(v),
            "hypot1": lambda: mpmath.sqrt(1 + v * v),
            "divide": lambda: 1 / v,
            "square_root": lambda: mpmath.sqrt(v),
            "expm1": lambda: mpmath.expm1(v),
            "exp": lambda: mpmath.exp(v),
            "exp_minus_square": lambda: mpmath.exp(-v * v),
            "quotient": lambda: v / mpmath.mpf(0.75),
            "sinpi": lambda: mpmath.sinpi(v),
            "cospi": lambda: mpmath.cospi(v),
        }[name]()


def relative_error(got: float, exact: mpmath.mpf) -> float:
    with mpmath.workdps(40):
        return float(abs(got - exact) / abs(exact))


def dense(lo: float, hi: float, n: int, log: bool = False) -> list[float]:
    """n evenly spaced points (in log10 if log) plus as many uniformly random ones."""
    rng = np.random.default_rng(n)
    points = np.concatenate([np.linspace(lo, hi, n), rng.uniform(lo, hi, n)])
    return (10.0**points if log else points).tolist()


SUBNORMALS = [5e-324, 1e-310, 1.4e-45, 1e-40, 1e-39]
CASES = {  # name: (finite inputs, fp64 bound, fp32 bound), relative errors to the exact value
    "erfc": (
        [0.0, *SUBNORMALS, 1e-30, 1e-8, 0.25, 0.4999999, 0.5, 0.50000001, 0.5000001, 9.19, 10.05, 10.0625, 10.07,
         26.5, 27.2, 27.25, 27.26, 30.0, 1e10, 1e30, 1.7e38, *dense(0, 28, 3000)],
        1e-15, 5e-7,
    ),
    "acot": (
        [0.0, *SUBNORMALS, 1e-30, 1e-8, 0.41421356, 0.41421357, 0.4142135623730950, 0.4142135623730951, 1.0,
         2.414213562373095, 2.4142135623730954, 2.4142135, 2.4142137, 1e8, 1e30, 3.4e38, 1e300, 1.7e308,
         *dense(0, 4, 2000), *dense(-40, 40, 1000, log=True)],
        6e-16, 3.5e-7,
    ),
    "log1p": (
        [0.0, *SUBNORMALS, 1e-30, 1e-20, 1e-8, -0.5, -0.9, -0.999, -0.9999999, -1 + 2**-52, 1.0, 3.0, 1e10, 1e30,
         3.4e38, 1e300, 1.7e308, *dense(-1, 1, 2000), *dense(-45, 0, 1000, log=True)],
        6e-16, 4.5e-7,
    ),
    "log1p_unit_interval": ([0.0, *SUBNORMALS, 1e-30, 1e-8, 0.1, 0.5, 0.75, 0.9999999, 1.0, *dense(0, 1, 4000),
                             *dense(-45, 0, 1000, log=True)], 6e-16, 2e-7),
    "hypot1": (
        [0.0, *SUBNORMALS, 1e-30, 1e-8, 0.999, 1.0, 1.001, 4294967295.0, 4294967296.0, 4294967297.0, 1e10, -1e19,
         1.9e19, 1e30, 3.4e38, -3.4e38, 1e200, 1.7e308, *dense(-5, 5, 1000), *dense(-40, 40, 1000, log=True)],
        4e-16, 2.5e-7,
    ),
    "expm1": (
        [0.0, *SUBNORMALS, *[-v for v in SUBNORMALS], 1e-30, -1e-30, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0, 10.0, -10.0,
         80.0, 700.0, -800.0, *dense(-2, 2, 2000), *dense(-40, 0, 500, log=True), *dense(-87, 88, 500)],
        6e-16, 4.5e-7,
    ),
    # fp32: below −87.3 e^x is subnormal, which a GPU's exp2 flushes to 0 (as its tl.exp does)
    "exp": ([0.0, *SUBNORMALS, -1e-30, 1e-8, -1.0, 1.0, 10.0, -10.0, 12.599198341369629, 80.0, -87.0, 88.5,
             *dense(-87, 88.7, 3000)], 4e-16, 3e-7),
    # down to subnormal results (fp32: z > 9.34), which the GPU's exp2 would flush without the 2^64 shift
    "exp_minus_square": ([0.0, *SUBNORMALS, -1e-30, 1e-8, 0.5, -1.0, 3.0, 9.3, -9.35, 10.0, 10.05, 10.2, 13.2, 26.5,
                          27.2, 1e19, 1e30, *dense(-11, 11, 3000), *dense(-27.3, 27.3, 1000)], 4e-16, 3e-7),
    # relative to the value, except near the zeros of sin πg / cos πg (see test_sin_cos_pi_absolute)
    "sinpi": ([*SUBNORMALS, 1e-30, -1e-8, 0.25, -0.25, 0.49, *dense(-0.99, 0.99, 2000)], 4e-16, 2.5e-7),
    "cospi": ([0.0, *SUBNORMALS, 0.25, -0.3, *dense(-0.35, 0.35, 2000)], 6e-16, 2.5e-7),
    "divide": ([1e-30, 1e-3, 0.3, 3.0, 1e30, 3e38, 1e-38, 1e-40, 1e-300, *dense(-38, 38, 2000, log=True),
                *dense(1, 2, 2000)], 1.2e-16, 6e-8),
    "quotient": ([0.0, *SUBNORMALS, 1e-30, 0.3, -3.0, 1e30, 2.5e38, -3.4e38, 1e300, *dense(-1, 1, 2000),
                  *dense(-40, 38, 1000, log=True)], 1.2e-16, 6e-8),
    "square_root": ([0.0, *SUBNORMALS, 1e-30, 0.3, 2.0, 1e30, 3e38, 1e300, *dense(-40, 38, 200, log=True)],
                    1.2e-16, 6e-8),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["fp64", "fp32"])
def test_relative_accuracy(name, dtype):
    values, bound64, bound32 = CASES[name]
    bound = bound64 if dtype == torch.float64 else bound32
    info = torch.finfo(dtype)
    subnormal_ulp = info.tiny * info.eps  # the spacing of subnormals
    xs, got = run(name, values, dtype)
    worst = 0.0
    for x, g in zip(xs, got):
        if math.isinf(x) or (name == "divide" and x == 0):  # a value out of fp32's range
            continue
        e = reference(name, x)
        if abs(e) > info.max:
            continue
        if abs(e) < info.tiny:  # subnormal results: a few units of the subnormal spacing
            assert abs(g - float(e)) <= 2 * subnormal_ulp, f"{name}({x!r}) = {g!r}, expected {e}"
            continue
        error = relative_error(g, e)
        worst = max(worst, error)
        assert error <= bound, f"{name}({x!r}) = {g!r}, expected {e} (relative error {error:.2e})"
    print(f"{name} {dtype}: largest relative error {worst:.2e}")


def test_special_values():
    nan, inf = math.nan, math.inf
    for dtype in (torch.float32, torch.float64):
        _, erfc = run("erfc", [inf, nan, 0.0, 1e30], dtype)
        assert erfc[0] == 0.0 and math.isnan(erfc[1]) and erfc[2] == 1.0 and erfc[3] == 0.0
        _, acot = run("acot", [inf, nan, 0.0], dtype)
        assert acot[0] == 0.0 and math.isnan(acot[1]) and acot[2] == float(torch.tensor(math.pi / 2, dtype=dtype))
        _, lp = run("log1p", [inf, nan, 0.0, -1.0, -2.0, 1e-30], dtype)
        assert lp[0] == inf and math.isnan(lp[1]) and lp[2] == 0.0 and lp[3] == -inf and math.isnan(lp[4])
        assert lp[5] == float(torch.tensor(1e-30, dtype=dtype))
        _, lp = run("log1p_unit_interval", [nan, 0.0, -0.0, 1.0], dtype)
        log2 = float(torch.tensor(math.log(2), dtype=dtype))
        assert math.isnan(lp[0]) and lp[1] == 0.0 and lp[2] == 0.0 and lp[3] == log2
        _, e = run("expm1", [inf, -inf, nan, 0.0, -1e30], dtype)
        assert e[0] == inf and e[1] == -1.0 and math.isnan(e[2]) and e[3] == 0.0 and e[4] == -1.0
        _, q = run("divide", [0.0, -0.0, inf, -inf, nan], dtype)
        assert q[0] == inf and q[1] == -inf and q[2] == 0.0 and q[3] == 0.0 and math.isnan(q[4])
        _, q = run("quotient", [inf, -inf, nan, 3.4e38], dtype)
        assert q[0] == inf and q[1] == -inf and math.isnan(q[2])
        assert q[3] == float(torch.tensor(3.4e38 / 0.75, dtype=dtype))  # inf in fp32
        _, ex = run("exp", [inf, -inf, nan, 0.0, -1e30, 1e30], dtype)
        assert ex[0] == inf and ex[1] == 0.0 and math.isnan(ex[2]) and ex[3] == 1.0 and ex[4] == 0.0 and ex[5] == inf
        _, g = run("exp_minus_square", [inf, -inf, nan, 0.0, -0.0, 1e30, -3.4e38], dtype)
        assert g[0] == 0.0 and g[1] == 0.0 and math.isnan(g[2]) and g[3] == 1.0 and g[4] == 1.0 and g[5] == g[6] == 0.0
        _, h = run("hypot1", [inf, -inf, nan, 0.0], dtype)
        assert h[0] == inf and h[1] == inf and math.isnan(h[2]) and h[3] == 1.0


def test_sin_cos_pi_absolute():
    """Over the whole range |g| ≤ 1, zeros included, the error is a few units of the last place of 1."""
    values = dense(-1, 1, 4000) + [-1.0, -0.5, 0.0, 0.5, 1.0, math.nan]
    for dtype, bound in ((torch.float64, 3e-16), (torch.float32, 2e-7)):
        for name in ("sinpi", "cospi"):
            xs, got = run(name, values, dtype)
            assert math.isnan(got[-1])
            for x, g in zip(xs[:-1], got[:-1]):
                assert abs(g - float(reference(name, x))) <= bound, (name, x, g, dtype)


def test_erfc_tail_is_not_one_minus_erf():
    """Deep in the tail erfc keeps its relative accuracy where 1 − erf(x) would be 0."""
    xs, got = run("erfc", [6.0, 15.0, 26.0], torch.float64)
    for x, g in zip(xs, got):
        assert relative_error(g, reference("erfc", x)) < 1e-15
    xs, got = run("erfc", [4.0, 9.0], torch.float32)
    for x, g in zip(xs, got):
        assert relative_error(g, reference("erfc", x)) < 5e-7


# -- ahead-of-time compilation for real GPUs (needs no GPU) ------------------------------------

AOT_SCRIPT = """
import json, re, subprocess, sys, tempfile
from pathlib import Path
import triton
from triton.backends.compiler import GPUTarget
from triton.backends.nvidia.compiler import get_ptxas
from triton.compiler import ASTSource
from test_triton_math import all_functions_kernel

for sm in (80, 90):
    for dtype in ("fp32", "fp64"):
        signature = {"x_ptr": f"*{dtype}", "out_ptr": f"*{dtype}", "n": "i32", "BLOCK": "constexpr"}
        source = ASTSource(fn=all_functions_kernel, signature=signature, constexprs={"BLOCK": 1024})
        ptx = triton.compile(source, target=GPUTarget("cuda", sm, 32)).asm["ptx"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "kernel.ptx"
            path.write_text(ptx)
            arch = re.search(r"^\\.target\\s+(\\w+)", ptx, re.MULTILINE).group(1)  # sm_90a for sm 90
            command = [get_ptxas(sm).path, "-v", f"--gpu-name={arch}", str(path), "-o", str(Path(folder) / "k.o")]
            log = subprocess.run(command, capture_output=True, text=True, check=True).stderr
        spills = re.search(r"(\\d+) bytes spill stores, (\\d+) bytes spill loads", log)
        print(json.dumps({"sm": sm, "dtype": dtype, "local": ".local" in ptx,
                          "registers": int(re.search(r"Used (\\d+) registers", log).group(1)),
                          "spill_bytes": int(spills.group(1)) + int(spills.group(2))}))
"""


def test_compiles_for_sm80_and_sm90_without_spills():
    # triton.compile fails under TRITON_INTERPRET=1 (which conftest sets without a GPU): a fresh process.
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    here = Path(__file__).parent
    env["PYTHONPATH"] = os.pathsep.join([str(here), str(here.parent), env.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, "-c", AOT_SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["sm"], r["dtype"]) for r in reports] == [(80, "fp32"), (80, "fp64"), (90, "fp32"), (90, "fp64")]
    for r in reports:
        assert not r["local"] and r["spill_bytes"] == 0 and r["registers"] <= 255, r
        print(r)


def test_no_float_literal_loses_digits_in_tl_calls():
    """Triton up to 3.6 turns a Python float given to tl.fma, tl.maximum, tl.minimum or tl.clamp into
    an fp32 constant before promoting it (arithmetic operators keep it exact): in an fp64 kernel
    such a literal must be exactly representable in fp32 (fma_exact / horner_step otherwise)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "smoothfn"
    files = [root / "numerics" / "triton_math.py", root / "gpu" / "staircase.py",
             *sorted((root / "generated" / "triton").glob("*.py"))]
    offenders = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "tl"
                    and node.func.attr in ("fma", "maximum", "minimum", "clamp")):
                continue
            for argument in node.args:
                value = argument
                if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
                    value = value.operand
                if isinstance(value, ast.Constant) and isinstance(value.value, float):
                    if float(np.float32(value.value)) != value.value and abs(value.value) < 1e30:
                        offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node)[:80]}")
    assert not offenders, offenders


def test_fp32_erfc_fit_shared_with_the_torch_twin():
    """triton_math's fp32 erfc and torch_math's compiled one evaluate the same fit (one source of
    truth for the numbers: tools/fit_triton_math.py); a refit must change both."""
    import re

    from smoothfn.numerics import torch_math, triton_math

    module = Path(triton_math.__file__).read_text()
    source = module[module.index("def _erfcx_fp32"):].split("@triton.jit")[0]
    coefficients = [float(c) for c in re.findall(r"p = (?:horner_step\(p, s, )?(-?[0-9.e-]+)", source)]
    assert tuple(coefficients) == torch_math._ERFC_FP32
    a, b = re.search(r"fma_exact\(q, ([0-9.e-]+), (-?[0-9.e-]+)\)", source).groups()
    assert (float(a), float(b)) == (torch_math._ERFC_A, torch_math._ERFC_B)
