"""An infinite sum that ``sympy.lambdify(..., "mpmath")`` can evaluate.

The staircases (floor, round) have countably many jumps, so their smoothed forms are series.
SymPy's own ``Sum`` prints as a Python ``range`` loop, which cannot run to infinity; this subclass
prints as ``mpmath.nsum`` instead and is otherwise an ordinary ``Sum`` (LaTeX, diff, subs).
"""

from __future__ import annotations

import sympy as sp


class KernelSeries(sp.Sum):
    """Σ_{m=a}^{∞} term(m), evaluated by ``mpmath.nsum`` (with its convergence acceleration)."""

    def _mpmathcode(self, printer, **kwargs) -> str:
        (index, start, _end), = self.limits
        term = printer._print(self.function)
        return f"nsum(lambda {printer._print(index)}: {term}, [{printer._print(start)}, inf])"
