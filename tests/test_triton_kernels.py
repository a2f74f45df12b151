"""The generated Triton kernels against the torch twin, and compiled ahead of time for real GPUs.

Without a GPU the kernels run in Triton's interpreter on CPU tensors (tests/conftest.py sets
TRITON_INTERPRET=1); with one they run on it. The interpreter hides some errors real compilation
catches, so every kernel is also compiled for sm_80 and sm_90 and its assembly checked.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import DEVICE, PARAMS
from helpers import EXTREMES as FINITE_AND_INFINITE

import smoothfn.functional as F
from smoothfn.errors import SmoothfnError
from smoothfn.generated import AVAILABLE
from smoothfn.generated import module as pair_module
from smoothfn.ops import autograd as ops
from smoothfn.runtime.dtypes import compute_dtype
from smoothfn.runtime.pairs import catalog_pair
from smoothfn.runtime.staircase import TWINS

STAIRCASES = list(TWINS)  # the floor/round series pairs
EXTREMES = [*FINITE_AND_INFINITE, math.nan]


def slow(*values):
    """Parameter values of the exhaustive tier (`pytest -m slow`)."""
    return [pytest.param(v, marks=pytest.mark.slow) for v in values]


def run(module, backend, x, w, params, grad=None):
    """(value, gradients of x, w and every parameter) through SmoothFunction on one backend."""
    leaves = [t.detach().clone().requires_grad_() for t in (x, w, *params)]
    value = ops.SmoothFunction.apply(module, backend, *leaves)
    grads = torch.autograd.grad(value, leaves, torch.ones_like(value) if grad is None else grad)
    return value.detach(), grads


def arguments(module, xs, w, dtype, full_params=False):
    x = torch.as_tensor(xs, dtype=torch.float64).to(dtype=dtype, device=DEVICE)
    compute = compute_dtype(dtype)
    shape = x.shape if full_params else ()
    params = [torch.full(shape, PARAMS[n], dtype=compute, device=DEVICE) for n in module.parameters]
    return x, torch.tensor(w, dtype=compute, device=DEVICE), params


def close(got, expected, rel, natural):
    """|got − expected| ≤ rel·(|expected| + natural), NaN only where expected is NaN."""
    got, expected = got.double(), expected.double()
    same = (got == expected) | (torch.isnan(got) & torch.isnan(expected))
    error = (got - expected).abs() <= rel * (expected.abs() + natural)
    return bool((same | error).all())


@pytest.mark.parametrize("w", [0.7, *slow(1e-3, 25.0)])
@pytest.mark.parametrize("f,k", AVAILABLE)
def test_kernels_match_the_twin_fp64(f, k, w):
    m = catalog_pair(f, k)
    xs = [c * w + s for c in (-300, -40, -8, -1.3, -0.2, 0, 0.05, 0.9, 3.3, 12, 70) for s in (0, 0.61)]
    for full in (False, True):
        x, wt, params = arguments(m, xs + EXTREMES, w, torch.float64, full_params=full)
        v_twin, g_twin = run(m, "torch", x, wt, params)
        v_tri, g_tri = run(m, "triton", x, wt, params)
        natural = (1 + x.abs().nan_to_num(posinf=0.0) + w) * 1e-3
        assert close(v_tri, v_twin, 1e-12, natural), f"f_w, w={w}"
        for name, a, b in zip(["x", "w", *m.parameters], g_tri, g_twin):
            scale = natural.sum() / w if a.dim() == 0 else natural / w
            assert close(a, b, 1e-11, scale), f"∂/∂{name}, w={w}, full parameters: {full}"


RAMPS = [pair for pair in AVAILABLE if hasattr(pair_module(*pair), "narrow_ramp")]  # the clamp-like pairs


@pytest.mark.parametrize("w", [1e3, *slow(60.0)])
@pytest.mark.parametrize("f,k", RAMPS)
def test_narrow_ramp_kernels_match_the_twin(f, k, w):
    """Widths far above the kink spacing take the ramp's quadrature (smoothfn.codegen.ramp_source):
    scalar arguments (one test for the launch) and full-size ones (a block-wide test), both
    dtypes, and a width per element that switches form within one block."""
    m = catalog_pair(f, k)
    for dtype, rel in ((torch.float64, 1e-12), (torch.float32, 2e-6)):
        xs = [c * w + s for c in (-40, -3, -0.5, 0, 0.01, 0.4, 2, 30) for s in (0, 0.3, -1.1)]
        for full in (False, True):
            x, wt, params = arguments(m, xs + EXTREMES, w, dtype, full_params=full)
            if full:  # one width per element, half of them too small for the ramp
                wt = torch.where(torch.arange(x.numel(), device=DEVICE) % 2 == 0, wt, wt / 1e3)
                wt = wt.expand(x.shape).contiguous()
            v_twin, g_twin = run(m, "torch", x, wt, params)
            v_tri, g_tri = run(m, "triton", x, wt, params)
            natural = 1 + x.double().abs().nan_to_num(posinf=0.0) * 1e-3
            assert close(v_tri, v_twin, rel, natural), f"f_w, w={w}, {dtype}, full: {full}"
            for name, a, b in zip(["x", "w", *m.parameters], g_tri, g_twin):
                scale = natural.sum() if a.dim() == 0 else natural / w if name == "x" else natural
                assert close(a, b, rel * 10, scale), f"∂/∂{name}, w={w}"


@pytest.mark.parametrize("w", [1e-6, 30.0, *slow(1e-2, 1.0)])
@pytest.mark.parametrize("f,k", AVAILABLE)
def test_kernels_fp32_agree_with_fp64_and_stay_finite(f, k, w):
    m = catalog_pair(f, k)
    xs = torch.cat([torch.linspace(-60, 60, 397, dtype=torch.float64) * w + 0.3, torch.tensor(EXTREMES)]).to(DEVICE)
    x64, w64, p64 = arguments(m, xs, w, torch.float64)
    x32, w32, p32 = arguments(m, xs, w, torch.float32)
    v64, g64 = run(m, "torch", x64, w64, p64)
    v32, g32 = run(m, "triton", x32, w32, p32)
    assert v32.dtype == torch.float32
    finite = ~torch.isnan(xs)
    assert not torch.isnan(v32[finite]).any() and torch.isnan(v32[~finite]).all()
    scale = v64.abs().nan_to_num(posinf=0.0) + w + xs.abs().nan_to_num(posinf=0.0) * 1e-1
    assert close(v32, v64, 2e-6, scale), f"w={w}"
    assert not torch.isnan(g32[0][finite]).any(), f"NaN ∂/∂x at w={w}"
    # ±inf give f's own limits, exactly
    assert float(v32[len(xs) - 12]) == float(v64[len(xs) - 12].float())
    assert float(v32[len(xs) - 2]) == float(v64[len(xs) - 2].float())


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("f,k", [("relu", "gaussian"), ("leaky_relu", "logistic"), ("clamp", "laplace"),
                                 ("sign", "cauchy"), ("hardswish", "uniform")])
def test_half_inputs_are_computed_in_fp32(f, k, dtype):
    m = catalog_pair(f, k)
    xs = torch.linspace(-8, 8, 1001, dtype=torch.float64)
    x, w, params = arguments(m, xs, 0.5, dtype)
    v_tri, g_tri = run(m, "triton", x, w, params)
    v_twin, g_twin = run(m, "torch", x, w, params)  # the twin also computes in fp32 and rounds
    assert v_tri.dtype == dtype and g_tri[0].dtype == dtype and g_tri[1].dtype == torch.float32
    ulp = torch.finfo(dtype).eps
    assert close(v_tri, v_twin, ulp, 1e-3) and close(g_tri[0], g_twin[0], ulp, 1e-3)
    assert close(g_tri[1], g_twin[1], 1e-4, 1.0)  # a sum of 1001 fp32 terms of order 1


@pytest.mark.parametrize("n", [0, 1, 1023, 1025, 2**14 + 3, *slow(2**20 + 3)])  # 2^20 + 3: 2.5 min interpreted
def test_sizes_and_scalar_parameter_partials(n):
    m = catalog_pair("leaky_relu", "gaussian")
    x = torch.randn(n, dtype=torch.float32, generator=torch.Generator().manual_seed(n)).to(DEVICE) * 3
    w = torch.tensor(0.6, device=DEVICE)
    alpha = torch.tensor(0.15, device=DEVICE)
    dy = torch.randn(n, generator=torch.Generator().manual_seed(1)).to(DEVICE)
    v_tri, g_tri = run(m, "triton", x, w, [alpha], dy)
    v_twin, g_twin = run(m, "torch", x.double(), w.double(), [alpha.double()], dy.double())
    assert v_tri.shape == (n,)
    assert close(v_tri, v_twin, 2e-6, 1.0) and close(g_tri[0], g_twin[0], 2e-6, 1.0)  # fp32 against fp64
    for a, b in zip(g_tri[1:], g_twin[1:]):  # fp32 block sums, fp64 over the blocks
        assert abs(float(a) - float(b)) <= 1e-5 * (float(b.abs()) + math.sqrt(max(n, 1)))


def test_non_contiguous_inputs_broadcast_parameters_and_stride_zero_gradients():
    base = torch.randn(64, 48, dtype=torch.float64, device=DEVICE)
    x = base.t()  # non-contiguous (48, 64)
    alpha = torch.linspace(0.05, 0.3, 64, dtype=torch.float64, device=DEVICE)  # per last dim
    width = torch.tensor(0.4, dtype=torch.float64, device=DEVICE)
    results = {}
    for backend in ("torch", "triton"):
        leaves = [t.clone().requires_grad_() for t in (x, width, alpha)]
        y = F.leaky_relu(leaves[0], leaves[2], width=leaves[1], backend=backend)
        y.sum().backward()  # autograd hands a stride-0 expanded gradient to backward
        results[backend] = (y.detach(), *(t.grad for t in leaves))
    for a, b in zip(results["triton"], results["torch"]):
        assert a.shape == b.shape and torch.allclose(a, b, rtol=1e-12, atol=1e-13)


def test_max_with_a_tensor_second_argument_that_needs_grad():
    x = torch.randn(300, dtype=torch.float64, device=DEVICE, requires_grad=True)
    y = torch.randn(300, dtype=torch.float64, device=DEVICE, requires_grad=True)
    grads = {}
    for backend in ("torch", "triton"):
        out = F.max(x, y, width=0.3, backend=backend)
        grads[backend] = (out, *torch.autograd.grad(out.sum(), [x, y]))
    for a, b in zip(grads["triton"], grads["torch"]):
        assert torch.allclose(a, b, rtol=1e-12, atol=1e-14)


def test_gradcheck_through_the_kernels():
    x = torch.linspace(-3, 3, 41, dtype=torch.float64, device=DEVICE).requires_grad_()
    w = torch.tensor(0.5, dtype=torch.float64, device=DEVICE, requires_grad=True)
    a = torch.tensor(0.2, dtype=torch.float64, device=DEVICE, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w, a: F.sau(x, a, width=w, backend="triton"), (x, w, a))
    lo = torch.tensor(-0.5, dtype=torch.float64, device=DEVICE, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, w, lo: F.clamp(x, lo, 1.0, width=w, kernel="logistic", backend="triton"), (x, w, lo)
    )


def test_triton_backend_is_refused_where_it_cannot_run(monkeypatch):
    if torch.cuda.is_available():
        pytest.skip("with a GPU, CPU tensors are the case to refuse")
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(SmoothfnError, match="CUDA tensors"):
        F.relu(torch.randn(4), width=0.5, backend="triton")
    # "auto" on CPU runs the twin
    assert torch.equal(F.relu(torch.zeros(3), width=1.0), F.relu(torch.zeros(3), width=1.0, backend="torch"))


def test_a_compiled_user_function_runs_its_kernels(tmp_path, monkeypatch):
    import sympy as sp

    import smoothfn

    monkeypatch.setenv("SMOOTHFN_CACHE", str(tmp_path))
    s = sp.Symbol("x")
    f = smoothfn.compile(sp.Piecewise((0, s < -1), (s + 1, s < 0), (1 - s, s < 1), (0, True)), "logistic")
    x = torch.linspace(-4, 4, 101, dtype=torch.float64, device=DEVICE)
    assert torch.allclose(f(x, width=0.3, backend="triton"), f(x, width=0.3, backend="torch"), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("w,dtype", [(0.7, torch.float64), (3.0, torch.float32),
                                     *[pytest.param(w, dtype, marks=pytest.mark.slow)
                                       for w in (0.05, 0.25, 0.7, 3.0, 40.0) for dtype in (torch.float64, torch.float32)
                                       if (w, dtype) not in ((0.7, torch.float64), (3.0, torch.float32))]])
@pytest.mark.parametrize("f,k", STAIRCASES)
def test_staircase_kernels_match_the_twin(f, k, w, dtype):
    """floor_w/round_w: the Triton series against the torch twin's, on both sides of every
    switch between series (w = 0.2, 0.3, 1) and far beyond (w = 40: the compact kernels' closed
    form), with scalar and elementwise widths, in fp64 and fp32 (the default tier: w = 0.7 in fp64
    and 3 in fp32; `pytest -m slow` every combination)."""
    m = catalog_pair(f, k)
    xs = [-7.3, -2.0, -1.5, -0.999, -0.2, 0.0, 0.1, 0.5, 0.73, 1.0, 2.45, 6.6, 1e3 + 0.3, *EXTREMES]
    rel = {torch.float64: 1e-12, torch.float32: 2e-6}[dtype]
    for full in (False, True):
        x = torch.tensor(xs, dtype=dtype, device=DEVICE)
        wt = torch.full(x.shape if full else (), w, dtype=dtype, device=DEVICE)
        v_tri, g_tri = run(m, "triton", x, wt, [])
        v_twin, g_twin = run(m, "torch", x, wt, [])
        natural = 1 + w + x.abs().nan_to_num(posinf=0.0) * 1e-6
        assert v_tri.dtype == dtype and close(v_tri, v_twin, rel, natural), f"value, w={w}, {dtype}"
        assert close(g_tri[0], g_twin[0], rel, 1 + 1 / w), f"∂/∂x, w={w}, {dtype}"
        scale = natural.sum() / w if g_tri[1].dim() == 0 else natural / w
        assert close(g_tri[1], g_twin[1], 10 * rel, scale), f"∂/∂w, w={w}, {dtype}, full={full}"


@pytest.mark.parametrize("points", [slice(104, 107), *slow(slice(100, 110))])
def test_staircase_kernels_with_half_inputs_and_through_functional(points):
    """gradcheck launches the kernels twice per input element: 3 of them in the default tier, 10 in
    the slow one."""
    x = torch.linspace(-3, 3, 257, dtype=torch.float64, device=DEVICE)
    for dtype in (torch.float16, torch.bfloat16):
        got = F.round(x.to(dtype), width=0.3, kernel="logistic", backend="triton")
        expected = F.round(x.to(dtype), width=0.3, kernel="logistic", backend="torch")
        assert got.dtype == dtype and close(got, expected, torch.finfo(dtype).eps, 1.0)
    w = torch.tensor(0.4, dtype=torch.float64, device=DEVICE, requires_grad=True)
    xg = x[points].clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda x, w: F.floor(x, width=w, kernel="gaussian", backend="triton"), (xg, w))


# -- ahead-of-time compilation for real GPUs -------------------------------------------------

AOT_SCRIPT = Path(__file__).with_name("triton_aot.py")
NAMES = [f"{f}_{k}" for f, k in [*AVAILABLE, *STAIRCASES]]
TARGETS = [(90, "fp32"), (90, "fp64"), (90, "bf16"), (80, "fp32")]
# the default tier: every function and every kernel at least once (the algebraic tails, the
# regularized clamp ∗ cauchy and the largest kernel, hardswish ∗ student_t2, included) for sm_90
# fp32, and three of them for the other targets; `pytest -m slow` compiles all of NAMES for all
SAMPLE = ["relu_gaussian", "leaky_relu_logistic", "abs_laplace", "sign_cauchy", "step_uniform", "clamp_cauchy",
          "hardtanh_epanechnikov", "relu6_triangular", "hardsigmoid_student_t2", "hardswish_student_t2",
          "max_logistic", "min_epanechnikov", "floor_gaussian", "round_student_t2"]
SAMPLE_OTHER_TARGETS = ["clamp_cauchy", "hardswish_student_t2", "floor_gaussian"]


def compile_for_gpus(jobs: list[tuple[int, str, list[str]]]) -> dict[tuple[int, str, str], list[dict]]:
    """Every kernel of every job compiled by one process (tests/triton_aot.py): (sm, dtype, name)
    → the reports of its forward, full-argument forward and backward kernels."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    env["PYTHONPATH"] = os.pathsep.join([str(AOT_SCRIPT.parent.parent), env.get("PYTHONPATH", "")])
    arguments = [a for sm, dtype, names in jobs for a in ("--", str(sm), dtype, *names)]
    result = subprocess.run([sys.executable, str(AOT_SCRIPT), *arguments], capture_output=True, text=True, env=env,
                            timeout=3000)
    assert result.returncode == 0, result.stderr[-3000:]
    reports: dict[tuple[int, str, str], list[dict]] = {}
    for line in result.stdout.splitlines():
        r = json.loads(line)
        reports.setdefault((r["sm"], r["dtype"], r["kernel"].split(".")[0]), []).append(r)
    return reports


def check_compiled(reports: dict[tuple[int, str, str], list[dict]], expected: list[tuple[int, str, str]]) -> None:
    """Every (sm, dtype, name) expected has its three kernels (forward, forward with full-size
    arguments, backward), none spills, none above 255 registers, every narrowing conversion rounds
    to nearest, every forward uses 16-byte accesses; all failures are reported together."""
    failures = []
    assert sorted(reports) == sorted(expected), set(reports) ^ set(expected)
    for key in expected:
        if len(reports[key]) != 3:
            failures.append(f"{key}: {len(reports[key])} kernels")
        for r in reports[key]:
            if r["spill_bytes"] or r["local_memory"] or r["registers"] > 255 or not r["narrowing_rounds_to_nearest"]:
                failures.append(str(r))
            if r["kernel"].endswith(".forward") and not (r["vector_loads"] and r["vector_stores"]):
                failures.append(f"not 16-byte accesses: {r}")
    assert not failures, "\n".join(failures)


def test_sample_kernels_compile_for_the_gpu_without_spills():
    """One compiling process for the file's sample: SAMPLE for sm_90 fp32, SAMPLE_OTHER_TARGETS for
    the other targets."""
    jobs = [(90, "fp32", SAMPLE), *[(sm, dtype, SAMPLE_OTHER_TARGETS) for sm, dtype in TARGETS[1:]]]
    check_compiled(compile_for_gpus(jobs), [(sm, dtype, n) for sm, dtype, names in jobs for n in names])


@pytest.mark.slow
@pytest.mark.parametrize("sm,dtype", TARGETS)
def test_every_kernel_compiles_for_the_gpu_without_spills(sm, dtype):
    """Every kernel for one target, in one process (each target its own test: the two workers
    share the four)."""
    check_compiled(compile_for_gpus([(sm, dtype, NAMES)]), [(sm, dtype, n) for n in NAMES])


def test_kernels_keep_their_instruction_budget():
    """The Gaussian kernels were issue-bound on an H200 at 122 instructions per element (sau
    forward, fp32): a regression in their arithmetic (erfc's erf branch back, the density's second
    exponential, a slow-path division) shows in the machine code ptxas makes, without a GPU
    (benchmarks/instruction_counts.py). Likewise the softplus tail (a polynomial log1p, one shared
    e^(−t)) and the Laplace tails (one exponential). Bounds: the counts of 2026-11-26 plus about
    10%; MUFU: the special-function instructions an element."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    env["PYTHONPATH"] = os.pathsep.join([str(AOT_SCRIPT.parent.parent), env.get("PYTHONPATH", "")])
    script = AOT_SCRIPT.parent.parent / "benchmarks" / "instruction_counts.py"
    budgets = {  # pair: forward, backward, forward MUFU
        "leaky_relu_gaussian": (72, 103, 3), "relu_gaussian": (72, 90, 3),
        "relu_logistic": (41, 74, 2), "relu_laplace": (31, 49, 2),
    }
    result = subprocess.run([sys.executable, str(script), *budgets, "--workers", "1"],
                            capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line.split() for line in result.stdout.splitlines() if not line.startswith(("#", "pair"))]
    rows = {fields[0]: fields[1:] for fields in lines}
    for pair, (bound_forward, bound_backward, bound_mufu) in budgets.items():
        forward, mufu, _, backward, *_ = (float(v) for v in rows[pair])
        assert forward <= bound_forward and backward <= bound_backward and mufu <= bound_mufu, (pair, rows[pair])
