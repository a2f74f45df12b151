"""torch.profiler of sau forward+backward at 2^22 fp32 (tensor parameters, random upstream gradient):
smoothfn against the plain formula, eager and under torch.compile(dynamic=True); which kernels or ops
take the time. One thread by default (a shared machine); --threads to change.

    python benchmarks/profile_cpu.py [--log2n 22] [--case sau] [--compiled]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

from smoothfn.bench.cases import cases  # noqa: E402
from smoothfn.bench.harness import make_call, make_params  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log2n", type=int, default=22)
    parser.add_argument("--case", default="sau")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--compiled", action="store_true", help="profile the compiled providers")
    parser.add_argument("--rows", type=int, default=12)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    case = cases()[args.case]
    n = 1 << args.log2n
    x = torch.randn(n, requires_grad=True)
    g = torch.randn(n)
    params = make_params(case, "tensor")
    providers = ("smoothfn-compiled", "formula-compiled") if args.compiled else ("smoothfn", "formula")
    for provider in providers:
        call = make_call(case, provider)
        for _ in range(2):
            call(x, *params).backward(g)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(3):
                call(x, *params).backward(g)
        print(f"== {args.case} {provider}, 2^{args.log2n}, 3 calls of forward+backward")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows, max_name_column_width=70))
    return 0


if __name__ == "__main__":
    sys.exit(main())
