"""The package's layers, its registry of pair implementations, and one source per fact."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import smoothfn
from smoothfn import generated
from smoothfn.runtime import staircase_terms
from smoothfn.runtime.pairs import CATALOG, catalog_pair

PACKAGE = Path(smoothfn.__file__).parent

# the pipeline, lowest first: a module may import its own layer and the ones below it (errors and
# numerics are the floor: the exceptions, and the math the generated code calls)
RANK = {"errors": 0, "numerics": 0, "catalog": 1, "derivation": 2, "codegen": 3, "generated": 4, "runtime": 5,
        "gpu": 6, "ops": 7, "api": 8, "functional": 9, "nn": 10, "analysis": 11, "plot": 12, "cli": 13}


def test_no_layer_imports_a_higher_one():
    imports = re.compile(r"^\s*(?:from smoothfn\.(\w+)|import smoothfn\.(\w+)|from smoothfn import (\w+))", re.M)
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        layer = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if layer not in RANK:  # __init__, __main__: the public face imports everything
            continue
        for match in imports.finditer(path.read_text(encoding="utf-8")):
            target = next(g for g in match.groups() if g)
            if RANK.get(target, -1) > RANK[layer]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports smoothfn.{target}")
    assert not wrong, wrong


def test_every_catalog_pair_is_registered_with_its_parameters():
    """The registry holds every generated pair and every floor/round series the catalog has, with
    the generated module's parameters; the others are refused with the index's reason."""
    for (function, kernel), pair in CATALOG.items():
        assert pair is catalog_pair(function, kernel)
        assert pair.parameters == generated.PARAMETERS[function]
        assert pair.has_triton
        if (function, kernel) in generated.AVAILABLE:
            assert pair.parameters == generated.module(function, kernel).PARAMETERS
    listed = set(generated.AVAILABLE) | set(generated.UNAVAILABLE)
    assert listed == {(f, k) for f in generated.PARAMETERS for k in generated.KERNELS}
    staircases = {(f, k) for f, k in listed if f in ("floor", "round") and (f, k) not in generated.DIVERGENT}
    assert set(CATALOG) == set(generated.AVAILABLE) | staircases
    with pytest.raises(smoothfn.UnknownKernelError):
        catalog_pair("relu", "no_such_kernel")


def test_staircase_plan_matches_the_generated_blocks():
    """The kernels whose wide floor/round form is a generated closed form, and the Triton codes of
    the kernels, are stated once (runtime/staircase_terms.py) and agree with the generated blocks."""
    from smoothfn.generated import building_blocks

    wide = {k for k in generated.KERNELS if hasattr(building_blocks, f"staircase_wide_{k}")}
    assert set(staircase_terms.WIDE_CLOSED_FORM) == wide
    assert set(staircase_terms.KERNEL_CODES) == {k for k in generated.KERNELS if k != "cauchy"}
    assert sorted(staircase_terms.KERNEL_CODES.values()) == list(range(len(staircase_terms.KERNEL_CODES)))
    assert set(staircase_terms.LOCAL) | {"laplace"} == set(staircase_terms.KERNEL_CODES)


def test_kink_facts_match_the_catalog():
    """The generated slope jumps and kink distances (what max_error= solves with) are the catalog's."""
    import torch

    from smoothfn import FUNCTIONS

    alpha = torch.tensor(0.3, dtype=torch.float64)
    assert float(generated.KINKS["leaky_relu"][0](alpha)) == pytest.approx(0.7)
    assert generated.KINKS["abs"][0]() == 2.0
    assert generated.KINKS["hardsigmoid"][0]() == pytest.approx(1 / 6) and generated.KINKS["hardsigmoid"][1]() == 6
    lo, hi = torch.tensor(-0.5), torch.tensor(2.0)
    assert float(generated.KINKS["clamp"][1](lo, hi)) == 2.5
    for name, function in FUNCTIONS.items():
        linear = function.piecewise_linear and not function.jumps
        assert (name in generated.KINKS) == linear
        assert (name in generated.NO_MAX_ERROR) == (not linear)


def test_importing_the_run_time_leaves_the_environment_alone():
    code = (
        "import os, sys; before = dict(os.environ); import torch, smoothfn.functional as F; "
        "F.relu(torch.ones(3), width=0.5); "
        "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items()); "
        "assert not any(m.split('.')[0] in ('sympy', 'triton') for m in sys.modules), 'heavy import'"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRITON_")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
