"""SymPy → PyTorch source, one rule per node type that PyTorch spells differently.

Numbers are folded to float literals (``sqrt(2)/sqrt(pi)`` prints as ``0.7978845608028654``);
the tail moments S_j and kernel densities of :mod:`smoothfn.derivation.stable` print as calls to
the generated building blocks; erfc of an argument known to be ≥ 0 and exp(−c·b²) print as calls
to :mod:`smoothfn.numerics.torch_math` (``TORCH_MATH_FUNCTIONS``, imported by the modules that use them).
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from smoothfn.derivation.stable import KernelDensity, TailMoment, TailSlope

TORCH_MATH_FUNCTIONS = ("erfc_nonnegative", "exp_minus_square", "select", "flush_below_normal", "left_or_negated",
                        "finite_times")


def called_functions(names, source: str) -> list[str]:
    """Those of names that source calls as plain functions (not as attributes: ``torch.exp(``)."""
    return [name for name in names if re.search(rf"(?<![\w.]){name}\(", source)]


def torch_math_imports(source: str) -> list[str]:
    """The import line of the smoothfn.numerics.torch_math functions that printed source calls."""
    used = called_functions(TORCH_MATH_FUNCTIONS, source)
    return [f"from smoothfn.numerics.torch_math import {', '.join(used)}", ""] if used else []


def torch_namespace() -> dict:
    """The globals printed torch code needs when it is executed directly (tests, guard probes)."""
    import math

    import torch

    from smoothfn.numerics import torch_math

    return {"torch": torch, "math": math, **{name: getattr(torch_math, name) for name in TORCH_MATH_FUNCTIONS}}


class FiniteTimes(sp.Function):
    """z·s with 0 at z = ±inf, for an s that is 0 there (a tail's slope z·S'(z)); printed as
    smoothfn.numerics.torch_math.finite_times, so that the twin's backward shares S with the
    other partial derivatives that use it (smoothfn.codegen.emit)."""

    nargs = 2


class TorchPrinter(PythonCodePrinter):
    printmethod = "_torchcode"
    # anchor: the name of a floating tensor in scope that constant Piecewise values take their
    # dtype and shape from (default: the expression's first free symbol)
    _default_settings = {**PythonCodePrinter._default_settings, "anchor": None}

    def _print(self, expr, **kwargs):
        if isinstance(expr, sp.Basic) and expr.is_number and not expr.is_Integer:
            if expr.is_real is False or expr.has(sp.zoo, sp.nan):
                raise ValueError(f"cannot print the non-real number {expr}")
            if expr is sp.oo or expr is -sp.oo:
                return "math.inf" if expr is sp.oo else "(-math.inf)"
            value = float(sp.N(expr, 20))
            return repr(value) if value >= 0 else f"({value!r})"
        return super()._print(expr, **kwargs)

    def _print_Mul(self, expr):
        numbers = [a for a in expr.args if a.is_number]
        if len(numbers) > 1 or (numbers and not numbers[0].is_Integer):
            rest = sp.Mul(*[a for a in expr.args if not a.is_number], evaluate=False)
            value = float(sp.N(sp.Mul(*numbers), 20))
            if value == 1:
                return self._print(rest)
            if value == -1:
                return f"-{self.parenthesize(rest, 50)}"
            return f"{value!r}*{self.parenthesize(rest, 50)}" if value > 0 else (
                f"({value!r})*{self.parenthesize(rest, 50)}"
            )
        return super()._print_Mul(expr)

    def _print_Add(self, expr, order=None):
        terms = self._as_ordered_terms(expr, order=order)
        if len(terms) >= 2 and self._print(terms[0]).startswith("-") and not self._print(terms[1]).startswith("-"):
            # b − a, not −a + b: the same bits (IEEE subtraction adds the negation), one op fewer eager
            terms = [terms[1], terms[0], *terms[2:]]
            return super()._print_Add(sp.Add(*terms, evaluate=False), order="none")
        return super()._print_Add(expr, order=order)

    def _print_Integer(self, expr):
        return str(int(expr)) if expr >= 0 else f"({int(expr)})"

    def _call(self, name: str, *args) -> str:
        return f"{name}({', '.join(self._print(a) for a in args)})"

    def _print_exp(self, expr):
        base = _negative_square_base(expr.args[0])
        if base is not None:  # exp(−c·b²) = exp(−(√c·b)²): shared with erfc(√c·b) under torch.compile
            return self._call("exp_minus_square", base)
        return self._call("torch.exp", expr.args[0])

    def _print_log(self, expr):
        arg = expr.args[0]
        a = _hypot_argument(arg)
        if a is not None:  # log(1 + a²) = 2·log(max(|a|, 1)) + log1p(min(|a|, 1/|a|)²): no overflow of a²
            a = f"torch.abs({self._print(a)})"
            small = f"torch.minimum({a}, 1 / {a})"
            return f"(2*torch.log(torch.clamp({a}, min=1)) + torch.log1p({small}*{small}))"
        if isinstance(arg, sp.Add) and sp.S.One in arg.args:  # log(1 + a) → log1p(a)
            return self._call("torch.log1p", arg - 1)
        return self._call("torch.log", arg)

    def _print_erf(self, expr):
        return self._call("torch.erf", expr.args[0])

    def _print_erfc(self, expr):  # smoothfn.numerics.torch_math's erfc fuses cheaply under torch.compile
        arg = expr.args[0]
        return self._call("erfc_nonnegative" if arg.is_nonnegative else "torch.special.erfc", arg)

    def _print_erfcx(self, expr):
        return self._call("torch.special.erfcx", expr.args[0])

    def _print_atan(self, expr):
        return self._call("torch.atan", expr.args[0])

    def _print_acot(self, expr):  # atan(1/a): acot(0) = π/2 through 1/0 = inf
        return f"torch.atan(1 / {self.parenthesize(expr.args[0], 100)})"

    def _print_asinh(self, expr):
        return self._call("torch.asinh", expr.args[0])

    def _print_Abs(self, expr):
        return self._call("torch.abs", expr.args[0])

    def _print_sign(self, expr):
        return self._call("torch.sign", expr.args[0])

    def _print_floor(self, expr):
        return self._call("torch.floor", expr.args[0])

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.args
        if exponent == sp.S.Half:
            t = _hypot_argument(base)
            if t is not None:  # √(1 + t²) = hypot(1, t): no overflow of t²
                return f"torch.hypot(torch.ones_like({self._print(t)}), {self._print(t)})"
            return self._call("torch.sqrt", base)
        if exponent == -sp.S.Half:
            return f"torch.rsqrt({self._print(base)})"
        if exponent == -1:
            return f"(1 / {self.parenthesize(base, 100)})"
        if exponent.is_Integer:
            return f"{self.parenthesize(base, 100)}**{int(exponent)}" if exponent > 0 else (
                f"(1 / {self.parenthesize(base, 100)}**{int(-exponent)})"
            )
        return f"torch.pow({self._print(base)}, {self._print(exponent)})"

    def _print_Piecewise(self, expr):
        *branches, (last, condition) = expr.args
        if condition != True:  # noqa: E712
            raise ValueError(f"Piecewise without an otherwise branch: {expr}")
        code = self._print(last)
        if last.is_number and all(v.is_number for v, _ in branches):
            # a selection between two Python numbers would be float32: anchor the dtype on a tensor
            code = f"torch.full_like({self._anchor(expr)}, {code})"
        for value, cond in reversed(branches):
            code = f"select({self._print(cond)}, {self._print(value)}, {code})"
        return code

    def _anchor(self, expr) -> str:
        if self._settings["anchor"]:
            return self._settings["anchor"]
        return self._print(sorted(expr.free_symbols, key=lambda s: s.name)[0])

    def _print_Relational(self, expr):
        op = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}[expr.rel_op]
        return f"({self._print(expr.lhs)} {op} {self._print(expr.rhs)})"

    def _print_And(self, expr):
        return "(" + " & ".join(self._print(a) for a in expr.args) + ")"

    def _print_Or(self, expr):
        return "(" + " | ".join(self._print(a) for a in expr.args) + ")"

    def _print_Not(self, expr):
        return f"(~{self._print(expr.args[0])})"

    def _print_Function(self, expr):
        if type(expr).__name__ == "erfcx":
            return self._print_erfcx(expr)
        if isinstance(expr, TailSlope):
            return self._call(f"zdS{expr.order}_{expr.kernel}", expr.args[0])
        if isinstance(expr, TailMoment):
            return self._call(f"S{expr.order}_{expr.kernel}", expr.args[0])
        if isinstance(expr, KernelDensity):
            return self._call(f"pdf_{expr.kernel}", expr.args[0])
        if isinstance(expr, FiniteTimes):
            return self._call("finite_times", *expr.args)
        raise ValueError(f"no PyTorch rule for {type(expr).__name__} in {expr}")


def _hypot_argument(base: sp.Expr):
    """t when base is 1 + t² (in any order), else None."""
    if isinstance(base, sp.Add) and len(base.args) == 2 and sp.S.One in base.args:
        other = base.args[0] if base.args[1] == 1 else base.args[1]
        if isinstance(other, sp.Pow) and other.exp == 2:
            return other.base
    return None


def torch_code(expr: sp.Expr, anchor: str | None = None) -> str:
    return TorchPrinter({"fully_qualified_modules": False, "anchor": anchor}).doprint(expr)


def _negative_square_base(arg: sp.Expr):
    """√c·b where arg is −c·b² (c a positive number), else None."""
    if not isinstance(arg, sp.Mul):
        return None
    numbers = [a for a in arg.args if a.is_number]
    rest = [a for a in arg.args if not a.is_number]
    if len(numbers) != 1 or not numbers[0].is_negative or len(rest) != 1:
        return None
    square = rest[0]
    if not (isinstance(square, sp.Pow) and square.exp == 2):
        return None
    return sp.sqrt(-numbers[0]) * square.base
