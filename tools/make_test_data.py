"""Compute the mpmath reference data of the tests into tests/data/ (one JSON file per section).

    python tools/make_test_data.py                  # every section (59 min with --jobs 2 on a loaded 2-core machine)
    python tools/make_test_data.py twin ramp_wide   # only these sections
    python tools/make_test_data.py --stale          # only the sections whose fingerprint changed
    python tools/make_test_data.py --jobs 4         # worker processes (default: the CPU count)

What each section holds and how it is computed: tests/reference_data.py. The tests compare the
library against these files; tests/test_reference_data.py fails when a file's fingerprint no
longer matches its generator (rerun this command then, and commit the files).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

import reference_data  # noqa: E402

# rough cost of one key, to start the longest tasks first
COST = {"quadrature": 20, "derivatives": 8, "staircase_series": 30, "staircase_wide": 20, "twin": 2,
        "ramp_wide": 3, "ramp_tails": 1}


def compute(task: tuple[str, str]):
    section, key = task
    start = time.perf_counter()
    return section, key, reference_data.SECTIONS[section](key), time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="*", help=f"sections (default: all of {list(reference_data.KEYS)})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--stale", action="store_true", help="only the sections whose fingerprint changed")
    args = parser.parse_args(argv)
    sections = args.sections or list(reference_data.KEYS)
    unknown = set(sections) - set(reference_data.KEYS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {list(reference_data.KEYS)}")
    if args.stale:
        sections = [s for s in sections if not _current(s)]
    tasks = [(s, k) for s in sections for k in reference_data.KEYS[s]()]
    tasks.sort(key=lambda t: -COST.get(t[0], 1))
    results: dict[str, dict] = {s: {} for s in sections}
    start = time.perf_counter()
    print(f"{len(tasks)} tasks in {len(sections)} sections, {args.jobs} processes", flush=True)
    with multiprocessing.get_context("fork").Pool(args.jobs, maxtasksperchild=20) as pool:
        for done, (section, key, records, seconds) in enumerate(pool.imap_unordered(compute, tasks), 1):
            results[section][key] = records
            print(f"[{done}/{len(tasks)} {time.perf_counter() - start:6.0f}s] {section} {key} ({seconds:.1f}s)",
                  flush=True)
            if len(results[section]) == len(reference_data.KEYS[section]()):
                ordered = {k: results[section][k] for k in reference_data.KEYS[section]()}
                print(f"wrote {reference_data.write(section, ordered).relative_to(ROOT)}", flush=True)
    print(f"done in {time.perf_counter() - start:.0f}s")
    return 0


def _current(section: str) -> bool:
    try:
        return reference_data.load(section)["fingerprint"] == reference_data.fingerprint(section)
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    sys.exit(main())
