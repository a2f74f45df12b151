"""Compile generated Triton kernels ahead of time for a real GPU target (no GPU needed).

    python tests/triton_aot.py <sm> <dtype> <module> [<module> …] [-- <sm> <dtype> <module> …]

prints one JSON line per kernel (with its sm and dtype); ``--`` separates jobs that share the one
process (imports and Triton's start-up paid once: the tests batch every compilation of a test
file into one run).

Run without TRITON_INTERPRET (the tests start it in a subprocess). A module is a generated pair
(``clamp_cauchy``), a staircase (``floor_gaussian``: smoothfn.gpu.staircase with its
constants), or the path of a compiled user function's Triton module (``…/user_<key>_triton.py``
in ``$SMOOTHFN_CACHE``, a name ending in ``.py``; its parameters from its ``PARAMETERS``).
For each, both kernels are compiled with every gradient requested and scalar
width/parameters (the common launch), plus the forward with full-size arguments. The report
gives, from ptxas -v (the assembler Triton ships, run on the PTX), the registers per thread and
the bytes of spill stores and loads, and from the PTX whether global loads and stores are 16-byte
vector accesses and whether every conversion to fp16/bf16 rounds to nearest.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
import triton
import triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from smoothfn.generated import KERNELS
from smoothfn.gpu.launch import FP_FUSION, block_size, num_warps
from smoothfn.runtime.pairs import Pair, catalog_pair

TYPES = {"fp32": tl.float32, "fp64": tl.float64, "fp16": tl.float32, "bf16": tl.float32}  # compute dtypes
INPUTS = {"fp32": torch.float32, "fp64": torch.float64, "fp16": torch.float16, "bf16": torch.bfloat16}


def compile_kernel(fn, pointers: list[str], dtype: str, constexprs: dict, sm: int, launcher=None):
    """launcher: the pair whose launch settings (warps) the launcher would use."""
    compute = "fp64" if dtype == "fp64" else "fp32"
    signature = {}
    for name in fn.arg_names:
        if name in constexprs:
            signature[name] = "constexpr"
        elif name == "n":
            signature[name] = "i32"
        elif name in pointers:  # x, dy and elementwise outputs in the input dtype
            signature[name] = f"*{dtype}"
        else:  # scalar arguments and per-program partial sums in the compute dtype
            signature[name] = f"*{compute}"
    attrs = {(i,): [["tt.divisibility", 16]] for i, name in enumerate(fn.arg_names) if signature[name] != "constexpr"}
    source = ASTSource(fn=fn, signature=signature, constexprs=constexprs, attrs=attrs)
    warps = num_warps("dy_ptr" in fn.arg_names, launcher, INPUTS[dtype])
    return triton.compile(source, target=GPUTarget("cuda", sm, 32), options={"num_warps": warps,
                                                                           "enable_fp_fusion": FP_FUSION})


def assemble(ptx: str, sm: int) -> dict:
    """Registers and spill bytes from ptxas -v."""
    from triton.backends.nvidia.compiler import get_ptxas

    arch = re.search(r"^\.target\s+(\S+)", ptx, re.MULTILINE).group(1)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "kernel.ptx"
        source.write_text(ptx)
        command = [get_ptxas(sm).path, "-v", "--gpu-name", arch, str(source), "-o", str(Path(folder) / "k.cubin")]
        log = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    spills = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", log)
    return {
        "registers": int(re.search(r"Used (\d+) registers", log).group(1)),
        "spill_bytes": int(spills.group(1)) + int(spills.group(2)),
        "local_memory": ".local" in ptx,
    }


def report(name: str, compiled, sm: int) -> dict:
    ptx = compiled.asm["ptx"]
    return {
        "kernel": name,
        **assemble(ptx, sm),
        "vector_loads": "ld.global.v4" in ptx or "ld.global.v2.b64" in ptx,
        "vector_stores": "st.global.v4" in ptx or "st.global.v2.b64" in ptx,
        # every conversion to a narrower float rounds to nearest (Triton's interpreter truncates
        # fp32 → bf16 instead, so its bf16 results may be one ulp off where a GPU's are not)
        "narrowing_rounds_to_nearest": all(
            ".rn" in c for c in re.findall(r"cvt\.[a-z.]*(?:bf16|f16)[a-z0-9]*\.f(?:32|64)\b", ptx)
        ),
    }


def compiled_kernels(name: str, dtype: str, sm: int, labels=("forward", "forward_full", "backward")):
    """(label, compiled kernel, BLOCK) for the forward (scalar and full-size arguments) and the
    backward (scalar arguments, every gradient) of one generated pair or staircase."""
    if name.endswith(".py"):  # a compiled user function: a real file (triton.jit reads its source)
        spec = importlib.util.spec_from_file_location(Path(name).stem.replace(".", "_"), name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        launcher = Pair(Path(name).stem, tuple(module.PARAMETERS), lambda: None, triton_path=name)
        name = Path(name).name
    else:
        function, kernel = next((name[: -len(k) - 1], k) for k in KERNELS if name.endswith(f"_{k}"))
        if function in ("floor", "round"):  # the staircase series: one module, two constants
            module = importlib.import_module("smoothfn.gpu.staircase")
        else:
            module = importlib.import_module(f"smoothfn.generated.triton.{name}")
        launcher = catalog_pair(function, kernel)
    extra = dict(launcher.triton_constexprs)
    arguments = ["w", *launcher.parameters]
    base = {"BLOCK": block_size(INPUTS[dtype]), "DTYPE": TYPES[dtype], **extra}
    scalar = {f"{a.upper()}_FULL": False for a in arguments}
    full = {f"{a.upper()}_FULL": True for a in arguments}
    needs = {f"NEED_{a.upper()}": True for a in ["x", *arguments]}
    runs = [
        ("forward", module.forward_kernel, ["x_ptr", "out_ptr"], {**base, **scalar}),
        ("forward_full", module.forward_kernel, ["x_ptr", "out_ptr", *(f"{a}_ptr" for a in arguments)],
         {**base, **full}),
        ("backward", module.backward_kernel, ["x_ptr", "dy_ptr", "gx_ptr"],
         {**base, "BLOCK": block_size(INPUTS[dtype], backward=True), **scalar, **needs}),
    ]
    for label, fn, pointers, constexprs in runs:
        if label in labels:
            yield f"{name}.{label}", compile_kernel(fn, pointers, dtype, constexprs, sm, launcher), constexprs["BLOCK"]


def main(sm: int, dtype: str, names: list[str]) -> None:
    for name in names:
        for label, compiled, _ in compiled_kernels(name, dtype, sm):
            print(json.dumps({"sm": sm, "dtype": dtype, **report(label, compiled, sm)}), flush=True)


def jobs(argv: list[str]) -> list[tuple[int, str, list[str]]]:
    """(sm, dtype, modules) for each ``--``-separated group of arguments."""
    out, group = [], []
    for argument in [*argv, "--"]:
        if argument != "--":
            group.append(argument)
        elif group:
            out.append((int(group[0]), group[1], group[2:]))
            group = []
    return out


if __name__ == "__main__":
    for job in jobs(sys.argv[1:]):
        main(*job)
