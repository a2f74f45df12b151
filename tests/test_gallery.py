"""The gallery in plots/: every figure is committed with its data, and the data drift test (data,
not pixels): the generator's values must match plots/data/*.json."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from smoothfn.plot.gallery import clean, entries, page_text

PLOTS = Path(__file__).resolve().parent.parent / "plots"
ENTRIES = {e.name: e for e in entries()}


def _same(new, old, path="", skip_predicted=False):
    """Recursive comparison, numbers to 1e-8 relative (the files keep 10 digits)."""
    if isinstance(old, dict):
        assert isinstance(new, dict) and set(new) == set(old), f"{path}: keys {set(new) ^ set(old)}"
        for key in old:
            if skip_predicted and key.startswith("predicted_"):
                continue
            _same(new[key], old[key], f"{path}.{key}", skip_predicted)
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), f"{path}: length"
        for i, (a, b) in enumerate(zip(new, old)):
            _same(a, b, f"{path}[{i}]", skip_predicted)
    elif isinstance(old, float) and isinstance(new, (int, float)):
        assert math.isclose(new, old, rel_tol=1e-8, abs_tol=1e-12), f"{path}: {new} != {old}"
    else:
        assert new == old, f"{path}: {new!r} != {old!r}"


def test_every_figure_is_committed_with_its_data_and_the_page():
    for name in ENTRIES:
        assert (PLOTS / f"{name}.png").stat().st_size > 10_000, name
        assert (PLOTS / "data" / f"{name}.json").exists(), name
    assert (PLOTS / "README.md").read_text(encoding="utf-8") == page_text(PLOTS)


@pytest.mark.parametrize("name", list(ENTRIES))
def test_gallery_data_matches_the_generator(name):
    """The plotted values (the closed forms aside: their SymPy derivations take minutes) as the
    generator makes them now, against the committed files: rerun ``python -m smoothfn gallery``."""
    old = json.loads((PLOTS / "data" / f"{name}.json").read_text(encoding="utf-8"))
    _same(clean(ENTRIES[name].data(False)), old, name, skip_predicted=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in ENTRIES if n.startswith("error_") or n == "readme"])
def test_gallery_closed_forms_match_the_derivations(name):
    old = json.loads((PLOTS / "data" / f"{name}.json").read_text(encoding="utf-8"))
    _same(clean(ENTRIES[name].data(True)), old, name)
