"""Kernel time of the generated Triton kernels for several launch configurations (a CUDA device).

    python benchmarks/sweep_gpu_launch.py [--log2n 26] [--functions sau,clamp] [--out FILE.csv]

For each function (∗ gaussian), dtype (fp32, bf16) and direction, launches the kernels directly
(smoothfn.gpu.launch, its block size and warp count replaced) and replays them from a CUDA
graph (triton.testing.do_bench_cudagraph, median): the kernel time without the host's Python work.
How triton_launch.block_size / num_warps were chosen; the floor is the copy bandwidth as in
bench_gpu.py.
"""

from __future__ import annotations

import argparse
import csv
import sys
from functools import partial

import torch
from bench_gpu import KERNEL_PAIRS, copy_bandwidth  # beside this file

CONFIGS = {  # (elements per program, warps): elements per thread = block / (32·warps)
    "forward": [(1024, 4), (1024, 8), (512, 4), (512, 2), (2048, 8), (256, 2), (1024, 16)],
    "backward": [(1024, 8), (1024, 4), (512, 4), (512, 8), (2048, 16), (256, 2), (1024, 16)],
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log2n", type=int, default=26)
    parser.add_argument("--functions", default="sau,clamp")
    parser.add_argument("--out", default="sweep_gpu_launch.csv")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("sweep_gpu_launch.py needs a CUDA device")
    from triton.testing import do_bench_cudagraph

    from smoothfn.gpu import launch as triton_launch
    from smoothfn.runtime.dtypes import compute_dtype
    from smoothfn.runtime.pairs import catalog_pair

    device = torch.cuda.get_device_name()
    n = 2**args.log2n
    bandwidth = copy_bandwidth(n)
    print(f"{device}: copy bandwidth {bandwidth / 1e9:.0f} GB/s", flush=True)
    with open(args.out, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["device", "function", "dtype", "mode", "block", "warps", "median_ms", "floor_ms",
                         "fraction_of_bandwidth"])
        for name in args.functions.split(","):
            function, values = KERNEL_PAIRS[name]
            module = catalog_pair(function, "gaussian")
            for dtype in (torch.float32, torch.bfloat16):
                x = torch.randn(n, device="cuda", dtype=dtype)
                dy = torch.randn_like(x)
                compute = compute_dtype(dtype)
                w = torch.full((), 0.5, dtype=compute, device="cuda")
                params = [torch.full((), v, dtype=compute, device="cuda") for v in values]
                needs = (True, False, *(False for _ in params))
                for mode, configs in CONFIGS.items():
                    floor = (2 if mode == "forward" else 3) * n * x.element_size() / bandwidth * 1e3
                    for block, warps in configs:
                        triton_launch.block_size = lambda _dtype, backward=False, block=block: block
                        triton_launch.num_warps = lambda _backward, _module=None, _dtype=None, warps=warps: warps
                        if mode == "forward":
                            call = partial(triton_launch.forward, module, x, w, *params)
                        else:
                            call = partial(triton_launch.backward, module, dy, needs, x, w, *params)
                        median = do_bench_cudagraph(call, quantiles=[0.5, 0.2, 0.8])[0]
                        row = [device, name, str(dtype).split(".")[-1], mode, block, warps, round(median, 4),
                               round(floor, 4), round(floor / median, 3)]
                        writer.writerow(row)
                        handle.flush()
                        print(row, flush=True)


if __name__ == "__main__":
    main()
