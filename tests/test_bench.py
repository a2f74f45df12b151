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
