"""SymPy → Triton source, one rule per node type that Triton spells differently from PyTorch.

Inherits number folding and the building-block calls from :class:`TorchPrinter`; what changes:

* ``tl.log``, ``tl.math.erf``, ``tl.sqrt``, ``tl.abs``, ``tl.where``, ``tl.floor``;
* ``exp`` from :mod:`smoothfn.numerics.triton_math` (fp32 from an exactly split exponent: a GPU's fp32
  ``tl.exp`` loses 2^-24·|x·log2 e| relative accuracy); exp(−c·b²) is
  ``exp_minus_square(√c·b)``, the form erfc's own exponential takes in the same Gaussian tail
  (``erfc_nonnegative(0.7071067811865476*t)`` beside ``exp_minus_square(0.7071067811865476*t)``),
  so that the compiler evaluates the one exponential both need once;
* functions ``tl`` lacks come from :mod:`smoothfn.numerics.triton_math`: ``erfc_nonnegative`` (erfc of an
  argument SymPy proves ≥ 0), ``acot_nonnegative``, ``log1p`` and ``hypot1`` (√(1 + t²));
  asinh(a), a ≥ 0, is log1p(a + a·a/(1 + √(1 + a²))) (log(2a) beyond 2^28); log(1 + a²) is
  2·log(max(|a|, 1)) + log1p(min(|a|, 1/|a|)²) (as in the torch printer: no overflow of a²);
  where the argument of log1p is known to lie in [0, 1] (that min², or exp(b) with b ≤ 0: the
  softplus tail log(1 + e^(−t))) it is ``log1p_unit_interval``, a polynomial in fp32;
* integer powers are products (Triton has no ``**`` on tensors), b^(−3/2) is 1/(b·√b);
* every quotient is ``divide(a, b)`` and every square root ``square_root(a)``
  (:mod:`smoothfn.numerics.triton_math`): Triton compiles fp32 ``/`` and ``tl.sqrt`` to approximate
  instructions that flush subnormals and return 0 for |b| > 2^126; these use the correctly
  rounded ``div_rn``/``sqrt_rn`` in fp32 and IEEE fp64 otherwise;
* a Piecewise whose values are all numbers is anchored on a tensor (``tl.zeros_like(ref) + v``)
  so that its constants take the compute dtype at full precision.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from smoothfn.codegen.torch_printer import TorchPrinter, _hypot_argument, _negative_square_base


class TritonPrinter(TorchPrinter):
    printmethod = "_tritoncode"

    def _print_Add(self, expr, order=None):  # SymPy's order: a negation folds into the add on a GPU
        return PythonCodePrinter._print_Add(self, expr, order=order)

    def _print(self, expr, **kwargs):
        if expr is sp.oo or expr is -sp.oo:
            return 'float("inf")' if expr is sp.oo else '(-float("inf"))'
        return super()._print(expr, **kwargs)

    def _print_exp(self, expr):
        base = _negative_square_base(expr.args[0])
        if base is not None:  # exp(−c·b²) = exp(−(√c·b)²): one exponential with erfc(√c·b) beside it
            return self._call("exp_minus_square", base)
        return self._call("exp", expr.args[0])

    def _print_log(self, expr):
        arg = expr.args[0]
        a = _hypot_argument(arg)
        if a is not None:  # log(1 + a²) = 2·log(max(|a|, 1)) + log1p(min(|a|, 1/|a|)²): no overflow of a²
            a = f"tl.abs({self._print(a)})"
            big = f"tl.maximum({a}, 1.0, propagate_nan=tl.PropagateNan.ALL)"
            small = f"tl.minimum({a}, divide(1.0, {a}), propagate_nan=tl.PropagateNan.ALL)"
            return f"(2*tl.log({big}) + log1p_unit_interval({small}*{small}))"
        if isinstance(arg, sp.Add) and sp.S.One in arg.args:  # log(1 + a) → log1p(a)
            a = arg - 1
            if isinstance(a, sp.exp) and a.args[0].is_nonpositive:  # 0 < a ≤ 1 (softplus tail)
                return self._call("log1p_unit_interval", a)
            return self._call("log1p", a)
        return self._call("tl.log", arg)

    def _print_erf(self, expr):
        return self._call("tl.math.erf", expr.args[0])

    def _print_erfc(self, expr):
        arg = expr.args[0]
        if not arg.is_nonnegative:
            raise ValueError(f"erfc is printed for Triton only at arguments known to be ≥ 0, not {arg}")
        return self._call("erfc_nonnegative", arg)

    def _print_erfcx(self, expr):
        raise ValueError("erfcx has no Triton rule")

    def _print_atan(self, expr):
        raise ValueError(f"atan has no Triton rule (only acot of a nonnegative argument): {expr}")

    def _print_acot(self, expr):
        arg = expr.args[0]
        if not arg.is_nonnegative:
            raise ValueError(f"acot is printed for Triton only at arguments known to be ≥ 0, not {arg}")
        return self._call("acot_nonnegative", arg)

    def _print_asinh(self, expr):
        # a ≥ 0: log1p(a + a²/(1 + √(1 + a²))) (no cancellation), log(a) + log(2) beyond 2^28
        # (the rest, 1/(4a²), is below fp64 rounding there; the other form would overflow)
        arg = expr.args[0]
        if not arg.is_nonnegative:
            raise ValueError(f"asinh is printed for Triton only at arguments known to be ≥ 0, not {arg}")
        a = self._print(arg)
        return (f"tl.where({a} > 268435456.0, tl.log({a}) + 0.6931471805599453, "
                f"log1p({a} + {a} * divide({a}, 1 + hypot1({a}))))")

    def _print_Abs(self, expr):
        return self._call("tl.abs", expr.args[0])

    def _print_sign(self, expr):
        a = self._print(expr.args[0])
        return f"tl.where({a} > 0, 1.0, tl.where({a} < 0, -1.0, {a}))"

    def _print_floor(self, expr):
        return self._call("tl.floor", expr.args[0])

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.args
        if exponent == sp.S.Half:
            t = _hypot_argument(base)
            if t is not None:  # √(1 + t²) without overflow of t²
                return self._call("hypot1", t)
            return self._call("square_root", base)
        if exponent.is_Rational and exponent.is_negative:
            return f"divide(1, {self._print(sp.Pow(base, -exponent, evaluate=False))})"
        if exponent == sp.Rational(3, 2):
            b = self.parenthesize(base, 100)
            return f"({b}*square_root({self._print(base)}))"
        if exponent.is_Integer and exponent > 0:
            b = self.parenthesize(base, 100)
            return "(" + "*".join([b] * int(exponent)) + ")"
        raise ValueError(f"no Triton rule for the power {expr}")

    def _print_Mul(self, expr):
        numerator, denominator = [], []
        for factor in expr.as_ordered_factors():
            if factor.is_Pow and factor.exp.is_Rational and factor.exp.is_negative and not factor.base.is_number:
                denominator.append(sp.Pow(factor.base, -factor.exp))
            else:
                numerator.append(factor)
        if not denominator:
            return super()._print_Mul(expr)
        return f"divide({self._print(sp.Mul(*numerator))}, {self._print(sp.Mul(*denominator))})"

    def _print_Piecewise(self, expr):
        *branches, (last, condition) = expr.args
        if condition != True:  # noqa: E712
            raise ValueError(f"Piecewise without an otherwise branch: {expr}")
        code = self._print(last)
        if last.is_number and all(v.is_number for v, _ in branches):
            code = f"(tl.zeros_like({self._anchor(expr)}) + {code})"
        for value, cond in reversed(branches):
            code = f"tl.where({self._print(cond)}, {self._print(value)}, {code})"
        return code

    def _print_Not(self, expr):
        return f"({self._print(expr.args[0])} == 0)"


def triton_code(expr: sp.Expr, anchor: str | None = None) -> str:
    return TritonPrinter({"fully_qualified_modules": False, "anchor": anchor}).doprint(expr)
