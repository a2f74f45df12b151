"""The stored reference data (tests/data/, written by ``python tools/make_test_data.py``) is what
its generator (tests/reference_data.py, tests/reference.py) computes today."""

from __future__ import annotations

import pytest
import reference_data


@pytest.mark.parametrize("section", list(reference_data.KEYS))
def test_data_file_matches_its_generator(section):
    """Each file records the fingerprint of the code and inputs that produced it: a change to the
    generator, a section or its inputs without rerunning the command fails here."""
    data = reference_data.load(section)
    assert data["section"] == section
    command = f"{reference_data.COMMAND} {section}"
    assert data["fingerprint"] == reference_data.fingerprint(section), (
        f"tests/data/{section}.json was made by another version of its generator: run `{command}`"
    )
    assert list(data["records"]) == reference_data.KEYS[section](), f"keys differ: run `{command}`"
    assert all(data["records"].values()), f"a key without records: run `{command}`"


def test_fingerprints_follow_the_code_they_depend_on(monkeypatch):
    """A section's fingerprint covers its own function and what it uses, not the other sections."""
    before = {s: reference_data.fingerprint(s) for s in reference_data.KEYS}
    assert len(set(before.values())) == len(before)
    monkeypatch.setitem(reference_data.KEYS, "twin", lambda: ["relu/gaussian"])  # other inputs
    assert reference_data.fingerprint("twin") != before["twin"]
    assert reference_data.fingerprint("quadrature") == before["quadrature"]


def _sample(section: str) -> list[str]:
    keys = reference_data.KEYS[section]()
    return sorted({keys[0], keys[len(keys) // 2], keys[-1]}, key=keys.index)


@pytest.mark.slow
@pytest.mark.parametrize("section", list(reference_data.KEYS))
def test_a_sample_of_each_section_regenerates_to_the_stored_values(section):
    """Three keys of every section computed again (the generator as it is today, with the library
    as it is today: the closed forms and series behind the twin and staircase data included)."""
    for key in _sample(section):
        stored = reference_data.records(section, key)
        again = reference_data.SECTIONS[section](key)
        assert len(again) == len(stored), key
        for new, old in zip(again, stored):
            _compare(new, old, f"{section} {key}")


def _compare(new, old, where):
    if isinstance(new, dict):
        assert list(new) == list(old), where
        for k in new:
            _compare(new[k], old[k], f"{where} {k}")
    elif isinstance(new, list):
        assert len(new) == len(old), where
        for a, b in zip(new, old):
            _compare(a, b, where)
    elif isinstance(new, str):
        assert reference_data.same(new, old), f"{where}: {new} now, {old} stored"
    else:
        assert new == old, where
