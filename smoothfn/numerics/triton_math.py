"""Device functions that ``triton.language`` lacks, from primitives that work both compiled and
in Triton's interpreter (``tl.exp``, ``tl.exp2``, ``tl.log``, ``tl.fma``, ``tl.sqrt_rn``,
``tl.div_rn``, ``tl.math.erf``, arithmetic). Each computes in its argument's dtype (fp32 or fp64,
chosen at compile time). Polynomial coefficients come from ``tools/fit_triton_math.py``.

* ``divide(a, b)``, ``square_root(a)``: correctly rounded; Triton compiles fp32 ``/`` and
  ``tl.sqrt`` to approximate instructions (subnormals flushed, 0 for |b| > 2^126).
* ``exp_minus_square(z)`` = exp(−z²), from the exact split z² = h + l (h = z·z,
  l = fma(z, z, −h)): exp(−h)·(1 − l), so the result keeps its relative accuracy where
  exp(−z·z) would lose z²·ε. In fp32 the exponent is split once more, −h·log2(e) = p + p_low,
  and exp2(p) is scaled by 2^64 where it would be subnormal: a GPU's fp32 ``tl.exp`` is
  ``ex2.approx.ftz`` of a rounded product (relative error growing like z²·2^-24), and flushes
  subnormal results. The printers write every Gaussian exp(−c·t²) as ``exp_minus_square(√c·t)``.
* ``erfc_nonnegative(x)``, x ≥ 0: with q = 1/(2 + x),

      erfc(x) = exp_minus_square(x) · q · R(s),   s = A·q + B ∈ [−1, 1],   R(s) ≈ erfcx(x)·(2 + x),

  R a Chebyshev fit. fp32: degree 10 over the whole 0 ≤ x ≤ 10.0625 (the fit torch_math's
  compiled erfc uses), q from rsqrt(2 + x)² and one Newton step. The exponential is that of x
  itself, so inside a kernel the compiler computes it once for erfc(t/√2) and the Gaussian
  density exp(−t²/2) beside it: with the single fit, sau's forward went from about 123 to 67
  instructions per element on sm_90 (ptxas output; the erf branch, a second exponential and a
  correctly rounded division gone). fp64: 1 − erf(x) for x ≤ 0.5 (no cancellation there:
  erfc ≥ 0.47), beyond a degree-22 fit over x ≤ 27.25 with q + q_low = 1/(2 + x) to twice the
  working precision. Beyond 27.25 (fp64) / 10.0625 (fp32) erfc is below half the smallest
  subnormal and 0 is its correctly rounded value.
* ``acot_nonnegative(t)`` = atan(1/t), t ≥ 0 (π/2 at 0, 0 at +inf): reduced to
  |w| ≤ tan(π/8) by w = t (then π/2 − atan w), w = 1/t (above tan(3π/8)) or
  w = (1 − t)/(1 + t) (then π/4 + atan w); atan(w) = w + w³·Q(w²) (degree 10 for fp64, 4 for
  fp32).
* ``log1p(y)``, y ≥ −1: with u = 1 + y rounded and c = y − (u − 1) its exact rounding error,
  log(1 + y) = log(u) + c/u to first order in c/u (|c/u| ≤ ε).
* ``log1p_unit_interval(y)``, 0 ≤ y ≤ 1: fp32 y·P(y), P a degree-9 fit of log(1 + y)/y (no
  log, no division); fp64 ``log1p``. The softplus tail log(1 + e^(−t)) and the small part of
  log(1 + a²) take it.
* ``expm1(x)`` = e^x − 1 accurate near 0 (Kahan): with u = exp(x), (u − 1)·x/log(u), which
  stays accurate whatever the rounding of u; x where u rounds to 1, −1 where u − 1 does.
* ``sin_cos_pi(g)`` = (sin πg, cos πg) for |g| ≤ 1: reduced to |h| ≤ 1/2 by an integer shift,
  then Taylor series in (πh)² (no libdevice call, hence no local memory).
* ``hypot1(t)`` = √(1 + t²) without overflow: fma(t, t, 1) under the root, |t| beyond 2^32
  (where 1 + t² rounds to t² in fp64).

Measured relative accuracy against 40-digit mpmath (tests/test_triton_math.py, interpreter):
erfc 1e-15 / 5e-7, exp_minus_square 4e-16 / 3e-7, acot 6e-16 / 3.5e-7, log1p 6e-16 / 4.5e-7,
log1p_unit_interval 6e-16 / 2e-7,
expm1 6e-16 / 4.5e-7, hypot1 4e-16 / 2.5e-7 (fp64 / fp32 bounds the test enforces); every
function also compiles for sm_80 and sm_90 without spills.
"""

import triton
import triton.language as tl


@triton.jit
def fma_exact(a, b, c):
    """a·b + c in one rounding, for Python-float constants b and c (never ±0).

    The constants are first added to a zero of a's dtype, so an fp64 kernel keeps all their digits:
    Triton up to 3.6 turns a float handed to ``tl.fma`` (or ``tl.maximum``) into an fp32 constant
    before promoting it, while arithmetic operators take the other operand's dtype.
    """
    zero = tl.zeros_like(a)
    return tl.fma(a, b + zero, c + zero)


@triton.jit
def horner_step(p, y, c):
    """p·y + c in one rounding, c a Python-float coefficient kept in p's dtype (see fma_exact)."""
    return tl.fma(p, y, c + tl.zeros_like(p))


@triton.jit
def divide(a, b):
    """a / b, correctly rounded (fp32: ``tl.div_rn``; fp64: IEEE division). A reciprocal of a
    block-wide width computed once, with one Markstein correction an element, saved only about 2
    of sau's 66 instructions an element on sm_90 (benchmarks/instruction_counts.py): not kept."""
    if b.dtype == tl.float32:
        # "a − 0" broadcasts a Python-float a to b's shape and folds away for a tensor a (x − 0 = x
        # for every x, −0 included; "a + 0" does not fold: −0 + 0 = +0)
        q = tl.div_rn(a - tl.zeros_like(b), b)
    else:
        q = a / b
    return q


@triton.jit
def square_root(a):
    """√a, correctly rounded."""
    if a.dtype == tl.float32:
        r = tl.sqrt_rn(a)
    else:
        r = tl.sqrt(a)
    return r


@triton.jit
def exp_minus_square(z):
    """exp(−z²) (0 at ±inf, nan stays nan), from the exact split z² = h + l (l = fma(z, z, −h)):
    exp(−h)·(1 − l). fp32 splits the exponent once more, −h·log2(e) = p + p_low, and scales
    exp2(p) by 2^64 where it would be subnormal: a GPU's fp32 ``tl.exp`` is ``ex2.approx`` of a
    rounded product (relative error growing like z²·2^-24) and flushes subnormal results."""
    # At z = ±inf the correction terms are nan (inf − inf) and e is 0: tl.minimum/tl.maximum, which
    # return their other operand for a nan, keep the result 0 there (nan z still gives nan through e).
    h = z * z
    low = tl.fma(z, z, -h)  # z² = h + low exactly
    if z.dtype == tl.float64:
        e = tl.exp(-h)
        # low is bounded below by −1: where z² overflows (|z| > 1.3e154: x/w at the smallest fp64
        # width) low is −inf and −e·low = 0·inf was nan; at z = ±inf low is nan and tl.maximum returns
        # −1; elsewhere |low| ≤ ulp(h)/2, and wherever e > 0 that is far below 1
        r = tl.fma(-e, tl.maximum(low, -1.0), e)
    else:
        # p is the rounded product as an fma with +0: a plain product followed by "+ 64" below would
        # be contracted into one fma on a GPU, whose single rounding p_low does not describe
        p = tl.fma(h, -1.4426950216293335, tl.zeros_like(h))
        p_low = tl.fma(h, -1.4426950216293335, -p) - h * 1.9259629911266175e-08 - low * 1.4426950216293335
        deep = p < -120.0
        e = tl.exp2(tl.where(deep, p + 64.0, p))
        correction = tl.minimum(p_low * 0.6931471805599453, 1.0)
        r = tl.fma(e, correction, e) * tl.where(deep, 5.421010862427522e-20, 1.0)  # 2^-64
    return r


@triton.jit
def _erfcx_fp64(x):
    """erfcx(x) for 0.5 ≤ x ≤ 27.25: q·R(s), q + q_low = 1/(2 + x) to twice the working precision."""
    d = 2.0 + x
    d_low = x - (d - 2.0)  # 2 + x = d + d_low exactly
    q = divide(1.0, d)
    q_low = q * (tl.fma(-q, d, 1.0) - q * d_low)
    s = fma_exact(q_low, 5.467289719626168, fma_exact(q, 5.467289719626168, -1.1869158878504673))
    p = -8.196609229386091e-11 + tl.zeros_like(s)
    p = horner_step(p, s, 2.7457993941664238e-11)
    p = horner_step(p, s, 8.36055937753536e-10)
    p = horner_step(p, s, -1.050250077484128e-09)
    p = horner_step(p, s, -3.4711454799473314e-09)
    p = horner_step(p, s, 1.0872151837600446e-08)
    p = horner_step(p, s, -7.937300017864247e-10)
    p = horner_step(p, s, -6.00611076189321e-08)
    p = horner_step(p, s, 1.2045489543271755e-07)
    p = horner_step(p, s, 1.5942783731768953e-07)
    p = horner_step(p, s, -1.0877447582682256e-06)
    p = horner_step(p, s, 6.754914081501263e-07)
    p = horner_step(p, s, 6.976496059945798e-06)
    p = horner_step(p, s, -1.4579472864213076e-05)
    p = horner_step(p, s, -4.112158849479726e-05)
    p = horner_step(p, s, 0.00016516430170391015)
    p = horner_step(p, s, 0.00030883046259240927)
    p = horner_step(p, s, -0.0017888163196051014)
    p = horner_step(p, s, -0.004734374202106056)
    p = horner_step(p, s, 0.01821587176732249)
    p = horner_step(p, s, 0.1407806667956215)
    p = horner_step(p, s, 0.4504389859884456)
    p = horner_step(p, s, 0.93588844234679)
    return tl.fma(p, q, p * q_low)


@triton.jit
def _erfcx_fp32(x):
    """erfcx(x) for 0 ≤ x ≤ 10.0625: q·R(s), q = 1/(2 + x); the fit torch_math's compiled fp32
    erfc uses too (its _ERFC_FP32, the same numbers)."""
    d = 2.0 + x
    # 1/d as rsqrt(d)² (2^-21 relative) and one Newton step: four instructions where the correctly
    # rounded divide takes about eleven (d is in [2, 12.0625], far from any range limit)
    r = tl.math.rsqrt(d)
    q = r * r
    q = tl.fma(q, tl.fma(-d, q, 1.0), q)
    s = fma_exact(q, 4.7950310707092285, -1.3975155353546143)
    p = 1.0371636562922504e-05 + tl.zeros_like(s)
    p = horner_step(p, s, 1.3140012924850453e-05)
    p = horner_step(p, s, -0.00013282823783811182)
    p = horner_step(p, s, 1.1057657502533402e-05)
    p = horner_step(p, s, 0.001199359423480928)
    p = horner_step(p, s, -0.0012535859132185578)
    p = horner_step(p, s, -0.012352845631539822)
    p = horner_step(p, s, 0.01201401837170124)
    p = horner_step(p, s, 0.2044454663991928)
    p = horner_step(p, s, 0.6526978015899658)
    p = horner_step(p, s, 1.1433480978012085)
    return p * q


@triton.jit
def erfc_nonnegative(x):
    """erfc(x) for x ≥ 0 (nan stays nan, +inf gives 0): exp_minus_square(x)·erfcx(x), the
    exponential of x itself so that the compiler shares it with a Gaussian density exp(−x²)
    beside it; fp64 takes 1 − erf(x) up to 0.5."""
    # A float assigned to a variable becomes an fp32 tensor: constants stay inline.
    if x.dtype == tl.float64:
        beyond = x > 27.25  # erfc(x) < 2^-1075 there, so 0 is its correctly rounded value
    else:
        beyond = x > 10.0625  # erfc(x) < 2^-150
    z = tl.where(beyond, 0.0, x)  # keeps inf out of the polynomial; nan passes
    if x.dtype == tl.float64:
        tail = exp_minus_square(x) * _erfcx_fp64(z)
        r = tl.where(x <= 0.5, 1.0 - tl.math.erf(x), tl.where(beyond, 0.0, tail))
    else:
        r = tl.where(beyond, 0.0, exp_minus_square(x) * _erfcx_fp32(z))
    return r


@triton.jit
def _atan_reduced(w):
    """atan(w) = w + w³·Q(w²) for |w| ≤ tan(π/8); coefficients from tools/fit_triton_math.py."""
    y = w * w
    if w.dtype == tl.float64:
        p = -0.019174543572021332 + tl.zeros_like(y)
        p = horner_step(p, y, 0.03922974453661223)
        p = horner_step(p, y, -0.05085383488842831)
        p = horner_step(p, y, 0.058581362519061465)
        p = horner_step(p, y, -0.06664509989818045)
        p = horner_step(p, y, 0.07692183087342026)
        p = horner_step(p, y, -0.0909090457366906)
        p = horner_step(p, y, 0.11111111015146714)
        p = horner_step(p, y, -0.1428571428466518)
        p = horner_step(p, y, 0.19999999999995513)
        p = horner_step(p, y, -0.3333333333333333)
    else:
        p = -0.06451597258952992 + tl.zeros_like(y)
        p = horner_step(p, y, 0.10743631627144574)
        p = horner_step(p, y, -0.1426394635791234)
        p = horner_step(p, y, 0.19999540216937534)
        p = horner_step(p, y, -0.3333333176000804)
    return tl.fma(w * y, p, w)


@triton.jit
def acot_nonnegative(t):
    """atan(1/t) for t ≥ 0 (π/2 at 0, 0 at +inf, nan stays nan)."""
    low = t <= 0.41421356237309503  # tan(π/8)
    high = t >= 2.414213562373095  # tan(3π/8)
    numerator = tl.where(low, t, tl.where(high, 1.0, 1.0 - t))
    denominator = tl.where(low, 1.0, tl.where(high, t, 1.0 + t))
    a = _atan_reduced(divide(numerator, denominator))
    return tl.where(low, 1.5707963267948966 - a, tl.where(high, a, 0.7853981633974483 + a))


@triton.jit
def log1p(y):
    """log(1 + y) for y ≥ −1, accurate for tiny y."""
    u = 1.0 + y
    c = y - (u - 1.0)  # 1 + y = u + c exactly
    corrected = tl.log(u) + divide(c, tl.where(u == 0.0, 1.0, u))
    return tl.where(u == float("inf"), u, corrected)


@triton.jit
def log1p_unit_interval(y):
    """log(1 + y) for 0 ≤ y ≤ 1 (nan stays nan). fp32: y·P(y), P a degree-9 fit of log1p(y)/y,
    ten instructions where ``log1p`` takes a libdevice log and a division (about 44 on sm_90);
    fp64: ``log1p``. The printers call it where the argument is exp(−t), t ≥ 0, or
    min(|a|, 1/|a|)²."""
    if y.dtype == tl.float64:
        r = log1p(y)
    else:
        p = -0.0031760570127516985 + tl.zeros_like(y)
        p = horner_step(p, y, 0.019542526453733444)
        p = horner_step(p, y, -0.056373611092567444)
        p = horner_step(p, y, 0.10543623566627502)
        p = horner_step(p, y, -0.1526966691017151)
        p = horner_step(p, y, 0.1966327428817749)
        p = horner_step(p, y, -0.24951615929603577)
        p = horner_step(p, y, 0.33329710364341736)
        p = horner_step(p, y, -0.49999892711639404)
        r = horner_step(p, y, 1.0) * y
    return r


@triton.jit
def hypot1(t):
    """√(1 + t²) without overflow of t²."""
    a = tl.abs(t)
    return tl.where(a > 4294967296.0, a, square_root(tl.fma(a, a, 1.0)))  # beyond 2^32 it rounds to |t|


@triton.jit
def exp(x):
    """e^x. fp64: ``tl.exp``. fp32: 2^p·(1 + p_low·ln 2) with x·log2(e) = p + p_low split exactly
    (fma and log2(e) in two parts), since a GPU computes fp32 ``tl.exp`` as ``ex2.approx`` of the
    rounded product, whose rounding error 2^-24·|x·log2 e| grows to 1e-6 relative at |x| ≈ 10."""
    if x.dtype == tl.float64:
        r = tl.exp(x)
    else:
        p = x * 1.4426950216293335  # log2 e = 1.4426950216293335 (its fp32 value) + 1.9259629911266175e-08
        p_low = tl.fma(x, 1.4426950216293335, -p) + x * 1.9259629911266175e-08
        e = tl.exp2(p)
        # outside |p| < 128 the result is 0, subnormal or inf (and p_low may be nan at ±inf)
        r = tl.where(tl.abs(p) < 128.0, tl.fma(e, p_low * 0.6931471805599453, e), e)
    return r


@triton.jit
def expm1(x):
    """e^x − 1 for every x (−1 at −inf, inf at inf, nan stays nan)."""
    u = exp(x)
    shifted = u - 1.0
    corrected = shifted * divide(x, tl.where(u == 1.0, 1.0, tl.log(u)))
    inner = tl.where(shifted == -1.0, shifted, tl.where(u == float("inf"), u, corrected))
    return tl.where(u == 1.0, x, inner)


@triton.jit
def _sin_cos_reduced(theta):
    """(sin θ, cos θ) for |θ| ≤ π/2 by their Taylor series in θ² (truncation below 2^-60 in fp64,
    2^-30 in fp32)."""
    y = theta * theta
    # sin: θ·Σ (−1)^k θ^2k/(2k+1)!, cos: Σ (−1)^k θ^2k/(2k)!; fp64 starts at higher terms, both
    # dtypes share the low ones
    if theta.dtype == tl.float64:
        p = -3.868170170630684e-23 + tl.zeros_like(y)
        p = horner_step(p, y, 1.9572941063391263e-20)
        p = horner_step(p, y, -8.22063524662433e-18)
        p = horner_step(p, y, 2.8114572543455206e-15)
        p = horner_step(p, y, -7.647163731819816e-13)
        p = horner_step(p, y, 1.6059043836821613e-10)
    else:
        p = 1.6059043836821613e-10 + tl.zeros_like(y)
    p = horner_step(p, y, -2.505210838544172e-08)
    p = horner_step(p, y, 2.7557319223985893e-06)
    p = horner_step(p, y, -0.0001984126984126984)
    p = horner_step(p, y, 0.008333333333333333)
    p = horner_step(p, y, -0.16666666666666666)
    s = theta * horner_step(p, y, 1.0)
    if theta.dtype == tl.float64:
        p = 1.6117375710961184e-24 + tl.zeros_like(y)
        p = horner_step(p, y, -8.896791392450574e-22)
        p = horner_step(p, y, 4.110317623312165e-19)
        p = horner_step(p, y, -1.5619206968586225e-16)
        p = horner_step(p, y, 4.779477332387385e-14)
        p = horner_step(p, y, -1.1470745597729725e-11)
    else:
        p = -1.1470745597729725e-11 + tl.zeros_like(y)
    p = horner_step(p, y, 2.08767569878681e-09)
    p = horner_step(p, y, -2.755731922398589e-07)
    p = horner_step(p, y, 2.48015873015873e-05)
    p = horner_step(p, y, -0.001388888888888889)
    p = horner_step(p, y, 0.041666666666666664)
    p = horner_step(p, y, -0.5)
    c = horner_step(p, y, 1.0)
    return s, c


@triton.jit
def sin_cos_pi(g):
    """(sin πg, cos πg) for |g| ≤ 1 (nan stays nan): with q = ⌊g + 1/2⌉ and h = g − q exact,
    (−1)^q·(sin πh, cos πh). No libdevice call: sin/cos of the GPU's libdevice keep a
    local-memory path for huge arguments, which the generated kernels must not have."""
    q = tl.floor(g + 0.5)
    h = g - q
    sign = 1.0 - 2.0 * tl.abs(q)
    s, c = _sin_cos_reduced(3.141592653589793 * h)
    return sign * s, sign * c
