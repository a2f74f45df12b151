r"""Gaussian left tails of order j ≥ 3 without the closed form's cancellation.

The closed form of L_j(−t) = E[(−t − Y)^j 1{Y < −t}] for the Gaussian kernel is a polynomial times
Φ̄(t) plus a polynomial times φ(t); its terms are of order t^(j−1)·φ(t) while the tail is about
j!·φ(t)/t^(j+1), so it loses t^(2j)/j! units in the last place (x³·θ(x) at x/w = −30 in fp64:
5e-8 relative; x⁴·θ(x) in fp32 at x/w = −10.5: ten times the value, and no longer monotone). The
catalog's building blocks stop at j = 2, where this stays below t⁴/2; the orders j ≥ 3 that
:mod:`smoothfn.codegen.emit` writes into a compiled user function's own module take, for t ≥ 4,

.. math::
    L_j(-t) = \bar\Phi(t)\,\prod_{k=1}^{j} r_k, \qquad r_k = \frac{k}{t + r_{k+1}},

r_k = L_k(−t)/L_{k−1}(−t) (Stein's identity E[Y·g(Y)] = E[g'(Y)] gives
L_k(s) = s·L_{k−1}(s) + (k − 1)·L_{k−2}(s), and its ratios satisfy the continued fraction above),
evaluated from depth ``DEPTH`` = 100 down with r = 0 there: a product of positive numbers, relative
to Φ̄(t) = erfc(t/√2)/2 (which the printers evaluate to full relative accuracy). From t = 3 on
(fp64) the product is within 2.5e-18 of L_j for j ≤ 10, from t = 2 (fp32, and every smaller
dtype) within 1e-8 (both against mpmath quadrature); the closed form below the switch loses at
most 3^(2j)/j! ulp in fp64 (j = 3: 121, j = 6: 738, j = 10: 960) and 2^(2j)/j! in fp32 (≤ 11).
"""

from __future__ import annotations

import sympy as sp

from smoothfn.codegen.torch_printer import torch_code
from smoothfn.codegen.triton_printer import triton_code

SWITCH = {"fp64": 3.0, "fp32": 2.0}  # the closed form below, the continued fraction from here on
DEPTH = 100


def tail_body(kernel, j: int, tail: sp.Expr, target: str) -> list[str] | None:
    """The body lines of ``L<j>_<kernel>(t)`` for ``target`` ("torch" or "triton") where the
    closed form ``tail`` cancels (the Gaussian kernel, j ≥ 3), else None (print ``tail``)."""
    if kernel.name != "gaussian" or j < 3:  # Stein's recurrence is the standard normal's
        return None
    code = torch_code if target == "torch" else triton_code
    far = sp.Symbol("far", nonnegative=True)
    upper = code(sp.erfc(far / sp.sqrt(2)) / 2)  # Φ̄(far), far ≥ 0
    if target == "torch":
        return [f"    closed = {code(tail)}",
                f"    switch = {SWITCH['fp64']!r} if t.dtype == torch.float64 else {SWITCH['fp32']!r}",
                "    far = torch.clamp(t, min=switch)  # the fraction only where it serves",
                "    ratio = torch.zeros_like(far)",
                "    product = torch.ones_like(far)",
                f"    for k in range({DEPTH}, 0, -1):",
                "        ratio = k / (far + ratio)",
                f"        if k <= {j}:",
                "            product = product * ratio",
                f"    upper = {upper}",
                "    return select(t < switch, closed, upper * product)"]
    return [f"    closed = {code(tail)}",
            "    if t.dtype == tl.float64:",
            f"        switch = {SWITCH['fp64']!r}",
            "    else:",
            f"        switch = {SWITCH['fp32']!r}",
            "    far = tl.maximum(t, switch, propagate_nan=tl.PropagateNan.ALL)",
            "    ratio = tl.zeros_like(far)",
            f"    for i in range({DEPTH - j}):  # k = {DEPTH} … {j + 1}",
            f"        ratio = divide(tl.zeros_like(far) + ({DEPTH} - i), far + ratio)",
            "    product = tl.zeros_like(far) + 1.0",
            f"    for i in range({j}):  # k = {j} … 1",
            f"        ratio = divide(tl.zeros_like(far) + ({j} - i), far + ratio)",
            "        product = product * ratio",
            f"    upper = {upper}",
            "    return tl.where(t < switch, closed, upper * product)"]
