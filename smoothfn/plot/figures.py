r"""The figures of :mod:`smoothfn.plot` (see there). Each function computes its values first (a plain
dict, kept as ``figure.smoothfn_data``), then draws them on a :class:`matplotlib.figure.Figure`
that belongs to no pyplot window, so nothing here needs a display.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from smoothfn.analysis.error import convergence, equal_scale_width, exact, fitted_order, resolve
from smoothfn.errors import NoClosedFormError

KERNEL_ORDER = ("gaussian", "logistic", "cauchy", "laplace", "uniform", "student_t2", "epanechnikov", "triangular")

#: One colour per kernel in every figure (Okabe–Ito, with wine and grey for the last two; the
#: unsmoothed function is always black).
KERNEL_COLORS = {
    "gaussian": "#0072B2",
    "logistic": "#E69F00",
    "cauchy": "#CC79A7",
    "laplace": "#009E73",
    "uniform": "#D55E00",
    "student_t2": "#56B4E9",
    "epanechnikov": "#882255",
    "triangular": "#777777",
}
KERNEL_LABELS = {
    "gaussian": "Gaussian",
    "logistic": "logistic",
    "cauchy": "Cauchy",
    "laplace": "Laplace",
    "uniform": "uniform",
    "student_t2": r"Student $t_2$",
    "epanechnikov": "Epanechnikov",
    "triangular": "triangular",
}
WIDTH_STYLES = ("-", "--", ":", "-.")
EXACT = {"color": "black", "lw": 1.3}
DPI = 150
ORDER_WIDTH = 0.1  # error_vs_width fits the orders over the widths up to this one


# --- smoothings ----------------------------------------------------------------------------------

def smoothings(f, kernels: Sequence[str] | None = ("gaussian",), widths: Sequence[float] = (0.25,), *,
               x=None, points: int = 401, derivative: bool = True, title: str | None = None, **params) -> Figure:
    r"""smoothings(f, kernels=("gaussian",), widths=(0.25,), *, x=None, points=401, derivative=True, **params)

    f and its smoothings f_w = f ∗ K_w for every kernel and width (colour: kernel, line style:
    width), with f' and f_w' in a second panel (f_w' by autograd through the functional API, f'
    piece by piece; a jump's δ is not drawn).

    Args:
        f: a catalog name, a SymPy expression or a compiled function (as :func:`smoothfn.approximation_error`).
        kernels: kernel names; None for every kernel that has a closed form for f (the divergent pairs
            are left out).
        widths: the widths w.
        x: the abscissae (1-D); default: ``points`` points around f's breakpoints.
        derivative: draw the derivative panel. Default True.
        title: the figure's title; default names f.
        **params: f's parameters by their catalog names.

    Returns:
        Figure, with the plotted values in ``figure.smoothfn_data``.
    """
    return draw_smoothings(smoothings_data(f, kernels, widths, x=x, points=points, **params), derivative=derivative,
                           title=title)


def draw_smoothings(data: dict, *, derivative: bool = True, title: str | None = None) -> Figure:
    """Draw the values of :func:`smoothings_data` (what :func:`smoothings` does)."""
    fig = Figure(figsize=(7.0, 6.4 if derivative else 3.8), layout="constrained")
    axes = fig.subplots(2 if derivative else 1, 1, sharex=True, squeeze=False)[:, 0]
    xs = np.array(data["x"])
    axes[0].plot(xs, data["exact"], label=r"$f$", **EXACT)
    for curve in data["curves"]:
        style = WIDTH_STYLES[data["widths"].index(curve["width"]) % len(WIDTH_STYLES)]
        label = KERNEL_LABELS[curve["kernel"]] + (f", $w = {curve['width']:g}$" if len(data["widths"]) > 1 else "")
        axes[0].plot(xs, curve["value"], ls=style, lw=1.6, color=KERNEL_COLORS[curve["kernel"]], label=label)
        if derivative:
            axes[1].plot(xs, curve["slope"], ls=style, lw=1.6, color=KERNEL_COLORS[curve["kernel"]])
    single = f", $w = {data['widths'][0]:g}$" if len(data["widths"]) == 1 else ""
    axes[0].set_title(title or f"{data['function']}{_params_text(data['params'])}: $f_w = f * K_w${single}")
    axes[0].set_ylabel(r"$f(x)$, $f_w(x)$")
    axes[0].legend(loc="best", fontsize=8, framealpha=0.9, ncol=2 if len(data["curves"]) > 4 else 1)
    if derivative:
        axes[1].plot(xs, data["exact_slope"], **EXACT)
        axes[1].set_ylabel(r"$f'(x)$, $f_w'(x)$")
        # said in the title, not a legend: no place inside is free of curves for every function
        axes[1].set_title(r"derivatives (black: $f'$ piece by piece; the $\delta$ at a jump is not drawn)",
                          fontsize=9)
    axes[-1].set_xlabel(r"$x$")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.smoothfn_data = data
    return fig


def smoothings_data(f, kernels, widths, *, x=None, points: int = 401, **params) -> dict:
    """The values :func:`smoothings` draws."""
    widths = [float(w) for w in widths]
    targets = _targets(f, kernels, params)
    first = targets[0]
    xs = _abscissae(first, widths) if x is None else np.asarray(x, float).ravel()
    if x is None:
        xs = np.linspace(xs[0], xs[1], points)
    value, _, _ = exact(first)
    slope, _, _ = exact(first, derivative=1)
    curves = []
    for target in targets:
        for w in widths:
            curves.append({"kernel": target.kernel, "width": w, "value": target.smooth(xs, w).tolist(),
                           "slope": target.slope(xs, w).tolist()})
    return {"figure": "smoothings", "function": first.label, "params": dict(first.values), "widths": widths,
            "kernels": [t.kernel for t in targets], "x": xs.tolist(), "exact": value(xs).tolist(),
            "exact_slope": slope(xs).tolist(), "curves": curves}


def _targets(f, kernels, params) -> list:
    if kernels is None:
        found = []
        for k in KERNEL_ORDER:
            try:
                found.append(resolve(f, k, params))
            except NoClosedFormError:  # divergent (relu ∗ cauchy) or no closed form (hardswish ∗ logistic)
                continue
        return found
    if isinstance(kernels, str):
        kernels = [kernels]
    return [resolve(f, k, params) for k in kernels]


def _abscissae(target, widths) -> tuple[float, float]:
    """A range that shows f's features and the smoothing around them."""
    function = target.function
    if function.is_staircase:
        return -2.25, 2.25
    _, breaks, _ = exact(target)
    if not breaks:
        return -2.0, 2.0
    margin = max(1.5, 0.25 * (breaks[-1] - breaks[0]), 4 * max(widths))
    return breaks[0] - margin, breaks[-1] + margin


# --- error against width ---------------------------------------------------------------------

def error_vs_width(f, kernels: Sequence[str] | None = None, widths: Sequence[float] | None = None, *,
                   title: str | None = None, **params) -> Figure:
    r"""error_vs_width(f, kernels=None, widths=None, *, title=None, **params) -> Figure

    The measured sup and L¹ errors of f_w (markers, :func:`smoothfn.convergence`) against w on
    log-log axes, with the closed forms of :func:`smoothfn.derive` as lines where they exist, and
    the fitted order of each kernel in the legend. Infinite errors (the L¹ error with a heavy-tailed
    kernel, or of floor) are not drawn and are named in the legend.

    Args:
        f: a catalog name, a SymPy expression or a compiled function.
        kernels: kernel names; None for every kernel with a closed form for f.
        widths: default 7 widths from 0.01 to 1, evenly on a log scale.
        **params: f's parameters by their catalog names.
    """
    return draw_error(error_data(f, kernels, widths, **params), title=title)


def draw_error(data: dict, *, title: str | None = None) -> Figure:
    """Draw the values of :func:`error_data` (what :func:`error_vs_width` does)."""
    fig = Figure(figsize=(9.0, 4.0), layout="constrained")
    axes = fig.subplots(1, 2)
    widths = np.array(data["widths"])
    for ax, key, name in ((axes[0], "sup", r"$\sup_x |f_w - f|$"), (axes[1], "l1", r"$\int |f_w - f|\,dx$")):
        for kernel, row in data["kernels"].items():
            color = KERNEL_COLORS[kernel]
            measured = np.array([_float(v) for v in row[key]])
            predicted = np.array([_float(v) for v in row[f"predicted_{key}"]])
            order = row[f"order_{key}"]
            finite = np.isfinite(measured) & (measured > 0)
            label = KERNEL_LABELS[kernel]
            if not finite.any():
                label += r": $\infty$" if np.isinf(measured).any() else ": 0"
                ax.plot([], [], "o", color=color, label=label)
                continue
            label += "" if order is None else f" (order {_order(order)})"
            ax.plot(widths[finite], measured[finite], "o", ms=5, color=color, label=label)
            shown = np.isfinite(predicted) & (predicted > 0)
            if shown.any():
                ax.plot(widths[shown], predicted[shown], "-", lw=1.1, color=color, alpha=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"width $w$")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3, which="both", lw=0.5)
        ax.legend(fontsize=7, frameon=False, loc="best")
    axes[0].set_title("sup error", fontsize=10)
    axes[1].set_title(r"$L^1$ error" + (" per period" if data.get("per_period") else ""), fontsize=10)
    fig.suptitle((title or f"{data['function']}{_params_text(data['params'])}: error of $f_w = f * K_w$")
                 + "\nmarkers: measured; lines: closed form; orders fitted for "
                 + f"$w \\leq {data.get('order_widths', max(data['widths'])):g}$", fontsize=11)
    fig.smoothfn_data = data
    return fig


def error_data(f, kernels=None, widths=None, *, predict: bool = True, **params) -> dict:
    """The values :func:`error_vs_width` draws."""
    widths = [float(w) for w in (np.geomspace(0.01, 1.0, 7) if widths is None else widths)]
    targets = _targets(f, kernels, params)
    rows = {}
    # the orders are fitted where the errors are asymptotic: widths ≤ ORDER_WIDTH (all of them if fewer than 2)
    small = np.array(widths) <= ORDER_WIDTH * (1 + 1e-12)
    if small.sum() < 2:
        small[:] = True
    for target in targets:
        c = convergence(f, target.kernel, widths=widths, predict=predict, **params)
        periodic = target.function.is_staircase  # the L¹ error over the line is infinite: per period
        rows[target.kernel] = {
            "sup": c.sup.tolist(),
            "l1": [r.l1_per_period for r in c.reports] if periodic else c.l1.tolist(), "l2": c.l2.tolist(),
            "predicted_sup": c.predicted_sup.tolist(), "predicted_l1": c.predicted_l1.tolist(),
            "order_sup": fitted_order(c.widths[small], c.sup[small]),
            "order_l1": fitted_order(c.widths[small], np.array(
                [r.l1_per_period for r in c.reports] if periodic else c.l1)[small]),
        }
    first = targets[0]
    return {"figure": "error_vs_width", "function": first.label, "params": dict(first.values), "widths": widths,
            "per_period": first.function.is_staircase, "order_widths": float(np.array(widths)[small].max()),
            "kernels": rows}


# --- the kernels -----------------------------------------------------------------------------

def kernels(names: Sequence[str] | None = None, *, std: float = 1.0, x=None, points: int = 401) -> Figure:
    r"""kernels(names=None, *, std=1.0, x=None, points=401) -> Figure

    The kernels K_w side by side at equal standard deviation ``std`` (density left, CDF right).
    The cauchy and student_t2 kernels have no finite variance: they are drawn at the interquartile
    range of a Gaussian with that standard deviation (:func:`smoothfn.analysis.equal_scale_width`).
    The CDF is step_w = θ ∗ K_w and the density its derivative, both from the functional API.
    """
    return draw_kernels(kernels_data(names, std=std, x=x, points=points))


def draw_kernels(data: dict) -> Figure:
    """Draw the values of :func:`kernels_data` (what :func:`kernels` does)."""
    std = data["std"]
    fig = Figure(figsize=(9.0, 3.8), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True)
    xs = np.array(data["x"])
    for row in data["kernels"]:
        label = KERNEL_LABELS[row["kernel"]] + (" (IQR-matched)" if row["scale"] == "iqr" else "") + \
            f", $w = {row['width']:.3g}$"
        axes[0].plot(xs, row["density"], lw=1.6, color=KERNEL_COLORS[row["kernel"]], label=label)
        axes[1].plot(xs, row["cdf"], lw=1.6, color=KERNEL_COLORS[row["kernel"]])
    axes[0].set_ylabel(r"density $K_w(u)$")
    axes[1].set_ylabel(r"CDF $\int_{-\infty}^{u} K_w$")
    for ax in axes:
        ax.set_xlabel(r"$u$")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, frameon=False, loc="upper left")
    fig.suptitle(f"The kernels at equal standard deviation {std:g} "
                 "(Cauchy and Student $t_2$: equal interquartile range)")
    fig.smoothfn_data = data
    return fig


def kernels_data(names=None, *, std: float = 1.0, x=None, points: int = 401) -> dict:
    """The values :func:`kernels` draws."""
    names = list(KERNEL_ORDER if names is None else names)
    xs = np.linspace(-4 * std, 4 * std, points) if x is None else np.asarray(x, float).ravel()
    rows = []
    for name in names:
        width, scale = equal_scale_width(name, std)
        target = resolve("step", name, {})
        rows.append({"kernel": name, "width": width, "scale": scale, "density": target.slope(xs, width).tolist(),
                     "cdf": target.smooth(xs, width).tolist()})
    return {"figure": "kernels", "std": std, "x": xs.tolist(), "kernels": rows}


# --- a learned activation --------------------------------------------------------------------

def activation(module, inputs=None, *, x=None, points: int = 401, bins: int = 60, title: str | None = None) -> Figure:
    r"""activation(module, inputs=None, *, x=None, points=401, bins=60, title=None) -> Figure

    The activation of a :mod:`smoothfn.nn` module (SAU, SMU, SmoothReLU, … as trained: its
    learned width and parameters), the exact activation it hardens to (``module.to_exact()``,
    dashed), and the histogram of ``inputs`` (the values the module saw, e.g. collected with a
    forward hook) on a second axis. A module with per-channel values draws one curve per channel.

    Args:
        module: a module of :mod:`smoothfn.nn` (any ``torch.nn.Module`` elementwise in its input works).
        inputs: optional tensor or array of the inputs the module saw.
        x: the abscissae; default: the 0.5–99.5 % range of ``inputs`` widened by a tenth, or [−3, 3].
    """
    return draw_activation(activation_data(module, inputs, x=x, points=points, bins=bins), title=title)


def draw_activation(data: dict, *, title: str | None = None) -> Figure:
    """Draw the values of :func:`activation_data` (what :func:`activation` does)."""
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.subplots()
    xs = np.array(data["x"])
    if data["histogram"] is not None:
        hist = ax.twinx()
        edges = np.array(data["histogram"]["edges"])
        hist.stairs(data["histogram"]["density"], edges, fill=True, color="0.85", label="inputs")
        hist.set_ylabel("input density", color="0.4")
        hist.tick_params(axis="y", colors="0.4")
        ax.set_zorder(hist.get_zorder() + 1)
        ax.patch.set_visible(False)
    channels = data["values"]
    for c, values in enumerate(channels):
        label = data["name"] if len(channels) == 1 else f"channel {c}"
        ax.plot(xs, values, lw=1.8, color=list(KERNEL_COLORS.values())[c % len(KERNEL_COLORS)], label=label)
    if data["exact"] is not None:
        ax.plot(xs, data["exact"], ls="--", label=f"exact: {data['exact_name']}", **EXACT)
    ax.set_xlabel(r"input $x$")
    ax.set_ylabel(r"activation $f_w(x)$")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    ax.set_title(title or data["description"], fontsize=9)
    fig.smoothfn_data = data
    return fig


def activation_data(module, inputs=None, *, x=None, points: int = 401, bins: int = 60) -> dict:
    """The values :func:`activation` draws."""
    sample = None if inputs is None else np.asarray(
        inputs.detach().cpu().double() if isinstance(inputs, torch.Tensor) else inputs, float).ravel()
    if x is not None:
        xs = np.asarray(x, float).ravel()
    elif sample is not None and sample.size:
        lo, hi = np.quantile(sample, [0.005, 0.995])
        pad = 0.1 * max(hi - lo, 1e-6)
        xs = np.linspace(lo - pad, hi + pad, points)
    else:
        xs = np.linspace(-3.0, 3.0, points)
    dtype = next((p.dtype for p in module.parameters()), None) or next((b.dtype for b in module.buffers()),
                                                                       torch.get_default_dtype())
    channels = int(getattr(module, "num_parameters", 1))
    grid = torch.from_numpy(xs).to(dtype)
    if channels > 1:
        grid = grid[:, None].expand(len(xs), channels).contiguous()
    with torch.no_grad():
        values = module(grid).double().numpy()
        exact_module = module.to_exact() if hasattr(module, "to_exact") else None
        exact_values = None if exact_module is None else exact_module(grid).double().numpy()
    values = values.reshape(len(xs), -1).T
    histogram = None
    if sample is not None and sample.size:
        density, edges = np.histogram(sample, bins=bins, range=(xs[0], xs[-1]), density=True)
        histogram = {"edges": edges.tolist(), "density": density.tolist()}
    extra = module.extra_repr() if hasattr(module, "extra_repr") else ""
    return {"figure": "activation", "name": type(module).__name__, "description": f"{type(module).__name__}({extra})",
            "x": xs.tolist(), "values": values.tolist(),
            "exact": None if exact_values is None else exact_values.reshape(len(xs), -1)[:, 0].tolist(),
            "exact_name": None if exact_module is None else type(exact_module).__name__, "histogram": histogram}


# --- saving ----------------------------------------------------------------------------------

def save(fig: Figure, path, *, svg: bool = False, dpi: int = DPI) -> list[Path]:
    """Write ``fig`` as PNG at ``dpi`` (150) to ``path`` (its suffix replaced by .png), and as SVG
    beside it when ``svg`` is true or ``path`` ends in .svg. The metadata are fixed (no date, no
    software version, a fixed SVG id salt), so the same figure gives the same files. Returns the
    paths written."""
    import matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    if path.suffix.lower() != ".svg":
        png = path.with_suffix(".png")
        fig.savefig(png, dpi=dpi, metadata={"Software": None})
        written.append(png)
    if svg or path.suffix.lower() == ".svg":
        target = path.with_suffix(".svg")
        with matplotlib.rc_context({"svg.hashsalt": "smoothfn", "svg.fonttype": "path"}):
            fig.savefig(target, metadata={"Date": None, "Creator": None})
        written.append(target)
    return written


def _order(order: float) -> str:
    text = f"{order:.2f}"
    return "0.00" if text == "-0.00" else text


def _float(value) -> float:
    if value is None:
        return math.nan
    return float(value)


def _params_text(params: dict) -> str:
    return (" (" + ", ".join(f"{k} = {v:g}" for k, v in params.items()) + ")") if params else ""
