"""Measured approximation error of f_w = f ∗ K_w, independent of the closed forms that it checks.

:func:`approximation_error` (one width) and :func:`convergence` (several widths, fitted orders) live
in :mod:`smoothfn.analysis.error`; :mod:`smoothfn.analysis.compare` compares kernels at equal width
and at equal scale. This layer sits above :mod:`smoothfn.functional`, whose fp64 values it measures.
"""

from __future__ import annotations

from smoothfn.analysis.error import (
    ConvergenceReport,
    ErrorReport,
    approximation_error,
    convergence,
    equal_scale_width,
)

__all__ = ["approximation_error", "convergence", "ErrorReport", "ConvergenceReport", "equal_scale_width"]
