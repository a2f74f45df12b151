"""The kernel density building block pdf_<kernel>(z), printed for either target."""

from __future__ import annotations

import sympy as sp


def density_lines(density: sp.Expr, code, target: str) -> list[str]:
    """The body of pdf_<kernel>(z) after ``u = |z|``: k(u), and NaN where u is NaN. A density
    given by pieces selects them by comparisons that NaN fails, so it would give the outer piece
    (0, or the uniform kernel's constant 1/2) and ∂f_w/∂x = 0 at x = NaN (sign, step, floor, round
    with the compact kernels); the other densities carry NaN through their arithmetic."""
    if not isinstance(density, sp.Piecewise):
        return [f"    return {code(density)}"]
    nan = "torch.isnan(u)" if target == "torch" else "u != u"
    where = "select" if target == "torch" else "tl.where"
    return [f"    density = {code(density)}", f"    return {where}({nan}, u, density)"]
