"""The torch twin's tail building blocks L_j, S_j and zdS_j, with their guards in the cheapest form
that gives the same bits.

A guard written as a comparison and a select (``select(torch.isinf(z), 0.0, slope)``) costs, on
eager CPU tensors, a bool tensor (ATen writes those at about a quarter of a multiply's speed) and
a blend. Each guard has a float-only form (:mod:`smoothfn.numerics.torch_math`):

* ``tail`` (the guards of S_j): L_j(t) that is NaN at t = ∞ (inf·0) is evaluated at min(t, 1e4) instead of being
  set to 0 beyond |z| = 1e4, where L_j(1e4) is exactly 0 in fp32 and fp64;
* ``flush_below_normal(tail)`` for the flush of a cancelling tail to 0 below the smallest normal
  number (``torch.threshold``);
* S_j = tail for z < 0, −tail elsewhere, as ``left_or_negated(z, tail)`` (copysign);
* ``slope``: zdS_j = z·j·S_{j−1}(z), 0 at z = ±inf, as ``finite_times(z, j·S_{j−1}(z))`` (z
  clamped to the finite range), where S_{j−1}(±inf) (the density, for j = 0) is exactly 0.

The generator takes each form only where it checks, by running both printed blocks, that it holds
(:func:`lean_tail_forms`): the lean S_j must equal the guarded one bit for bit on a grid from
subnormals to ±inf and NaN in fp32 and fp64. The lean blocks also compute a repeated call once
(``exp(−t)`` of the logistic tail).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import sympy as sp

from smoothfn.codegen.torch_printer import torch_code, torch_namespace

TAIL_END = 1e4  # beyond |z| = 1e4 every light tail is below the smallest fp64 number


class LeanTail(NamedTuple):
    """Which float-only guards the blocks of one kernel and order take (see the module docstring)."""

    tail: bool = False  # S_j: the clamp, flush_below_normal and left_or_negated
    slope: bool = False  # zdS_j: finite_times


GUARDED = LeanTail()


def shared_call_lines(expr: sp.Expr, result: str = "return ") -> list[str]:
    """The body lines that evaluate ``expr`` with each function call that occurs more than once
    (``exp(−t)`` in e^(−t)/(1 + e^(−t))) computed once into a local ``c<i>``; the last line is
    ``result`` followed by the expression, printed in the same order as without the locals (the
    printed call is replaced by its name, so the sums round as before)."""
    counts: dict[sp.Expr, int] = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function):
            counts[node] = counts.get(node, 0) + 1
    code = torch_code(expr)
    lines = []
    for call in sorted((f for f, n in counts.items() if n > 1), key=lambda f: (-len(torch_code(f)), sp.srepr(f))):
        printed = torch_code(call)
        if code.count(printed) < 2:  # inside a longer shared call, or printed differently in context
            continue
        name = f"c{len(lines)}"
        lines.append(f"    {name} = {printed}")
        code = code.replace(printed, name)
    return [*lines, f"    {result}{code}"]


def tail_block_lines(kernel: str, j: int, code: str, guards: tuple[bool, bool, bool], body=None,
                     lean: LeanTail = GUARDED) -> list[str]:
    """L_j, S_j and zdS_j of one kernel and order for the torch twin, with the guards of
    :func:`smoothfn.codegen.emit._guards` in the forms ``lean`` allows; L_j returns ``code``, or
    runs the lines ``body``."""
    nan_at_infinity, cancels, regularized = guards
    lines = ["", f"def L{j}_{kernel}(t):", *(body or [f"    return {code}"]), "", "", f"def S{j}_{kernel}(z):"]
    clamp = nan_at_infinity and lean.tail
    if regularized:
        argument = "torch.clamp(torch.abs(z), max=1e30)"
    elif clamp:
        argument = f"torch.clamp(torch.abs(z), max={TAIL_END!r})"
    else:
        argument = "torch.abs(z)"
    conditions = (["torch.abs(z) > 1e4"] if nan_at_infinity else []) + (
        ["tail < torch.finfo(tail.dtype).tiny"] if cancels else []
    ) + (["torch.isinf(z)"] if regularized else [])
    guarded = [f"    tail = L{j}_{kernel}({'torch.abs(z)' if clamp else argument})"]
    if conditions:
        guarded.append(f"    tail = select({' | '.join(f'({c})' for c in conditions)}, 0.0, tail)")
    if not lean.tail:
        lines += guarded
    elif clamp:
        # under torch.compile the unclamped argument: erfc(|z|/√2) and the density's exp(−z²/2) of the
        # same |z| share one exponential there (smoothfn.numerics.torch_math.erfc_nonnegative)
        lines += ["    if torch.compiler.is_compiling():", *("    " + line for line in guarded), "    else:",
                  f"        tail = L{j}_{kernel}({argument})"]
        lines += ["        tail = flush_below_normal(tail)"] if cancels else []
    else:
        lines.append(f"    tail = L{j}_{kernel}({argument})")
        lines += ["    tail = select((torch.isinf(z)), 0.0, tail)"] if regularized else []
        lines += ["    tail = flush_below_normal(tail)"] if cancels else []
    if j % 2:
        lines.append("    return tail")
    elif lean.tail:
        lines.append("    return left_or_negated(z, tail)")
    else:
        lines.append("    return select(z < 0, tail, -tail)")
    derivative = f"pdf_{kernel}(z)" if j == 0 else f"S{j - 1}_{kernel}(z)" if j == 1 else f"{j} * S{j - 1}_{kernel}(z)"
    lines += ["", "", f"def zdS{j}_{kernel}(z):"]
    if lean.slope:
        lines.append(f"    return finite_times(z, {derivative})")
    else:
        lines += [f"    slope = z * {derivative if j != 1 else '1 * ' + derivative}",
                  "    return select(torch.isinf(z), 0.0, slope)"]
    return lines + [""]


def density_body(density: sp.Expr) -> list[str]:
    """The body of pdf_<kernel>(z) after ``u = |z|`` (smoothfn.codegen.density_source), a repeated
    call computed once."""
    from smoothfn.codegen.density_source import density_lines

    if isinstance(density, sp.Piecewise):
        return density_lines(density, torch_code, "torch")
    return shared_call_lines(density)


# every float class a guard meets: zeros, subnormals, the smallest normal, ordinary values, the
# ends of the clamp and of the fp32 range, fp64 extremes, the infinities and NaN
def _probe_values(dtype):
    import torch

    finfo = torch.finfo(dtype)
    values = [0.0, finfo.tiny, finfo.tiny / 2, finfo.tiny * 1.5, finfo.eps, 1e-30, 1e-8, 0.25, 0.5, 1.0, 2.0,
              3.0, 5.0, 8.0, 10.0, 13.0, 20.0, 27.0, 38.0, 40.0, 100.0, 1e3, 9999.0, TAIL_END, 1.0001e4, 1e5,
              1e15, 1e30, 1e38, 3e38, finfo.max, float("inf")]
    values += [i / 64 for i in range(1, 64 * 12)]
    if dtype == torch.float64:
        values += [1e100, 1e300]
    grid = torch.tensor(values, dtype=dtype)
    return torch.cat([grid, -grid, torch.tensor([float("nan")], dtype=dtype)])


def _same_bits(a, b) -> bool:
    import torch

    ints = {torch.float32: torch.int32, torch.float64: torch.int64}[a.dtype]
    a, b = a.contiguous(), b.contiguous()
    nan = torch.isnan(a) & torch.isnan(b)  # NaN payloads and signs may differ
    return bool(((a.view(ints) == b.view(ints)) | nan).all())


def guarded_blocks(kernel_name: str):
    """([(j, L_j(−t), guards)], a namespace with the kernel's pdf, L_j, S_j and zdS_j printed with
    the comparison-and-select guards and executed): the reference the float-only forms must match."""
    from smoothfn.catalog.kernels import KERNELS
    from smoothfn.codegen.emit import kernel_tails

    density, tails = kernel_tails(KERNELS[kernel_name])
    source = [f"def pdf_{kernel_name}(z):", "    u = torch.abs(z)", *density_body(density), ""]
    for j, tail, guards in tails:
        source += tail_block_lines(kernel_name, j, torch_code(tail), guards)
    namespace = torch_namespace()
    exec("\n".join(source), namespace)  # noqa: S102 (our own printed code)
    return tails, namespace


@functools.cache
def lean_tail_forms(kernel_name: str) -> dict[int, LeanTail]:
    """For each tail order j of the catalog's building blocks, which float-only guards give the
    same bits as the guarded blocks (see the module docstring), found by running both."""
    import torch

    tails, guarded = guarded_blocks(kernel_name)
    probes = [_probe_values(dtype) for dtype in (torch.float32, torch.float64)]
    infinities = [torch.tensor([float("inf"), -float("inf")], dtype=dtype) for dtype in (torch.float32, torch.float64)]
    forms = {}
    for j, tail, guards in tails:
        lean_namespace = dict(guarded)
        candidate = LeanTail(tail=True, slope=True)
        exec("\n".join(tail_block_lines(kernel_name, j, torch_code(tail), guards, lean=candidate)),  # noqa: S102
             lean_namespace)
        name = f"S{j}_{kernel_name}"
        same = all(_same_bits(lean_namespace[name](z), guarded[name](z)) for z in probes)
        previous = guarded.get(f"pdf_{kernel_name}" if j == 0 else f"S{j - 1}_{kernel_name}")
        vanishes = previous is not None and all(bool((previous(z) == 0).all()) for z in infinities)
        forms[j] = LeanTail(tail=same, slope=vanishes)
    return forms
