r"""Figures of smoothfn (matplotlib, drawn without a display: every function returns a
:class:`matplotlib.figure.Figure` and never opens a window).

* :func:`smoothings`: a function and its smoothings f_w = f ∗ K_w, with the derivative below;
* :func:`error_vs_width`: measured sup and L¹ errors against w on log-log axes, with the closed forms;
* :func:`kernels`: the kernels side by side at equal standard deviation (density and CDF);
* :func:`activation`: a (trained) :mod:`smoothfn.nn` module's activation, with the histogram of its
  inputs;
* :func:`save`: PNG at 150 dpi (and SVG on request), with fixed metadata so that files are
  reproducible.

Every plotted value comes from :mod:`smoothfn.functional` (fp64) or from
:func:`smoothfn.approximation_error`; each figure keeps them in ``figure.smoothfn_data`` (what the
gallery writes beside the PNG). ``python -m smoothfn gallery`` writes the gallery in ``plots/``.

    >>> import smoothfn.plot as plot
    >>> fig = plot.smoothings("relu", kernels=["gaussian", "laplace"], widths=[0.25])
    >>> plot.save(fig, "relu.png")                                   # doctest: +SKIP
"""

from __future__ import annotations

from smoothfn.plot.figures import (
    KERNEL_COLORS,
    activation,
    error_vs_width,
    kernels,
    save,
    smoothings,
)

__all__ = ["smoothings", "error_vs_width", "kernels", "activation", "save", "KERNEL_COLORS"]
