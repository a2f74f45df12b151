r"""Triton kernels of the smoothed staircases floor_w(x) = E⌊x − wY⌋ and round_w(x) = floor_w(x + 1/2).

The same series as the torch twin :mod:`smoothfn.runtime.staircase` (see there for the formulas,
the term counts and the measured accuracy), term for term and in the same order, on the generated
Triton building blocks (L_0, k, and L_1 for Student-t₂). The kernels follow the calling convention
of the generated pair kernels (:mod:`smoothfn.codegen.triton_source`): x and, when
``W_FULL``, the width elementwise; otherwise one width and one partial sum of ∂/∂w per program.
Two more compile-time constants pick the series: ``KERNEL`` (a code from ``KERNEL_CODES``) and
``ROUND`` (the jumps at the half-integers: round_w(x) = floor_w(x + 1/2) without rounding x + 1/2).

Differences from the twin, for the GPU: the sums are run-time loops (one copy of the body: the
registers of a 24-term series stay those of one term, no spills) that multiply by one correctly
rounded 1/w (a correctly rounded division inside a loop is a subroutine call); the Fourier angles are reduced
to 2π·(kr − ⌊kr + 1/2⌉) ∈ [−π, π] and sin/cos come from :func:`smoothfn.numerics.triton_math.sin_cos_pi`
(libdevice's keep a local-memory path for huge arguments); e^x − 1 is
:func:`smoothfn.numerics.triton_math.expm1`.
"""

import triton
import triton.language as tl

from smoothfn.generated.triton.building_blocks import (
    L0_epanechnikov,
    L0_gaussian,
    L0_logistic,
    L0_student_t2,
    L0_triangular,
    L0_uniform,
    L1_student_t2,
    divide,
    pdf_epanechnikov,
    pdf_gaussian,
    pdf_logistic,
    pdf_student_t2,
    pdf_triangular,
    pdf_uniform,
    staircase_wide_epanechnikov,
    staircase_wide_triangular,
    staircase_wide_uniform,
)
from smoothfn.numerics.triton_math import exp, expm1, sin_cos_pi
from smoothfn.runtime.staircase_terms import FOURIER_TERMS, KERNEL_CODES, LOCAL

# the series plan as compile-time constants (one source: smoothfn.runtime.staircase_terms)
GAUSSIAN = tl.constexpr(KERNEL_CODES["gaussian"])
LOGISTIC = tl.constexpr(KERNEL_CODES["logistic"])
LAPLACE = tl.constexpr(KERNEL_CODES["laplace"])
UNIFORM = tl.constexpr(KERNEL_CODES["uniform"])
TRIANGULAR = tl.constexpr(KERNEL_CODES["triangular"])
EPANECHNIKOV = tl.constexpr(KERNEL_CODES["epanechnikov"])
STUDENT_T2 = tl.constexpr(KERNEL_CODES["student_t2"])
GAUSSIAN_LOCAL_TERMS = tl.constexpr(LOCAL["gaussian"][0])
GAUSSIAN_SWITCH = tl.constexpr(LOCAL["gaussian"][1])
GAUSSIAN_FOURIER_TERMS = tl.constexpr(FOURIER_TERMS["gaussian"])
LOGISTIC_LOCAL_TERMS = tl.constexpr(LOCAL["logistic"][0])
LOGISTIC_SWITCH = tl.constexpr(LOCAL["logistic"][1])
LOGISTIC_FOURIER_TERMS = tl.constexpr(FOURIER_TERMS["logistic"])
STUDENT_T2_LOCAL_TERMS = tl.constexpr(LOCAL["student_t2"][0])
COMPACT_LOCAL_TERMS = tl.constexpr(LOCAL["uniform"][0])  # the same for triangular and epanechnikov
COMPACT_SWITCH = tl.constexpr(LOCAL["uniform"][1])



@triton.jit
def _left_tail(t, KERNEL: tl.constexpr):
    """L_0(t) = P(Y < −t) of the kernel."""
    if KERNEL == GAUSSIAN:
        v = L0_gaussian(t)
    elif KERNEL == LOGISTIC:
        v = L0_logistic(t)
    elif KERNEL == UNIFORM:
        v = L0_uniform(t)
    elif KERNEL == TRIANGULAR:
        v = L0_triangular(t)
    elif KERNEL == EPANECHNIKOV:
        v = L0_epanechnikov(t)
    else:
        v = L0_student_t2(t)
    return v


@triton.jit
def _density(z, KERNEL: tl.constexpr):
    if KERNEL == GAUSSIAN:
        v = pdf_gaussian(z)
    elif KERNEL == LOGISTIC:
        v = pdf_logistic(z)
    elif KERNEL == UNIFORM:
        v = pdf_uniform(z)
    elif KERNEL == TRIANGULAR:
        v = pdf_triangular(z)
    elif KERNEL == EPANECHNIKOV:
        v = pdf_epanechnikov(z)
    else:
        v = pdf_student_t2(z)
    return v


@triton.jit
def _split(x, ROUND: tl.constexpr):
    """(m, r, s) for ⌊x + shift⌋ (shift 1/2 for ROUND): the distances r and s to the jumps below
    and above, each exact where it is at most 1/2 (see runtime.staircase._split)."""
    if ROUND:
        shift = 0.5
    else:
        shift = 0.0
    below = tl.floor(x + shift) - shift  # the jump below x, unless x + shift rounded across one
    below = tl.where(x < below, below - 1, tl.where(x >= below + 1, below + 1, below))
    if x.dtype == tl.float64:
        integer = tl.abs(x) >= 4503599627370496.0  # 2^52: x is an integer (inf too)
    else:
        integer = tl.abs(x) >= 8388608.0  # 2^23
    r = tl.where(integer, shift, x - below)  # ±inf too: staircase() returns x there
    s = tl.where(integer, 1 - r, (below + 1) - x)
    m = tl.where(integer, x, below + shift)  # ⌊x + shift⌋ = x there (x + 1/2 would round to even)
    return m, r, s


@triton.jit
def _local(m, r, s, w, KERNEL: tl.constexpr, TERMS: tl.constexpr):
    """The layer-cake sums over the jumps j − r (j ≥ 1) and −(j + r) (j ≥ 0), TERMS a side (a
    run-time loop: one copy of the body keeps the registers of a long series low; 1/w once, as
    a correctly rounded division in a loop is a call on the GPU)."""
    inv = divide(1.0, w)
    b = r * inv  # j = 0 has only the jump at −r
    kb = _density(b, KERNEL)
    value = m + tl.zeros_like(w) - _left_tail(b, KERNEL)
    dx = tl.zeros_like(r + w) + kb * inv
    dw = tl.zeros_like(r + w) - b * kb * inv
    for j in range(1, TERMS):
        b = (j + r) * inv
        kb = _density(b, KERNEL)
        value = value - _left_tail(b, KERNEL)
        dx = dx + kb * inv
        dw = dw - b * kb * inv
        a = (j - 1 + s) * inv  # (j − r)/w, exact at j = 1
        ka = _density(a, KERNEL)
        value = value + _left_tail(a, KERNEL)
        dx = dx + ka * inv
        dw = dw + a * ka * inv
    if KERNEL == STUDENT_T2:  # Student-t₂: Euler–Maclaurin tail of the paired sums beyond TERMS
        upper = (TERMS - 0.5 - r) * inv
        lower = (TERMS - 0.5 + r) * inv
        tail_up = L1_student_t2(upper)
        tail_low = L1_student_t2(lower)
        k_up = pdf_student_t2(upper)
        k_low = pdf_student_t2(lower)
        value = value + w * (tail_up - tail_low) + (k_low - k_up) * inv * (1 / 24)
        dx = dx + L0_student_t2(upper) + L0_student_t2(lower)
        dw = dw + (tail_up - tail_low) + upper * L0_student_t2(upper) - lower * L0_student_t2(lower)
        slope_up = divide(-3 * upper * k_up, 1 + upper * upper)
        slope_low = divide(-3 * lower * k_low, 1 + lower * lower)
        # times 1/w twice, not (1/w)²: that overflows at tiny widths (0·inf)
        dx = dx + (slope_low + slope_up) * inv * inv * (1 / 24)
        dw = dw - (k_low - k_up) * inv * inv * (1 / 24) + (-slope_low * lower + slope_up * upper) * inv * inv * (1 / 24)
    return value, dx, dw


@triton.jit
def _characteristic(t, KERNEL: tl.constexpr):
    """φ(t) and φ'(t), t ≥ 0: Gaussian e^{−t²/2}; logistic πt/sinh(πt)."""
    if KERNEL == GAUSSIAN:
        phi = exp(-0.5 * t * t)
        derivative = tl.where(phi == 0.0, 0.0, -t * phi)  # t may be inf at widths near the dtype's end
    else:
        # πt clamped where φ is 0 already (e^{−10⁴}): no inf·0 at widths near the dtype's end
        s = tl.minimum(3.141592653589793 * t, 10000.0, propagate_nan=tl.PropagateNan.ALL)
        denominator = -expm1(-2 * s)  # 1 − e^{−2s}
        positive = s > 0
        safe = tl.where(positive, denominator, 1.0)
        phi = tl.where(positive, divide(2 * s * exp(-s), safe), 1.0)
        coth = tl.where(positive, divide(1 + exp(-2 * s), safe), 1.0)
        derivative = tl.where(positive, phi * (divide(1.0, tl.where(positive, t, 1.0)) - 3.141592653589793 * coth),
                              0.0)
    return phi, derivative


@triton.jit
def _fourier(m, r, w, KERNEL: tl.constexpr, TERMS: tl.constexpr):
    value = m + r - 0.5 + tl.zeros_like(w)
    dx = tl.zeros_like(r + w) + 1.0
    dw = tl.zeros_like(r + w)
    for k in range(1, TERMS + 1):
        order = k + tl.zeros_like(w)  # k in the compute dtype
        phi, dphi = _characteristic(6.283185307179586 * order * w, KERNEL)
        turns = order * r
        s, c = sin_cos_pi(2 * (turns - tl.floor(turns + 0.5)))  # 2πkr reduced to [−π, π]
        value = value + phi * s * (0.3183098861837907 / order)  # order ≤ 9: the fast division is fine
        dx = dx + 2 * phi * c
        dw = dw + 2 * dphi * s
    return value, dx, dw


@triton.jit
def _laplace(m, r, s, w):
    c = divide(0.5, w)
    u = s - r  # 1 − 2r
    near = tl.minimum(r, s)  # the distance to the nearest jump: |u| = 1 − 2·near
    au = 1 - 2 * near
    one_minus = -expm1(-2 * c)
    scale = divide(exp(-2 * c * near), one_minus)
    sign = tl.where(u > 0, 1.0, tl.where(u < 0, -1.0, 0.0))
    sinh_ratio = sign * scale * -expm1(-2 * c * au)
    cosh_ratio = scale * (1 + exp(-2 * c * au))
    coth = divide(1 + exp(-2 * c), one_minus)
    value = m - 0.5 * sinh_ratio
    dx = c * cosh_ratio
    dw = (u * cosh_ratio - sinh_ratio * coth) * 0.5 * divide(c, w)
    return value, dx, dw


@triton.jit
def _wide(m, r, w, KERNEL: tl.constexpr):
    """The closed form of the compact polynomial kernels (uniform, triangular, epanechnikov)."""
    if KERNEL == UNIFORM:
        value, dx, dw = staircase_wide_uniform(r, w)
    elif KERNEL == TRIANGULAR:
        value, dx, dw = staircase_wide_triangular(r, w)
    else:
        value, dx, dw = staircase_wide_epanechnikov(r, w)
    return m + value, dx, dw


@triton.jit
def staircase(x, w, KERNEL: tl.constexpr, ROUND: tl.constexpr):
    """(floor_w(x + shift), ∂/∂x, ∂/∂w), shift 1/2 for ROUND, with the series of smoothfn.runtime.staircase
    (same switches and terms)."""
    m, r, s = _split(x, ROUND)  # once for every series
    if KERNEL == LAPLACE:
        value, dx, dw = _laplace(m, r, s, w)
    elif KERNEL == GAUSSIAN:
        value, dx, dw = _local(m, r, s, w, GAUSSIAN, GAUSSIAN_LOCAL_TERMS)
        v2, dx2, dw2 = _fourier(m, r, w, GAUSSIAN, GAUSSIAN_FOURIER_TERMS)
        near = w <= GAUSSIAN_SWITCH
        value = tl.where(near, value, v2)
        dx = tl.where(near, dx, dx2)
        dw = tl.where(near, dw, dw2)
    elif KERNEL == LOGISTIC:
        value, dx, dw = _local(m, r, s, w, LOGISTIC, LOGISTIC_LOCAL_TERMS)
        v2, dx2, dw2 = _fourier(m, r, w, LOGISTIC, LOGISTIC_FOURIER_TERMS)
        near = w <= LOGISTIC_SWITCH
        value = tl.where(near, value, v2)
        dx = tl.where(near, dx, dx2)
        dw = tl.where(near, dw, dw2)
    elif KERNEL == STUDENT_T2:
        value, dx, dw = _local(m, r, s, w, STUDENT_T2, STUDENT_T2_LOCAL_TERMS)
    else:  # uniform, triangular, epanechnikov
        value, dx, dw = _local(m, r, s, w, KERNEL, COMPACT_LOCAL_TERMS)
        v2, dx2, dw2 = _wide(m, r, w, KERNEL)
        near = w < COMPACT_SWITCH
        value = tl.where(near, value, v2)
        dx = tl.where(near, dx, dx2)
        dw = tl.where(near, dw, dw2)
    infinite = tl.abs(x) == float("inf")
    value = tl.where(infinite, x + tl.zeros_like(w), value)
    dx = tl.where(infinite, 1.0, dx)
    dw = tl.where(infinite, 0.0, dw)
    return value, dx, dw


@triton.jit
def forward_kernel(x_ptr, out_ptr, w_ptr, n, BLOCK: tl.constexpr, DTYPE: tl.constexpr,
                   W_FULL: tl.constexpr, KERNEL: tl.constexpr, ROUND: tl.constexpr):
    pid = tl.program_id(0)
    offsets = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask, other=0).to(DTYPE)
    if W_FULL:
        w = tl.load(w_ptr + offsets, mask=mask, other=1).to(DTYPE)
    else:
        w = tl.load(w_ptr).to(DTYPE)
    out, _, _ = staircase(x, w, KERNEL, ROUND)
    tl.store(out_ptr + offsets, out.to(out_ptr.dtype.element_ty), mask=mask)


@triton.jit
def backward_kernel(x_ptr, dy_ptr, w_ptr, gx_ptr, gw_ptr, n, BLOCK: tl.constexpr,
                    DTYPE: tl.constexpr, W_FULL: tl.constexpr,
                    NEED_X: tl.constexpr, NEED_W: tl.constexpr, KERNEL: tl.constexpr, ROUND: tl.constexpr):
    pid = tl.program_id(0)
    offsets = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask, other=0).to(DTYPE)
    if W_FULL:
        w = tl.load(w_ptr + offsets, mask=mask, other=1).to(DTYPE)
    else:
        w = tl.load(w_ptr).to(DTYPE)
    dy = tl.load(dy_ptr + offsets, mask=mask, other=0).to(DTYPE)
    _, dx, dw = staircase(x, w, KERNEL, ROUND)
    if NEED_X:
        g = dy * dx
        tl.store(gx_ptr + offsets, g.to(gx_ptr.dtype.element_ty), mask=mask)
    if NEED_W:
        g = dy * dw
        if W_FULL:
            tl.store(gw_ptr + offsets, g.to(gw_ptr.dtype.element_ty), mask=mask)
        else:
            tl.store(gw_ptr + pid, tl.sum(tl.where(mask, g, 0.0), axis=0))
