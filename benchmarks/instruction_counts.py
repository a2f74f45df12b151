"""Instructions per element of every generated Triton kernel, from the machine code (SASS) that
ptxas makes of it for sm_90 — no GPU needed.

    python benchmarks/instruction_counts.py [--dtype fp32] [--out benchmarks/results_instruction_counts.txt] [pair …]

Why: an elementwise kernel reaches the memory-bandwidth floor only if its arithmetic issues in
less time than the memory moves. An H200 issues 132 SMs × 4 schedulers × 32 lanes ≈ 1.7·10^4
thread-instructions per clock, about 3.3·10^13 a second at 1.98 GHz; its measured copy floor for
a 2^26-element fp32 forward (read 4 bytes, write 4) is 0.131 ms (benchmarks/results_gpu.csv), the
time of about 65 instructions per element. The H200 table (results_gpu.csv) was measured when
sau's forward took 121.5 instructions per element (this count, on that commit): 0.304 ms, 1.25 ×
the 0.244 ms that issuing them takes — the kernel was issue-bound, and the count is the CPU-side
measure of its speed.

What is counted: the hot path, i.e. the instructions one thread executes from the start to the
unconditional EXIT when no rare case occurs (``hot_path``: the correctly rounded division's
slow-path call, for quotients near the ends of the exponent range, is skipped), NOPs left out;
divided by the elements one thread handles (BLOCK / (32 · num_warps)). A run-time loop's body is
counted once: the floor/round series kernels loop over their terms, so their figures are lower
bounds, not comparable with the straight-line pair kernels. MUFU (exp2, rsqrt, reciprocal: the
quarter-rate special-function unit) and the registers per thread (ptxas -v) are given apart. The
forward is the common launch (scalar width and parameters); the backward computes every gradient.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from triton_aot import assemble, compiled_kernels  # noqa: E402

SM = 90


def sass(cubin: bytes) -> str:
    from triton.backends.nvidia.compiler import get_ptxas

    cuobjdump = os.path.join(os.path.dirname(get_ptxas(SM).path), "cuobjdump")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kernel.cubin"
        path.write_bytes(cubin)
        return subprocess.run([cuobjdump, "-sass", str(path)], capture_output=True, text=True, check=True).stdout


def hot_path(listing: str) -> list[str]:
    """The opcodes one thread executes when no rare case occurs: from the first instruction to the
    unconditional EXIT, following forward unconditional branches; a conditional branch is taken
    when it jumps forward over a CALL (the correctly rounded division's range check skipping its
    slow-path call), else it falls through; a backward branch (a loop) is not taken."""
    code = {}
    for address, predicate, opcode, operands in re.findall(
        r"/\*([0-9a-f]{4})\*/\s+(@!?U?P\w+\s+)?([A-Z0-9_.]+)([^;]*);", listing
    ):
        code[int(address, 16)] = (bool(predicate), opcode, operands)
    addresses = sorted(code)
    index = {a: i for i, a in enumerate(addresses)}
    path, i = [], 0
    while i < len(addresses):
        predicated, opcode, operands = code[addresses[i]]
        if opcode == "EXIT" and not predicated:
            path.append(opcode)
            break
        if opcode == "NOP":
            i += 1
            continue
        path.append(opcode)
        if opcode == "BRA":
            target = index[int(operands.split()[-1], 16)]
            skips_call = any(code[a][1].startswith("CALL") for a in addresses[i + 1:target])
            if target > i and (not predicated or skips_call):
                i = target
                continue
        i += 1
    return path


def counts(compiled, block: int) -> dict:
    """Hot-path instructions and MUFU per element, registers per thread."""
    path = hot_path(sass(compiled.asm["cubin"]))
    elements = block / (compiled.metadata.num_warps * 32)
    return {
        "instructions": len(path) / elements,
        "mufu": sum(op.startswith("MUFU") for op in path) / elements,
        "registers": assemble(compiled.asm["ptx"], SM)["registers"],
    }


def measure(pair: str, dtype: str) -> tuple[str, dict]:
    kernels = compiled_kernels(pair, dtype, SM, ("forward", "backward"))
    return pair, {label.split(".")[-1]: counts(c, block) for label, c, block in kernels}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="*", help="generated pairs or floor/round staircases (default: all)")
    parser.add_argument("--dtype", default="fp32", choices=["fp32", "fp64", "fp16", "bf16"])
    parser.add_argument("--out", help="also write the table here")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    from smoothfn.generated import AVAILABLE
    from smoothfn.runtime.staircase import TWINS

    pairs = args.pairs or [*sorted(f"{f}_{k}" for f, k in AVAILABLE), *sorted(f"{f}_{k}" for f, k in TWINS)]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = dict(pool.map(measure, pairs, [args.dtype] * len(pairs)))
    lines = [
        f"# Hot-path SASS instructions per element on sm_{SM}, {args.dtype} "
        f"(python benchmarks/instruction_counts.py; ptxas of triton {_triton_version()}; floor/round: "
        f"loop bodies counted once, lower bounds)",
        f"{'pair':<28} {'fwd instr':>9} {'fwd MUFU':>8} {'fwd regs':>8} "
        f"{'bwd instr':>9} {'bwd MUFU':>8} {'bwd regs':>8}",
    ]
    for pair in pairs:
        f, b = results[pair]["forward"], results[pair]["backward"]
        lines.append(f"{pair:<28} {f['instructions']:9.1f} {f['mufu']:8.1f} {f['registers']:8d} "
                     f"{b['instructions']:9.1f} {b['mufu']:8.1f} {b['registers']:8d}")
    forward = sorted(r["forward"]["instructions"] for r in results.values())
    backward = sorted(r["backward"]["instructions"] for r in results.values())
    lines.append(f"# median forward {forward[len(forward) // 2]:.1f}, backward {backward[len(backward) // 2]:.1f} "
                 f"instructions per element over {len(pairs)} pairs ({time.perf_counter() - start:.0f} s)")
    print("\n".join(lines))
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")


def _triton_version() -> str:
    import triton

    return triton.__version__


if __name__ == "__main__":
    main()
