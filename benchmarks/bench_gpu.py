"""GPU benchmark: the Triton kernels against the memory-bandwidth floor, eager torch and torch.compile.

    python benchmarks/bench_gpu.py [--log2n 26] [--functions sau,relu,clamp] [--out benchmarks/results_gpu.csv]

Needs a CUDA device (it refuses to run without one). For each function, fp32 and bf16, at 2^log2n
elements, modes forward (y = f(x)) and backward (the gradient of x from a given dy, after a
forward outside the timing), providers:
  smoothfn-triton   smoothfn.functional with the generated Triton kernels (eager CUDA), end to end
  smoothfn-kernels  the same kernels launched directly (smoothfn.gpu.launch), replayed from a
                    CUDA graph: the kernel time without the host's Python work
  plain-eager       the naive formula in eager torch with autograd
  plain-compiled    the naive formula under torch.compile
  smoothfn-compiled smoothfn.functional under torch.compile (the compiler sees the torch twin)
Times are medians of triton.testing.do_bench (do_bench_cudagraph for smoothfn-kernels) with
20th/80th percentiles, and, as a cross-check, wall_ms: 20 calls between two device
synchronizations, divided by 20. The floor is the bytes an elementwise op must move (forward: read
x, write y; backward: read x and dy, write dx) over the device's copy bandwidth, measured here with a
device-to-device copy of the same size. Also printed: the host time of one small call (1024
elements), the Python work per call that a large tensor hides. Results are appended to a CSV with
the device name, row by row.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
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


# each benchmarked function as its catalog pair (∗ gaussian) and scalar parameters
KERNEL_PAIRS = {"sau": ("leaky_relu", (0.15,)), "relu": ("relu", ()), "clamp": ("clamp", (-1.0, 1.0))}


def kernels(name, x, mode):
    """A function launching the pair's Triton kernels directly (no autograd, no argument checks)."""
    from smoothfn.gpu import launch as triton_launch
    from smoothfn.runtime.dtypes import compute_dtype
    from smoothfn.runtime.pairs import catalog_pair

    function, params = KERNEL_PAIRS[name]
    module = catalog_pair(function, "gaussian")
    compute = compute_dtype(x.dtype)
    w = torch.full((), 0.5, dtype=compute, device=x.device)
    values = [torch.full((), v, dtype=compute, device=x.device) for v in params]
    if mode == "forward":
        return lambda: triton_launch.forward(module, x, w, *values)
    dy = torch.randn_like(x)
    needs = (True, False, *(False for _ in values))
    return lambda: triton_launch.backward(module, dy, needs, x, w, *values)


def seconds_per_call(call, repeats: int, warmups: int = 1) -> float:
    """Wall seconds per call over ``repeats`` calls between two device synchronizations."""
    for _ in range(warmups):
        call()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def wall_ms(call) -> float:
    """The cross-check of do_bench: 20 calls, milliseconds per call."""
    return seconds_per_call(call, 20) * 1e3


def host_us(call) -> float:
    """Microseconds per call of a small call, the device never the bottleneck."""
    return seconds_per_call(call, 2000, warmups=50) * 1e6


def measure(fn, x, mode):
    from triton.testing import do_bench

    if mode == "forward":
        with torch.no_grad():
            return do_bench(lambda: fn(x), quantiles=[0.5, 0.2, 0.8])
    call = backward_call(fn, x)
    return do_bench(call, quantiles=[0.5, 0.2, 0.8])


def backward_call(fn, x):
    xg = x.detach().requires_grad_()
    y = fn(xg)
    dy = torch.randn_like(y)
    return lambda: torch.autograd.grad(y, xg, dy, retain_graph=True)


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
    small = torch.randn(1024, device="cuda")
    for name in args.functions.split(","):
        function = ours(name)
        print(f"host time per call, 1024 fp32 elements: {name} {host_us(lambda f=function: f(small)):.1f} us, "
              f"kernels alone {host_us(kernels(name, small, 'forward')):.1f} us; "
              f"torch.relu {host_us(lambda: torch.relu(small)):.1f} us", flush=True)
    out = Path(args.out)
    new = not out.exists()
    handle = out.open("a", newline="")
    writer = None
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
                for provider, fn in [*providers.items(), ("smoothfn-kernels", None)]:
                    if fn is None:
                        from triton.testing import do_bench_cudagraph

                        call = kernels(name, x, mode)
                        median, low, high = do_bench_cudagraph(call, quantiles=[0.5, 0.2, 0.8])
                    else:
                        median, low, high = measure(fn, x, mode)
                        call = (lambda f=fn, v=x: f(v)) if mode == "forward" else backward_call(fn, x)
                    with torch.no_grad() if mode == "forward" else torch.enable_grad():
                        wall = wall_ms(call)
                    row = {"device": device, "function": name, "dtype": str(dtype).split(".")[-1], "mode": mode,
                           "provider": provider, "n": n, "median_ms": round(median, 4), "p20_ms": round(low, 4),
                           "p80_ms": round(high, 4), "wall_ms": round(wall, 4), "floor_ms": round(floor_ms, 4),
                           "fraction_of_bandwidth": round(floor_ms / median, 3)}
                    if writer is None:  # rows are written as they come: a cut-off run keeps its rows
                        writer = csv.DictWriter(handle, fieldnames=list(row))
                        if new:
                            writer.writeheader()
                    writer.writerow(row)
                    handle.flush()
                    print(row, flush=True)
    handle.close()


if __name__ == "__main__":
    main()
