"""smoothfn.plot and the ``error``/``plot`` commands, headless: each figure's lines hold the
functional API's values and its axes carry labels; the command line writes non-empty PNGs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import smoothfn
import smoothfn.functional as F
import smoothfn.plot as plot
from smoothfn.analysis import approximation_error
from smoothfn.cli.main import main


def _labelled(fig):
    for ax in fig.axes:
        if ax.get_lines() or ax.patches:
            assert ax.get_xlabel() or ax.get_ylabel(), "an axis without labels"
    assert any(ax.get_legend() is not None for ax in fig.axes)  # one legend per figure at least


def test_smoothings_plot_the_functional_values():
    fig = plot.smoothings("relu", kernels=["gaussian", "laplace"], widths=[0.1, 0.4])
    _labelled(fig)
    top, bottom = fig.axes
    assert top.get_xlabel() == "" and bottom.get_xlabel() == r"$x$" and top.get_ylabel() and bottom.get_ylabel()
    lines = {line.get_label(): line for line in top.get_lines()}
    x = torch.from_numpy(np.asarray(lines["Laplace, $w = 0.4$"].get_xdata(), float))
    assert np.array_equal(lines["Laplace, $w = 0.4$"].get_ydata(), F.relu(x, width=0.4, kernel="laplace").numpy())
    assert np.array_equal(lines["$f$"].get_ydata(), torch.relu(x).numpy())
    xg = x.clone().requires_grad_(True)
    (slope,) = torch.autograd.grad(F.relu(xg, width=0.1).sum(), xg)
    assert np.array_equal(bottom.get_lines()[0].get_ydata(), slope.numpy())  # Gaussian, w = 0.1
    assert fig.smoothfn_data["kernels"] == ["gaussian", "laplace"]


def test_smoothings_with_every_kernel_leaves_out_the_refused_pairs():
    fig = plot.smoothings("relu", kernels=None, widths=[0.3], derivative=False)
    assert len(fig.axes) == 1 and "cauchy" not in fig.smoothfn_data["kernels"]
    with pytest.raises(smoothfn.DivergentConvolutionError):
        plot.smoothings("relu", kernels=["cauchy"])


def test_error_vs_width_plots_measured_and_closed_form_errors():
    widths = [0.05, 0.1, 0.2]
    fig = plot.error_vs_width("relu", kernels=["gaussian", "uniform"], widths=widths)
    _labelled(fig)
    sup_axis, l1_axis = fig.axes
    assert sup_axis.get_xscale() == "log" and sup_axis.get_yscale() == "log"
    measured, closed = sup_axis.get_lines()[2:4]  # uniform: markers, then the closed form
    reports = [approximation_error("relu", "uniform", width=w) for w in widths]
    assert np.array_equal(measured.get_ydata(), [r.sup for r in reports])
    assert np.allclose(closed.get_ydata(), [w / 4 for w in widths], rtol=1e-12)
    assert "order 1.00" in measured.get_label()
    assert "order 2.00" in l1_axis.get_lines()[0].get_label()


def test_kernels_plot_density_and_cdf_from_the_functional_api():
    fig = plot.kernels(["gaussian", "cauchy"], std=0.5)
    _labelled(fig)
    density, cdf = fig.axes
    x = torch.from_numpy(np.asarray(cdf.get_lines()[0].get_xdata(), float))
    assert np.array_equal(cdf.get_lines()[0].get_ydata(), F.step(x, width=0.5).numpy())
    peak = max(density.get_lines()[0].get_ydata())
    assert peak == pytest.approx(1 / (0.5 * np.sqrt(2 * np.pi)), rel=1e-6)
    assert "IQR" in density.get_lines()[1].get_label()


def test_activation_plots_the_module_and_its_inputs():
    module = smoothfn.nn.SAU(alpha=0.3, width=0.2)
    inputs = torch.randn(2000, generator=torch.Generator().manual_seed(1))
    fig = plot.activation(module, inputs)
    _labelled(fig)
    ax = next(a for a in fig.axes if a.get_lines())
    line = ax.get_lines()[0]
    x = torch.tensor(np.asarray(line.get_xdata()), dtype=torch.float32)
    with torch.no_grad():
        assert np.allclose(line.get_ydata(), module(x).double().numpy(), rtol=0, atol=0)
    assert fig.smoothfn_data["histogram"] is not None and len(fig.axes) == 2
    channels = plot.activation(smoothfn.nn.SmoothReLU(width=torch.tensor([0.1, 0.5]), num_parameters=2))
    assert len(channels.smoothfn_data["values"]) == 2 and channels.smoothfn_data["histogram"] is None


def test_save_writes_reproducible_png_and_svg(tmp_path):
    fig = plot.smoothings("sign", widths=[0.2], derivative=False)
    first = plot.save(fig, tmp_path / "a.png", svg=True)
    second = plot.save(fig, tmp_path / "b.png", svg=True)
    assert [p.suffix for p in first] == [".png", ".svg"]
    for one, two in zip(first, second):
        assert one.stat().st_size > 1000 and one.read_bytes() == two.read_bytes()
    assert first[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_plot_writes_png(tmp_path, capsys):
    out = tmp_path / "relu.png"
    assert main(["plot", "relu", "--kernel", "gaussian", "logistic", "--widths", "0.1", "0.3", "--out", str(out)]) == 0
    assert out.stat().st_size > 1000
    out = tmp_path / "sign_error.png"
    assert main(["plot", "sign", "-k", "uniform", "--error", "-w", "0.1", "0.2", "--out", str(out)]) == 0
    assert out.stat().st_size > 1000
    assert main(["plot", "relu", "-k", "cauchy", "--out", str(tmp_path / "x.png")]) == 2  # refused, named


def test_cli_error(capsys):
    assert main(["error", "relu", "-k", "uniform", "-w", "0.2", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "fitted order: sup 1.000, L1 2.000" in out and "5.000000e-02" in out
    assert main(["error", "clamp", "-p", "lo=-2", "-p", "hi=1", "-w", "0.1", "--all-kernels"]) == 0
    out = capsys.readouterr().out
    assert "equal spread σ = 0.1, sup: laplace" in out and "interquartile" in out
