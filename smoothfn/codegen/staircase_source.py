"""The closed-form wide staircase of a compact polynomial kernel (:mod:`smoothfn.derivation.staircase`)
printed as one building block for either target:

    staircase_wide_<kernel>(r, w) → (floor_w(x) − ⌊x⌋, ∂/∂x, ∂/∂w),   r = x − ⌊x⌋,

with f_i = {r − ξ_i·w} computed first and the three expressions sharing one common-subexpression
pass.
"""

from __future__ import annotations

import sympy as sp

from smoothfn.derivation.staircase import r, w


def staircase_wide_lines(kernel: str, wide, code, floor: str) -> list[str]:
    """The function's lines (without a decorator); ``code`` prints a SymPy expression for the
    target and ``floor`` names its floor function."""
    knots, fractions, expressions = wide
    replacements, reduced = sp.cse(list(expressions), symbols=sp.numbered_symbols("t"), optimizations="basic")
    lines = [
        f"def staircase_wide_{kernel}(r, w):",
        '    """(floor_w(x) − ⌊x⌋, ∂/∂x, ∂/∂w) at r = x − ⌊x⌋, exact at every width; used for w ≥ 1."""',
    ]
    for f, knot in zip(fractions, knots):
        lines += [f"    {f} = {code(r - knot * w)}", f"    {f} = {f} - {floor}({f})"]
    lines += [f"    {symbol} = {code(expr)}" for symbol, expr in replacements]
    lines.append(f"    return {', '.join(code(e) for e in reduced)}")
    return lines
