"""GPU benchmark: the Triton kernels against the memory-bandwidth floor, eager torch and torch.compile.

    python benchmarks/bench_gpu.py [--log2n 26] [--functions sau,relu,clamp] [--out benchmarks/results_gpu.csv]

Needs a CUDA device (it refuses to run without one). For each function, fp32 and bf16, at 2^log2n
elements, modes forward (y = f(x)) and backward (the gradient of x from a given dy, after a
forward outside the timing), providers:
  smoothfn-triton   smoothfn.functional with the generated Triton kernels (eager CUDA)
  plain-eager       the naive formula in eager torch with autograd
  plain-compiled    the naive formula under torch.compile
  smoothfn-compiled smoothfn.functional under torch.compile (the compiler sees the torch twin)
Times are medians of triton.testing.do_bench (with 20th/80th percentiles). The floor is the
bytes an elementwise op must move (forward: read x, write y; backward: read x and dy, write dx)
over the device's copy bandwidth, measured here with a device-to-device copy of the same size.
Results are appended to a CSV with the device name.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import torch


def plain(name):
    """The formula a user would write (autograd of it keeps its intermediates)."""
    def phi(z):
        return torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)

    def Phi(z):
        return 0.5 * (1 + torch.erf(z / math.sqrt(2)))

    w = 0.5
    if name == "sau":
        return lambda x: 0.15 * x + 0.85 * (x * Phi(x / w) + w * phi(x / w))
    if name == "relu":
        return lambda x: x * Phi(x / w) + w * phi(x / w)
    if name == "clamp":  # clamp(x, −1, 1) ∗ Gaussian = −1 + R(x + 1) − R(x − 1)
        def relu(x):
            return x * Phi(x / w) + w * phi(x / w)
        return lambda x: -1 + relu(x + 1) - relu(x - 1)
    raise ValueError(name)


def ours(name):
    import smoothfn.functional as F

    if name == "sau":
        return lambda x: F.sau(x, 0.15, width=0.5)
    if name == "relu":
        return lambda x: F.relu(x, width=0.5)
    if name == "clamp":
        return lambda x: F.clamp(x, -1.0, 1.0, width=0.5)
    raise ValueError(name)


def measure(fn, x, mode):
    from triton.testing import do_bench

    if mode == "forward":
        with torch.no_grad():
            return do_bench(lambda: fn(x), quantiles=[0.5, 0.2, 0.8])
    xg = x.detach().requires_grad_()
    y = fn(xg)
    dy = torch.randn_like(y)
    return do_bench(lambda: torch.autograd.grad(y, xg, dy, retain_graph=True), quantiles=[0.5, 0.2, 0.8])


def copy_bandwidth(n: int) -> float:
    """Bytes per second of a device-to-device copy of n fp32 elements (read + write)."""
    from triton.testing import do_bench

    a = torch.empty(n, device="cuda")
    b = torch.empty_like(a)
    ms = do_bench(lambda: b.copy_(a), quantiles=[0.5, 0.2, 0.8])[0]
    return 2 * a.numel() * a.element_size() / (ms * 1e-3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log2n", type=int, default=26)
    parser.add_argument("--functions", default="sau,relu,clamp")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results_gpu.csv")))
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("bench_gpu.py needs a CUDA device; the CPU benchmark is bench_cpu_sau.py")
    device = torch.cuda.get_device_name()
    n = 2**args.log2n
    bandwidth = copy_bandwidth(n)
    print(f"{device}: copy bandwidth {bandwidth / 1e9:.0f} GB/s at 2^{args.log2n} fp32")
    rows = []
    for name in args.functions.split(","):
        for dtype in (torch.float32, torch.bfloat16):
            x = torch.randn(n, device="cuda", dtype=dtype)
            providers = {
                "smoothfn-triton": ours(name),
                "plain-eager": plain(name),
                "plain-compiled": torch.compile(plain(name)),
                "smoothfn-compiled": torch.compile(ours(name), fullgraph=True),
            }
            for mode in ("forward", "backward"):
                moved = (2 if mode == "forward" else 3) * n * x.element_size()
                floor_ms = moved / bandwidth * 1e3
                for provider, fn in providers.items():
                    median, low, high = measure(fn, x, mode)
                    row = {"device": device, "function": name, "dtype": str(dtype).split(".")[-1], "mode": mode,
                           "provider": provider, "n": n, "median_ms": round(median, 4), "p20_ms": round(low, 4),
                           "p80_ms": round(high, 4), "floor_ms": round(floor_ms, 4),
                           "fraction_of_bandwidth": round(floor_ms / median, 3)}
                    rows.append(row)
                    print(row, flush=True)
    out = Path(args.out)
    new = not out.exists()
    with out.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        if new:
            writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
