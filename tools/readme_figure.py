"""The README's figure: relu, sign and floor with their Gaussian smoothings at two widths.

    python tools/readme_figure.py        # writes plots/readme.png (150 dpi)

Every curve comes from the public API (smoothfn.functional), the function itself from torch.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

import smoothfn.functional as F  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "plots" / "readme.png"
WIDTHS = (0.1, 0.4)
PANELS = (
    ("relu", torch.relu, F.relu, (-1.5, 1.5)),
    ("sign", torch.sign, F.sign, (-1.5, 1.5)),
    ("floor", torch.floor, F.floor, (-2.25, 2.25)),
)


def main() -> None:
    fig, axes = plt.subplots(1, len(PANELS), figsize=(10.5, 3.2), constrained_layout=True)
    for ax, (name, exact, smooth, (lo, hi)) in zip(axes, PANELS):
        x = torch.linspace(lo, hi, 2001, dtype=torch.float64)
        ax.plot(x, exact(x), color="black", lw=1.2, label="f(x)")
        for width, color in zip(WIDTHS, ("tab:blue", "tab:orange")):
            ax.plot(x, smooth(x, width=width), color=color, lw=1.8, label=f"$f_w$, Gaussian, w = {width:g}")
        ax.set_title(f"F.{name}(x, width=w)")
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", frameon=False)
    fig.suptitle(r"$f_w = f * K_w$: relu, sign and floor (black) smoothed by a Gaussian kernel of width $w$")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=150)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
