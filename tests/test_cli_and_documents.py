"""The command line, the light import, and the committed derivations/ against the generator."""

import subprocess
import sys
from pathlib import Path

from smoothfn.cli import main
from smoothfn.derivation.catalog_documents import generate_all

ROOT = Path(__file__).resolve().parent.parent


def test_import_runs_no_sympy():
    code = "import sys, smoothfn; assert 'sympy' not in sys.modules, 'sympy imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("gaussian", "student_t2", "relu", "floor", "hardsigmoid"):
        assert name in out
    assert "pi**2/3" in out  # the logistic variance


def test_derive_prints_closed_form_latex_markdown(capsys):
    assert main(["derive", "relu", "--kernel", "logistic"]) == 0
    assert "w*log(1 + exp(-x/w)) + x" in capsys.readouterr().out
    assert main(["derive", "sign", "--kernel", "gaussian", "--latex"]) == 0
    assert "\\operatorname{erf}" in capsys.readouterr().out
    assert main(["derive", "abs", "--kernel", "uniform", "--markdown"]) == 0
    assert capsys.readouterr().out.startswith("# abs ∗ uniform")
    assert main(["derive", "x*Min(Max(x/6 + 1/2, 0), 1)"]) == 0


def test_cli_refusals_exit_2(capsys):
    assert main(["derive", "relu", "--kernel", "cauchy"]) == 2
    assert "diverges" in capsys.readouterr().err
    assert main(["derive", "relu", "--kernel", "nope"]) == 2


def test_committed_derivations_match_the_generator():
    committed = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "derivations").glob("*.md")}
    generated = generate_all(jobs=2)
    assert set(committed) == set(generated), "run `smoothfn derive --all`"
    stale = [name for name, text in generated.items() if committed[name] != text]
    assert not stale, f"derivations/ drifted from the generator ({stale[:5]}…): run `smoothfn derive --all`"
