"""``smoothfn demo`` (smoothfn/cli/train_demo.py): the command, and the accuracies of its variants.

The default tier runs the demo's ``--quick`` settings (the same network, data and split, 10
epochs, two data-order seeds; about 8 s of CPU) and the command line for one epoch; the full
demo is in the slow tier.
"""

from __future__ import annotations

import io

import pytest

pytest.importorskip("sklearn")

from smoothfn.cli import main, train_demo  # noqa: E402


def _check_accuracies(results):
    """Every smooth variant within 2 points of ReLU's test accuracy on the same split."""
    by_name = {r.name: r for r in results}
    assert list(by_name) == ["ReLU", "SmoothReLU gaussian", "SmoothReLU logistic", "SAU", "SMU"]
    relu = by_name["ReLU"].accuracy
    assert relu > 0.93
    for r in results:
        assert abs(r.accuracy - relu) <= 0.02, (r.name, r.accuracy, relu)
        n = len(r.accuracies)
        assert len(r.class_differences) == len(r.probability_differences) == n * (n - 1) // 2
        assert all(0 <= d <= 1 for d in r.class_differences + r.probability_differences)


def test_quick_demo_accuracies_within_two_points_of_relu():
    stream = io.StringIO()
    results = train_demo.run_all(train_demo.QUICK, train_demo.Progress(stream))
    _check_accuracies(results)
    assert stream.getvalue().count("done, test accuracy") == 5 * train_demo.QUICK.seeds  # progress, one line a run
    table = train_demo.table(results, 450)
    assert table.count("\n") == 6 and "| SAU |" in table
    assert "Reproducibility" in train_demo.verdict(results, 450)


def test_demo_command_writes_the_table_and_the_figure(tmp_path, capsys):
    assert main(["demo", "--quick", "--epochs", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert "| variant | test accuracy |" in out.out and "Reproducibility" in out.out
    assert "[5/5] SMU: run 2/2 done" in out.err
    assert (tmp_path / "activations.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| SmoothReLU logistic |" in (tmp_path / "results.md").read_text(encoding="utf-8")


def test_demo_refuses_bad_options(tmp_path):
    for bad in (["--seeds", "1"], ["--epochs", "0"], ["--width", "-1"]):
        with pytest.raises(SystemExit, match="smoothfn demo"):
            main(["demo", "--out", str(tmp_path), *bad])


@pytest.mark.slow  # the full demo: about 40 s of CPU (2-core machine)
def test_full_demo_accuracies_within_two_points_of_relu():
    results = train_demo.run_all(train_demo.Settings(), train_demo.Progress(io.StringIO()))
    _check_accuracies(results)


def test_the_derivation_tour_is_smoothfn_tour(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "tour" in capsys.readouterr().out


@pytest.mark.slow  # derives about 20 pairs: 10 s of CPU
def test_tour_runs(capsys):
    assert main(["tour"]) == 0
    assert "exact SAU = leaky_relu ∗ gaussian" in capsys.readouterr().out
