r"""The torch twin of the smoothed staircases floor_w(x) = E⌊x − wY⌋ and round_w(x) = floor_w(x + 1/2).

With m = ⌊x⌋ and r = x − m ∈ [0, 1), three exact representations, each used where a fixed number
of terms reaches full precision (term counts below; all elementwise, traceable by torch.compile):

* **local** (layer cake over the jumps, only left tails L_0(t) = P(Y < −t), t ≥ 0):

      floor_w(x) = m + Σ_{j≥1} L_0((j − r)/w) − Σ_{j≥0} L_0((j + r)/w),
      ∂/∂x = Σ_{j≥1} k((j − r)/w)/w + Σ_{j≥0} k((j + r)/w)/w,
      ∂/∂w = Σ_{j≥1} a_j k(a_j)/w − Σ_{j≥0} b_j k(b_j)/w,   a_j = (j − r)/w, b_j = (j + r)/w;

  exact with J terms a side for compact kernels when w ≤ J − 1; for light tails while L_0((J−1)/w)
  is below the fp64 resolution. L_0 and k are the generated building blocks (SymPy's).
* **Fourier** (floor(x) = x − 1/2 + Σ_k sin(2πkx)/(πk), φ the kernel's characteristic function):

      floor_w(x) = x − 1/2 + Σ_{k≥1} φ(2πkw) sin(2πkr)/(πk),
      ∂/∂x = 1 + 2 Σ φ(2πkw) cos(2πkr),   ∂/∂w = 2 Σ φ'(2πkw) sin(2πkr);

  Gaussian φ(t) = e^{−t²/2}, logistic φ(t) = πt/sinh(πt) (checked against quadrature in the tests).
* **closed forms**: Laplace, from its Fourier series (φ = 1/(1 + t²), c = 1/(2w), u = 1 − 2r):
  floor_w = m − sinh(cu)/(2 sinh c); the compact polynomial kernels (uniform, triangular,
  epanechnikov) for w ≥ 1, a finite sum of Bernoulli polynomials of {x − ξw} over the knots ξ of
  the density (:mod:`smoothfn.derivation.staircase`, generated as ``staircase_wide_<kernel>``).

Per kernel: gaussian local J = 9 for w ≤ 0.2, Fourier K = 8 above; logistic local J = 13 for
w ≤ 0.3, Fourier K = 9 above; laplace closed form for every w; cauchy diverges (floor grows
like |x| and E|Y| = ∞), as the derivation says; uniform, triangular and epanechnikov local J = 3
(exact for w ≤ J − 1) for w < 1, the closed form above; student_t2
local J = 24 plus the tail Σ_{j>J} by the midpoint rule, w[L_1((J − 1/2 − r)/w) −
L_1((J − 1/2 + r)/w)] (L_1 = ∫_t^∞ L_0), accurate to about 1e-7 relative to w at w = 1 (tested
bound).

round_w(x) = floor_w(x + 1/2). At x = ±inf the result is x; nan stays nan.

The Triton kernels (CUDA, or ``backend="triton"``) are the same series: :mod:`smoothfn.gpu.staircase`.
"""

from __future__ import annotations

import math

import torch

from smoothfn.generated import building_blocks as blocks
from smoothfn.runtime.staircase_terms import FOURIER_TERMS, LOCAL, WIDE_CLOSED_FORM


def _split(x, shift: float):
    """(m, r, s) for the staircase ⌊x + shift⌋ (shift 0: floor, 1/2: round): m = ⌊x + shift⌋ and
    the distances r = x − (m − shift) ∈ [0, 1) to the jump below and s = (m + 1 − shift) − x to
    the one above, each exact where it is at most 1/2 (Sterbenz), which is where it matters: a
    jump's term is L_0(r/w) or L_0(s/w), and 1 − r (or x + 1/2) rounded first would put an error of
    ε/w into its argument (floor ∗ gaussian in fp32 at w = 1e-6, just below 0: 1.2e-2). m is
    corrected where x + shift rounded across a jump. From |x| = 2^(p−1) on, x is an integer: there
    r = shift (the half-integer jumps of round are not representable), ±inf included."""
    below = torch.floor(x + shift) - shift  # the jump below x, unless x + shift rounded across one
    # exact comparisons (x − below itself rounds to 1 for x = −1e-40)
    below = below - (x < below).to(x.dtype) + (x >= below + 1).to(x.dtype)
    m, r, s = below + shift, x - below, (below + 1) - x
    integer = torch.abs(x) >= 1 / torch.finfo(x.dtype).eps  # 2^(p−1): fp32 2^23, fp64 2^52; inf too
    r = torch.where(integer, shift, r)  # ±inf too: _evaluate returns x there
    s = torch.where(integer, 1 - r, s)
    return torch.where(integer, x, m), r, s  # ⌊x + shift⌋ = x there (x + 1/2 would round to even)


def _local(kernel: str, x, w, terms: int, shift: float):
    L0, pdf = getattr(blocks, f"L0_{kernel}"), getattr(blocks, f"pdf_{kernel}")
    m, r, s = _split(x, shift)
    value, dx, dw = m, torch.zeros_like(x + w), torch.zeros_like(x + w)
    for j in range(terms):
        b = (j + r) / w
        kb = pdf(b)
        value = value - L0(b)
        dx = dx + kb / w
        dw = dw - b * kb / w
        if j >= 1:
            a = (j - 1 + s) / w  # (j − r)/w, exact at j = 1
            ka = pdf(a)
            value = value + L0(a)
            dx = dx + ka / w
            dw = dw + a * ka / w
    if kernel == "student_t2":  # midpoint-rule tail of the paired sums beyond J
        L1 = blocks.L1_student_t2
        upper, lower = (terms - 0.5 - r) / w, (terms - 0.5 + r) / w
        # Euler–Maclaurin: Σ_{j≥J} h(j) = ∫_{J−1/2}^∞ h + h'(J − 1/2)/24 + …
        value = value + w * (L1(upper) - L1(lower)) + (pdf(lower) - pdf(upper)) / (24 * w)
        # d/dr and d/dw of the tail: L_1' = −L_0
        dx = dx + L0(upper) + L0(lower)
        dw = dw + (L1(upper) - L1(lower)) + upper * L0(upper) - lower * L0(lower)
        # the correction's derivatives, with k'(u) = −3u·k(u)/(1 + u²) for this kernel
        k_up, k_low = pdf(upper), pdf(lower)
        slope_up, slope_low = -3 * upper * k_up / (1 + upper * upper), -3 * lower * k_low / (1 + lower * lower)
        # divided by w twice, not by w²: w² underflows at tiny widths (0/0)
        dx = dx + (slope_low + slope_up) / (24 * w) / w
        dw = dw - (k_low - k_up) / (24 * w) / w + (-slope_low * lower + slope_up * upper) / (24 * w) / w
    return value, dx, dw


def _phi(kernel: str, t):
    """φ(t) and φ'(t) for t ≥ 0."""
    if kernel == "gaussian":
        phi = torch.exp(-0.5 * t * t)
        return phi, torch.where(phi == 0, 0.0, -t * phi)  # t may be inf at widths near the dtype's end
    # logistic: πt/sinh(πt) = 2πt e^{−πt}/(1 − e^{−2πt}), finite for all t ≥ 0; πt clamped where
    # φ is 0 in fp64 already (e^{−10⁴}), so that a width near the dtype's end gives no inf·0
    s = torch.clamp(math.pi * t, max=1e4)
    e = torch.exp(-2 * s)
    phi = torch.where(s > 0, -2 * s * torch.exp(-s) / torch.expm1(-2 * s), torch.ones_like(s))
    coth = torch.where(s > 0, (1 + e) / -torch.expm1(-2 * s), torch.ones_like(s))
    derivative = torch.where(s > 0, phi * (1 / t - math.pi * coth), torch.zeros_like(s))
    return phi, derivative


def _fourier(kernel: str, x, w, terms: int, shift: float):
    m, r, _ = _split(x, shift)
    value = m + r - 0.5
    dx, dw = torch.ones_like(x + w), torch.zeros_like(x + w)
    for k in range(1, terms + 1):
        phi, dphi = _phi(kernel, 2 * math.pi * k * w)
        angle = 2 * math.pi * k * r
        s, c = torch.sin(angle), torch.cos(angle)
        value = value + phi * s / (math.pi * k)
        dx = dx + 2 * phi * c
        dw = dw + 2 * dphi * s
    return value, dx, dw


def _laplace(x, w, shift: float):
    m, r, s = _split(x, shift)
    c = 0.5 / w
    u = s - r  # 1 − 2r
    near = torch.minimum(r, s)  # the distance to the nearest jump: |u| = 1 − 2·near
    au = 1 - 2 * near
    # sinh(cu)/sinh(c) = sign(u) e^{c(|u|−1)} (1 − e^{−2c|u|})/(1 − e^{−2c}), cosh likewise
    scale = torch.exp(-2 * c * near) / -torch.expm1(-2 * c)
    sinh_ratio = torch.sign(u) * scale * -torch.expm1(-2 * c * au)
    cosh_ratio = scale * (1 + torch.exp(-2 * c * au))
    coth = (1 + torch.exp(-2 * c)) / -torch.expm1(-2 * c)
    value = m - 0.5 * sinh_ratio
    dx = c * cosh_ratio
    # ∂/∂c of −sinh(cu)/(2 sinh c) = −[u cosh(cu) − sinh(cu) coth c]/(2 sinh c); dc/dw = −c/w
    dw = (u * cosh_ratio - sinh_ratio * coth) / 2 * (c / w)
    return value, dx, dw


def _wide(kernel: str, x, w, shift: float):
    m, r, _ = _split(x, shift)
    value, dx, dw = getattr(blocks, f"staircase_wide_{kernel}")(r, w)
    return m + value, dx, dw


def _evaluate(kernel: str, x, w, shift: float):
    """(floor_w(x + shift), ∂/∂x, ∂/∂w)."""
    if kernel == "laplace":
        value, dx, dw = _laplace(x, w, shift)
    else:
        terms, switch = LOCAL[kernel]
        value, dx, dw = _local(kernel, x, w, terms, shift)
        if switch is not None:
            closed = kernel in WIDE_CLOSED_FORM
            wide = (_wide(kernel, x, w, shift) if closed
                    else _fourier(kernel, x, w, FOURIER_TERMS[kernel], shift))
            use_local = w < switch if closed else w <= switch
            value, dx, dw = (torch.where(use_local, a, b) for a, b in zip((value, dx, dw), wide))
    infinite = torch.isinf(x)
    value = torch.where(infinite, x + torch.zeros_like(w), value)
    dx = torch.where(infinite, torch.ones_like(dx), dx)
    dw = torch.where(infinite, torch.zeros_like(dw), dw)
    return value, dx, dw


class StaircaseTwin:
    """floor_w or round_w with one kernel: ``forward(x, w)`` and ``backward(x, w)`` as the
    generated twins have them (the registry's pair, :mod:`smoothfn.runtime.pairs`, wraps it)."""

    def __init__(self, function: str, kernel: str):
        self.kernel = kernel
        self.shift = 0.5 if function == "round" else 0.0

    def forward(self, x, w):
        return _evaluate(self.kernel, x, w, self.shift)[0]

    def backward(self, x, w):
        """(∂/∂x, ∂/∂w)"""
        return _evaluate(self.kernel, x, w, self.shift)[1:]


# built once, so that torch.compile sees constants rather than constructor calls
TWINS = {(f, k): StaircaseTwin(f, k) for f in ("floor", "round") for k in (*LOCAL, "laplace")}
