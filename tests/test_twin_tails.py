"""The twin's tail blocks with float-only guards (smoothfn.codegen.twin_tails) against the same
blocks with a comparison and a select per guard: the same bits, from subnormals to ±inf and NaN,
in fp32 and fp64, and under torch.compile the where-forms themselves."""

from __future__ import annotations

import pytest
import sympy as sp
import torch

from smoothfn.catalog.kernels import KERNELS
from smoothfn.codegen.twin_tails import guarded_blocks, lean_tail_forms, shared_call_lines
from smoothfn.generated import building_blocks
from smoothfn.numerics.torch_math import finite_times, flush_below_normal, left_or_negated

DTYPES = (torch.float32, torch.float64)


def _grid(dtype):
    finfo = torch.finfo(dtype)
    special = torch.tensor([0.0, finfo.tiny, finfo.tiny / 2, finfo.smallest_normal / 8, 1e-30, 0.5, 1.0, 9999.0,
                            1e4, 1.0001e4, 1e30, finfo.max, float("inf")], dtype=dtype)
    ordinary = torch.logspace(-40 if dtype == torch.float32 else -300, 38 if dtype == torch.float32 else 300,
                              4001, dtype=torch.float64).to(dtype)
    grid = torch.cat([special, ordinary, torch.linspace(0, 40, 4001, dtype=dtype)])
    return torch.cat([grid, -grid, torch.tensor([float("nan")], dtype=dtype)])


def _bits(t):
    return t.view({torch.float32: torch.int32, torch.float64: torch.int64}[t.dtype])


def _assert_same(new, old, signed_zeros=True):
    nan = torch.isnan(new) & torch.isnan(old)
    same = (_bits(new) == _bits(old)) | nan
    if not signed_zeros:
        same |= (new == 0) & (old == 0)
    assert bool(same.all()), f"differ at {int((~same).sum())} points"


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_generated_tail_blocks_give_the_guarded_bits(kernel):
    _, guarded = guarded_blocks(kernel)
    for j in range(3):
        for name in (f"S{j}_{kernel}", f"zdS{j}_{kernel}"):
            if name not in guarded:
                continue
            for dtype in DTYPES:
                z = _grid(dtype)
                new, old = getattr(building_blocks, name)(z), guarded[name](z)
                if name.startswith("zdS") and j == 2:
                    # z·(2·S) in place of (z·2)·S: the same where z·2 does not overflow (it was
                    # inf·0 = NaN at |z| > max/2, the new form gives the limit 0 there)
                    finite = torch.isfinite(z * 2) | torch.isnan(z)
                    new, old = new[finite], old[finite]
                # z·S at z = ±inf: max·(±0) is a zero of either sign where the select wrote +0
                _assert_same(new, old, signed_zeros=not name.startswith("zdS"))


def test_the_catalog_kernels_take_the_float_only_guards():
    # the Gaussian and logistic blocks are what the benchmarked functions run; a change in the
    # generator that loses their lean forms shows here before it shows in a benchmark
    for kernel in ("gaussian", "logistic", "laplace", "cauchy"):
        assert all(form.tail and form.slope for form in lean_tail_forms(kernel).values()), kernel


def test_a_repeated_call_is_computed_once_and_the_sum_keeps_its_order():
    t = sp.Symbol("t", nonnegative=True)
    lines = shared_call_lines(sp.exp(-t) / (1 + sp.exp(-t)))
    assert lines == ["    c0 = torch.exp(-t)", "    return c0/(1 + c0)"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_guards_are_the_where_forms_they_replace(dtype):
    z = _grid(dtype)
    tail = torch.abs(torch.randn(z.shape, dtype=dtype)) * torch.rand(z.shape, dtype=dtype) ** 40
    # a tail is +0, never −0, where it vanishes
    tail[:4] = torch.tensor([0.0, float("inf"), float("nan"), torch.finfo(dtype).tiny], dtype=dtype)
    _assert_same(left_or_negated(z, tail), torch.where(z < 0, tail, -tail))
    _assert_same(flush_below_normal(z), torch.where(z < torch.finfo(dtype).tiny, 0.0, z))
    s = torch.where(torch.isinf(z), 0.0, tail)
    _assert_same(finite_times(z, s), torch.where(torch.isinf(z), 0.0, z * s), signed_zeros=False)


def test_the_guards_compile_to_the_where_forms():
    z = _grid(torch.float32)
    tail = torch.rand(z.shape)
    s = torch.where(torch.isinf(z), 0.0, tail)

    def guards(z, tail, s):
        return left_or_negated(z, tail), flush_below_normal(z), finite_times(z, s)

    compiled = torch.compile(guards, dynamic=False)(z, tail, s)
    for new, old, signed_zeros in zip(compiled, guards(z, tail, s), (True, True, False)):
        _assert_same(new, old, signed_zeros)
