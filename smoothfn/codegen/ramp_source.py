"""The narrow ramp of a clamp-like function, printed as building blocks for either target.

A clamp-like f (y_low below the kink c1, linear up to y_high at the kink c2, y_high beyond:
clamp, hardtanh, relu6, hardsigmoid) smoothed by a kernel with CDF F is

    f_w(x) = y_low + ∫_{c1}^{c2} s·F((x − c)/w) dc = y_low + (y_high − y_low)·F̄,

F̄ the mean of F over b ≤ u ≤ a, a = (x − c1)/w, b = a − h, h = (c2 − c1)/w. The tail-stable
form adds one term of order w per kink instead; where the kinks lie within a fraction of the
width those two terms cancel to the small f_w − y_low and lose about 1/h units in the last place
(clamp ∗ gaussian at w = 1000 in fp32: 8% of its value near the middle, and no longer monotone).
There the pair kernels use this form (:mod:`smoothfn.codegen.emit`):

* ``narrow_ramp(span, reach)``: 0 < span ≤ h₀·reach, h₀ = 0.05 in fp64 and 0.5 in fp32, where the
  tail-stable form's cancellation costs at most 2/h₀ ulp of F and the quadrature below is below
  the dtype's rounding. The reach is w; for the kernels with algebraic tails (Cauchy,
  Student-t₂) it is max(w, d/2), d the distance from x to [c1, c2]: there the two kink terms of
  the tail-stable form grow (like w·log(|x|/w) for the Cauchy kernel) while f_w − y_low decays,
  so they cancel in the far tails too (hardsigmoid ∗ cauchy in fp32: 1e-4 relative at x/w = −1e3,
  6% at −1e6, and not monotone), and the quadrature stays exact to rounding there because the
  derivatives of an algebraic tail F scale like F·n!/|u|ⁿ (4 nodes: relative error below
  2e-4·(h/|u|)⁸, h/|u| ≤ h₀/2). Exponential tails need no such help: their two kink terms differ
  by a factor e^(−h·|u|), nothing cancels;
* ``ramp_<kernel>(a, h, low, high)``: low + (high − low)·F̄, F̄ by Gauss–Legendre in σ ∈ [0, 1],
  u = a − σ·h, on each stretch between the kernel's knots (where its density has a kink or ends,
  so that F is analytic on each): 4 nodes a stretch (the error is of order h⁸·F⁽⁸⁾/10⁹), or for a
  piecewise polynomial density the fewest that integrate its F exactly. Both the CDF and its
  complement are averaged from the left tail L₀ (no 1 − F cancellation), and the result is taken
  from the nearer end, so it keeps the tails' relative accuracy and equals low and high exactly at
  x = ∓∞. σ of a knot κ is clamp((a − κ)/h, 0, 1): finite at x = ±∞, and the stretches add up to
  exactly one.
* ``ramp_means_<kernel>(a, h)``: the means of k(u) and u·k(u) over the same interval by the same
  nodes, for ∂f_w/∂x = (high − low)/w · mean k and ∂f_w/∂w = −(high − low)/w · mean u·k, where
  the tail-stable form's differences F(a) − F(a − h) (and the like for the width) lose as much
  (fp32 at w = 10⁶: 27% of ∂/∂x of hardtanh ∗ cauchy; ∂/∂w of relu6 ∗ logistic 10⁴ times its
  value). The derivatives in the kinks c1, c2 (clamp's lo and hi) keep the tail-stable form: a
  single CDF term each, F((c1 − x)/w) and F((x − c2)/w), with no cancellation.

The nodes and weights come from SymPy (``gauss_legendre``).
"""

from __future__ import annotations

import sympy as sp
from sympy.integrals.quadrature import gauss_legendre

NARROW_LIMIT = {"fp64": 0.05, "fp32": 0.5}  # h₀


def kernel_knots(kernel) -> tuple[float, ...]:
    """The finite ends of the density's pieces, largest first."""
    ends = {e for p in kernel.pieces for e in (p.lo, p.hi) if e.is_finite}
    return tuple(sorted((float(e) for e in ends), reverse=True))


def node_count(kernel, u) -> int:
    """Gauss–Legendre nodes a stretch: exact for a piecewise polynomial density (F of degree d + 1
    needs ⌈(d + 2)/2⌉), else 4."""
    degrees = []
    for p in kernel.pieces:
        density = sp.sympify(p.density)
        if not density.is_polynomial(u):
            return 4
        degrees.append(sp.degree(density, u) if density != 0 else 0)
    return max(1, -(-(max(degrees) + 2) // 2))


def nodes_and_weights(count: int) -> list[tuple[float, float]]:
    """(σ, weight) on [0, 1], the weights adding up to 1."""
    xs, ws = gauss_legendre(count, 30)
    return [(float((1 + xi) / 2), float(wi / 2)) for xi, wi in zip(xs, ws)]


def narrow_ramp_lines(target: str, name: str = "narrow_ramp", uses: str = "ramp_<kernel>") -> list[str]:
    """``narrow_ramp(span, w)`` for "torch" or "triton" (lines of the function, no decorator); the
    same test as ``narrow_bump`` for bump_mean_<kernel>."""
    fp64, fp32 = NARROW_LIMIT["fp64"], NARROW_LIMIT["fp32"]
    doc = (f'    """0 < span ≤ h₀·w (h₀ = {fp64} in fp64, {fp32} otherwise): the two kinks close '
           f'enough, relative to the width, for {uses}."""')
    if target == "torch":
        return [f"def {name}(span, w):", doc,
                f"    limit = {fp64} if w.dtype == torch.float64 else {fp32}",
                "    return (span > 0.0 * w) & (span <= limit * w)"]
    return [f"def {name}(span, w):", doc,
            "    if w.dtype == tl.float64:", f"        limit = {fp64}", "    else:", f"        limit = {fp32}",
            "    return (span > 0.0 * w) & (span <= limit * w)"]


def _clamp(target: str, low: str, high: str) -> str:
    """A format string clamping {} to [low, high] for ``target``; nan stays nan, as torch.clamp
    keeps it (Triton's minimum and maximum drop it by default)."""
    if target == "torch":
        return f"torch.clamp({{}}, {low}, {high})"
    nan = "propagate_nan=tl.PropagateNan.ALL"
    return f"tl.minimum(tl.maximum({{}}, {low}, {nan}), {high}, {nan})"


def _nodes(knots, count: int, target: str) -> tuple[list[str], list[tuple[str, list[tuple[str, float, str]]]]]:
    """The lines that place the stretch ends, and per stretch (its length factor, [(node, weight,
    the line that computes the node u{i}_{j} = a − σ·h)]); each node's line goes just before its use
    (that order keeps the fp64 kernels' registers within bounds)."""
    clamp = _clamp(target, "0.0", "1.0")
    lines, stretches = [], []
    # stretch ends in σ: 0, the knots between, 1
    ends = ["0.0"]
    for i, knot in enumerate(knots):
        lines.append(f"    s{i} = {clamp.format(f'(a - {knot!r}) / h')}")
        ends.append(f"s{i}")
    ends.append("1.0")
    for i, (start, end) in enumerate(zip(ends, ends[1:])):
        if knots:
            lines.append(f"    length{i} = {end} - {start}")
        nodes = []
        for j, (sigma, weight) in enumerate(nodes_and_weights(count)):
            position = f"{start} + {sigma!r} * length{i}" if knots else repr(sigma)
            nodes.append((f"u{i}_{j}", weight, f"    u{i}_{j} = a - ({position}) * h"))
        stretches.append((f"length{i} * " if knots else "", nodes))
    return lines, stretches


def ramp_lines(kernel: str, knots, count: int, target: str) -> list[str]:
    """``ramp_<kernel>(a, h, low, high)`` for "torch" or "triton" (no decorator); it calls the
    kernel's left-tail block ``L0_<kernel>``."""
    where, absolute = ("select", "torch.abs") if target == "torch" else ("tl.where", "tl.abs")
    lines = [
        f"def ramp_{kernel}(a, h, low, high):",
        '    """low + (high − low)·(mean of the CDF over a − h ≤ u ≤ a), for 0 < h ≤ h₀ (see narrow_ramp)."""',
    ]
    placing, stretches = _nodes(knots, count, target)
    lines += placing
    below, above = [], []
    for scale, nodes in stretches:
        for node, _, placing_node in nodes:
            lines += [placing_node, f"    tail = L0_{kernel}({absolute}({node}))",  # P(Y ≤ −|u|)
                      f"    below{node[1:]} = {where}({node} < 0, tail, 1.0 - tail)",
                      f"    above{node[1:]} = {where}({node} < 0, 1.0 - tail, tail)"]
        below.append(f"{scale}({' + '.join(f'{weight!r} * below{node[1:]}' for node, weight, _ in nodes)})")
        above.append(f"{scale}({' + '.join(f'{weight!r} * above{node[1:]}' for node, weight, _ in nodes)})")
    lines += [f"    below = {' + '.join(below)}", f"    above = {' + '.join(above)}",
              f"    return {where}(below <= 0.5, low + (high - low) * below, high - (high - low) * above)"]
    return lines


def ramp_means_lines(kernel: str, knots, count: int, target: str) -> list[str]:
    """``ramp_means_<kernel>(a, h)`` for "torch" or "triton" (no decorator): the means of k(u) and
    of u·k(u) over a − h ≤ u ≤ a, so that ∂f_w/∂x = (high − low)/w · mean k and
    ∂f_w/∂w = −(high − low)/w · mean u·k (the tail-stable form's differences of nearly equal
    numbers there). The nodes of ``ramp_<kernel>``: the density is analytic between the knots,
    and a polynomial one (u·k too) is integrated exactly."""
    lines = [
        f"def ramp_means_{kernel}(a, h):",
        '    """(mean of k(u), mean of u·k(u)) over a − h ≤ u ≤ a, for 0 < h ≤ h₀ (see narrow_ramp)."""',
    ]
    finite = _clamp(target, "-1e30", "1e30")
    placing, stretches = _nodes(knots, count, target)
    lines += placing
    for _, nodes in stretches:
        for node, _, placing_node in nodes:
            lines += [placing_node, f"    density{node[1:]} = pdf_{kernel}({node})",
                      # u·k(u) → 0 at x = ±inf, where u·k(u) would be inf·0 (every density decays fast enough)
                      f"    moment{node[1:]} = {finite.format(node)} * density{node[1:]}"]

    def mean(term):
        return " + ".join(f"{scale}({' + '.join(f'{weight!r} * {term(node)}' for node, weight, _ in nodes)})"
                          for scale, nodes in stretches)

    return lines + [f"    density = {mean(lambda node: f'density{node[1:]}')}",
                    f"    moment = {mean(lambda node: f'moment{node[1:]}')}",
                    "    return density, moment"]


def bump_knots(kernel) -> tuple[float, ...]:
    """The knots of S_1: the kernel's, and 0 (where S_0 jumps by 1), largest first."""
    return tuple(sorted({*kernel_knots(kernel), 0.0}, reverse=True))


def bump_node_count(kernel, u) -> int:
    """Gauss–Legendre nodes a stretch for the means of S_1 and u·S_0: exact for a piecewise
    polynomial density of degree d (both of degree d + 2: ⌈(d + 3)/2⌉ nodes), else 4."""
    degrees = []
    for p in kernel.pieces:
        density = sp.sympify(p.density)
        if not density.is_polynomial(u):
            return 4
        degrees.append(sp.degree(density, u) if density != 0 else 0)
    return -(-(max(degrees) + 3) // 2)


def bump_mean_lines(kernel: str, knots, count: int, target: str) -> list[str]:
    """``bump_mean_<kernel>(a, h)`` for "torch" or "triton" (no decorator): the mean of S_1(u) over
    a − h ≤ u ≤ a, for the narrow form of a function quadratic between two kinks
    (smoothfn.derivation.stable.narrow_bump); it calls the block ``S1_<kernel>``."""
    lines = [f"def bump_mean_{kernel}(a, h):",
             '    """The mean of S_1(u) over a − h ≤ u ≤ a, for 0 < h ≤ h₀ (see narrow_bump)."""']
    return lines + _accumulated(kernel, knots, count, target, {"mean_s1": "S1_{kernel}({node})"}) + [
        "    return mean_s1"]


def bump_means_lines(kernel: str, knots, count: int, target: str) -> list[str]:
    """``bump_means_<kernel>(a, h)`` for "torch" or "triton" (no decorator): the means of S_1(u),
    S_0(u) and u·S_0(u) over a − h ≤ u ≤ a, for the derivatives of the narrow form (see
    bump_mean_lines); u·S_0(u) is the block ``zdS1_<kernel>``, 0 at u = ±inf."""
    lines = [f"def bump_means_{kernel}(a, h):",
             '    """(mean of S_1(u), of S_0(u), of u·S_0(u)) over a − h ≤ u ≤ a, for 0 < h ≤ h₀ (see narrow_bump)."""']
    terms = {"mean_s1": "S1_{kernel}({node})", "mean_s0": "S0_{kernel}({node})", "mean_us0": "zdS1_{kernel}({node})"}
    return lines + _accumulated(kernel, knots, count, target, terms) + ["    return mean_s1, mean_s0, mean_us0"]


def _accumulated(kernel: str, knots, count: int, target: str, terms: dict[str, str]) -> list[str]:
    """The lines that set each name of ``terms`` to the mean of its term over the nodes: a running
    sum per stretch, added as each node is evaluated, so that few values are live at once. In
    Triton each node also depends on the running sum (u + 0·sum, which no IEEE-preserving
    compiler folds): ptxas otherwise interleaves the nodes' evaluations, and the fp64 forward of
    hardswish ∗ gaussian (four elements a thread, eight S_1 with an erfc each) spilled 1.2 kB; in
    order it takes 156 registers. The sum is finite where u is not NaN, so u + 0·sum is u."""
    placing, stretches = _nodes(knots, count, target)
    lines = list(placing)
    previous = None
    for i, (_, nodes) in enumerate(stretches):
        for j, (node, weight, placing_node) in enumerate(nodes):
            if target == "triton" and previous is not None:
                placing_node += f" + 0.0 * {previous}"  # the order (see above); u ± 0 is u (S_1 is even)
            lines.append(placing_node)
            previous = f"{next(iter(terms))}{i}"
            for name, term in terms.items():
                value = f"{weight!r} * {term.format(kernel=kernel, node=node)}"
                lines.append(f"    {name}{i} = {value}" if j == 0 else f"    {name}{i} = {name}{i} + {value}")
    for name in terms:
        lines.append(f"    {name} = {' + '.join(f'{scale}{name}{i}' for i, (scale, _) in enumerate(stretches))}")
    return lines
