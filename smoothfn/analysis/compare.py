r"""Which kernel approximates a function best: every kernel at equal width and at equal spread.

Equal width is what the API's ``width=`` means, but the kernels' standard widths differ (the
uniform kernel on [−1, 1] has standard deviation 0.577, the logistic one 1.81), so it mostly ranks
the kernels by their own scale. The fair comparison gives every K_w the same standard deviation σ
(w = σ / std(k)). The cauchy and student_t2 kernels have no finite variance; they are given the
interquartile range of a Gaussian of standard deviation σ instead (1.349·σ), see
:func:`smoothfn.analysis.equal_scale_width`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from smoothfn.analysis.error import ErrorReport, approximation_error, equal_scale_width
from smoothfn.errors import NoClosedFormError

KERNEL_ORDER = ("gaussian", "logistic", "cauchy", "laplace", "uniform", "student_t2", "epanechnikov", "triangular")
TIE = 1e-3  # errors within 0.1 % of the best share the win (kink interactions move L¹ by less)


@dataclass(frozen=True)
class KernelComparison:
    """Every kernel's error at equal width and at equal spread (:func:`compare_kernels`).

    Attributes:
        function (str), width (float), scale (float): the width of the equal-width comparison and σ
            of the equal-spread one.
        equal_width, equal_scale: kernel → :class:`~smoothfn.analysis.ErrorReport`.
        spread: kernel → ``"std"`` or ``"iqr"`` (how its equal-spread width was chosen).
        refused: kernel → why it has no smoothing of this function (relu ∗ cauchy diverges).
    """

    function: str
    width: float
    scale: float
    equal_width: dict
    equal_scale: dict
    spread: dict
    refused: dict

    def winners(self, which: str, metric: str) -> list[str]:
        """The kernels with the smallest finite ``metric`` (``"sup"``, ``"l1"``, ``"l2"``) in the
        ``which`` (``"equal_width"`` or ``"equal_scale"``) comparison; several when they tie (within
        0.1 %: relu's L¹ error is Var(Y)·w²/2, the same for every kernel at equal std), all of
        them when every kernel has the same error (a jump's sup); [] when none is finite."""
        reports: dict[str, ErrorReport] = getattr(self, which)
        values = {k: _metric(r, metric) for k, r in reports.items()}
        finite = {k: v for k, v in values.items() if math.isfinite(v)}
        if not finite:
            return []
        best = min(finite.values())
        return [k for k, v in finite.items() if v <= best * (1 + TIE) + 1e-15]

    def summary(self) -> str:
        """One line per comparison and metric: who wins."""
        lines = []
        for which, name in (("equal_width", f"equal width w = {self.width:g}"),
                            ("equal_scale", f"equal spread σ = {self.scale:g}")):
            for metric in ("sup", "l1"):
                won = self.winners(which, metric)
                everyone = len(won) == len(getattr(self, which)) and len(won) > 1
                text = ("all kernels tie" if everyone else ("tie: " if len(won) > 1 else "") + ", ".join(won)
                        if won else "none finite")
                lines.append(f"{name}, {'sup' if metric == 'sup' else 'L1'}: {text}")
        return "\n".join(lines)

    def table(self) -> str:
        """The comparison as a text table, with the winners below it."""
        per = " per period" if any(r.l1_per_period is not None for r in self.equal_width.values()) else ""
        head = (f"{self.function}: kernels compared (smaller is better; L1{per})\n"
                f"{'':14}{'equal width w = ' + format(self.width, 'g'):^36}   "
                f"{'equal spread σ = ' + format(self.scale, 'g'):^44}\n"
                f"{'kernel':14}{'sup':>12} {'L1':>12} {'L2':>10}   {'width':>10} {'by':>4} {'sup':>12} {'L1':>12}")
        rows = [head]
        for kernel in KERNEL_ORDER:
            if kernel in self.refused:
                rows.append(f"{kernel:14}refused: {self.refused[kernel]}")
                continue
            if kernel not in self.equal_width:
                continue
            a, b = self.equal_width[kernel], self.equal_scale[kernel]
            rows.append(f"{kernel:14}{a.sup:>12.5e} {_metric(a, 'l1'):>12.5e} {_metric(a, 'l2'):>10.3e}   "
                        f"{b.width:>10.4g} {self.spread[kernel]:>4} {b.sup:>12.5e} {_metric(b, 'l1'):>12.5e}")
        rows.append("")
        rows.append(self.summary())
        if any(v == "iqr" for v in self.spread.values()):
            rows.append("(cauchy and student_t2 have infinite variance: at equal spread they get the interquartile "
                        "range of a Gaussian with standard deviation σ, 1.349·σ)")
        return "\n".join(rows)

    __str__ = table


def compare_kernels(f, *, width: float = 0.1, scale: float = 0.1, kernels=None, **params) -> KernelComparison:
    r"""compare_kernels(f, *, width=0.1, scale=0.1, kernels=None, **params) -> KernelComparison

    Measure f_w − f (:func:`smoothfn.approximation_error`, without the closed forms) for every
    kernel at the width ``width``, and at the width that gives K_w the standard deviation ``scale``
    (interquartile range for cauchy and student_t2). Kernels without a smoothing of f are listed in
    ``refused``.

    Example::

        >>> from smoothfn.analysis.compare import compare_kernels
        >>> c = compare_kernels("relu")
        >>> c.winners("equal_scale", "sup")       # E|Y|/2 per unit std is smallest for Laplace
        ['laplace']
    """
    equal_width, equal_scale, spread, refused = {}, {}, {}, {}
    label = None
    for kernel in kernels or KERNEL_ORDER:
        try:
            a = approximation_error(f, kernel, width=width, predict=False, **params)
        except NoClosedFormError as error:
            refused[kernel] = str(error).split(":")[-1].strip() or type(error).__name__
            continue
        w, how = equal_scale_width(kernel, scale)
        equal_width[kernel] = a
        equal_scale[kernel] = approximation_error(f, kernel, width=w, predict=False, **params)
        spread[kernel] = how
        label = label or a.function
    return KernelComparison(label or str(f), width, scale, equal_width, equal_scale, spread, refused)


def _metric(report: ErrorReport, metric: str) -> float:
    if metric == "l1" and report.l1_per_period is not None:
        return report.l1_per_period
    if metric == "l2" and report.l2_per_period is not None:
        return report.l2_per_period
    return getattr(report, metric)
