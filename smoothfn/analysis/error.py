r"""The measured approximation error of f_w = f ∗ K_w: sup, L¹ and L² norms of f_w − f, and their
orders in w.

The measurement is independent of the closed-form error figures of :func:`smoothfn.derive` (it is
what checks them): f_w comes from :mod:`smoothfn.functional` in fp64 (the torch twin), f from the
exact piecewise definition of the catalog (or of the user's SymPy expression), and nothing symbolic
enters the numbers. The closed forms are attached beside them as ``predicted_sup`` and
``predicted_l1``.

How the line is covered (:func:`approximation_error`):

* **Split points.** Every breakpoint c of f and, for the kernels whose density has knots (uniform,
  triangular, epanechnikov on [−1, 1], laplace at 0), every c + w·κ for each knot κ: between two split
  points f_w − f is analytic, so Gauss–Legendre quadrature converges geometrically there.
* **Geometric refinement.** Each interval between split points is cut geometrically from both ends,
  at distances w/2, w, 2w, 4w, … from the split point (so a kink far from the next one costs
  O(log) segments, and a jump's boundary layer of width w is resolved); the outer intervals are cut
  the same way out to R = 8192·w beyond the outermost split point.
* **Zeros.** |f_w − f| has a kink where f_w − f changes sign: 33 samples per segment find the sign
  changes, bisection (60 steps, vectorised) locates them, and the segment is split there.
* **Quadrature.** 24-point Gauss–Legendre on every piece gives ∫|f_w − f| and ∫(f_w − f)².
* **Tails beyond R.** f_w − f is sampled at R/4, R/2 and R (measured from the middle of the
  breakpoints) and fitted by C·|x|^(−p). With an exponential or compact kernel it is 0 or below
  fp64 rounding there, and the rest of the line contributes nothing. With the algebraic tails of
  cauchy and student_t2 the rest is integrated in closed form from the fit, |e(R)|·R/(p − 1) for L¹
  and e(R)²·R/(2p − 1) for L²; p ≤ 1 (L¹) or p ≤ 1/2 (L²) means the norm is infinite (relu ∗
  student_t2: e ~ w²/(4x), so L¹ = ∞), p ≈ 0 a non-zero limit (the L¹ and L² norms are infinite and
  the limit counts for the sup), p < 0 an error that grows (every norm infinite). The two fits
  (R/4–R/2 and R/2–R) differ by the next term of the asymptotic series, which bounds the tail's
  relative error (``tail_exponent`` reports p).
* **Sup.** The largest |f_w − f| over all samples and quadrature nodes, refined around the best one
  by six rounds of 65-point zooming (to 1e-12 of the bracket), together with the one-sided limits
  at every breakpoint, f_w(c) − p_left(c) and f_w(c) − p_right(c): at a jump the sup (half the jump
  for a symmetric kernel) is approached there and not attained (``sup_attained`` is False).
* **Staircases** (floor, round): f_w − f has period 1, so one period between two jumps is measured
  (with the kernel knots of every jump that reaches into it); the L¹ and L² norms over the line are
  infinite, and the per-period values are in ``l1_per_period`` and ``l2_per_period``.

Accuracy: the fp64 twin is within 1e-11 (relative to |f| + w) of the closed form (docs/numerics.md),
and the quadrature on analytic pieces adds less; the measured sup and L¹ are within 1e-9 relative
of the exact values for every catalog pair with a closed form (the tests check 1e-7), except where
the L¹ tail is fitted (cauchy, student_t2), where the fit bounds it at about 1e-6. Widths from 1e-6
to 1e3 are covered (relative to f's features: far smaller widths leave f_w − f to fp64 rounding).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
import torch

from smoothfn.errors import SmoothfnError, UnknownFunctionError, UnknownKernelError, check_width

SAMPLES = 33  # per segment, to find sign changes and the sup
NODES = 24  # Gauss–Legendre nodes per piece
FAR = 2.0**13  # the direct integration reaches FAR·w beyond the outermost split point
BISECTIONS = 60
ZOOMS = 6
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class ErrorReport:
    r"""The measured error of f_w = f ∗ K_w at one width, as returned by :func:`approximation_error`.

    Attributes:
        function, kernel (str): what was measured (the function's name or its expression as text).
        width (float): w.
        params (dict): the parameter values used (defaults filled in).
        sup (float): sup_x |f_w(x) − f(x)| (``inf`` where f_w − f grows in a tail).
        l1 (float): ∫|f_w − f| dx over the line (``inf`` where it diverges).
        l2 (float): (∫(f_w − f)² dx)^{1/2} (``inf`` where it diverges).
        argmax (float): where the sup is attained, or approached (a jump; then ``sup_attained`` is
            False); ±inf when it is approached in a tail.
        sup_attained (bool): False where the sup is a one-sided limit at a jump or a tail limit.
        predicted_sup, predicted_l1 (float or None): the closed forms of :func:`smoothfn.derive` at
            this width (``Derivation.sup_error`` / ``l1_error``), None where there is none (or when
            ``predict=False``); ``inf`` where the closed form says infinite.
        tail_exponent (float or None): p in f_w − f ~ C|x|^(−p) beyond 8192·w (algebraic tails), None
            where the error has vanished there (exponential and compact kernels).
        l1_per_period, l2_per_period (float or None): for floor and round, the norms over one period.
    """

    function: str
    kernel: str
    width: float
    params: dict = field(default_factory=dict)
    sup: float = math.nan
    l1: float = math.nan
    l2: float = math.nan
    argmax: float = math.nan
    sup_attained: bool = True
    predicted_sup: float | None = None
    predicted_l1: float | None = None
    tail_exponent: float | None = None
    l1_per_period: float | None = None
    l2_per_period: float | None = None

    @property
    def sup_ratio(self) -> float | None:
        """measured / predicted sup (None without a finite, non-zero closed form)."""
        return _ratio(self.sup, self.predicted_sup)

    @property
    def l1_ratio(self) -> float | None:
        """measured / predicted L¹ (None without a finite, non-zero closed form)."""
        return _ratio(self.l1, self.predicted_l1)

    def __str__(self) -> str:
        where = f"{'at' if self.sup_attained else 'approached at'} x = {self.argmax:.6g}"
        lines = [f"{self.function} ∗ {self.kernel}, w = {self.width:g}" + _params_text(self.params),
                 f"  sup |f_w − f| = {self.sup:.10g} ({where})" + _closed_text(self.predicted_sup),
                 f"  L¹ = {self.l1:.10g}" + _closed_text(self.predicted_l1),
                 f"  L² = {self.l2:.10g}"]
        if self.l1_per_period is not None:
            lines.append(f"  per period: L¹ = {self.l1_per_period:.10g}, L² = {self.l2_per_period:.10g}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ConvergenceReport:
    r"""Errors over several widths and their fitted orders, as returned by :func:`convergence`.

    ``order_sup`` and ``order_l1`` are the least-squares slopes of log(error) against log(w): 1 and
    2 for a kink (relu: sup = w·E|Y|/2, L¹ = w²·Var(Y)/2), 0 for the sup of a jump (it stays half the
    jump), 1 for the L¹ error of a jump (w·E|Y|); None where fewer than two widths give a finite,
    non-zero error (an infinite L¹, an exact f_w).

    Attributes:
        function, kernel (str), params (dict): as in :class:`ErrorReport`.
        widths (numpy array), reports (list of :class:`ErrorReport`): one per width.
        sup, l1, l2 (numpy arrays): the measured errors per width.
        predicted_sup, predicted_l1 (numpy arrays): the closed forms (nan where there is none).
        order_sup, order_l1, order_l2 (float or None): the fitted orders.
    """

    function: str
    kernel: str
    params: dict
    widths: np.ndarray
    reports: list

    @property
    def sup(self) -> np.ndarray:
        return np.array([r.sup for r in self.reports])

    @property
    def l1(self) -> np.ndarray:
        return np.array([r.l1 for r in self.reports])

    @property
    def l2(self) -> np.ndarray:
        return np.array([r.l2 for r in self.reports])

    @property
    def predicted_sup(self) -> np.ndarray:
        return np.array([math.nan if r.predicted_sup is None else r.predicted_sup for r in self.reports])

    @property
    def predicted_l1(self) -> np.ndarray:
        return np.array([math.nan if r.predicted_l1 is None else r.predicted_l1 for r in self.reports])

    @property
    def order_sup(self) -> float | None:
        return fitted_order(self.widths, self.sup)

    @property
    def order_l1(self) -> float | None:
        return fitted_order(self.widths, self.l1)

    @property
    def order_l2(self) -> float | None:
        return fitted_order(self.widths, self.l2)

    def table(self) -> str:
        """The errors per width as a text table, with the fitted orders."""
        rows = [f"{self.function} ∗ {self.kernel}" + _params_text(self.params),
                f"{'width':>10} {'sup':>13} {'sup (closed)':>13} {'L1':>13} {'L1 (closed)':>13} {'L2':>13}"]
        for r in self.reports:
            rows.append(f"{r.width:>10.4g} {r.sup:>13.6e} {_cell(r.predicted_sup)} {r.l1:>13.6e} "
                        f"{_cell(r.predicted_l1)} {r.l2:>13.6e}")
        rows.append(f"fitted order: sup {_order_text(self.order_sup)}, L1 {_order_text(self.order_l1)}, "
                    f"L2 {_order_text(self.order_l2)}")
        return "\n".join(rows)

    __str__ = table


def fitted_order(widths, errors) -> float | None:
    """The least-squares slope of log(error) against log(width) over the finite, positive errors
    (None where fewer than two)."""
    widths, errors = np.asarray(widths, float), np.asarray(errors, float)
    keep = np.isfinite(errors) & (errors > 0)
    if keep.sum() < 2:
        return None
    slope = np.polyfit(np.log(widths[keep]), np.log(errors[keep]), 1)[0]
    return float(slope)


# --- the public functions ---------------------------------------------------------------------

def approximation_error(f, kernel: str | None = None, *, width, predict: bool = True, **params) -> ErrorReport:
    r"""approximation_error(f, kernel="gaussian", *, width, predict=True, **params) -> ErrorReport

    Measure how far f_w = f ∗ K_w is from f at one width:

    .. math::
        \|f_w - f\|_\infty, \qquad \int |f_w - f|\,dx, \qquad \Big(\int (f_w - f)^2\,dx\Big)^{1/2},

    over the whole line, with f_w from :mod:`smoothfn.functional` in fp64 and f exact. The method
    (split at every kink, jump and kernel knot, geometric refinement, Gauss–Legendre between the
    zeros of f_w − f, fitted algebraic tails, zoomed sup with one-sided limits at the jumps) and its
    accuracy (1e-9 relative, about 1e-6 where a heavy tail is fitted) are described in
    :mod:`smoothfn.analysis.error`.

    Args:
        f: a catalog name (``"relu"``), a SymPy expression in x (compiled with :func:`smoothfn.compile`
            for this kernel), or a :class:`~smoothfn.api.user_functions.CompiledFunction`.
        kernel: a name from ``smoothfn.KERNELS``; default ``"gaussian"`` (a compiled function's own
            kernel when f is one).
        width: w > 0.
        predict: attach the closed forms of :func:`smoothfn.derive` (SymPy; about 0.3 s a pair the
            first time). Default True.
        **params: the function's parameters by their catalog names (``alpha``, ``lo``/``hi``, ``y``,
            or a user expression's symbols); defaults for the others.

    Returns:
        :class:`ErrorReport` with ``sup``, ``l1``, ``l2``, ``argmax``, ``predicted_sup``, ``predicted_l1``.

    Raises:
        the refusals of :mod:`smoothfn.functional` (``DivergentPairError`` for relu ∗ cauchy,
        ``NoClosedFormError``, ``UnknownKernelError``, ``InvalidWidthError``), and
        ``SmoothfnError`` for an unknown parameter.

    Example::

        >>> import smoothfn
        >>> r = smoothfn.approximation_error("relu", "gaussian", width=0.5)
        >>> round(r.sup, 9), round(r.predicted_sup, 9)      # w/√(2π), at the kink
        (0.19947114, 0.19947114)
        >>> round(r.l1, 9), r.predicted_l1                  # w²/2
        (0.125, 0.125)
    """
    width = check_width(width)
    target = resolve(f, kernel, params)
    if target.function.is_staircase:
        report = _measure_staircase(target, width)
    else:
        report = _measure(target, width)
    if predict:
        sup, l1 = _predicted(target, width)
        report = _replace(report, predicted_sup=sup, predicted_l1=l1)
    return report


def convergence(f, kernel: str | None = None, *, widths: Sequence[float] = (0.4, 0.2, 0.1, 0.05, 0.025),
                predict: bool = True, **params) -> ConvergenceReport:
    r"""convergence(f, kernel="gaussian", *, widths=(0.4, 0.2, 0.1, 0.05, 0.025), predict=True, **params)

    :func:`approximation_error` at every width, and the orders of the errors in w: the slopes of
    log(error) against log(w) (``order_sup``, ``order_l1``, ``order_l2``), as
    :math:`\|f_w - f\| \approx C\,w^{\text{order}}`.

    Example::

        >>> import smoothfn
        >>> c = smoothfn.convergence("relu", "logistic", widths=[0.4, 0.2, 0.1])
        >>> round(c.order_sup, 6), round(c.order_l1, 6)     # sup O(w), L¹ O(w²)
        (1.0, 2.0)
        >>> round(smoothfn.convergence("sign", widths=[0.4, 0.2, 0.1]).order_sup, 6)  # a jump: O(1)
        0.0
    """
    widths = [check_width(w) for w in widths]
    if not widths:
        raise SmoothfnError("convergence needs at least one width")
    reports = [approximation_error(f, kernel, width=w, predict=predict, **params) for w in widths]
    first = reports[0]
    return ConvergenceReport(first.function, first.kernel, first.params, np.array(widths, float), reports)


def equal_scale_width(kernel: str, scale: float) -> tuple[float, str]:
    r"""The width at which K_w has the spread ``scale``, and which spread: ``"std"`` or ``"iqr"``.

    With a finite variance, w = scale / std(k): K_w has standard deviation ``scale``. The cauchy and
    student_t2 kernels have none; for them K_w is given the interquartile range of a Gaussian of
    standard deviation ``scale`` (2·0.67449·scale), w = 1.34898·scale / IQR(k) (cauchy: IQR 2;
    student_t2: 2/√3).

    Example::

        >>> equal_scale_width("uniform", 1.0)        # std of U(-1, 1) is 1/√3
        (1.7320508075688774, 'std')
        >>> equal_scale_width("cauchy", 1.0)
        (0.6744897501960817, 'iqr')
    """
    std, iqr = _kernel_spread(kernel)
    if math.isfinite(std):
        return scale / std, "std"
    return scale * _GAUSSIAN_IQR / iqr, "iqr"


_GAUSSIAN_IQR = 2 * 0.6744897501960817  # 2·Φ⁻¹(3/4)


@cache
def _kernel_spread(kernel: str) -> tuple[float, float]:
    """(standard deviation, interquartile range) of the standard kernel k."""
    import mpmath
    import sympy as sp

    from smoothfn.catalog.kernels import KERNELS

    if kernel not in KERNELS:
        raise UnknownKernelError(f"unknown kernel {kernel!r}; choose one of {', '.join(KERNELS)}")
    k = KERNELS[kernel]
    if k.finite_moment_bound > 2:  # by quadrature: SymPy's E[Y²] of the logistic kernel takes seconds
        points = [0, *sorted({float(p.hi) for p in k.pieces if p.hi.is_finite and p.hi > 0}), mpmath.inf]
        points = sorted(set(points), key=float)
        density = sp.lambdify(k.u, k.density, "mpmath")
        std = math.sqrt(2 * float(mpmath.quad(lambda u: u * u * density(u), points)))
    else:
        std = math.inf
    cdf = sp.lambdify(k.z, k.cdf_expr, "mpmath")
    upper = mpmath.findroot(lambda q: cdf(q) - mpmath.mpf(3) / 4, (0, 10), solver="bisect")
    return std, 2 * float(upper)


# --- what is measured -------------------------------------------------------------------------

@dataclass
class _Target:
    """See :func:`resolve`."""

    label: str
    function: object  # SmoothableFunction
    kernel: str
    values: dict  # parameter name → value
    call: Callable  # (tensor x, w) → f_w(x), from the functional API (autograd flows through it)
    source: object  # what derive() takes

    def smooth(self, x: np.ndarray, w: float) -> np.ndarray:
        """f_w(x) in fp64 (numpy in, numpy out)."""
        with torch.no_grad():
            return self.call(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)), w).numpy()

    def slope(self, x: np.ndarray, w: float) -> np.ndarray:
        """f_w'(x) in fp64 by autograd through the functional API (the closed-form backward)."""
        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.call(t, w).sum(), t)
        return grad.numpy()

    @property
    def symbols(self) -> dict:
        return {self.function.params[name]: value for name, value in self.values.items()}


def resolve(f, kernel, params) -> _Target:
    """What :func:`approximation_error` and :mod:`smoothfn.plot` evaluate: the function (its exact
    pieces), the kernel, the parameter values, and f_w through the functional API."""
    import sympy as sp

    import smoothfn.functional as F
    from smoothfn import generated
    from smoothfn.api.user_functions import CompiledFunction
    from smoothfn.api.user_functions import compile as compile_function
    from smoothfn.catalog.functions import FUNCTIONS, SmoothableFunction, from_expression

    if isinstance(f, SmoothableFunction) and FUNCTIONS.get(f.name) is f:
        f = f.name
    compiled = None
    if isinstance(f, str):
        if f not in FUNCTIONS:
            raise UnknownFunctionError(f"unknown function {f!r}; choose one of {', '.join(FUNCTIONS)} or pass a "
                                       "SymPy expression")
        function, source, label = FUNCTIONS[f], f, f
        kernel = kernel or "gaussian"
    elif isinstance(f, CompiledFunction):
        kernel = kernel or f.kernel
        compiled = f if kernel == f.kernel else None
        function, source, label = from_expression(f.expr), f.expr, f.name
    elif isinstance(f, sp.Basic):
        kernel = kernel or "gaussian"
        function, source, label = from_expression(f), f, sp.sstr(f)
    elif isinstance(f, SmoothableFunction):
        kernel = kernel or "gaussian"
        function, source, label = f, f.expr, f.name
    else:
        raise UnknownFunctionError(f"cannot measure {f!r}: pass a catalog name, a SymPy expression or a "
                                   "compiled function")
    if not isinstance(kernel, str) or kernel not in generated.KERNELS:
        raise UnknownKernelError(f"unknown kernel {kernel!r}; choose one of {', '.join(generated.KERNELS)}")
    unknown = set(params) - set(function.params)
    if unknown:
        raise SmoothfnError(f"{label} has no parameter {sorted(unknown)}; it has {list(function.params) or 'none'}")
    values = {**function.defaults, **{k: float(v) for k, v in params.items()}}

    if function.is_staircase:
        smooth_fn = F.round if function.staircase_shift != 0 else F.floor

        def call(x, w):
            return smooth_fn(x, width=w, kernel=kernel, backend="torch")
    elif isinstance(source, str):
        ordered = [values[name] for name in generated.PARAMETERS[source]]
        smooth_fn = getattr(F, source)

        def call(x, w):
            return smooth_fn(x, *ordered, width=w, kernel=kernel, backend="torch")
    else:
        compiled = compiled or compile_function(source, kernel)

        def call(x, w):
            return compiled(x, width=w, backend="torch", **values)

    target = _Target(label, function, kernel, values, call, source)
    target.smooth(np.zeros(1), 1.0)  # a refused pair (relu ∗ cauchy) raises here, before any measuring
    return target


def exact(target: _Target, derivative: int = 0):
    """x ↦ f(x) (or its ``derivative``-th derivative, piece by piece) in fp64 from the exact pieces
    (the right piece's value at a breakpoint), the numeric breakpoints, and the pieces as numpy
    functions."""
    return _exact(target, derivative)


def _exact(target: _Target, derivative: int = 0):
    import sympy as sp

    function = target.function
    x = function.x
    if function.is_staircase:
        shift = float(function.staircase_shift)
        if derivative:
            return (lambda t: np.zeros_like(np.asarray(t, float))), [], []
        return (lambda t: np.floor(t + shift)), [], []
    symbols = target.symbols
    polys = []
    for piece in function.pieces:
        fn = sp.lambdify(x, sp.expand(sp.diff(piece.poly.subs(symbols), x, derivative)), "numpy")
        polys.append(lambda t, fn=fn: np.broadcast_to(np.asarray(fn(t), dtype=float), np.shape(t)).astype(float))
    breaks = [float(c.subs(symbols)) for c in function.breakpoints]
    if any(b >= a for a, b in zip(breaks[1:], breaks)):
        raise SmoothfnError(f"the breakpoints of {target.label} are not increasing at {target.values}: {breaks}")
    cuts = np.array(breaks)

    def exact(t):
        t = np.asarray(t, float)
        region = np.searchsorted(cuts, t, side="right")
        out = np.empty_like(t)
        for i, poly in enumerate(polys):
            mask = region == i
            if mask.any():
                out[mask] = poly(t[mask])
        return out

    return exact, breaks, polys


@cache
def _kernel_knots(kernel: str) -> tuple[float, ...]:
    """The finite points where the kernel's density is not analytic (its pieces' ends), and 0."""
    from smoothfn.catalog.kernels import KERNELS

    knots = {0.0}
    for piece in KERNELS[kernel].pieces:
        for end in (piece.lo, piece.hi):
            if end.is_finite:
                knots.add(float(end))
    return tuple(sorted(knots))


def _cuts(a: float, b: float, w: float) -> list[float]:
    """a, b and points at w/2, w, 2w, … from each finite end, up to the middle (or FAR·w)."""
    points = {a, b}
    finite = [e for e in (a, b) if math.isfinite(e)]
    if math.isfinite(a) and math.isfinite(b):
        reach = (b - a) / 2
        points.add(a + reach)
    else:
        reach = FAR * w
    for end, direction in ((a, 1.0), (b, -1.0)):
        if not math.isfinite(end):
            continue
        step = w / 2
        while step < reach * (1 - 1e-12):
            points.add(end + direction * step)
            step *= 2
        if len(finite) == 1:
            points.add(end + direction * reach)
    return sorted(p for p in points if math.isfinite(p))


def _segments(splits: list[float], w: float, outer: bool) -> list[tuple[float, float]]:
    edges = [-math.inf, *splits, math.inf] if outer else splits
    out = []
    for a, b in zip(edges, edges[1:]):
        points = _cuts(a, b, w)
        out += [(p, q) for p, q in zip(points, points[1:]) if q > p]
    return out


def _sample_points(segments) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev points inside every segment: (points, the segment index of each)."""
    a = np.array([s[0] for s in segments])
    b = np.array([s[1] for s in segments])
    theta = (1 - np.cos(np.pi * (np.arange(SAMPLES) + 0.5) / SAMPLES)) / 2
    points = a[:, None] + (b - a)[:, None] * theta[None, :]
    return points, np.repeat(np.arange(len(segments)), SAMPLES).reshape(points.shape)


def _split_at_zeros(segments, error) -> tuple[list[tuple[float, float]], np.ndarray, np.ndarray]:
    """The segments cut at the sign changes of the error, and the samples (points, values)."""
    points, _ = _sample_points(segments)
    values = error(points.ravel()).reshape(points.shape)
    lo_i, lo_j = np.nonzero(np.sign(values[:, :-1]) * np.sign(values[:, 1:]) < 0)
    lo, hi = points[lo_i, lo_j], points[lo_i, lo_j + 1]
    if len(lo):
        e_lo = values[lo_i, lo_j]
        for _ in range(BISECTIONS):
            mid = (lo + hi) / 2
            e_mid = error(mid)
            same = np.sign(e_mid) == np.sign(e_lo)
            lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
            e_lo = np.where(same, e_mid, e_lo)
    roots = (lo + hi) / 2
    cut: dict[int, list[float]] = {}
    for i, r in zip(lo_i, roots):
        cut.setdefault(int(i), []).append(float(r))
    out = []
    for i, (a, b) in enumerate(segments):
        edges = [a, *sorted(r for r in cut.get(i, []) if a < r < b), b]
        out += [(p, q) for p, q in zip(edges, edges[1:]) if q > p]
    return out, points.ravel(), values.ravel()


def _integrate(segments, error) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(∫|e|, ∫e², nodes, values) by Gauss–Legendre on every segment."""
    nodes, weights = np.polynomial.legendre.leggauss(NODES)
    a = np.array([s[0] for s in segments])
    b = np.array([s[1] for s in segments])
    half = (b - a) / 2
    points = (a + half)[:, None] + half[:, None] * nodes[None, :]
    values = error(points.ravel()).reshape(points.shape)
    l1 = float(np.sum(half * (np.abs(values) @ weights)))
    l2 = float(np.sum(half * ((values**2) @ weights)))
    return l1, l2, points.ravel(), values.ravel()


def _zoom(error, x0: float, lo: float, hi: float) -> tuple[float, float]:
    """Refine a maximum of |error| near x0 within [lo, hi]: 65 points, then around the best, ZOOMS times."""
    best_x, best = x0, float(abs(error(np.array([x0]))[0]))
    for _ in range(ZOOMS):
        grid = np.linspace(lo, hi, 65)
        values = np.abs(error(grid))
        i = int(np.argmax(values))
        if values[i] > best:
            best_x, best = float(grid[i]), float(values[i])
        step = (hi - lo) / 64
        lo, hi = max(lo, best_x - step), min(hi, best_x + step)
    return best_x, best


def _measure(target: _Target, width: float) -> ErrorReport:
    exact, breaks, polys = _exact(target)
    w = width

    def error(t):
        t = np.asarray(t, float)
        return target.smooth(t, w) - exact(t)

    centres = breaks or [0.0]
    knots = _kernel_knots(target.kernel)
    splits = sorted({c + w * k for c in centres for k in knots})
    segments = _segments(splits, w, outer=True)
    segments, sample_x, sample_e = _split_at_zeros(segments, error)
    l1, l2sq, node_x, node_e = _integrate(segments, error)

    # the tails beyond FAR·w: fitted power law
    middle = (centres[0] + centres[-1]) / 2
    tails = []
    for side, edge in ((-1.0, splits[0]), (1.0, splits[-1])):
        r = FAR * w
        xs = np.array([edge + side * r / 4, edge + side * r / 2, edge + side * r])
        es = error(xs)
        noise = 64 * _EPS * (np.abs(exact(xs)) + np.abs(xs) + w)
        tails.append(_tail(np.abs(xs - middle), es, noise))
    sup_tail = max(t["limit"] for t in tails)
    exponents = [t["p"] for t in tails if t["p"] is not None]
    l1 += sum(t["l1"] for t in tails)
    l2sq += sum(t["l2sq"] for t in tails)

    # the sup: samples and nodes, zoomed; one-sided limits at the breakpoints
    xs = np.concatenate([sample_x, node_x])
    es = np.abs(np.concatenate([sample_e, node_e]))
    order = np.argsort(xs)
    xs, es = xs[order], es[order]
    i = int(np.argmax(es))
    lo, hi = xs[max(i - 1, 0)], xs[min(i + 1, len(xs) - 1)]
    for c in breaks:  # do not zoom across a breakpoint (a jump's one-sided limits are taken below)
        if lo < c < xs[i]:
            lo = c
        if xs[i] < c < hi:
            hi = c
    argmax, sup = _zoom(error, float(xs[i]), float(lo), float(hi))
    attained = True
    if breaks:
        at = np.array(breaks)
        fw = target.smooth(at, w)
        for j, c in enumerate(breaks):
            left, right = polys[j](np.array([c]))[0], polys[j + 1](np.array([c]))[0]
            jump = bool(left != right)
            for value in (fw[j] - left, fw[j] - right):
                # at a jump the zoom may have landed on c itself (f(c) is the right piece's value):
                # the sup is the one-sided limit there, approached and not attained
                if abs(value) > sup or (jump and abs(value) >= sup * (1 - 1e-9) and abs(argmax - c) <= 1e-9 * w):
                    sup, argmax, attained = float(abs(value)), c, not jump
    if sup_tail > sup:
        side = max(range(2), key=lambda s: tails[s]["limit"])
        sup, argmax, attained = sup_tail, (-math.inf, math.inf)[side], False
    if any(t["grows"] for t in tails):
        sup, argmax, attained = math.inf, math.inf, False
    return ErrorReport(
        target.label, target.kernel, width, dict(target.values), sup=sup, l1=l1,
        l2=math.sqrt(l2sq) if math.isfinite(l2sq) else math.inf, argmax=argmax, sup_attained=attained,
        tail_exponent=min(exponents) if exponents else None,
    )


def _tail(r: np.ndarray, e: np.ndarray, noise: np.ndarray) -> dict:
    """The contribution of a tail beyond r[2] from e at r[0] < r[1] < r[2] (see the module docstring)."""
    none = {"p": None, "l1": 0.0, "l2sq": 0.0, "limit": 0.0, "grows": False}
    if np.all(np.abs(e[1:]) <= noise[1:]) or np.any(e[1:] == 0):
        return none
    if np.sign(e[1]) != np.sign(e[2]):
        return none  # below what the fp64 values resolve (it cannot change sign in a power-law tail)
    p = float(np.log(abs(e[1]) / abs(e[2])) / np.log(r[2] / r[1]))
    e_far, r_far = abs(float(e[2])), float(r[2])
    if p < -0.05:
        return {"p": p, "l1": math.inf, "l2sq": math.inf, "limit": math.inf, "grows": True}
    if p < 0.05:
        return {"p": p, "l1": math.inf, "l2sq": math.inf, "limit": e_far, "grows": False}
    l1 = e_far * r_far / (p - 1) if p > 1.05 else math.inf
    l2sq = e_far**2 * r_far / (2 * p - 1) if p > 0.55 else math.inf
    return {"p": p, "l1": l1, "l2sq": l2sq, "limit": 0.0, "grows": False}


def _measure_staircase(target: _Target, width: float) -> ErrorReport:
    exact, _, _ = _exact(target)
    w = width
    shift = float(target.function.staircase_shift)
    c0 = -shift + 0.0  # a jump (+ 0.0: not -0.0); the period [c0, c0 + 1] lies between two jumps

    def error(t):
        t = np.asarray(t, float)
        return target.smooth(t, w) - exact(t)

    knots = _kernel_knots(target.kernel)
    reach = max(abs(k) for k in knots) * w
    splits = {c0, c0 + 1.0}
    if reach > 0 and reach < 50:  # the knots of the jumps that reach into the period
        for n in range(-math.ceil(reach) - 1, math.ceil(reach) + 2):
            for k in knots:
                p = c0 + n + w * k
                if c0 < p < c0 + 1:
                    splits.add(p)
    segments = _segments(sorted(splits), w, outer=False)
    segments, sample_x, sample_e = _split_at_zeros(segments, error)
    l1, l2sq, node_x, node_e = _integrate(segments, error)
    xs = np.concatenate([sample_x, node_x])
    es = np.abs(np.concatenate([sample_e, node_e]))
    i = int(np.argmax(es))
    sup, argmax, attained = float(es[i]), float(xs[i]), True
    fw = float(target.smooth(np.array([c0]), w)[0])
    right = float(exact(np.array([c0]))[0])
    for value in (fw - right, fw - (right - 1.0)):  # the one-sided limits at the jump
        if abs(value) >= sup:
            sup, argmax, attained = abs(value), c0, False
    return ErrorReport(target.label, target.kernel, width, dict(target.values), sup=sup, l1=math.inf,
                       l2=math.inf, argmax=argmax, sup_attained=attained, l1_per_period=l1,
                       l2_per_period=math.sqrt(l2sq))


# --- the closed forms -------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _derivation(source, kernel: str):
    from smoothfn.derivation.derivation import derive

    return derive(source, kernel)


def _predicted(target: _Target, width: float) -> tuple[float | None, float | None]:
    try:
        d = _derivation(target.source, target.kernel)
    except ValueError:
        return None, None
    values = {d.width: width, **{d.params[name]: value for name, value in target.values.items()}}
    return _number(d.sup_error, values), _number(d.l1_error, values)


def _number(expr, values) -> float | None:
    import sympy as sp

    if expr is None:
        return None
    value = sp.sympify(expr).subs(values)
    if value is sp.oo:
        return math.inf
    try:
        number = complex(sp.N(value, 30))
    except TypeError:
        return None
    return number.real if abs(number.imag) <= 1e-30 and math.isfinite(number.real) else None


# --- small helpers ----------------------------------------------------------------------------

def _replace(report: ErrorReport, **changes) -> ErrorReport:
    from dataclasses import replace

    return replace(report, **changes)


def _ratio(measured: float, predicted: float | None) -> float | None:
    if predicted is None or not math.isfinite(predicted) or predicted == 0:
        return None
    return measured / predicted


def _params_text(params: dict) -> str:
    return (" (" + ", ".join(f"{k}={v:g}" for k, v in params.items()) + ")") if params else ""


def _closed_text(value) -> str:
    return "" if value is None else f"   [closed form {value:.10g}]"


def _cell(value) -> str:
    return f"{'—':>13}" if value is None else f"{value:>13.6e}"


def _order_text(order) -> str:
    return "—" if order is None else f"{order:.3f}"
