r"""The narrow form of a compiled user function, printed into its own module for either target.

A piecewise polynomial f with kinks c_1 < … < c_n (n ≥ 2) gets one kink term of order w^j per
kink and order in its tail-stable form; where the kinks lie within a fraction of the width those
terms cancel to the small f_w − p (Min(x², 1) ∗ gaussian in fp32 at w = 1000 was 1.0625 at x = 0,
above its maximum), and with the algebraic tails of the Cauchy and Student-t₂ kernels they
cancel far from the kinks too (the triangle function ∗ cauchy in fp32 was −2.4e-7 at x = 1e5,
w = 1, for 3.2e-11). There the module evaluates instead (:class:`smoothfn.derivation.stable.NarrowForm`)

    f_w(x) = f̃_w(x) + Σ_i ∫_{c_i}^{c_{i+1}} g(t) k((x − t)/w)/w dt,

f̃_w one kink in tail-stable form and the integrals by Gauss–Legendre in σ ∈ [0, 1],
t = c_i + σ·(c_{i+1} − c_i), u = (x − t)/w = a − σ·h (a = (x − c_i)/w, h = (c_{i+1} − c_i)/w),
on each stretch between the kernel's knots (as the narrow ramp of the clamp family,
:mod:`smoothfn.codegen.ramp_source`): exact for a piecewise polynomial density, else with
4 + ⌈d/2⌉ nodes for pieces of degree d. The derivatives are integrals over the same nodes,

    ∂f_w/∂x = ∂f̃_w/∂x + Σ_i h·mean[g·k'(u)]/w,
    ∂f_w/∂w = ∂f̃_w/∂w − Σ_i h·mean[g·(k(u) + u·k'(u))]/w,
    ∂f_w/∂p = ∂f̃_w/∂p + Σ_i h·mean[∂g/∂p·k(u)],

with k' the generated ``dpdf_<kernel>`` (written as k·(k'/k) where k'/k is rational, so that no
power of u overflows before k underflows). It is used where ``narrow_ramp(c_n − c_1, reach)`` holds
(smoothfn.codegen.emit._ramp_calls: the reach is w, or max(w, d/2) for the algebraic tails, d the
distance from x to [c_1, c_n]).
"""

from __future__ import annotations

import sympy as sp

from smoothfn.codegen.ramp_source import _clamp, kernel_knots, nodes_and_weights
from smoothfn.codegen.torch_printer import torch_code
from smoothfn.codegen.triton_printer import triton_code
from smoothfn.derivation.stable import NarrowForm

NARROW_FORM_LIMIT = 0.5  # h₀: the narrow form serves where (c_n − c_1)/reach ≤ h₀, in fp32 and fp64
NODE = sp.Symbol("nq_t")  # the integration variable t in the printed code
SIGMA = sp.Symbol("nq_sigma")


def narrow_node_count(kernel, degree: int) -> int:
    """Gauss–Legendre nodes a stretch for pieces of degree ``degree``: for a polynomial density of
    degree m, ⌈(d + m + 1)/2⌉ (g·(k + u·k') has degree d + m: exact); else 6 + ⌈d/2⌉ (the error of
    6 nodes on e^(cσ), σ ∈ [0, 1], is about 2e-16·c¹²: c = h ≤ 0.5 near the kinks, and c = h·|u| ≤ 1
    in a Gaussian tail, see :func:`steep_tails`)."""
    u = kernel.u
    degrees = []
    for p in kernel.pieces:
        density = sp.sympify(p.density)
        if not density.is_polynomial(u):
            return 6 + -(-degree // 2)
        degrees.append(sp.degree(density, u) if density != 0 else 0)
    return max(1, -(-(degree + max(degrees) + 1) // 2))


def density_slope(kernel) -> sp.Expr:
    """k'(u) for u ≥ 0, in ``kernel.u``: DENSITY·(k'/k) where k'/k is a rational function of u
    (Gaussian −u, Cauchy −2u/(1 + u²): no power of u that overflows before k underflows) or of
    e^(−u) (logistic (e^(−u) − 1)/(e^(−u) + 1): SymPy's tanh(u/2) or e^u forms overflow), else k'
    as differentiated (the compact kernels' polynomial pieces)."""
    u = kernel.u
    density = _nonnegative_density(kernel)
    slope = sp.diff(density, u)
    if isinstance(density, sp.Piecewise):
        return slope
    ratio = sp.simplify(slope / density)
    if not ratio.atoms(sp.Function):
        return sp.Symbol("DENSITY") * ratio
    e = sp.Symbol("e", positive=True)  # e^(−u)
    in_e = sp.simplify(sp.expand_log(ratio.rewrite(sp.exp).subs(u, -sp.log(e)), force=True))
    if in_e.is_rational_function(e):
        return sp.Symbol("DENSITY") * sp.factor(in_e).subs(e, sp.exp(-u))
    return slope


def steep_tails(kernel) -> bool:
    """Whether |k'/k| grows without bound in the tails (Gaussian: |u|): across an interval of
    length h at u, k then varies by e^(h·|u|), which the quadrature integrates exactly to rounding
    only while h·|u| ≤ 1 (the narrow form's test adds that condition); beyond it the kink terms
    of the tail-stable form differ by that factor and do not cancel."""
    if kernel.compact:
        return False
    u = kernel.u
    density = _nonnegative_density(kernel)
    return sp.limit(sp.Abs(sp.diff(density, u) / density), u, sp.oo) == sp.oo


def _nonnegative_density(kernel) -> sp.Expr:
    from smoothfn.codegen.emit import _nonnegative

    return _nonnegative(kernel.density, kernel.u)


def density_jumps(kernel) -> list[tuple[float, float]]:
    """(κ, k(κ+) − k(κ−)) at each finite knot κ where the density jumps."""
    u = kernel.u
    jumps = []
    for knot in sorted({e for p in kernel.pieces for e in (p.lo, p.hi) if e.is_finite}):
        right = sum((sp.sympify(p.density).subs(u, knot) for p in kernel.pieces if p.lo == knot), sp.S.Zero)
        left = sum((sp.sympify(p.density).subs(u, knot) for p in kernel.pieces if p.hi == knot), sp.S.Zero)
        jump = right - left
        if jump != 0:
            jumps.append((float(knot), float(jump)))
    return jumps


def dpdf_lines(kernel, target: str) -> list[str]:
    """``dpdf_<kernel>(z)`` = k'(z) (0 at z = ±inf), no decorator."""
    code = torch_code if target == "torch" else triton_code
    tl = "torch" if target == "torch" else "tl"
    slope = density_slope(kernel).subs(kernel.u, sp.Symbol("u"))
    body = code(slope).replace("DENSITY", f"pdf_{kernel.name}(z)")
    infinite = "torch.isinf(z)" if target == "torch" else 'tl.abs(z) == float("inf")'
    return [f"def dpdf_{kernel.name}(z):",
            '    """k\'(z) of the kernel (0 at z = ±inf): ∂f_w/∂x and ∂f_w/∂w of the narrow form."""',
            f"    u = {tl}.abs(z)", f"    slope = {body}",
            f"    return {tl}.where({infinite}, 0.0, {tl}.where(z < 0, -slope, slope))"]


def narrow_lines(form: NarrowForm, kernel, x: sp.Symbol, w: sp.Symbol, params: dict[str, sp.Symbol],
                 target: str) -> tuple[list[str], list[str]]:
    """``narrow_value(x, w, *params)`` (the integrals) and ``narrow_gradients(x, w, *params)`` (their
    derivatives in x, w and each parameter) for ``target`` ("torch" or "triton"), no decorators; the
    form in the symbols ``x``, ``w`` and ``params`` (name → symbol). They call ``pdf_<kernel>`` and
    ``dpdf_<kernel>``."""
    code = torch_code if target == "torch" else triton_code
    tl = "torch" if target == "torch" else "tl"
    infinite = "torch.isinf(nq_u)" if target == "torch" else 'tl.abs(nq_u) == float("inf")'
    degree = max(sp.degree(g, x) if g.has(x) else 0 for piece in form.pieces for g in piece[2:])
    count = narrow_node_count(kernel, degree)
    knots = kernel_knots(kernel)
    clamp = _clamp(target, "0.0", "1.0")
    arguments = ", ".join(["x", "w", *params])
    value = [f"def narrow_value({arguments}):",
             '    """Σ_i ∫_{c_i}^{c_(i+1)} g(t) k((x − t)/w)/w dt (smoothfn.codegen.narrow_source)."""']
    gradients = [f"def narrow_gradients({arguments}):",
                 '    """The derivatives of narrow_value in x, w and each parameter."""']
    started = set()  # the totals that a piece has added to
    for i, (lo, hi, g_left, g_right) in enumerate(form.pieces):
        g = _in_node(g_left, g_right, x, form)
        place = [f"    nq_a = {code((x - lo) / w, 'x')}", f"    nq_h = {code((hi - lo) / w, 'x')}"]
        ends = ["0.0"]
        for m, knot in enumerate(knots):
            # σ of the knot, (a − κ)/h = ((x − κ·w) − c_i)/(c_(i+1) − c_i): from x − κ·w, exact where it is
            # small (from a − κ, a kernel that jumps there lost the digits of a: uniform at x = w)
            shifted = f"(x - ({knot!r}) * w)" if knot else "x"
            span = code(hi - lo)
            quotient = f"({shifted} - ({code(lo)})) / {span}" if target == "torch" else \
                f"divide({shifted} - ({code(lo)}), tl.zeros_like(x) + ({span}))"  # divide takes tensors
            place.append(f"    nq_s{m} = {clamp.format(quotient)}")
            ends.append(f"nq_s{m}")
        ends.append("1.0")
        value += place
        gradients += place
        slopes = {p: sp.diff(g, symbol) for p, symbol in params.items()}
        names = ["dx", "dw", *[p for p in params if slopes[p] != 0]]
        first = True
        for start, end in zip(ends, ends[1:]):
            length = f"({end} - {start})" if knots else "1.0"
            for sigma, weight in nodes_and_weights(count):
                # Triton keeps a number held in a variable in fp32 (in fp64 kernels too): every number
                # is written into the expression that uses it, and the variables hold tensors only
                if knots:
                    node = [f"    nq_sigma = {start} + {sigma!r} * {length}", "    nq_u = nq_a - nq_sigma * nq_h",
                            f"    nq_t = {code(lo + SIGMA * (hi - lo))}"]
                    at = {}
                    weighted = f"{weight!r} * {length}"
                else:  # t is a number: g(t) is folded here
                    node = [f"    nq_u = nq_a - {sigma!r} * nq_h"]
                    at = {NODE: lo + sp.Float(sigma, 17) * (hi - lo)}
                    weighted = repr(weight)
                anchored = "{}" if target == "torch" else "tl.zeros_like(nq_u) + ({})"
                node += [f"    nq_k = pdf_{kernel.name}(nq_u)", f"    nq_g = {anchored.format(code(g.subs(at), 'x'))}"]
                value += [*node, _accumulate(f"nq_value{i}", f"{weighted} * (nq_g * nq_k)", first)]
                gradients += [*node, f"    nq_dk = dpdf_{kernel.name}(nq_u)",
                              f"    nq_uk = {tl}.where({infinite}, 0.0, nq_u * nq_dk)"]
                terms = {"dx": "nq_g * nq_dk", "dw": "nq_g * (nq_k + nq_uk)",
                         **{p: f"({code(slopes[p].subs(at), 'x')}) * nq_k" for p in names[2:]}}
                gradients += [_accumulate(f"nq_{_local(n)}{i}", f"{weighted} * ({terms[n]})", first) for n in names]
                first = False
        # nq_h is the next piece's once it moves on: fold this piece in now
        value.append(_accumulate("nq_value", f"nq_h * nq_value{i}", i == 0))
        for n in names:
            gradients.append(_accumulate(f"nq_total_{_local(n)}", f"nq_h * nq_{_local(n)}{i}", n not in started))
            started.add(n)
    # a density that jumps by J at a knot κ (uniform) has J·δ(u − κ) in k': the terms J·g(x − wκ) of
    # ∂/∂x and J·κ·g(x − wκ) of ∂/∂w, with g(t) = 0 outside [c_1, c_n]
    for knot, jump in density_jumps(kernel):
        outside = [(0, NODE < form.first)]
        branches = [(_in_node(g_left, g_right, x, form), NODE < hi) for _, hi, g_left, g_right in form.pieces]
        g = sp.Piecewise(*outside, *branches, (0, True))
        anchored = "{}" if target == "torch" else "tl.zeros_like(nq_t) + ({})"
        gradients += [f"    nq_t = x - {knot!r} * w", f"    nq_g = {anchored.format(code(g, 'x'))}",
                      _accumulate("nq_total_dx", f"{jump!r} * nq_g", False),
                      _accumulate("nq_total_dw", f"{jump * knot!r} * nq_g", False)]
    value.append("    return nq_value")
    divide = (lambda n, d: f"{n} / {d}") if target == "torch" else (lambda n, d: f"divide({n}, {d})")
    zero = "torch.zeros_like(x)" if target == "torch" else "tl.zeros_like(x)"
    results = [divide("nq_total_dx", "w"), f"-{divide('nq_total_dw', 'w')}",
               *[f"nq_total_{_local(p)}" if p in started else zero for p in params]]
    gradients.append(f"    return {', '.join(results)}")
    return value, gradients


def _in_node(g_left: sp.Expr, g_right: sp.Expr, x: sp.Symbol, form: NarrowForm) -> sp.Expr:
    """g(t) at the node t (nq_t): f − p_L left of the middle, f − p_R right of it (x's side)."""
    if not form.two_sided:
        return g_left.subs(x, NODE)
    return sp.Piecewise((g_left.subs(x, NODE), x < form.middle), (g_right.subs(x, NODE), True))


def _local(name: str) -> str:
    return name if name in ("dx", "dw") else f"p_{name}"


def _accumulate(name: str, term: str, first: bool) -> str:
    return f"    {name} = {term}" if first else f"    {name} = {name} + {term}"
