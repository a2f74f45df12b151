"""CPU benchmark: sau (leaky_relu ∗ gaussian) forward+backward against the plain formula.

    python benchmarks/bench_cpu_sau.py [--log2n 24] [--repeats 5]

Providers, all measured side by side in one run (medians of --repeats after one warm-up):
  plain-eager     the formula αx + (1−α)[xΦ(x/w) + wφ(x/w)] in eager torch with autograd
  smoothfn-eager  smoothfn.functional.sau (torch twin in cache-sized slices, closed-form backward)
  smoothfn-eager-cached  the same with SMOOTHFN_EAGER_COMPILE=1 (a cached compiled twin)
  plain-compiled  the formula under torch.compile
  smoothfn-compiled  smoothfn.functional.sau under torch.compile(fullgraph=True)
Peak memory is the growth of the process's resident-set high-water mark (ru_maxrss) over the
warm-up and the measured calls, beyond the input and the imports; each provider runs in its own
subprocess so that the high-water marks do not mix.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time


def plain_sau(x, alpha, w):
    phi = torch.exp(-0.5 * (x / w) ** 2) / math.sqrt(2 * math.pi)
    Phi = 0.5 * (1 + torch.erf(x / (w * math.sqrt(2))))
    return alpha * x + (1 - alpha) * (x * Phi + w * phi)


def run_one(provider: str, log2n: int, repeats: int) -> dict:
    import resource

    import smoothfn.functional as F

    torch.manual_seed(0)
    x = torch.randn(2**log2n, requires_grad=True)
    alpha, w = 0.15, 0.5
    if provider.startswith("plain"):
        fn = lambda x: plain_sau(x, alpha, w)  # noqa: E731
    else:
        fn = lambda x: F.sau(x, alpha, width=w)  # noqa: E731
    if provider.endswith("compiled"):
        fn = torch.compile(fn, fullgraph=provider.startswith("smoothfn"))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    fn(x).sum().backward()  # warm-up (compiles)
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        x.grad = None
        start = time.perf_counter()
        fn(x).sum().backward()
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    return {"provider": provider, "median_s": statistics.median(times), "first_call_s": first,
            "peak_rss_growth_mb": peak / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log2n", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--provider", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.provider:
        print(json.dumps(run_one(args.provider, args.log2n, args.repeats)))
        return
    rows = []
    providers = ("plain-eager", "smoothfn-eager", "smoothfn-eager-cached", "plain-compiled", "smoothfn-compiled")
    for provider in providers:
        env = {**os.environ, "SMOOTHFN_EAGER_COMPILE": "1" if provider.endswith("cached") else "0"}
        out = subprocess.run(
            [sys.executable, __file__, "--provider", provider, "--log2n", str(args.log2n),
             "--repeats", str(args.repeats)], capture_output=True, text=True, check=True, env=env,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"sau forward+backward, 2^{args.log2n} fp32 elements, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print(f"{'provider':20s} {'median s':>9s} {'first call s':>13s} {'peak RSS +MB':>13s}")
    for r in rows:
        print(f"{r['provider']:20s} {r['median_s']:9.3f} {r['first_call_s']:13.2f} {r['peak_rss_growth_mb']:13.0f}")
    base = {r["provider"]: r for r in rows}
    eager = base["smoothfn-eager"]["median_s"] / base["plain-eager"]["median_s"]
    cached = base["smoothfn-eager-cached"]["median_s"] / base["plain-eager"]["median_s"]
    memory = base["smoothfn-eager"]["peak_rss_growth_mb"] / base["plain-eager"]["peak_rss_growth_mb"]
    print(f"eager ratio (smoothfn / plain): time {eager:.2f}, peak memory {memory:.2f}; "
          f"with the cached compiled twin: time {cached:.2f}")
    print(f"compiled ratio (smoothfn / plain): time "
          f"{base['smoothfn-compiled']['median_s'] / base['plain-compiled']['median_s']:.2f}")


import torch  # noqa: E402 (after the docstring and helpers, before main)

if __name__ == "__main__":
    main()
