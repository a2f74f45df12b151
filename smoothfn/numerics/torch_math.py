"""Special functions for the torch twin that Inductor can fuse cheaply (the CPU peer of
:mod:`smoothfn.numerics.triton_math`).

* ``exp_minus_square(z)`` = exp(−z²). The torch printer writes every exp(−c·t²) (c > 0) as
  ``exp_minus_square(√c·t)``, the argument in the form erfc's argument takes in the same
  Gaussian tail (``erfc_nonnegative(0.7071067811865476*t)`` beside
  ``exp_minus_square(0.7071067811865476*t)``), so that under torch.compile Inductor computes the
  one exponential both need once (sau forward on 2^24: 69 against 84 ms with two). Compiled in
  fp32 it is exp(−h)·(1 − l) from the exact split z² = h + l (below); otherwise exp(−z·z).
* ``erfc_nonnegative(x)``, x ≥ 0. Eager, and in fp64, it is ``torch.special.erfc``. Under
  ``torch.compile`` in fp32, Inductor's vectorized erfc (SLEEF's ``erfcf_u15``) costs four times
  its erf on AVX2 (15.7 against 3.7 ms on 2^22 elements, 2 cores), and it is what made the
  compiled Gaussian pairs slower than the plain formula. There the twin evaluates instead, over
  the whole 0 ≤ x ≤ 10.0625 (beyond, erfc(x) is below half the smallest fp32 subnormal: 0),

      erfc(x) = exp(−x²) · q · R(s),   q = 1/(2 + x),   s = A·q + B ∈ [−1, 1],

  R ≈ erfcx(x)·(2 + x) a degree-10 Chebyshev fit (``tools/fit_triton_math.py``, 0.56 ulp with
  the coefficients rounded to fp32), and exp(−x²) from ``exp_minus_square`` (Veltkamp's split
  x = x_hi + x_lo into 12-bit halves gives x² = h + l exactly; exp(−h)·(1 − l) keeps the tail's
  relative accuracy where exp(−x·x) would lose x²·ε). One exponential (shared with the density
  beside it), one division and about thirty multiplies and adds, no branch: 7–8 against 15.7 ms
  on the same 2^22 elements. It is less accurate than ATen's (fp32 steps without fma): measured
  7.0 ulp over normal values and 2.1 subnormal ulp below (3·10^6 points; tests/test_torch_math.py
  enforces 8 and 3, about the bound of triton_math's fp32 erfc). The compiled fp32 twin of every
  Gaussian pair stays within 2e-6·(|f| + w) of the fp64 twin, as the eager fp32 twin does.
* ``select(condition, if_true, if_false)`` = ``torch.where(condition, if_true, if_false)``, the
  same bits. ATen's CPU ``where`` is a scalar loop that branches on each element: on a condition
  that flips at random (the sign of x, in a layer's activations) it mispredicts half the time and
  costs 225 µs on 2^17 fp32 elements against 39 µs on a sorted condition and 7 µs for a multiply
  (2 threads, this machine). It was 37% of sau's eager forward+backward at 2^22
  (benchmarks/profile_cpu.py). Eager on the CPU, ``select`` first takes the condition's minimum
  and maximum (4 µs): where it holds nowhere or everywhere, as a guard's condition (x = ±inf,
  h = 0) almost always, it copies the one branch (8 µs); otherwise it blends the bit patterns,
  ``b ^ ((a ^ b) & m)`` with m = −condition (all ones where it holds): five vectorized integer
  operations, about 45 µs. Under torch.compile, on other devices, for small tensors and where
  autograd must see the selection it is ``torch.where`` itself.
* ``flush_below_normal(t)``, ``left_or_negated(z, tail)`` and ``finite_times(z, s)``: the guards
  of the tail building blocks (0 for a subnormal tail, the odd continuation tail/−tail, z·s with 0
  at z = ±inf) in single vectorized float operations on eager tensors (threshold, copysign,
  clamp) in place of a comparison and a select each: comparisons write bool tensors, which ATen's
  CPU kernels produce at about a quarter of a multiply's speed (41 against 9 µs per 2^17 fp32
  elements). They are the same bits as the where they replace (the generator checks this).
"""

from __future__ import annotations

import functools
import math

import torch

# R(s) highest degree first (ERFC_FP32 of tools/fit_triton_math.py rounded to fp32, the numbers of
# triton_math._erfcx_fp32); A and B map q ∈ [1/12.0625, 1/2] onto s ∈ [−1, 1] (fp32 values).
_ERFC_FP32 = (
    1.0371636562922504e-05, 1.3140012924850453e-05, -0.00013282823783811182, 1.1057657502533402e-05,
    0.001199359423480928, -0.0012535859132185578, -0.012352845631539822, 0.01201401837170124,
    0.2044454663991928, 0.6526978015899658, 1.1433480978012085,
)
_ERFC_A, _ERFC_B = 4.7950310707092285, -1.3975155353546143
_ERFC_END_FP32 = 10.0625
_SPLIT = 4097.0  # 2^12 + 1: Veltkamp's splitter for 24-bit significands


# the integer type of the same width, whose bits the eager CPU select blends
_BITS = {torch.float32: torch.int32, torch.float64: torch.int64}
_SELECT_MIN_ELEMENTS = 4096  # below, torch.where's one call costs less than the blend's five
# the number just below the smallest normal one (largest subnormal), per compute dtype
_BELOW_TINY = {torch.float32: 2.0**-126 - 2.0**-149, torch.float64: 2.0**-1022 - 2.0**-1074}


def _compiled_fp32(x: torch.Tensor) -> bool:
    return x.dtype == torch.float32 and torch.compiler.is_compiling()


def exp_minus_square(z: torch.Tensor) -> torch.Tensor:
    """exp(−z²) (0 at ±inf, nan stays nan); compiled in fp32, from the exact split z² = h + l."""
    if not _compiled_fp32(z):
        return torch.exp(-(z * z))
    h = z * z
    c = z * _SPLIT
    z_hi = c - (c - z)
    z_lo = z - z_hi
    low = ((z_hi * z_hi - h) + 2.0 * z_hi * z_lo) + z_lo * z_lo  # z² − h, exactly
    e = torch.exp(-h)
    return torch.where(e == 0.0, 0.0, e - e * low)  # exp(−h)·(1 − l); the split is nan where e is 0


def erfc_nonnegative(x: torch.Tensor) -> torch.Tensor:
    """erfc(x) for x ≥ 0 (+inf gives 0, nan stays nan); see the module docstring."""
    if not _compiled_fp32(x):
        return torch.special.erfc(x)
    beyond = x > _ERFC_END_FP32  # erfc(x) < 2^-150 there: 0 (+inf gives q = 0, finite r, 0 too)
    q = 1.0 / (2.0 + x)
    s = q * _ERFC_A + _ERFC_B
    r = s * _ERFC_FP32[0] + _ERFC_FP32[1]
    for c in _ERFC_FP32[2:]:
        r = r * s + c
    # exp(−x²) of x itself, so that Inductor shares it with a Gaussian density exp(−x²) beside it
    return torch.where(beyond, 0.0, exp_minus_square(x) * (r * q))


def select(condition: torch.Tensor, if_true, if_false):
    """torch.where(condition, if_true, if_false), bit for bit; branch-free on eager CPU tensors
    (see the module docstring). The values are tensors or Python numbers."""
    true_tensor = isinstance(if_true, torch.Tensor)
    false_tensor = isinstance(if_false, torch.Tensor)
    reference = if_true if true_tensor else if_false
    if (
        torch.compiler.is_compiling()
        or not isinstance(reference, torch.Tensor)
        or reference.dtype not in _BITS
        or condition.device.type != "cpu"
        or reference.device.type != "cpu"
        or (true_tensor and false_tensor and if_true.dtype != if_false.dtype)
        or max(condition.numel(), reference.numel()) < _SELECT_MIN_ELEMENTS
        or (torch.is_grad_enabled() and ((true_tensor and if_true.requires_grad)
                                         or (false_tensor and if_false.requires_grad)))
    ):
        return torch.where(condition, if_true, if_false)
    dtype = reference.dtype
    low, high = torch.aminmax(condition.view(torch.uint8))  # a guard's condition rarely holds
    if int(high) == 0 or int(low) == 1:
        chosen = if_true if int(low) == 1 else if_false
        shaped = torch.broadcast_tensors(condition, *(v for v in (if_true, if_false) if isinstance(v, torch.Tensor)))
        return torch.empty(shaped[0].shape, dtype=dtype).copy_(chosen)  # a new tensor, as torch.where's
    a, b = _bits(if_true, dtype), _bits(if_false, dtype)
    if isinstance(a, int) and a == 0:  # +0.0 where the condition holds (a kink's zero piece): b & ~mask
        return (condition.to(_BITS[dtype]).sub_(1) & b).view(dtype)
    mask = condition.to(_BITS[dtype]).neg_()  # all ones where the condition holds, else 0
    if isinstance(b, int):
        blended = mask & a if b == 0 else (mask & (a ^ b)) ^ b
    else:
        blended = b ^ ((a ^ b) & mask)
    return blended.view(dtype)


def _bits(value, dtype: torch.dtype):
    """The bit pattern of a tensor (a view) or of a Python number (an int) as ``dtype`` stores it."""
    if isinstance(value, torch.Tensor):
        return value.view(_BITS[dtype])
    return _number_bits(value, math.copysign(1.0, value), dtype)


@functools.lru_cache(maxsize=256)
def _number_bits(value, sign: float, dtype: torch.dtype) -> int:
    # sign: a key of its own, since 0.0 == -0.0 would share a cache entry
    # through a tensor, so the number rounds (and overflows to ±inf) as torch.where rounds it
    return int(torch.tensor(value, dtype=dtype).view(_BITS[dtype]).item())


def flush_below_normal(t: torch.Tensor) -> torch.Tensor:
    """t, with 0 where t is below the dtype's smallest normal number (noise of a tail that is a
    difference of terms; negative values included): torch.where(t < tiny, 0, t), NaN kept. One
    vectorized ``torch.threshold`` (t ≤ the number just below tiny gives 0), where the comparison
    and the select cost ten times a multiply on eager CPU tensors; the where under torch.compile."""
    below = _BELOW_TINY.get(t.dtype)
    if below is None or torch.compiler.is_compiling():  # Dynamo mis-traces threshold in an autograd.Function
        return torch.where(t < torch.finfo(t.dtype).tiny, 0.0, t)
    return torch.threshold(t, below, 0.0)


def left_or_negated(z: torch.Tensor, tail: torch.Tensor) -> torch.Tensor:
    """torch.where(z < 0, tail, −tail) for a tail ≥ +0 (or NaN): the odd continuation of a left
    tail. Eager, it is copysign(tail, −(z + 0)): z + 0 turns z = −0 into +0, so that both zeros,
    like z > 0, take −tail, and z = NaN gives NaN as the tail does; two multiplies' worth against
    a comparison and a select. Under torch.compile (which may drop the + 0) it is the where."""
    if torch.compiler.is_compiling():
        return torch.where(z < 0, tail, -tail)
    return torch.copysign(tail, -(z + 0.0))


def finite_times(z: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """z·s, and 0 where z = ±inf, for an s that is 0 there (a tail's slope z·S'(z) at z = ±inf,
    which would be inf·0): torch.where(isinf(z), 0, z·s). Eager, z is clamped to the finite range
    first (max·0 = 0; NaN stays NaN): one cheap op in place of isinf and a select; the generator
    uses it only where S(±inf) is exactly 0 in fp32 and fp64 (smoothfn.codegen.emit)."""
    if torch.compiler.is_compiling():
        return torch.where(torch.isinf(z), 0.0, z * s)
    largest = torch.finfo(z.dtype).max
    return torch.clamp(z, -largest, largest) * s
