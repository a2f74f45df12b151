r"""``smoothfn demo``: train a small network on real data with ReLU and with smooth activations.

The data are scikit-learn's handwritten digits (1797 images of 8×8 pixels, 10 classes, shipped
with scikit-learn: nothing is downloaded), split once into 1347 training and 450 test images.
The network is a multilayer perceptron 64 → 128 → 128 → 10 with ``nn.ReLU`` activations, built
with one initialisation seed. Each variant takes that same network and replaces its activations
through :func:`smoothfn.replace_activations`:

=====================  =============================================================
variant                the activations
=====================  =============================================================
ReLU                   ``nn.ReLU`` (the baseline, unchanged)
SmoothReLU gaussian    ``replace_activations(model, width=w, kernel="gaussian")``
SmoothReLU logistic    ``replace_activations(model, width=w, kernel="logistic")`` (softplus)
SAU                    ``replace_activations(model, by=lambda m: SAU())`` (learnable α)
SMU                    ``replace_activations(model, by=lambda m: SMU())`` (learnable α, μ)
=====================  =============================================================

Every variant is trained with the same budget (Adam, the same epochs, batch size and learning
rate) from the same initial weights, once per data-order seed. Runs of one variant differ only
in the order in which the training images are visited, so the differences between their
predictions measure how reproducible training is. Shamir, Lin and Coviello ("Smooth activations
and reproducibility in deep networks", 2020) report that smooth activations make those
differences smaller than ReLU does; the demo measures whether that holds here. For every pair
of runs of a variant:

* the *class prediction difference*: the fraction of test images whose predicted class differs;
* the *probability difference*: the mean over test images of ½ Σ_c |p₁(c) − p₂(c)| (the
  total-variation distance of the two predicted distributions; 0 when equal, 1 when disjoint).

The table gives their means over all pairs, the mean test accuracy, the accuracy of the same
networks after :func:`smoothfn.harden` (exact activations, trained weights), the final training
loss, and the time. A figure of the learned activation shapes goes into ``--out``.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Settings:
    """The budget, the same for every variant."""

    epochs: int = 20
    seeds: int = 5  # data-order seeds, i.e. trained runs per variant (≥ 2)
    hidden: int = 128
    batch_size: int = 32
    lr: float = 1e-3
    width: float = 0.5  # the SmoothReLU width
    init_seed: int = 0
    split_seed: int = 0
    test_fraction: float = 0.25
    threads: int = 1


QUICK = Settings(epochs=10, seeds=2)
"""``--quick``: the run the default test tier makes (the same network, data and split, fewer
epochs and two runs per variant)."""


@dataclass
class Result:
    """The runs of one variant."""

    name: str
    accuracies: list[float] = field(default_factory=list)
    hardened_accuracies: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    probabilities: list = field(default_factory=list)  # per run, (test images, 10)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    model: object = None  # the first run's trained model (for the figure)

    @property
    def accuracy(self) -> float:
        return sum(self.accuracies) / len(self.accuracies)

    @property
    def hardened_accuracy(self) -> float:
        return sum(self.hardened_accuracies) / len(self.hardened_accuracies)

    @property
    def loss(self) -> float:
        return sum(self.losses) / len(self.losses)

    def _pairs(self):
        return list(itertools.combinations(self.probabilities, 2))

    @property
    def class_differences(self) -> list[float]:
        """Per pair of runs, the fraction of test images whose predicted class differs."""
        return [float((p.argmax(1) != q.argmax(1)).double().mean()) for p, q in self._pairs()]

    @property
    def probability_differences(self) -> list[float]:
        """Per pair of runs, the mean over test images of ½ Σ_c |p(c) − q(c)|."""
        return [float((p - q).abs().sum(1).mean() / 2) for p, q in self._pairs()]


def variants(width: float) -> dict[str, Callable]:
    """The variants: name → a function that puts the activations into the ReLU network."""
    import smoothfn
    from smoothfn.nn import SAU, SMU

    return {
        "ReLU": lambda model: model,
        "SmoothReLU gaussian": lambda model: smoothfn.replace_activations(model, width=width, kernel="gaussian"),
        "SmoothReLU logistic": lambda model: smoothfn.replace_activations(model, width=width, kernel="logistic"),
        "SAU": lambda model: smoothfn.replace_activations(model, by=lambda exact: SAU()),
        "SMU": lambda model: smoothfn.replace_activations(model, by=lambda exact: SMU()),
    }


def load_data(settings: Settings):
    """The digits, split (stratified, ``split_seed``) and standardised with the training statistics."""
    import numpy as np
    import torch

    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:  # pragma: no cover - the demo extra installs it
        raise SystemExit(
            "smoothfn demo needs scikit-learn (its handwritten digits): pip install -e '.[demo]'"
        ) from None
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data.astype(np.float32), digits.target, test_size=settings.test_fraction,
        random_state=settings.split_seed, stratify=digits.target,
    )
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6  # some border pixels are always 0
    as_tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    return (as_tensor((x_train - mean) / std), as_tensor(y_train).long(),
            as_tensor((x_test - mean) / std), as_tensor(y_test).long())


def relu_network(settings: Settings):
    """The baseline: 64 → hidden → hidden → 10 with nn.ReLU, initialised with ``init_seed``."""
    import torch
    from torch import nn

    torch.manual_seed(settings.init_seed)
    h = settings.hidden
    return nn.Sequential(nn.Linear(64, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 10))


class Progress:
    """One status line on stderr: rewritten in place on a terminal, a line per run otherwise."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.width = 0

    def update(self, text: str) -> None:
        if self.live:
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
            self.stream.flush()

    def done(self, text: str) -> None:
        if self.live:
            self.stream.write("\r" + text.ljust(self.width) + "\n")
            self.width = 0
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def train_variant(name: str, put_activations: Callable, data, settings: Settings, progress: Progress,
                  step: str = "") -> Result:
    """Train ``settings.seeds`` runs of one variant from the same initial weights, each visiting the
    training data in the order of its own seed."""
    import torch
    import torch.nn.functional as TF

    import smoothfn

    x_train, y_train, x_test, y_test = data
    result = Result(name)
    for run in range(settings.seeds):
        wall, cpu = time.perf_counter(), time.process_time()
        model = put_activations(relu_network(settings))
        optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
        order = torch.Generator().manual_seed(1000 + run)
        n = len(x_train)
        for epoch in range(settings.epochs):
            total = 0.0
            for batch in torch.randperm(n, generator=order).split(settings.batch_size):
                optimizer.zero_grad()
                loss = TF.cross_entropy(model(x_train[batch]), y_train[batch])
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
            progress.update(f"{step}{name}: run {run + 1}/{settings.seeds}, epoch {epoch + 1}/{settings.epochs}, "
                            f"loss {total / n:.4f}")
        with torch.no_grad():
            model.eval()
            probabilities = model(x_test).softmax(1)
            hardened = smoothfn.harden(copy.deepcopy(model))
            hardened_accuracy = float((hardened(x_test).argmax(1) == y_test).double().mean())
        result.losses.append(total / n)
        result.probabilities.append(probabilities)
        result.accuracies.append(float((probabilities.argmax(1) == y_test).double().mean()))
        result.hardened_accuracies.append(hardened_accuracy)
        result.wall_s += time.perf_counter() - wall
        result.cpu_s += time.process_time() - cpu
        if run == 0:
            result.model = model
        progress.done(f"{step}{name}: run {run + 1}/{settings.seeds} done, test accuracy "
                      f"{result.accuracies[-1]:.2%}, final loss {total / n:.4f} "
                      f"({time.perf_counter() - wall:.1f} s)")
    return result


def run_all(settings: Settings, progress: Progress | None = None, names=None) -> list[Result]:
    """Every variant (or those named), in order, under the same settings."""
    import torch

    progress = progress if progress is not None else Progress()
    threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        data = load_data(settings)
        chosen = {k: v for k, v in variants(settings.width).items() if names is None or k in names}
        return [train_variant(name, put, data, settings, progress, f"[{i}/{len(chosen)}] ")
                for i, (name, put) in enumerate(chosen.items(), 1)]
    finally:
        torch.set_num_threads(threads)


def table(results: list[Result], n_test: int) -> str:
    """The results as a Markdown table (the README shows one)."""
    lines = [
        "| variant | test accuracy | hardened | final loss | class pred. diff. | prob. diff. | wall s | CPU s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cd, pd = r.class_differences, r.probability_differences
        lines.append(
            f"| {r.name} | {r.accuracy:.2%} | {r.hardened_accuracy:.2%} | {r.loss:.4f} | "
            f"{_mean(cd):.2%} ({_mean(cd) * n_test:.1f} images; {min(cd):.2%}–{max(cd):.2%}) | "
            f"{_mean(pd):.4f} | {r.wall_s:.1f} | {r.cpu_s:.1f} |"
        )
    return "\n".join(lines)


def verdict(results: list[Result], n_test: int) -> str:
    """Whether the smooth variants' class prediction difference is below ReLU's by more than one
    test image per pair (a smaller gap is within what the data-order seeds alone move it)."""
    baseline = next(r for r in results if r.name == "ReLU")
    base = _mean(baseline.class_differences)
    lower, higher, same = [], [], []
    for r in results:
        if r is baseline:
            continue
        gap = (_mean(r.class_differences) - base) * n_test  # in test images per pair
        (lower if gap <= -1 else higher if gap >= 1 else same).append(f"{r.name} ({gap:+.1f})")
    smooth = len(results) - 1
    if len(lower) == smooth:
        summary = "held here: every smooth variant's runs disagreed on fewer test images than ReLU's"
    elif not lower and not higher:
        summary = ("was not confirmed here: every smooth variant's runs disagreed on as many test images as "
                   "ReLU's, within one image per pair")
    elif not lower:
        summary = "did not hold here: no smooth variant's runs disagreed on fewer test images than ReLU's"
    else:
        summary = f"held for {len(lower)} of {smooth} smooth variants only"
    detail = "; ".join(
        f"{label}: {', '.join(items)}" for label, items in
        (("fewer", lower), ("more", higher), ("within one image", same)) if items
    )
    return (f"Reproducibility (Shamir et al. 2020: smooth activations reduce the prediction difference) "
            f"{summary}.\nChange against ReLU's {base:.2%} ({base * n_test:.1f} of {n_test} test images per "
            f"pair of runs), in images: {detail}.")


def plot_activations(results: list[Result], path: str) -> None:
    """One panel per variant: the activation of each hidden layer of the first run after training,
    over the exact ReLU. Written with matplotlib's Agg canvas (no display, no global state)."""
    import torch
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from smoothfn.nn import SmoothActivation

    x = torch.linspace(-3, 3, 601)
    figure = Figure(figsize=(3.2 * len(results), 3.2), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(results), sharey=True, squeeze=False)[0]
    for ax, r in zip(axes, results):
        ax.plot(x, x.clamp_min(0), color="0.6", linestyle="--", linewidth=1, label="ReLU (exact)")
        layers = [m for m in r.model if isinstance(m, SmoothActivation)]
        for index, module in enumerate(layers, 1):
            with torch.no_grad():
                y = module(x)
            ax.plot(x, y, linewidth=1.6, label=f"layer {index}: {_values(module)}")
        ax.set_title(r.name, fontsize=10)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    axes[0].set_ylabel("activation")
    figure.suptitle("Activations after training (first run of each variant)", fontsize=11)
    figure.savefig(path, dpi=110)


def _values(module) -> str:
    parts = []
    for name in ("alpha", "mu", "width"):
        value = getattr(module, name, None)
        if value is not None and getattr(value, "numel", lambda: 0)() == 1:
            parts.append(f"{'α' if name == 'alpha' else 'μ' if name == 'mu' else 'w'}={float(value.detach()):.3g}")
    return ", ".join(parts) or type(module).__name__


def _mean(values) -> float:
    return sum(values) / len(values)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    default = Settings()
    parser.add_argument("--epochs", type=int, default=None, help=f"epochs per run (default {default.epochs})")
    parser.add_argument("--seeds", type=int, default=None,
                        help=f"data-order seeds, i.e. runs per variant, at least 2 (default {default.seeds})")
    parser.add_argument("--width", type=float, default=None,
                        help=f"the SmoothReLU width (default {default.width})")
    parser.add_argument("--out", default="demo_output", help="folder for the figure and the table "
                        "(default: demo_output)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a short run ({QUICK.epochs} epochs, {QUICK.seeds} seeds), what the tests run")


def settings_from(args) -> Settings:
    base = QUICK if args.quick else Settings()
    changes = {k: getattr(args, k) for k in ("epochs", "seeds", "width") if getattr(args, k) is not None}
    if changes.get("epochs", 1) < 1:
        raise SystemExit("smoothfn demo: --epochs must be at least 1")
    if changes.get("seeds", 2) < 2:
        raise SystemExit("smoothfn demo: --seeds must be at least 2 (the runs are compared in pairs)")
    if not math.isfinite(changes.get("width", 1.0)) or changes.get("width", 1.0) <= 0:
        raise SystemExit("smoothfn demo: --width must be a finite number > 0")
    return Settings(**{**base.__dict__, **changes})


def run(args) -> int:
    """The ``smoothfn demo`` command."""
    settings = settings_from(args)
    os.makedirs(args.out, exist_ok=True)
    print(f"smoothfn demo: an MLP 64 → {settings.hidden} → {settings.hidden} → 10 on scikit-learn's digits, "
          f"{settings.epochs} epochs × {settings.seeds} data-order seeds per variant "
          f"(Adam, lr {settings.lr:g}, batch {settings.batch_size}, SmoothReLU width {settings.width:g}, "
          f"{settings.threads} thread)\n", flush=True)
    start = time.perf_counter()
    results = run_all(settings)
    n_test = len(results[0].probabilities[0])
    text = table(results, n_test)
    figure = os.path.join(args.out, "activations.png")
    plot_activations(results, figure)
    with open(os.path.join(args.out, "results.md"), "w", encoding="utf-8") as f:
        f.write(text + "\n\n" + verdict(results, n_test) + "\n")
    print(text)
    print("\nclass pred. diff.: the fraction of the test images whose predicted class differs between two runs "
          "that differ only in data order (mean over pairs; the range in brackets); prob. diff.: the mean "
          "over test images of ½ Σ|p₁ − p₂|. hardened: the same networks through smoothfn.harden.\n")
    print(verdict(results, n_test))
    print(f"\nwrote {figure} and {os.path.join(args.out, 'results.md')} ({time.perf_counter() - start:.0f} s in all)")
    return 0
