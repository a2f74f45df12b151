"""Largest forward and backward error per dtype, of the Triton kernels and of the torch twin,
against the fp64 twin (itself within 1e-11 of the mpmath closed form: tests/test_torch_twin.py).

    python benchmarks/kernel_errors.py [--points 997] [--kernel gaussian] [--function hardswish] [--no-staircases]
                                       [--out benchmarks/results_kernel_errors.txt]

Every pair (the 89 generated ones and the 14 floor/round series) at widths 1e-3, 0.7 and 25,
x = w·linspace(−60, 60, points) + 0.3 (deep into the tails), and around every kink c (the
function's breakpoints at the parameters below; for floor/round the jumps at −1, 0, 1, shifted)
x = c + w·linspace(−8, 8, 161): at a small width the first grid reaches no kink but the one near
0.3 (hardswish ∗ laplace fp32 at x = −2.99928, w = 1e-3 was 3.7e-4 off, unseen by it). Width and
parameters are given per element so that every gradient is elementwise. Without a GPU the kernels
run in Triton's interpreter (TRITON_INTERPRET=1, set here), which computes as a GPU would except
for the hardware's own exp2/division (tests/test_triton_math.py covers those on a GPU).

Errors are measured against the natural scale of each output:
  value          |f_w − ref| / (|ref| + w)
  ∂/∂x, ∂/∂w, ∂/∂params   |g − ref| / (|ref| + 1)
The reference takes the inputs as each dtype holds them (x rounded to the dtype, w and the
parameters to its compute dtype), so that the figures are the kernels' errors, not the inputs'
rounding. fp16/bf16 are computed in fp32 and rounded once: about half an ulp of the dtype
(4.9e-4 for fp16, 3.9e-3 for bf16) relative to the output. Triton's interpreter (3.9) truncates
fp32 → bf16 where a GPU rounds to nearest (cvt.rn, checked in the PTX by tests/triton_aot.py), so
its bf16 figure can reach one ulp (7.8e-3).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TRITON_INTERPRET", "1")  # before triton is imported

import torch  # noqa: E402

from smoothfn.generated import AVAILABLE  # noqa: E402
from smoothfn.ops import autograd as ops  # noqa: E402
from smoothfn.runtime.dtypes import compute_dtype  # noqa: E402
from smoothfn.runtime.pairs import catalog_pair  # noqa: E402
from smoothfn.runtime.staircase import TWINS as STAIRCASES  # noqa: E402 (floor/round series)

PARAMS = {"alpha": 0.15, "lo": -0.7, "hi": 1.3, "y": 0.4}
DTYPES = {"fp64": torch.float64, "fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
WIDTHS = (1e-3, 0.7, 25.0)


def run(module, backend, x, w, params):
    """(value, gradients of x, w and every parameter) through SmoothFunction on one backend."""
    leaves = [t.detach().clone().requires_grad_() for t in (x, w, *params)]
    value = ops.SmoothFunction.apply(module, backend, *leaves)
    grads = torch.autograd.grad(value, leaves, torch.ones_like(value))
    return value.detach().double(), [g.double() for g in grads]


def inputs(module, xs, w, dtype):
    compute = compute_dtype(dtype)
    x = xs.to(dtype)
    return x, torch.full(x.shape, w, dtype=compute), [torch.full(x.shape, PARAMS[n], dtype=compute)
                                                      for n in module.parameters]


def kinks(function: str) -> list[float]:
    """The kinks of ``function`` at PARAMS (for floor/round the jumps at −1, 0, 1)."""
    from smoothfn.catalog.functions import FUNCTIONS  # SymPy, for the breakpoints

    f = FUNCTIONS[function]
    if f.is_staircase:
        return [j - float(f.staircase_shift) for j in (-1, 0, 1)]
    return [float(c.subs({f.params[n]: PARAMS[n] for n in f.params})) for c in f.breakpoints]


def grid(function: str, points: int, w: float) -> torch.Tensor:
    around = torch.linspace(-8, 8, 161, dtype=torch.float64) * w
    return torch.cat([torch.linspace(-60, 60, points, dtype=torch.float64) * w + 0.3,
                      *(c + around for c in kinks(function))])


def largest_errors(points: int, pairs):
    """{(dtype, backend): {"value": (error, pair, w), "gradient": (error, pair, w, name)}}."""
    worst = {}
    for f, k in pairs:
        m = catalog_pair(f, k)
        for w in WIDTHS:
            xs = grid(f, points, w)
            for dtype_name, dtype in DTYPES.items():
                # the reference at the inputs as the dtype holds them: the kernel's error, not the input's rounding
                x, wt, params = inputs(m, xs, w, dtype)
                ref, ref_grads = run(m, "torch", x.double(), wt.double(), [p.double() for p in params])
                for backend in ("triton", "torch"):
                    if dtype == torch.float64 and backend == "torch":
                        continue  # the reference itself
                    value, grads = run(m, backend, x, wt, params)
                    entry = worst.setdefault((dtype_name, backend), {"value": (0.0,), "gradient": (0.0,)})
                    error = float(((value - ref).abs() / (ref.abs() + w)).max())
                    if not error <= entry["value"][0]:
                        entry["value"] = (error, f"{f} ∗ {k}", w)
                    for name, g, r in zip(["x", "w", *m.parameters], grads, ref_grads):
                        error = float(((g - r).abs() / (r.abs() + 1)).max())
                        if not error <= entry["gradient"][0]:
                            entry["gradient"] = (error, f"{f} ∗ {k}", w, name)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=997)
    parser.add_argument("--out", default=None)
    parser.add_argument("--kernel", default=None, help="only the pairs with this kernel")
    parser.add_argument("--function", default=None, help="only the pairs with this function")
    parser.add_argument("--no-staircases", action="store_true", help="only the 89 generated pairs, not floor/round")
    args = parser.parse_args()
    start = time.perf_counter()
    pairs = [(f, k) for f, k in [*AVAILABLE, *([] if args.no_staircases else STAIRCASES)]
             if args.kernel in (None, k) and args.function in (None, f)]
    worst = largest_errors(args.points, pairs)
    kernel = f" with the {args.kernel} kernel" if args.kernel else ""
    function = f" of {args.function}" if args.function else ""
    lines = [f"largest error against the fp64 twin, {len(pairs)} pairs{function}{kernel}, widths {WIDTHS}, "
             f"{args.points} points each and 161 around every kink; torch {torch.__version__}, Triton "
             f"{'interpreter' if os.environ.get('TRITON_INTERPRET') == '1' else 'on ' + torch.cuda.get_device_name()}",
             f"{'dtype':5s} {'backend':7s} {'value':>9s}  {'where':32s} {'gradient':>9s}  where"]
    for (dtype, backend), e in sorted(worst.items(), key=lambda item: (list(DTYPES).index(item[0][0]), item[0][1])):
        v, g = e["value"], e["gradient"]
        where_v = f"{v[1]}, w={v[2]}" if len(v) > 1 else "-"
        where_g = f"{g[1]}, w={g[2]}, ∂/∂{g[3]}" if len(g) > 1 else "-"
        lines.append(f"{dtype:5s} {backend:7s} {v[0]:9.2e}  {where_v:32s} {g[0]:9.2e}  {where_g}")
    lines.append(f"({time.perf_counter() - start:.0f} s)")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)


if __name__ == "__main__":
    sys.exit(main())
