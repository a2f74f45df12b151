"""The benchmark harness behind ``smoothfn bench`` and ``python benchmarks/bench.py``.

Providers, timed side by side in one process with interleaved repetitions (the order rotates):

  smoothfn            smoothfn.functional (eager)
  formula             the same closed form in plain eager torch, autograd as usual
  formula-compiled    torch.compile(formula, dynamic=True)
  smoothfn-compiled   torch.compile(smoothfn call, dynamic=True)
  native              a native PyTorch activation of similar shape (cost reference; no parameters)

Every repetition times the forward (y = f(x), gradients enabled), then the backward with a random
upstream gradient (y.backward(g)); forward+backward is their sum. Parameters (the width
included) are Python numbers (``python``) or 0-dim tensors that require grad (``tensor``). Times
are medians with the interquartile range; at small sizes a sample repeats the call until it
lasts about 5 ms and reports the time per call.

Peak memory of forward+backward: each (case, provider) runs in its own process, with glibc's mmap
threshold fixed at 4 MiB (larger tensors are returned to the system when freed; smaller ones,
such as cache-sized slices, stay on the heap), the resident-set high-water
mark reset (/proc/self/clear_refs) after the warm-up, and the growth of the high-water mark over
the resident set before the call (which holds x and g) reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROVIDERS = ("smoothfn", "formula", "formula-compiled", "smoothfn-compiled", "native")
KINDS = ("tensor", "python")
MODES = ("forward", "backward", "full")
SAMPLE_SECONDS = 5e-3


def _progress(text: str) -> None:
    sys.stderr.write(f"\r\033[K{text}" if sys.stderr.isatty() else f"{text}\n")
    sys.stderr.flush()


def make_call(case, provider: str):
    """(x, *params) -> y for one provider of a case."""
    import torch

    if provider == "smoothfn":
        return case.smoothfn
    if provider == "formula":
        return case.plain
    if provider == "native":
        return lambda x, *params: case.native(x)
    if provider == "formula-compiled":
        return torch.compile(case.plain, dynamic=True)
    if provider == "smoothfn-compiled":
        return torch.compile(case.smoothfn, dynamic=True)
    raise ValueError(f"unknown provider {provider!r}; choose from {', '.join(PROVIDERS)}")


def make_params(case, kind: str):
    import torch

    if kind == "python":
        return list(case.params.values())
    if kind == "tensor":
        return [torch.tensor(v, requires_grad=True) for v in case.params.values()]
    raise ValueError(f"unknown parameter kind {kind!r}; choose from {', '.join(KINDS)}")


def _clear_grads(x, params) -> None:
    x.grad = None
    for p in params:
        if hasattr(p, "grad"):
            p.grad = None


def _one_sample(call, x, params, g, inner: int) -> tuple[float, float]:
    forward = backward = 0.0
    for _ in range(inner):
        _clear_grads(x, params)
        start = time.perf_counter()
        y = call(x, *params)
        middle = time.perf_counter()
        y.backward(g)
        end = time.perf_counter()
        forward += middle - start
        backward += end - middle
        del y
    return forward / inner, backward / inner


def _summary(values: list[float]) -> dict:
    ordered = sorted(values)
    if len(ordered) >= 4:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1, q3 = ordered[0], ordered[-1]
    return {"median": statistics.median(ordered), "q1": q1, "q3": q3, "min": ordered[0], "max": ordered[-1]}


def run_times(case_names, providers, kinds, sizes, repeats: int, seed: int = 0) -> list[dict]:
    """Time every (case, kind, size) with all providers side by side; one row per provider."""
    import torch

    from smoothfn.bench.cases import cases

    all_cases = cases()
    rows = []
    total = len(case_names) * len(kinds) * len(sizes)
    step = 0
    for name in case_names:
        case = all_cases[name]
        for kind in kinds:
            calls = {}
            for provider in providers:
                if provider == "native" and case.native is None:
                    continue
                calls[provider] = make_call(case, provider)
            for log2n in sizes:
                step += 1
                n = 1 << log2n
                torch.manual_seed(seed)
                x = torch.randn(n, requires_grad=True)
                g = torch.randn(n)
                params = make_params(case, kind)
                first, inner = {}, {}
                for provider, call in calls.items():  # warm-up: compiles, and sets the inner count
                    _progress(f"[{step}/{total}] {name} {kind} 2^{log2n}: warm-up {provider}")
                    start = time.perf_counter()
                    _one_sample(call, x, params, g, 1)
                    first[provider] = time.perf_counter() - start
                    once = sum(_one_sample(call, x, params, g, 1))
                    inner[provider] = max(1, min(1000, int(SAMPLE_SECONDS / max(once, 1e-7))))
                samples = {p: ([], []) for p in calls}
                order = list(calls)
                for r in range(repeats):
                    _progress(f"[{step}/{total}] {name} {kind} 2^{log2n}: repetition {r + 1}/{repeats}")
                    rotated = order[r % len(order):] + order[:r % len(order)]
                    for provider in rotated:
                        fwd, bwd = _one_sample(calls[provider], x, params, g, inner[provider])
                        samples[provider][0].append(fwd)
                        samples[provider][1].append(bwd)
                for provider, (fwd, bwd) in samples.items():
                    full = [a + b for a, b in zip(fwd, bwd)]
                    row = {"case": name, "kind": kind, "log2n": log2n, "provider": provider,
                           "first_call_s": first[provider], "calls_per_sample": inner[provider]}
                    for mode, values in zip(MODES, (fwd, bwd, full)):
                        row[mode] = _summary(values)
                    row["elements_per_s"] = n / row["full"]["median"]
                    rows.append(row)
                del x, g
    return rows


def _status_kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(match.group(1))


def memory_worker(name: str, provider: str, kind: str, sizes, repeats: int = 3) -> dict:
    """Peak memory growth (MiB) of one forward+backward per size, in this process."""
    import gc

    import torch

    from smoothfn.bench.cases import cases

    case = cases()[name]
    call = make_call(case, provider)
    resettable = os.access("/proc/self/clear_refs", os.W_OK)
    result = {}
    for log2n in sorted(sizes):
        n = 1 << log2n
        torch.manual_seed(0)
        x = torch.randn(n, requires_grad=True)
        g = torch.randn(n)
        params = make_params(case, kind)
        _one_sample(call, x, params, g, 2)  # warm-up (compiles)
        peaks = []
        for _ in range(repeats):
            _clear_grads(x, params)
            gc.collect()
            if resettable:
                Path("/proc/self/clear_refs").write_text("5")
            before = _status_kib("VmRSS")
            y = call(x, *params)
            y.backward(g)
            del y
            peaks.append((_status_kib("VmHWM") - before) / 1024)
        result[str(log2n)] = statistics.median(peaks)
        del x, g
    return result


def run_memory(case_names, providers, kind: str, sizes, threads: int | None = None) -> list[dict]:
    """memory_worker for each (case, provider) in its own process."""
    from smoothfn.bench.cases import cases

    root = str(Path(__file__).resolve().parents[2])  # this smoothfn, installed or not
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(4 << 20), "PYTHONPATH": path}
    rows = []
    jobs = [(n, p) for n in case_names for p in providers if p != "native" or cases()[n].native is not None]
    for i, (name, provider) in enumerate(jobs, 1):
        _progress(f"[memory {i}/{len(jobs)}] {name} {provider} ({kind} parameters)")
        command = [sys.executable, "-m", "smoothfn.bench.harness", "--memory-worker", name, provider, kind,
                   ",".join(map(str, sizes)), *(["--threads", str(threads)] if threads else [])]
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise RuntimeError(f"memory worker {name} {provider} failed:\n{done.stderr[-3000:]}")
        peaks = json.loads(done.stdout.strip().splitlines()[-1])
        for log2n, mib in peaks.items():
            rows.append({"case": name, "provider": provider, "kind": kind, "log2n": int(log2n), "peak_mib": mib})
    return rows


def machine() -> dict:
    import torch

    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu,
            "cores": os.cpu_count(), "threads": torch.get_num_threads(), "python": platform.python_version(),
            "torch": torch.__version__, "platform": platform.platform(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


# ---------------------------------------------------------------- reports

def _index(rows, *keys):
    return {tuple(r[k] for k in keys): r for r in rows}


def ratio_table(times, memory, sizes) -> str:
    """smoothfn / formula (eager) and smoothfn-compiled / formula-compiled, forward+backward."""
    t = _index(times, "case", "kind", "log2n", "provider")
    m = _index(memory, "case", "log2n", "provider")
    lines = ["| function | params | 2^n | eager time | eager memory | compiled time | compiled memory |",
             "|---|---|---|---|---|---|---|"]

    def time_ratio(key, a, b):
        ra, rb = t.get((*key, a)), t.get((*key, b))
        return f"{ra['full']['median'] / rb['full']['median']:.2f}×" if ra and rb else "–"

    def memory_ratio(key, a, b):
        case, kind, log2n = key
        ra, rb = m.get((case, log2n, a)), m.get((case, log2n, b))
        if kind != "tensor" or not ra or not rb or rb["peak_mib"] <= 0:
            return "–"
        return f"{ra['peak_mib'] / rb['peak_mib']:.2f}×"

    for case in dict.fromkeys(r["case"] for r in times):
        for kind in dict.fromkeys(r["kind"] for r in times):
            for log2n in sizes:
                key = (case, kind, log2n)
                if (*key, "smoothfn") not in t:
                    continue
                lines.append(f"| {case} | {kind} | {log2n} | {time_ratio(key, 'smoothfn', 'formula')} | "
                             f"{memory_ratio(key, 'smoothfn', 'formula')} | "
                             f"{time_ratio(key, 'smoothfn-compiled', 'formula-compiled')} | "
                             f"{memory_ratio(key, 'smoothfn-compiled', 'formula-compiled')} |")
    return "\n".join(lines)


def full_table(times, memory) -> str:
    m = _index(memory, "case", "log2n", "provider")
    lines = ["| function | params | 2^n | provider | fwd ms | bwd ms | fwd+bwd ms (IQR) | Melem/s | peak MiB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in times:
        full = r["full"]
        peak = m.get((r["case"], r["log2n"], r["provider"])) if r["kind"] == "tensor" else None
        lines.append(
            f"| {r['case']} | {r['kind']} | {r['log2n']} | {r['provider']} | {r['forward']['median'] * 1e3:.3g} | "
            f"{r['backward']['median'] * 1e3:.3g} | {full['median'] * 1e3:.3g} ({full['q1'] * 1e3:.3g}–"
            f"{full['q3'] * 1e3:.3g}) | {r['elements_per_s'] / 1e6:.0f} | "
            f"{'' if peak is None else format(peak['peak_mib'], '.0f')} |")
    return "\n".join(lines)


def plot(times, path: Path, kind: str = "tensor") -> bool:
    """Log-log time of forward+backward against size, one panel per case, one line per provider."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    cases = list(dict.fromkeys(r["case"] for r in times if r["kind"] == kind))
    if not cases:
        return False
    columns = min(4, len(cases))
    rows_n = (len(cases) + columns - 1) // columns
    fig, axes = plt.subplots(rows_n, columns, figsize=(4 * columns, 3.3 * rows_n), squeeze=False)
    for ax, case in zip(axes.flat, cases):
        for provider in PROVIDERS:
            points = sorted((1 << r["log2n"], r["full"]["median"]) for r in times
                            if r["case"] == case and r["kind"] == kind and r["provider"] == provider)
            if points:
                ax.loglog(*zip(*points), marker="o", markersize=3, label=provider)
        ax.set_title(case)
        ax.set_xlabel("elements")
        ax.set_ylabel("forward+backward, s")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(cases):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"fp32 CPU, {kind} parameters, median time per call")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ---------------------------------------------------------------- command line

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="smoothfn bench", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", default="all", help="comma-separated case names (default: all)")
    p.add_argument("--providers", default=",".join(PROVIDERS), help="comma-separated providers")
    p.add_argument("--kinds", default=",".join(KINDS), help="parameter kinds: tensor, python")
    p.add_argument("--sizes", default="10,14,18,20,22,24", help="log2 of the sizes (default 10,14,18,20,22,24)")
    p.add_argument("--repeats", type=int, default=7, help="timed repetitions per provider (default 7)")
    p.add_argument("--memory-sizes", default="22,24",
                   help="log2 sizes for the peak-memory processes, tensor parameters ('' skips; default 22,24)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--out", default=None, help="folder for results.json, tables.md and time_vs_size.png")
    p.add_argument("--quick", action="store_true",
                   help="smoke size for CI: 2^10 and 2^12, 2 repetitions, eager providers, one memory process")
    p.add_argument("--merge", default=None,
                   help="comma-separated folders of earlier runs (results.json): write their union to --out")
    p.add_argument("--memory-worker", nargs=4, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.memory_worker:
        name, provider, kind, sizes = args.memory_worker
        print(json.dumps(memory_worker(name, provider, kind, [int(s) for s in sizes.split(",")])))
        return 0
    from smoothfn.bench.cases import cases

    names = list(cases()) if args.cases == "all" else args.cases.split(",")
    unknown = [n for n in names if n not in cases()]
    if unknown:
        raise SystemExit(f"smoothfn bench: unknown case(s) {unknown}; choose from {', '.join(cases())}")
    providers = args.providers.split(",")
    kinds = args.kinds.split(",")
    sizes = [int(s) for s in args.sizes.split(",")]
    memory_sizes = [int(s) for s in args.memory_sizes.split(",") if s]
    memory_cases, memory_providers = names, [p for p in providers]
    if args.quick:
        sizes, args.repeats = [10, 12], 2
        providers = [p for p in providers if "compiled" not in p]
        memory_sizes, memory_cases, memory_providers = [12], names[:1], ["smoothfn"]
    if args.merge:
        parts = [json.loads((Path(d) / "results.json").read_text()) for d in args.merge.split(",")]
        info = {**parts[0]["machine"], "wall_s": max(p["machine"]["wall_s"] for p in parts),
                "command": " + ".join(p["machine"]["command"] for p in parts) + " (concurrent shards)"}
        times = [r for p in parts for r in p["times"]]
        memory = [r for p in parts for r in p["memory"]]
        sizes = sorted({r["log2n"] for r in times})
        memory_sizes = sorted({r["log2n"] for r in memory})
    else:
        started = time.perf_counter()
        info = machine()
        times = run_times(names, providers, kinds, sizes, args.repeats)
        memory = []
        if memory_sizes:
            memory = run_memory(memory_cases, memory_providers, "tensor", memory_sizes, args.threads)
        info["wall_s"] = time.perf_counter() - started
        info["command"] = "smoothfn bench " + " ".join(argv if argv is not None else sys.argv[1:])
        _progress(f"done in {info['wall_s']:.0f} s\n")
    ratio_sizes = [s for s in sizes if s in (memory_sizes or sizes)] or sizes
    tables = (f"{info['date']}, {info['cpu']}, {info['threads']} threads, torch {info['torch']}, "
              f"Python {info['python']}; wall time {info['wall_s']:.0f} s\n\n"
              f"Ratios (forward+backward, median time; peak memory with tensor parameters):\n\n"
              f"{ratio_table(times, memory, ratio_sizes)}\n\nAll measurements:\n\n{full_table(times, memory)}\n")
    print(tables)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps({"machine": info, "times": times, "memory": memory}, indent=1))
        (out / "tables.md").write_text(tables)
        plot(times, out / "time_vs_size.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
