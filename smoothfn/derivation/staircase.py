r"""The smoothed staircase in closed form for a compact kernel that is a polynomial between knots
(uniform, triangular, epanechnikov), at every width w: the form the series switch to for w ≥ 1.

With the sawtooth s(x) = ⌊x⌋ − x + 1/2 = −B̃_1(x) (B̃_n(x) = B_n({x}), {x} = x − ⌊x⌋, B_n the
Bernoulli polynomials), floor_w(x) = E⌊x − wY⌋ = x − 1/2 + (s ∗ K_w)(x) for a symmetric kernel.
Let d be the degree of the density k. Its (d+1)-th derivative is a sum of deltas at the knots: a
jump c of k^{(m)} at the knot ξ (m ≤ d) puts c·δ^{(d−m)}(u − ξ) into k^{(d+1)}, and K_w(u) =
k(u/w)/w has the jump c/w^{m+1} at ξw. Integrating by parts d + 1 times (K_w has compact
support; S_n = −B̃_{n+1}/(n+1)! is a periodic n-th antiderivative of s),

    floor_w(x) = x − 1/2 − Σ c/w^{m+1} · P_{m+2}({x − ξw}),        P_n = B_n/n!,
    ∂/∂x       = 1 − Σ c/w^{m+1} · P_{m+1}({x − ξw}),
    ∂/∂w       = Σ [(m + 1)·c/w^{m+2} · P_{m+2}({x − ξw}) + ξ·c/w^{m+1} · P_{m+1}({x − ξw})],

a finite sum, exact at every width. Its terms are O(1/w) with |P_n| ≤ 1/2 on [0, 1]: no
cancellation for w ≥ 1 (below, the terms grow like 1/w^{d+1} while their sum stays O(1), and the
local series of :mod:`smoothfn.runtime.staircase` takes over). With x = ⌊x⌋ + r,
{x − ξw} = {r − ξw}, so the functions are written in r ∈ [0, 1).
"""

from __future__ import annotations

import sympy as sp

from smoothfn.errors import NoClosedFormError

r = sp.Symbol("r", nonnegative=True)
w = sp.Symbol("w", positive=True)


def knot_jumps(kernel) -> list[tuple[sp.Expr, int, sp.Expr]]:
    """(ξ, m, c): the jump c of k^{(m)} at the knot ξ, for every knot and every order m ≤ d
    where it is not 0 (the density is 0 outside its support)."""
    if not kernel.compact:
        raise NoClosedFormError(f"the {kernel.name} kernel is not compact: no finite staircase closed form")
    u = kernel.u
    pieces = [(p.lo, p.hi, sp.expand(p.density)) for p in kernel.pieces]
    if not all(density.is_polynomial(u) for _, _, density in pieces):
        raise NoClosedFormError(f"the {kernel.name} density is not a polynomial on each piece")
    degree = max(sp.degree(density, u) for _, _, density in pieces)
    knots = sorted({lo for lo, _, _ in pieces} | {hi for _, hi, _ in pieces}, key=float)
    jumps = []
    for knot in knots:
        left = next((d for lo, hi, d in pieces if hi == knot), sp.S.Zero)
        right = next((d for lo, hi, d in pieces if lo == knot), sp.S.Zero)
        for m in range(degree + 1):
            jump = sp.nsimplify(sp.diff(right, u, m).subs(u, knot) - sp.diff(left, u, m).subs(u, knot))
            if jump != 0:
                jumps.append((knot, m, jump))
    return jumps


def scaled_bernoulli(n: int, f: sp.Symbol) -> sp.Expr:
    """P_n(f) = B_n(f)/n!."""
    return sp.expand(sp.bernoulli(n, f) / sp.factorial(n))


def wide_staircase(kernel) -> tuple[list[sp.Expr], list[sp.Symbol], tuple[sp.Expr, sp.Expr, sp.Expr]]:
    """(knots, their fractional-part symbols f_i = {r − ξ_i w}, (floor_w(x) − ⌊x⌋, ∂/∂x, ∂/∂w))
    in r, w and the f_i."""
    jumps = knot_jumps(kernel)
    knots = sorted({knot for knot, _, _ in jumps}, key=float)
    fractions = [sp.Symbol(f"f{i}", nonnegative=True) for i in range(len(knots))]
    value, dx, dw = r - sp.Rational(1, 2), sp.S.One, sp.S.Zero
    for knot, m, c in jumps:
        f = fractions[knots.index(knot)]
        value -= c / w ** (m + 1) * scaled_bernoulli(m + 2, f)
        dx -= c / w ** (m + 1) * scaled_bernoulli(m + 1, f)
        dw += (m + 1) * c / w ** (m + 2) * scaled_bernoulli(m + 2, f)
        dw += knot * c / w ** (m + 1) * scaled_bernoulli(m + 1, f)
    return knots, fractions, (value, dx, dw)
