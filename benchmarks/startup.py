"""Start-up costs and per-call overhead (issue 17, items 4 and 5); each figure in a fresh process.

    python benchmarks/startup.py [--derive-all]     # → benchmarks/results_startup.txt (by hand)

* import time of ``smoothfn`` and of ``smoothfn.functional`` (after torch);
* first call of a generated pair (sau: imports its module) against its second call;
* ``smoothfn.compile`` on a user function (cold cache: derivation and code generation; warm cache);
* per-call time at 2^10 elements, forward+backward with tensor parameters: smoothfn, the plain
  formula, F.gelu; and a cProfile of the smoothfn calls (what dominates);
* with ``--derive-all``: ``smoothfn derive --all`` into a temporary folder (the whole catalog).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh(code: str, env_extra: dict | None = None) -> str:
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


IMPORTS = """
import time
t = time.perf_counter(); import torch; t_torch = time.perf_counter() - t
t = time.perf_counter(); import smoothfn; t_pkg = time.perf_counter() - t
t = time.perf_counter(); import smoothfn.functional as F; t_fn = time.perf_counter() - t
x = torch.randn(1024, requires_grad=True)
t = time.perf_counter(); F.sau(x, 0.15, width=0.5).sum().backward(); first = time.perf_counter() - t
t = time.perf_counter(); F.sau(x, 0.15, width=0.5).sum().backward(); second = time.perf_counter() - t
import sys
print(f"import torch {t_torch*1e3:.0f} ms; import smoothfn {t_pkg*1e3:.1f} ms; "
      f"import smoothfn.functional after torch {t_fn*1e3:.1f} ms; sympy loaded: {'sympy' in sys.modules}")
print(f"first call of sau (imports leaky_relu_gaussian), fwd+bwd at 2^10: {first*1e3:.1f} ms; second {second*1e3:.2f} ms")
"""

COMPILE = """
import time, sympy as sp, torch, smoothfn
x = sp.Symbol("x", real=True)
expr = sp.Piecewise((0, x < -1), (x + 1, x < 0), (1 - x / 2, x < 2), (0, True))  # a tent, not in the catalog
t = time.perf_counter(); f = smoothfn.compile(expr, "gaussian"); made = time.perf_counter() - t
xs = torch.randn(1024, requires_grad=True)
t = time.perf_counter(); f(xs, width=0.3).sum().backward(); first = time.perf_counter() - t
print(f"smoothfn.compile (LABEL) {made:.2f} s, its first call {first*1e3:.1f} ms")
"""

OVERHEAD = """
import cProfile, io, math, pstats, statistics, time, torch
import torch.nn.functional as TF
import smoothfn.functional as F
torch.set_num_threads(1)
x = torch.randn(1024, requires_grad=True); g = torch.randn(1024)
a = torch.tensor(0.15, requires_grad=True); w = torch.tensor(0.5, requires_grad=True)
def plain(x, a, w):
    z = x / w
    return a * x + (1 - a) * (x * (0.5 * (1 + torch.erf(z * math.sqrt(0.5)))) + w * (torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)))
calls = {"smoothfn F.sau": lambda: F.sau(x, a, width=w), "plain formula": lambda: plain(x, a, w),
         "F.gelu": lambda: TF.gelu(x)}
def sample(call, mode, n=200):
    t = time.perf_counter()
    for _ in range(n):
        y = call()
        if mode == "full":
            y.backward(g)
    return (time.perf_counter() - t) / n
for call in calls.values():
    sample(call, "full", 20)
for mode in ("forward", "full"):
    times = {k: [] for k in calls}
    for _ in range(15):
        for k, call in calls.items():
            times[k].append(sample(call, mode))
    print(mode + ": " + ", ".join(f"{k} {statistics.median(v)*1e6:.0f} us" for k, v in times.items()))
profile = cProfile.Profile()
profile.enable()
for _ in range(2000):
    F.sau(x, a, width=w).backward(g)
profile.disable()
out = io.StringIO()
pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(14)
print("cProfile of 2000 F.sau forward+backward calls at 2^10 (tottime = own time):")
print("\\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--derive-all", action="store_true", help="also time `smoothfn derive --all`")
    args = parser.parse_args()
    print(fresh(IMPORTS))
    with tempfile.TemporaryDirectory() as cache:
        code = COMPILE.replace("LABEL", "cold cache")
        print(fresh(code, {"SMOOTHFN_CACHE": cache}))
        print(fresh(COMPILE.replace("LABEL", "warm cache"), {"SMOOTHFN_CACHE": cache}))
    print(fresh(OVERHEAD))
    if args.derive_all:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "smoothfn", "derive", "--all", "--out", out], check=True,
                           capture_output=True, env={"PYTHONPATH": str(ROOT), **__import__("os").environ})
            print(f"smoothfn derive --all (every pair of the catalog): {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
