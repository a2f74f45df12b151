"""Fit the polynomial coefficients of smoothfn/triton_math.py and smoothfn/torch_math.py
(run: python tools/fit_triton_math.py).

Chebyshev fits (mpmath.chebyfit at 50 digits) converted to monomials and printed highest degree
first, as lists and as the Horner steps (one fma a line) pasted into triton_math:

* erfc: R(s) = erfcx(x)·(C + x) for ERFC_START[dtype] ≤ x ≤ ERFC_END[dtype], in the variable
  s = A·q + B ∈ [−1, 1], q = 1/(C + x) (A and B rounded to the dtype, as the kernels use them);
  then erfc(x) = exp(−x²)·q·R(s). Beyond ERFC_END, erfc(x) is below half the smallest
  subnormal, so 0 is its correctly rounded value. C between 1.5 and 3 needs about the same
  degree; the range ending at ERFC_END rather than at infinity saves a few degrees. The fp32 fit
  covers the whole 0 ≤ x ≤ 10.0625, so that no erf branch is evaluated beside it, and serves
  both triton_math and torch_math (degree 10: 0.56 ulp; degrees 11 and 12 are no better, the
  rounding of the coefficients to fp32 dominates); fp64 starts at 0.5, below which the kernels
  take 1 − erf(x).
* atan: Q(y) = (atan(w) − w)/w³, y = w² ≤ tan²(π/8); then atan(w) = w + w³·Q(w²).
* log1p on the unit interval (fp32 only): P(y) = log(1 + y)/y for 0 ≤ y ≤ 1; then
  log1p(y) = y·P(y), ten fma-free steps where log(u) + c/u costs a libdevice log and a division
  (the printers' arguments exp(−t) and min(|a|, 1/|a|)² lie in [0, 1]).

Each degree is the smallest whose error is about 0.2 ulp: the largest relative error of erfc or
atan (not of R or Q) over a dense grid, with the coefficients rounded to the dtype and the
polynomial evaluated exactly.
"""

import mpmath
import numpy as np

ERFC_C = 2.0
ERFC_START = {"fp64": 0.5, "fp32": 0.0}
ERFC_END = {"fp64": 27.25, "fp32": 10.0625}
ATAN_END = 0.1716  # just above tan(π/8)² = 0.171573
DEGREES = {"erfc": {"fp64": 22, "fp32": 10}, "atan": {"fp64": 10, "fp32": 4}, "log1p": {"fp32": 9}}
DTYPES = {"fp64": np.float64, "fp32": np.float32}


def erfc_variable(start, end, dtype):
    """A, B (rounded to dtype) and the interval of s = A·q + B for q = 1/(C + x), x ∈ [start, end]."""
    q_low, q_high = 1 / (ERFC_C + mpmath.mpf(end)), 1 / (ERFC_C + mpmath.mpf(start))
    a = float(DTYPES[dtype](2 / (q_high - q_low)))
    b = float(DTYPES[dtype](-(q_high + q_low) / (q_high - q_low)))
    return a, b, [a * q_low + b, a * q_high + b]


def erfc_target(start, end, dtype):
    a, b, interval = erfc_variable(start, end, dtype)

    def target(s):
        x = a / (s - b) - ERFC_C
        return mpmath.erfc(x) * mpmath.exp(x * x) * (ERFC_C + x)

    return target, interval


def atan_target(y):
    if y == 0:
        return mpmath.mpf(-1) / 3
    w = mpmath.sqrt(y)
    return (mpmath.atan(w) - w) / w**3


def log1p_target(y):
    return mpmath.mpf(1) if y == 0 else mpmath.log1p(y) / y


def erfc_error(s, value, exact):
    return value / exact - 1


def atan_error(y, value, exact):
    w = mpmath.sqrt(y)
    return (w + w**3 * value) / (w + w**3 * exact) - 1 if y else value - exact


def fit(target, error, interval, degree, dtype):
    """Monomial coefficients (highest first), and the largest relative error of the function
    they give (erfc or atan) with the coefficients rounded to dtype, over a dense grid."""
    with mpmath.workdps(50):
        coefficients = mpmath.chebyfit(target, interval, degree + 1)
        rounded = [float(DTYPES[dtype](float(c))) for c in coefficients]
        worst = mpmath.mpf(0)
        for i in range(2001):
            z = interval[0] + (interval[1] - interval[0]) * mpmath.mpf(i) / 2000
            worst = max(worst, abs(error(z, mpmath.polyval(rounded, z), target(z))))
    return [float(c) for c in coefficients], float(worst)


def horner(variable, coefficients):
    """The Horner evaluation as Triton source, one fma a line."""
    lines = [f"p = {coefficients[0]!r} + tl.zeros_like({variable})"]
    lines += [f"p = tl.fma(p, {variable}, {c!r})" for c in coefficients[1:]]
    return "\n".join(lines)


def main():
    for dtype, end in ERFC_END.items():
        a, b, interval = erfc_variable(ERFC_START[dtype], end, dtype)
        print(f"# erfc {dtype}: x in [{ERFC_START[dtype]}, {end}], s = {a!r}·q + {b!r} in [{float(interval[0]):.6f}, "
              f"{float(interval[1]):.6f}], q = 1/({ERFC_C} + x)")
    fits = [("erfc", dtype, *erfc_target(ERFC_START[dtype], end, dtype), erfc_error) for dtype, end in ERFC_END.items()]
    fits += [("atan", dtype, atan_target, [0, ATAN_END], atan_error) for dtype in DTYPES]
    fits += [("log1p", "fp32", log1p_target, [0, 1], erfc_error)]  # relative error of y·P(y) = that of P
    for name, dtype, target, interval, error_of in fits:
        degree = DEGREES[name][dtype]
        coefficients, error = fit(target, error_of, interval, degree, dtype)
        size = sum(abs(c) for c in coefficients)
        print(f"# {name} {dtype}: degree {degree}, relative fit error {error:.2e}, sum of |coefficients| {size:.2f}")
        print(f"{name.upper()}_{dtype.upper()} = {coefficients!r}")
        if dtype == "fp32":
            print(f"{name.upper()}_{dtype.upper()} rounded = {tuple(float(np.float32(c)) for c in coefficients)!r}")
        print(horner("s" if name == "erfc" else "y", [float(DTYPES[dtype](c)) for c in coefficients]))


if __name__ == "__main__":
    main()
