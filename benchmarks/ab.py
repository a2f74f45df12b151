"""Time one provider's forward+backward for some cases with the smoothfn of a given checkout, for an
A/B of two commits: run it alternately against a worktree of each (same machine, same minutes).

    git worktree add /tmp/base <commit>
    for d in /tmp/base . /tmp/base .; do python benchmarks/ab.py $d relu_logistic,sau; done

Median of 15 calls after 3 warm-up calls, 2^22 fp32 elements by default, learnable tensor
parameters, a random upstream gradient, 2 threads (the figures of benchmarks/RESULTS.md's A/B).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkout", help="the folder whose smoothfn/ is imported")
    parser.add_argument("cases", help="comma-separated case names (smoothfn.bench.cases)")
    parser.add_argument("--provider", default="smoothfn", help="smoothfn or smoothfn-compiled (default smoothfn)")
    parser.add_argument("--log2n", type=int, default=22)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, args.checkout)

    import torch

    import smoothfn
    from smoothfn.bench.cases import cases
    from smoothfn.bench.harness import make_call, make_params

    torch.set_num_threads(args.threads)
    for name in args.cases.split(","):
        case = cases()[name]
        x = torch.randn(1 << args.log2n, requires_grad=True)
        g = torch.randn(x.shape)
        params = make_params(case, "tensor")
        call = make_call(case, args.provider)
        for _ in range(3):
            call(x, *params).backward(g)
        times = []
        for _ in range(15):
            start = time.perf_counter()
            call(x, *params).backward(g)
            times.append(time.perf_counter() - start)
        where = smoothfn.__file__.rsplit("/smoothfn/", 1)[0]  # the checkout actually imported
        median = statistics.median(times) * 1e3
        print(f"{where} {name} {args.provider} fwd+bwd {median:.2f} ms", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
