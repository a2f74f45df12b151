"""The benchmark harness runs (smoke size); the benchmark itself is not a timed test."""

from __future__ import annotations

import json

from smoothfn.cli.main import main


def test_bench_quick_smoke(tmp_path, capsys):
    assert main(["bench", "--quick", "--cases", "sau,smu,clamp", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    providers = {(r["case"], r["provider"]) for r in results["times"]}
    assert {("sau", "smoothfn"), ("sau", "formula"), ("sau", "native"), ("smu", "smoothfn")} <= providers
    assert {r["kind"] for r in results["times"]} == {"tensor", "python"}
    row = results["times"][0]
    assert {"forward", "backward", "full", "elements_per_s"} <= set(row)
    assert row["full"]["q1"] <= row["full"]["median"] <= row["full"]["q3"]
    assert results["memory"] and results["memory"][0]["peak_mib"] >= 0
    assert "| sau | tensor |" in capsys.readouterr().out
    assert (tmp_path / "tables.md").exists()


def test_the_committed_tables_quote_the_committed_run():
    """RESULTS.md holds the ratio table of benchmarks/results/results.json as the harness writes it,
    and the README's performance table quotes the same ratios (tensor parameters)."""
    import re
    from pathlib import Path

    from smoothfn.bench.harness import ratio_table

    root = Path(__file__).resolve().parent.parent
    results = json.loads((root / "benchmarks/results/results.json").read_text())
    sizes = sorted({r["log2n"] for r in results["memory"]})  # the harness's rule: the sizes with memory figures
    table = ratio_table(results["times"], results["memory"], sizes)
    assert table in (root / "benchmarks/RESULTS.md").read_text()
    ratios = {}
    for line in table.splitlines()[2:]:
        case, kind, log2n, eager, memory, compiled, _ = (c.strip() for c in line.strip("|").split("|"))
        ratios[(case, kind, int(log2n))] = (eager, memory, compiled)
    names = {"sau": "sau", "smu": "smu", "smu1": "smu1", "relu ∗ gaussian": "relu_gaussian",
             "relu ∗ logistic": "relu_logistic", "abs": "abs", "clamp": "clamp", "max": "max"}
    readme = (root / "README.md").read_text()
    quoted = re.findall(r"^\| (.+?) \| (\S+) / (\S+) \| (\S+) \| (\S+) / (\S+) \|$", readme, re.MULTILINE)
    assert {row[0] for row in quoted} == set(names)
    for name, eager22, eager24, memory24, compiled22, compiled24 in quoted:
        small, large = ratios[(names[name], "tensor", 22)], ratios[(names[name], "tensor", 24)]
        assert (eager22, eager24, memory24, compiled22, compiled24) == (
            small[0], large[0], large[1], small[2], large[2]), name
