"""Issue 14, item 13: the command line refuses unknown names as the Python API does.

``smoothfn derive relux`` printed f_w = relux and exited 0 (sympify made a symbol of the typo and
the derivation smoothed it as the identity). A bare name outside the catalog now gets the Python
API's UnknownFunctionError, an undefined function and an expression without x are refused: exit 2
with the message on stderr, as for the other refusals.
"""

import pytest

from smoothfn import derive
from smoothfn.cli.main import main
from smoothfn.errors import UnknownFunctionError


@pytest.mark.parametrize("name", ["relux", "RELU", "Relu", "y", "pi", "gamma"])
def test_an_unknown_name_gets_the_python_error(name, capsys):
    assert main(["derive", name, "-k", "gaussian"]) == 2
    err = capsys.readouterr().err
    with pytest.raises(UnknownFunctionError) as python:
        derive(name, "gaussian")
    assert err == f"smoothfn: error: {python.value}\n"


@pytest.mark.parametrize("text, message", [
    ("relux(x)", "unknown function"), ("relu(x) + 1", "unknown function"), ("2*y", "not an expression in x"),
    ("Max(u, 0)", "not an expression in x"), ("x**", "neither a catalog function"),
])
def test_expressions_that_name_something_unknown_are_refused(text, message, capsys):
    assert main(["derive", text]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("smoothfn: error: ") and message in captured.err


@pytest.mark.parametrize("text, printed", [
    ("relu", "f_w(x) = "), ("x + y", "f_w(x) = x + y"), ("Max(x, 0)", "erf(sqrt(2)*x/(2*w))"),
    ("clamp(x, -1, 1)", "f_w(x) = "),
])
def test_expressions_in_x_and_catalog_names_still_derive(text, printed, capsys):
    assert main(["derive", text, "-k", "gaussian"]) == 0
    assert printed in capsys.readouterr().out


@pytest.mark.parametrize("extra", [["relux"], ["relu"], ["--latex"]])
def test_all_takes_no_function(extra, tmp_path, capsys):
    """``derive relux --all`` wrote every document and exited 0, the typo unread."""
    with pytest.raises(SystemExit) as exit_:
        main(["derive", *extra, "--all", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "takes no FUNCTION" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
