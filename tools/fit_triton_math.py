"""Fit the polynomial coefficients of smoothfn/triton_math.py (run: python tools/fit_triton_math.py).

Chebyshev fits with mpmath.chebyfit at 50 digits, coefficients printed highest degree first (the
order Horner's rule in triton_math uses), with the fit's own error estimate:

* erfc: P(s) = log(erfcx(x) / t) with t = 2/(2 + x) and s = (t − T_MID)/T_MID ∈ [−1, 1) for
  x > ERFC_SWITCH (centred, so that the monomial coefficients stay small and Horner's rule does
  not cancel); then erfc(x) = t·exp(−x²)·exp(P(s));
* atan: Q(y) = (atan(v) − v)/v³ with y = v², for |v| ≤ tan(π/8); then atan(v) = v + v³·Q(v²).
"""

import mpmath

ERFC_SWITCH = 0.5
DEGREES = {"erfc": {"fp64": 24, "fp32": 11}, "atan": {"fp64": 10, "fp32": 4}}


T_MID = 1 / (2 + ERFC_SWITCH)  # half of t at the switch


def erfc_target(s):
    t = T_MID * (1 + s)
    if t == 0:
        return -mpmath.log(mpmath.sqrt(mpmath.pi))  # erfcx(x)·(2 + x)/2 → 1/√π as x → ∞
    x = 2 / t - 2
    return mpmath.log(mpmath.erfc(x) * mpmath.exp(x * x) / t)


def atan_target(y):
    if y == 0:
        return mpmath.mpf(-1) / 3
    v = mpmath.sqrt(y)
    return (mpmath.atan(v) - v) / v**3


def fit(target, interval, degree):
    with mpmath.workdps(50):
        coefficients, error = mpmath.chebyfit(target, interval, degree + 1, error=True)
    return [float(c) for c in coefficients], float(error)


def main():
    for name, target, interval in (("erfc", erfc_target, [-1, 1]),
                                   ("atan", atan_target, [0, float(mpmath.tan(mpmath.pi / 8)) ** 2])):
        for dtype, degree in DEGREES[name].items():
            coefficients, error = fit(target, interval, degree)
            size = sum(abs(c) for c in coefficients)
            print(f"# {name} {dtype}: degree {degree}, fit error {error:.2e}, sum of |coefficients| {size:.2f}")
            print(f"{name.upper()}_{dtype.upper()} = {coefficients!r}")


def horner(variable: str, coefficients: list[float], indent: str = "        ") -> str:
    """The Horner evaluation as Triton source (highest degree first), one step a line."""
    lines = [f"{indent}p = {coefficients[0]!r}"]
    lines += [f"{indent}p = p * {variable} + {c!r}" for c in coefficients[1:]]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
