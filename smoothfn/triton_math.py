"""Device functions that ``triton.language`` lacks, from primitives that work both compiled and
in Triton's interpreter (``tl.exp``, ``tl.log``, ``tl.sqrt_rn``, ``tl.div_rn``, ``tl.math.erf``,
arithmetic). Each computes in its argument's dtype (fp32 or fp64, chosen at compile time).

* ``divide(a, b)``, ``square_root(a)``: correctly rounded; Triton compiles fp32 ``/`` and
  ``tl.sqrt`` to ``div.approx`` / ``sqrt.approx.ftz`` (subnormals flushed, 0 for |b| > 2^126).
* ``erfc_nonnegative(x)``, x ≥ 0: 1 − erf(x) for x ≤ 0.5 (no cancellation there: erfc ≥ 0.47);
  beyond, with t = 2/(2 + x) and s = (t − t₀)/t₀, t₀ = 1/2.5,

      erfc(x) = t · exp(−h) · exp(P(s)) · (1 − l),   x² = h + l exactly (h = x·x, l = fma(x, x, −h)),

  P a Chebyshev fit of log(erfcx(x)/t) (degree 24 for fp64, fit error 1e-17; 11 for fp32,
  2.6e-9). Splitting x² keeps the relative error deep in the tail, where exp(−x²) would lose
  x²·ε. Coefficients from ``tools/fit_triton_math.py``.
* ``acot_nonnegative(t)`` = atan(1/t), t ≥ 0 (π/2 at 0, 0 at +inf): π/2 − atan(t) for t < 1,
  atan(1/t) otherwise, atan(v) = π/4 + atan((v − 1)/(v + 1)) above tan(π/8), and below it
  atan(v) = v + v³·Q(v²) (degree 10 for fp64, fit error 3e-17; 4 for fp32, 1.6e-8).
* ``log1p(y)``, y > −1: with u = 1 + y, log(u)·y/(u − 1) (exact correction of the rounding in
  u, Goldberg/Kahan), y itself where u rounds to 1.
* ``hypot1(t)`` = √(1 + t²) without overflow: |t|·√(1 + (1/t)²) for |t| > 1.

Measured accuracy (tests/test_triton_math.py, against 40-digit mpmath; interpreter): see there.
On a GPU, fp32 ``tl.exp`` is ``ex2.approx`` (relative error growing like |x|·2^-24): the tails
of fp32 results inherit it.
"""

import triton
import triton.language as tl


@triton.jit
def divide(a, b):
    """a / b, correctly rounded."""
    if b.dtype == tl.float32:
        q = tl.div_rn(a + tl.zeros_like(b), b)
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
def _erfc_log_ratio(s):
    """P(s) = log(erfcx(x)/t), s = (t − 0.4)/0.4, t = 2/(2 + x)."""
    if s.dtype == tl.float64:
        p = 2.9026751290096314e-10
        p = p * s + 1.3027851492021677e-10
        p = p * s + -3.3578096667763043e-09
        p = p * s + 1.1980674792558819e-09
        p = p * s + 1.867105934702957e-08
        p = p * s + -2.507593878740671e-08
        p = p * s + -6.008621255396908e-08
        p = p * s + 1.9028676837373647e-07
        p = p * s + 5.9430234925879345e-08
        p = p * s + -9.734905628180281e-07
        p = p * s + 6.910812553834522e-07
        p = p * s + 4.01047736927699e-06
        p = p * s + -6.395864375864439e-06
        p = p * s + -1.4771081266129207e-05
        p = p * s + 3.887322740502539e-05
        p = p * s + 5.453586975442316e-05
        p = p * s + -0.0002113154500153603
        p = p * s + -0.00024266197186668741
        p = p * s + 0.0011597608925313025
        p = p * s + 0.0016209949314942656
        p = p * s + -0.006975254683967832
        p = p * s + -0.0183674738093849
        p = p * s + 0.04637608495282526
        p = p * s + 0.5187684450161724
        p = p * s + -0.8040723101069575
    else:
        p = -6.863898878982308e-06
        p = p * s + 2.360793092782793e-05
        p = p * s + 4.692973320558026e-05
        p = p * s + -0.0001955396513525814
        p = p * s + -0.00023900478286451688
        p = p * s + 0.0011519139827872304
        p = p * s + 0.00162017117231303
        p = p * s + -0.00697345588138847
        p = p * s + -0.018367404550007536
        p = p * s + 0.046375932428022085
        p = p * s + 0.5187684440578446
        p = p * s + -0.8040723079930064
    return p


@triton.jit
def erfc_nonnegative(x):
    """erfc(x) for x ≥ 0 (nan stays nan, +inf gives 0)."""
    t = divide(2.0, 2.0 + x)
    h = x * x
    low = tl.fma(x, x, -h)
    tail = t * tl.exp(-h) * tl.exp(_erfc_log_ratio(2.5 * t - 1.0)) * (1.0 - low)
    tail = tl.where(x > 27.5, 0.0, tail)  # below the smallest fp64 subnormal; avoids inf·0 beyond
    return tl.where(x <= 0.5, 1.0 - tl.math.erf(x), tail)


@triton.jit
def _atan_small(v):
    """atan(v) for |v| ≤ tan(π/8): v + v³·Q(v²)."""
    y = v * v
    if v.dtype == tl.float64:
        p = -0.01917688711906226
        p = p * y + 0.03923165829558719
        p = p * y + -0.0508544973794026
        p = p * y + 0.0585814891280221
        p = p * y + -0.06664511447381948
        p = p * y + 0.07692183190826087
        p = p * y + -0.09090904578123903
        p = p * y + 0.11111111015256361
        p = p * y + -0.14285714284666542
        p = p * y + 0.1999999999999552
        p = p * y + -0.3333333333333333
    else:
        p = -0.06451928208121749
        p = p * y + 0.10743731490791084
        p = p * y + -0.1426395559798464
        p = p * y + 0.19999540483648964
        p = p * y + -0.3333333176116852
    return v + v * y * p


@triton.jit
def _atan_unit(v):
    """atan(v) for 0 ≤ v ≤ 1."""
    reduced = 0.7853981633974483 + _atan_small(divide(v - 1.0, v + 1.0))
    return tl.where(v > 0.41421356237309503, reduced, _atan_small(v))


@triton.jit
def acot_nonnegative(t):
    """atan(1/t) for t ≥ 0."""
    small = 1.5707963267948966 - _atan_unit(tl.minimum(t, 1.0))
    large = _atan_unit(divide(1.0, tl.maximum(t, 1.0)))
    return tl.where(t < 1.0, small, tl.where(t >= 1.0, large, t))


@triton.jit
def log1p(y):
    """log(1 + y) for y > −1, accurate for tiny y."""
    u = 1.0 + y
    corrected = tl.log(u) * divide(y, tl.where(u == 1.0, 1.0, u - 1.0))
    return tl.where(u == 1.0, y, tl.where(u == float("inf"), u, corrected))


@triton.jit
def hypot1(t):
    """√(1 + t²) without overflow of t²."""
    a = tl.abs(t)
    inverse = divide(1.0, tl.maximum(a, 1.0))
    return tl.where(a > 1.0, a * square_root(1.0 + inverse * inverse), square_root(1.0 + a * a))
