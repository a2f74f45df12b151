"""Run generators so that their output does not depend on the process that runs them.

SymPy's simplification and common-subexpression choices can depend on its cache and on the hash
order of sets, which varies with PYTHONHASHSEED. Generated files must be byte-for-byte
reproducible (a test compares them), so each batch runs in a fresh spawned interpreter with
PYTHONHASHSEED=0.
"""

from __future__ import annotations

import multiprocessing
import os


def map_in_fresh_interpreters(function, items: list, jobs: int | None = None) -> list:
    """[function(item) for item in items], each call in a fresh interpreter (hash seed 0)."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(items)))
    previous = os.environ.get("PYTHONHASHSEED")
    os.environ["PYTHONHASHSEED"] = "0"  # read by the spawned interpreters at start-up
    try:
        with multiprocessing.get_context("spawn").Pool(jobs, maxtasksperchild=1) as pool:
            return pool.map(function, items, chunksize=1)
    finally:
        if previous is None:
            del os.environ["PYTHONHASHSEED"]
        else:
            os.environ["PYTHONHASHSEED"] = previous
