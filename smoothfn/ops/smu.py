r"""SMU and SMU-1 (Biswas et al.), the smooth maximum units, as autograd Functions with closed-form
gradients for x, α and μ; :func:`smoothfn.functional.smu` and ``smu1`` check the arguments and
call them.

    SMU   = ((1 + α)x + (1 − α)x·erf(μ(1 − α)x))/2,
    SMU-1 = ((1 + α)x + √(((1 − α)x)² + μ²))/2.

Each ``*_parts`` computes the value (and with ``grads`` the three partial derivatives) in a form
without cancellation left of 0 and with exact limits at ±∞.
"""

from __future__ import annotations

import math

import torch

from smoothfn.numerics.torch_math import erfc_nonnegative, exp_minus_square, select
from smoothfn.ops.autograd import distinct_for_backward
from smoothfn.runtime import twin_slices
from smoothfn.runtime.dtypes import all_in_dtype, compute_dtype, in_dtype
from smoothfn.runtime.shapes import sum_to_shape

_SQRT_PI = math.sqrt(math.pi)


def _zero_where(condition, t: torch.Tensor) -> torch.Tensor:
    return select(condition, 0.0, t)


def smu_parts(x, a, m, grads: bool):
    """SMU and, with ``grads``, (∂/∂x, ∂/∂α, ∂/∂μ); tensors of one dtype, finite limits at ±∞."""
    c = 1 - a
    mc = m * c
    v = _zero_where(mc == 0, mc * x)  # μ(1 − α)x, 0 (not 0·∞) where μ(1 − α) = 0
    s = torch.sign(v)
    e = erfc_nonnegative(torch.abs(v))  # torch.erfc eager; a cheaper fit under torch.compile in fp32
    # (1 + α) + (1 − α)·erf(v) = 2 − (1 − α)·erfc(v) for v > 0, 2α + (1 − α)·erfc(−v) for v < 0:
    # no cancellation left of 0, and exact limits at ±∞ (erfc(∞) = 0)
    base = select(s > 0, 2.0, select(s < 0, 2 * a, 1 + a))
    bracket = base - s * c * e
    value = _zero_where(bracket == 0, x * bracket) / 2  # x·0 stays 0 at x = ±∞ (α = 0, x → −∞)
    if not grads:
        return (value,)
    # e^(−v²), 0 at |v| = ∞: eager exp(−v·v) to the bit, compiled the exponential that erfc_nonnegative(|v|)
    # computes anyway (one exp fewer per element: compiled SMU fwd+bwd at 2^22, 16 → 13 ms)
    gauss = exp_minus_square(torch.abs(v))
    g = _zero_where(~torch.isfinite(v), v) * gauss / _SQRT_PI  # v·e^(−v²)/√π, 0 (not ∞·0) at |v| = ∞
    finite_x = _zero_where(~torch.isfinite(x), x)
    erfc_v = select(s < 0, 2 - e, e)
    d_x = bracket / 2 + c * g
    d_a = _zero_where(erfc_v == 0, x * erfc_v) / 2 - finite_x * g
    cx = c * finite_x
    d_m = cx * (cx * gauss) / _SQRT_PI
    return value, d_x, d_a, d_m


def smu1_parts(x, a, m, grads: bool):
    """SMU-1 and, with ``grads``, (∂/∂x, ∂/∂α, ∂/∂μ); finite at μ = 0 and exact at ±∞, for any α.

    With t = (1 − α)x and h = √(t² + μ²), 2·SMU-1 = (1 + α)x + h is summed as 2αx + (h + t) for
    t < 0 and as 2x + (h − t) for t ≥ 0, where h ∓ t = μ²/(h ± |t|): no cancellation on either side
    of 0 for α < 1 or α > 1 (the plain sum was −∞ + ∞ = NaN at x = −∞ for α > 1)."""
    c = 1 - a
    t = _zero_where(c == 0, c * x)  # (1 − α)x
    h = torch.hypot(t, m)
    negative = t < 0
    h_plus = select(negative, h - t, h + t)  # h + |t|: 0 only where t = μ = 0
    excess = _zero_where(h_plus == 0, m * (m / h_plus))  # h − |t| = μ²/(h + |t|)
    doubled_x = select(negative, 2 * a, torch.full_like(a, 2.0))
    linear = _zero_where(doubled_x == 0, doubled_x * x)  # 2αx or 2x (0, not 0·∞, where α = 0)
    value = (linear + excess) / 2
    if not grads:
        return (value,)
    ratio = select(torch.isinf(t), torch.sign(t), t / h)  # ∂h/∂t = t/h
    ratio = _zero_where(h == 0, ratio)  # t = μ = 0: the mean of the one-sided slopes
    m_over_h = _zero_where(h == 0, m / h)
    # 1 − |t|/h = μ²/(h(h + |t|)), → 0 like x⁻² at |x| → ∞; 1 where t = μ = 0
    one_minus_abs = select(h == 0, 1.0, m_over_h * _zero_where(h_plus == 0, m / h_plus))
    # ∂/∂x = ((1 + α) + (1 − α)·t/h)/2 = α + (1 − α)(1 − |t|/h)/2 for t < 0, 1 − (1 − α)(1 − t/h)/2 else
    d_x = select(negative, a + c * one_minus_abs / 2, 1 - c * one_minus_abs / 2)
    # ∂/∂α = x(1 − t/h)/2: 1 − t/h = 1 + |t|/h = 2 − (1 − |t|/h) for t < 0
    finite_x = _zero_where(~torch.isfinite(x), x)
    d_a = select(negative, x * (2 - one_minus_abs), finite_x * one_minus_abs) / 2
    d_m = m_over_h / 2
    return value, d_x, d_a, d_m


def smu_parts_finite(x, a, m, grads: bool):
    """smu_parts where every x is finite and |μ(1 − α)x| ≤ 1e18 (see :func:`_common_case`): the
    same formulas without the guards for 0·∞, ±∞ and v = 0."""
    c = 1 - a
    v = (m * c) * x
    negative = v < 0
    e = erfc_nonnegative(torch.abs(v))  # torch.erfc eager; a cheaper fit under torch.compile in fp32
    # (1 + α) + (1 − α)·erf(v) as in smu_parts, 1 + α exactly at v = 0
    right = 2 - c * e
    if not bool((2 - c) == (1 + a)):  # at v = 0 (e = 1) 2 − c is 1 + α itself for every α in [0, 1]
        right = select(v == 0, 1 + a, right)
    bracket = select(negative, 2 * a + c * e, right)
    value = x * bracket / 2
    if not grads:
        return (value,)
    gauss = torch.exp(-v * v)
    g = v * gauss / _SQRT_PI
    erfc_v = select(negative, 2 - e, e)
    d_x = bracket / 2 + c * g
    d_a = x * erfc_v / 2 - x * g
    cx = c * x
    d_m = cx * (cx * gauss) / _SQRT_PI
    return value, d_x, d_a, d_m


def smu1_parts_finite(x, a, m, grads: bool):
    """smu1_parts where every x is finite, μ ≠ 0 and |(1 − α)x| ≤ 1e18 (see :func:`_common_case`):
    h > 0 and h + |t| > 0 everywhere, so the same formulas need no guards."""
    c = 1 - a
    t = c * x
    h = torch.hypot(t, m)
    negative = t < 0
    h_plus = h + torch.abs(t)
    value = (select(negative, 2 * a, 2.0) * x + m * (m / h_plus)) / 2
    if not grads:
        return (value,)
    m_over_h = m / h
    one_minus_abs = m_over_h * (m / h_plus)
    d_x = select(negative, a + c * one_minus_abs / 2, 1 - c * one_minus_abs / 2)
    d_a = select(negative, x * (2 - one_minus_abs), x * one_minus_abs) / 2
    d_m = m_over_h / 2
    return value, d_x, d_a, d_m


# the careful parts → their lean twins for the common case
_FINITE = {smu_parts: smu_parts_finite, smu1_parts: smu1_parts_finite}
_LEAN_LIMIT = 1e18  # |v|, |t| below it: v² and t² stay finite in fp32


def _common_case(parts, x: torch.Tensor, a: torch.Tensor, m: torch.Tensor) -> bool:
    """Whether x is finite everywhere and α, μ leave the lean formulas exact: one pass over x
    (its minimum and maximum; NaN propagates into them) and checks of the two numbers. On the CPU
    this costs no device synchronization."""
    low, high = (float(v) for v in torch.aminmax(x))
    alpha, mu = float(a), float(m)
    largest = max(-low, high)
    if not (math.isfinite(largest) and math.isfinite(alpha) and math.isfinite(mu) and alpha != 1):
        return False
    if parts is smu1_parts and mu == 0:
        return False
    scale = abs(1 - alpha) * (abs(mu) if parts is smu_parts else 1.0)
    return largest * scale <= _LEAN_LIMIT


def choose(parts, x, a, m):
    """parts, or its lean twin where the call runs in slices and :func:`_common_case` holds; decided
    once per call (the forward's choice serves the backward)."""
    if twin_slices.applies(x, a, m) and _common_case(parts, x, a, m):
        return _FINITE[parts]
    return parts


def _value(parts):
    return lambda x, a, m: parts(x, a, m, False)[0]


def _partials(parts):
    return lambda x, a, m: parts(x, a, m, True)[1:]


def evaluate(parts, x, a, m):
    """parts(…)'s value in the compute dtype (fp32 for fp16/bf16/fp32, fp64 for fp64), in x's dtype.
    Large eager CPU inputs with scalar α and μ run in cache-sized slices (the same arithmetic:
    about 2× faster, and no full-size temporaries; :mod:`smoothfn.runtime.twin_slices`); ``parts``
    as :func:`choose` returns it."""
    dtype = compute_dtype(x.dtype)
    if twin_slices.applies(x, a, m):
        return twin_slices.forward(_value(parts), x, [a, m], dtype)
    return in_dtype(parts(*all_in_dtype(dtype, x, a, m), False)[0], x.dtype)


def gradients(parts, ctx, grad_output):
    x, a, m = ctx.saved_tensors
    if torch.compiler.is_compiling():
        x = distinct_for_backward(x)  # the forward saves x alone (see there)
    dtype = compute_dtype(x.dtype)
    if twin_slices.applies(x, a, m):
        return tuple(twin_slices.backward(_partials(parts), grad_output, ctx.needs_input_grad, x, [a, m], dtype))
    _, *partials = parts(*all_in_dtype(dtype, x, a, m), True)
    grad = in_dtype(grad_output, dtype)
    return tuple(
        in_dtype(sum_to_shape(grad * partial, original.shape), original.dtype) if needed else None
        for needed, partial, original in zip(ctx.needs_input_grad, partials, (x, a, m))
    )


class SMU(torch.autograd.Function):
    """SMU with its closed-form gradients (the forward saves only the inputs)."""

    @staticmethod
    def forward(ctx, x, a, m):
        ctx.save_for_backward(x, a, m)
        ctx.parts = choose(smu_parts, x, a, m)
        return evaluate(ctx.parts, x, a, m)

    @staticmethod
    def backward(ctx, grad_output):
        return gradients(ctx.parts, ctx, grad_output)


class SMU1(torch.autograd.Function):
    """SMU-1 with its closed-form gradients."""

    @staticmethod
    def forward(ctx, x, a, m):
        ctx.save_for_backward(x, a, m)
        ctx.parts = choose(smu1_parts, x, a, m)
        return evaluate(ctx.parts, x, a, m)

    @staticmethod
    def backward(ctx, grad_output):
        return gradients(ctx.parts, ctx, grad_output)
