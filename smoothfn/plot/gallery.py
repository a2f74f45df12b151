r"""The gallery in ``plots/``: every figure, its data, and the page that shows them.

    python -m smoothfn gallery            # or: smoothfn gallery [--out plots] [--only NAME ...] [--svg]

For each entry of :func:`entries` it writes ``plots/<name>.png`` (150 dpi, fixed metadata) and
``plots/data/<name>.json`` (the plotted values, 10 significant digits; ``"inf"`` for infinite
errors), and then ``plots/README.md``. The figures are:

* ``readme``: the README's opening figure (relu, sign and floor with their Gaussian smoothings, and
  relu's sup error against the width, measured and closed form);
* ``function_<name>``: every catalog function with all its kernels at w = 0.3, and the derivatives;
* ``error_<name>``: its measured sup and L¹ errors against w, with the closed forms and fitted orders;
* ``kernels``: the kernels at equal standard deviation;
* ``kernel_comparison``: every function × kernel at equal standard deviation, relative to the best;
* ``activation_example``: :func:`smoothfn.plot.activation` on a SAU module and synthetic inputs.

The learned shapes of the demo are drawn by ``smoothfn demo`` itself (its ``activations.png``);
``plots/learned.png`` is a copy of that file from the demo's default run.

``tests/test_gallery.py`` regenerates the data and fails when it drifts from ``plots/data/``
(data, not pixels); the generator is deterministic (no dates, fixed seeds and metadata).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from smoothfn.plot.figures import (
    EXACT,
    KERNEL_COLORS,
    KERNEL_LABELS,
    KERNEL_ORDER,
    activation_data,
    draw_activation,
    draw_error,
    draw_kernels,
    draw_smoothings,
    error_data,
    kernels_data,
    save,
    smoothings_data,
)

WIDTH = 0.3  # the width of the function figures
POINTS = 241
ERROR_WIDTHS = tuple(float(w) for w in np.geomspace(0.01, 1.0, 7))
COMPARISON_SCALE = 0.1
DIGITS = 10
FUNCTION_NAMES = ("relu", "leaky_relu", "abs", "sign", "step", "clamp", "hardtanh", "relu6", "hardsigmoid",
                  "hardswish", "max", "min", "floor", "round")
LEARNED = "learned.png"  # a copy of `smoothfn demo`'s activations.png (the gallery command does not train)


@dataclass(frozen=True)
class Entry:
    """One gallery figure: ``data(predict)`` computes its values, ``draw(data)`` the Figure."""

    name: str
    caption: str
    data: Callable[[bool], dict]
    draw: Callable[[dict], Figure]


def entries() -> list[Entry]:
    """Every figure of the gallery, in the order of the page."""
    out = [Entry("readme", "What smoothfn does: f_w = f ∗ K_w for relu, sign and floor with a Gaussian kernel, "
                 "and relu's sup error against w, measured (markers) and closed form (lines).",
                 _readme_data, _draw_readme),
           Entry("kernels", "The kernels at equal standard deviation (Cauchy and Student t₂, which have none: "
                 "equal interquartile range), density and CDF.",
                 lambda predict: kernels_data(points=POINTS), draw_kernels),
           Entry("kernel_comparison", f"Which kernel wins: every function's sup and L¹ error at equal kernel "
                 f"standard deviation σ = {COMPARISON_SCALE:g} (Cauchy and Student t₂: equal interquartile range), "
                 "relative to the best kernel for that function (1 = best).",
                 _comparison_data, _draw_comparison)]
    for name in FUNCTION_NAMES:
        out.append(Entry(f"function_{name}", f"{name} and its smoothings with every kernel at w = {WIDTH:g}; "
                         "the derivatives below.",
                         lambda predict, name=name: smoothings_data(name, None, [WIDTH], points=POINTS),
                         draw_smoothings))
    for name in FUNCTION_NAMES:
        out.append(Entry(f"error_{name}", f"{name}: measured sup and L¹ errors against w (markers) and the "
                         "closed forms (lines), with the fitted orders.",
                         lambda predict, name=name: error_data(name, None, ERROR_WIDTHS, predict=predict),
                         draw_error))
    out.append(Entry("activation_example", "smoothfn.plot.activation: a SAU module (α = 0.25, w = 0.4) with "
                     "the histogram of 20000 standard normal inputs (seed 0). The demo's learned shapes "
                     f"go in {LEARNED}.", _activation_data, draw_activation))
    return out


def write_gallery(out="plots", *, only=None, svg: bool = False) -> list[Path]:
    """Write the figures (``only`` those named), their data and the page; returns the paths."""
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    written = []
    chosen = [e for e in entries() if only is None or e.name in only]
    unknown = set(only or ()) - {e.name for e in entries()}
    if unknown:
        raise ValueError(f"no gallery figure named {sorted(unknown)}; the figures: {[e.name for e in entries()]}")
    for entry in chosen:
        data = clean(entry.data(True))
        path = out / "data" / f"{entry.name}.json"
        path.write_text(dumps(data), encoding="utf-8")
        written.append(path)
        fig = entry.draw(restore(data))
        written += save(fig, out / f"{entry.name}.png", svg=svg)
    page = out / "README.md"
    page.write_text(page_text(out), encoding="utf-8")
    written.append(page)
    return written


def page_text(out: Path) -> str:
    """plots/README.md: every figure with its caption."""
    lines = ["# Gallery", "",
             "Generated by `python -m smoothfn gallery` (`smoothfn/plot/gallery.py`); do not edit by hand. Each "
             "figure's values are in `data/<name>.json`, and `tests/test_gallery.py` fails when they drift from "
             "the generator. Every value comes from `smoothfn.functional` in fp64 or from "
             "`smoothfn.approximation_error`; the closed forms from `smoothfn.derive`.", ""]
    sections = [("The library in one figure", ["readme"]), ("Kernels", ["kernels", "kernel_comparison"]),
                ("Functions and their smoothings", [f"function_{n}" for n in FUNCTION_NAMES]),
                ("Error against width", [f"error_{n}" for n in FUNCTION_NAMES]),
                ("Learned activations", ["activation_example"])]
    captions = {e.name: e.caption for e in entries()}
    for title, names in sections:
        lines += [f"## {title}", ""]
        for name in names:
            lines += [f"**{name}**: {captions[name]}", "", f"![{name}]({name}.png)", ""]
    lines += [f"The shapes the demo's modules learn, drawn by `smoothfn demo` into its `activations.png` "
              f"(committed here as `{LEARNED}`, from the demo's default run):", "",
              f"![learned activations]({LEARNED})", ""]
    return "\n".join(lines)


# --- the readme figure -----------------------------------------------------------------------

README_PANELS = (("relu", (-1.5, 1.5)), ("sign", (-1.5, 1.5)), ("floor", (-2.25, 2.25)))
README_WIDTHS = (0.1, 0.4)
README_KERNELS = ("gaussian", "logistic", "laplace", "uniform")


def _readme_data(predict: bool) -> dict:
    panels = [smoothings_data(name, ["gaussian"], README_WIDTHS, x=np.linspace(lo, hi, 401))
              for name, (lo, hi) in README_PANELS]
    error = error_data("relu", list(README_KERNELS), ERROR_WIDTHS, predict=predict)
    return {"figure": "readme", "panels": panels, "error": error}


def _draw_readme(data: dict) -> Figure:
    fig = Figure(figsize=(13.0, 3.4), layout="constrained")
    axes = fig.subplots(1, 4, width_ratios=[1, 1, 1, 1.05])
    colors = ("#0072B2", "#D55E00")
    for ax, panel in zip(axes, data["panels"]):
        xs = np.array(panel["x"])
        ax.plot(xs, panel["exact"], label=r"$f$", **EXACT)
        for curve, color in zip(panel["curves"], colors):
            ax.plot(xs, curve["value"], lw=1.8, color=color, label=rf"$f_w$, $w = {curve['width']:g}$")
        ax.set_title(f"F.{panel['function']}(x, width=w)", fontsize=10, family="monospace")
        ax.set_xlabel(r"$x$")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(r"$f(x)$, $f_w(x)$")
    axes[0].legend(loc="upper left", frameon=False, fontsize=8)
    ax = axes[3]
    widths = np.array(data["error"]["widths"])
    for kernel, row in data["error"]["kernels"].items():
        color = KERNEL_COLORS[kernel]
        ax.plot(widths, row["sup"], "o", ms=4, color=color, label=KERNEL_LABELS[kernel])
        predicted = np.array([math.nan if v is None else v for v in row["predicted_sup"]], float)
        ax.plot(widths, predicted, "-", lw=1, color=color, alpha=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"width $w$")
    ax.set_ylabel(r"$\sup_x |f_w - f|$")
    ax.set_title("relu: sup error\nmeasured (o), closed form (—)", fontsize=9)
    ax.grid(alpha=0.3, which="both", lw=0.5)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    fig.suptitle(r"smoothfn: $f_w = f * K_w$ (Gaussian kernel, black: $f$), in closed form, with its error")
    return fig


# --- the kernel comparison -------------------------------------------------------------------

def _comparison_data(predict: bool) -> dict:
    from smoothfn.analysis.compare import compare_kernels

    rows = []
    for name in FUNCTION_NAMES:
        c = compare_kernels(name, width=COMPARISON_SCALE, scale=COMPARISON_SCALE)
        sup = {k: r.sup for k, r in c.equal_scale.items()}
        l1 = {k: (r.l1_per_period if r.l1_per_period is not None else r.l1) for k, r in c.equal_scale.items()}
        rows.append({"function": name, "sup": sup, "l1": l1, "winners_sup": c.winners("equal_scale", "sup"),
                     "winners_l1": c.winners("equal_scale", "l1")})
    return {"figure": "kernel_comparison", "scale": COMPARISON_SCALE, "kernels": list(KERNEL_ORDER), "rows": rows}


def _draw_comparison(data: dict) -> Figure:
    kernels = data["kernels"]
    names = [r["function"] for r in data["rows"]]
    fig = Figure(figsize=(12.0, 6.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, key, title in ((axes[0], "sup", r"sup error / best"), (axes[1], "l1", r"$L^1$ error / best")):
        table = np.full((len(names), len(kernels)), np.nan)
        for i, row in enumerate(data["rows"]):
            values = {k: _number(v) for k, v in row[key].items()}
            finite = [v for v in values.values() if math.isfinite(v) and v > 0]
            best = min(finite) if finite else math.nan
            for j, k in enumerate(kernels):
                if k in values:
                    table[i, j] = values[k] / best if math.isfinite(values[k]) else math.inf
        shown = np.where(np.isfinite(table), np.minimum(table, 3.0), np.nan)
        image = ax.imshow(shown, cmap="viridis_r", vmin=1.0, vmax=3.0, aspect="auto")
        for i in range(len(names)):
            for j in range(len(kernels)):
                v = table[i, j]
                text = "—" if np.isnan(v) else "∞" if np.isinf(v) else f"{v:.2f}"
                light = np.isfinite(v) and v >= 1.6  # dark cells get white text; grey (none, ∞) and yellow black
                ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if light else "black",
                        fontweight="bold" if np.isfinite(v) and v <= 1.001 else "normal")
        ax.set_xticks(range(len(kernels)), [KERNEL_LABELS[k] for k in kernels], rotation=35, ha="right",
                      fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_title(title + " (bold: the winner; —: no smoothing)", fontsize=10)
        ax.set_facecolor("0.9")
    axes[1].set_title(r"$L^1$ error / best (floor, round: per period)" + "\n(bold: the winner; —: no smoothing)",
                      fontsize=10)
    axes[0].set_title("sup error / best\n(bold: the winner; —: no smoothing)", fontsize=10)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="error / best kernel's (clipped at 3)")
    fig.suptitle(f"Kernels at equal standard deviation σ = {data['scale']:g} "
                 "(Cauchy, Student $t_2$: equal interquartile range)")
    return fig


# --- the activation example ------------------------------------------------------------------

def _activation_data(predict: bool) -> dict:
    from smoothfn.nn import SAU

    module = SAU(alpha=0.25, width=0.4)
    inputs = torch.randn(20000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return activation_data(module, inputs, points=POINTS)


# --- data files ------------------------------------------------------------------------------

def clean(value):
    """The data as written: floats to DIGITS significant digits, inf as "inf", nan as None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return float(f"{value:.{DIGITS}g}")
    if isinstance(value, np.integer):
        return int(value)
    return value


def restore(value):
    """The data with "inf" back as float infinity (what the drawing functions take)."""
    if isinstance(value, dict):
        return {k: restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [restore(v) for v in value]
    if value == "inf":
        return math.inf
    if value == "-inf":
        return -math.inf
    return value


def dumps(data) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n"


def _number(value) -> float:
    return math.nan if value is None else float(value)
