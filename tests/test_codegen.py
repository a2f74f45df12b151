"""Code generation: the stable rewrites equal the plain closed forms, every printer rule is
checked numerically, and the committed generated modules match the generator."""

from __future__ import annotations

from pathlib import Path

import mpmath
import pytest
import sympy as sp
import torch

from smoothfn import KERNELS
from smoothfn.codegen.emit import GENERATED, generate_sources
from smoothfn.codegen.torch_printer import torch_code, torch_namespace
from smoothfn.derivation.stable import (
    is_regularized,
    left_tail,
    left_tail_symbol,
    lower_partial_moment,
    regularized_moment,
)
from smoothfn.errors import NoClosedFormError

ORDERS = [  # with the regularized L̃_1 of Cauchy and L̃_2 of Student-t₂
    (k, j)
    for k in KERNELS
    for j in range(3)
    if (KERNELS[k].has_finite_moment(j) or is_regularized(KERNELS[k], j)) and not (k == "logistic" and j == 2)
]


@pytest.mark.parametrize("kernel,j", ORDERS)
def test_left_tail_rewrite_equals_the_lower_partial_moment(kernel, j):
    k = KERNELS[kernel]
    t = left_tail_symbol()
    plain = sp.lambdify(k.z, lower_partial_moment(k, j), "mpmath")
    stable = sp.lambdify(t, left_tail(k, j), "mpmath")
    with mpmath.workdps(60):
        for value in (1e-40, 1e-3, 0.3, 0.999, 1.0, 1.7, 5.0, 30.0):  # (mpmath's acot(0) divides)
            expected = plain(-mpmath.mpf(value))
            assert abs(stable(mpmath.mpf(value)) - expected) <= 1e-38 + 1e-30 * abs(expected)


@pytest.mark.parametrize("kernel,j", ORDERS)
def test_left_tail_in_torch_is_accurate_deep_in_the_tail(kernel, j):
    """fp64 building block against 60-digit mpmath, relative, until the value underflows
    (below the smallest normal number the Gaussian blocks flush to 0 on purpose)."""
    k = KERNELS[kernel]
    t = left_tail_symbol()
    exact = sp.lambdify(t, left_tail(k, j), "mpmath")
    from smoothfn.generated import building_blocks

    block = getattr(building_blocks, f"L{j}_{kernel}")
    ts = [0.0, 1e-8, 0.5, 0.99, 2.0, 8.0, 20.0, 35.0, 1e3, 1e8]
    got = block(torch.tensor(ts, dtype=torch.float64))
    with mpmath.workdps(60):
        for value, g in zip(ts, got.tolist()):
            e = exact(mpmath.mpf(value or 1e-40))  # the value at 0 as a limit (acot(0) divides)
            if abs(e) < 1e-290:
                assert abs(g) < 1e-280
            else:
                # the Gaussian's t^j·erfc and φ terms cancel to a relative eps·t^(2j)
                slack = 1e-38 if value == 0 else 0.0  # the reference is taken at 1e-40 there
                assert abs(g - e) <= 1e-13 * abs(e) * (1 + value) ** (2 * j) + slack, f"L{j}_{kernel}({value})"


def test_regularized_tails_differ_from_the_cut_off_integral_by_a_constant():
    """L̃_j(z) − ∫_{−R}^{z} (z − u)^j k(u) du does not depend on z (here R = 1e6, where the rest
    of the divergent integral is below the tolerance), and m̃_j = L̃_j(z) + (−1)^j L̃_j(−z) − z^j
    (j ≤ 2, mean 0) is the constant that regularized_moment returns."""
    for kernel, j in (("cauchy", 1), ("student_t2", 2)):
        k = KERNELS[kernel]
        regularized = sp.lambdify(k.z, lower_partial_moment(k, j), "mpmath")
        density = sp.lambdify(k.u, k.density, "mpmath")
        moment = float(regularized_moment(k, j))
        with mpmath.workdps(30):
            offsets = [
                regularized(z) - mpmath.quad(lambda u, z=z, j=j, k=density: (z - u) ** j * k(u), [-1e6, -1e3, 0, z])
                for z in map(mpmath.mpf, (-3.0, -0.5, 0.0, 0.7, 4.0))
            ]
            assert max(offsets) - min(offsets) < 1e-5, offsets
            for z in (0.3, 2.0, 9.0):
                z = mpmath.mpf(z)
                identity = regularized(z) + (-1) ** j * regularized(-z) - z**j
                assert abs(identity - moment) < 1e-25, (kernel, z, identity)


def test_logistic_second_order_has_no_building_block():
    with pytest.raises(NoClosedFormError):
        left_tail(KERNELS["logistic"], 2)


x, w = sp.symbols("x w")
PRINTER_CASES = [
    sp.exp(-x / w),
    sp.log(1 + sp.exp(-x)),
    sp.log(x + 2),
    sp.erf(x / sp.sqrt(2)),
    sp.erfc(x),
    sp.erfc(sp.Abs(x) / sp.sqrt(2)),  # known ≥ 0: smoothfn.numerics.torch_math
    sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi),  # exp(−c·b²): smoothfn.numerics.torch_math
    sp.exp(-3 * (x / w) ** 2),
    sp.atan(x),
    sp.acot(x + 1),
    sp.asinh(x),
    sp.log(1 + x**2),
    sp.log(1 + (x / w) ** 2),
    sp.Abs(x - 1),
    sp.sign(x),
    sp.floor(x),
    sp.sqrt(1 + x**2),
    sp.sqrt(x + 3),
    1 / sp.sqrt(x + 3),
    (x + 2) ** sp.Rational(3, 2),
    x**2 / w**2,
    1 / (x + 3),
    -2 * x * w / (3 * sp.pi),
    x - w / 3,
    sp.Piecewise((0, x < -1), (x**2 / 4, x < 1), (x, True)),
    sp.Piecewise((1, (x > 0) & (w > 1)), (2, (x < -1) | (w < 0.5)), (3, True)),
]


@pytest.mark.parametrize("expr", PRINTER_CASES, ids=str)
def test_every_printer_rule_against_mpmath(expr):
    code = torch_code(expr)
    namespace = torch_namespace()
    xs = torch.tensor([-2.5, -0.7, 0.0, 0.4, 1.3, 3.0], dtype=torch.float64)
    ws = torch.tensor([0.3, 1.7, 0.45, 2.0, 1.1, 0.9], dtype=torch.float64)
    got = eval(code, namespace, {"x": xs, "w": ws})  # noqa: S307 (our own printed code)
    f = sp.lambdify((x, w), expr, "mpmath")
    for xv, wv, g in zip(xs.tolist(), ws.tolist(), torch.broadcast_to(got, xs.shape).tolist()):
        try:
            e = complex(f(xv, wv))
        except (ValueError, ZeroDivisionError):
            continue
        if e.imag != 0:
            continue
        assert g == pytest.approx(e.real, rel=1e-13, abs=1e-14), f"{code} at x={xv}"


def test_generated_modules_match_the_generator():
    folder = Path(GENERATED)
    committed = {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in [*folder.glob("*.py"), *folder.glob("triton/*.py")]
    }
    generated = generate_sources(jobs=2)
    assert set(committed) == set(generated), "run `smoothfn generate`"
    stale = [n for n, text in generated.items() if committed[n] != text]
    assert not stale, f"smoothfn/generated drifted ({stale[:5]}): run `smoothfn generate`"
