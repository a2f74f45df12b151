"""``smoothfn demo``: a short tour of what exists, on built-in defaults."""

from __future__ import annotations

import time


def run() -> int:
    import mpmath
    import sympy as sp

    from smoothfn import FUNCTIONS, KERNELS, derive

    print("smoothfn demo: f_w = f ∗ K_w with K_w(u) = k(u/w)/w\n")
    print(f"{len(KERNELS)} kernels: {', '.join(KERNELS)}")
    print(f"{len(FUNCTIONS)} functions: {', '.join(FUNCTIONS)}\n")

    start = time.perf_counter()
    d = derive("relu", "gaussian")
    print("relu ∗ gaussian (derived by SymPy in %.2f s):" % (time.perf_counter() - start))
    print(f"  f_w(x)       = {sp.sstr(d.expr)}")
    print(f"  ∂f_w/∂x      = {sp.sstr(d.dx)}")
    print(f"  ∂f_w/∂w      = {sp.sstr(d.dwidth)}")
    print(f"  sup|f_w - f| = {sp.sstr(d.sup_error)}   (w/√(2π))")
    print(f"  ∫|f_w - f|   = {sp.sstr(d.l1_error)}\n")

    # the exact SAU: leaky ReLU ∗ Gaussian, checked against quadrature of the integral itself
    sau = derive("leaky_relu", "gaussian")
    k = KERNELS["gaussian"].pdf
    alpha, w = 0.15, 0.5
    print("exact SAU = leaky_relu ∗ gaussian (alpha = 0.15, w = 0.5) against mpmath quadrature:")
    for x in (-2.0, -0.3, 0.0, 0.4, 3.0):
        closed = sau.evaluate(x, w, alpha=alpha)
        integrand = lambda u, x=x: (  # noqa: E731
            max(x - w * u, alpha * (x - w * u)) * float(k(u))
        )
        quad = mpmath.quad(integrand, [-mpmath.inf, x / w, mpmath.inf])
        print(f"  x = {x:5.2f}: closed form {float(closed): .15f}  quadrature {float(quad): .15f}")
    print()

    print("error figures at w = 1 (closed form where one exists, else measured):")
    for name in ("relu", "abs", "hardtanh", "sign", "floor"):
        for kernel in ("gaussian", "logistic", "uniform"):
            dd = derive(name, kernel)
            kind = "closed" if dd.sup_error is not None else "measured"
            print(f"  {name:9s} ∗ {kernel:9s}: sup error {dd.sup_error_at(1.0):.6f} ({kind})"
                  + ("" if dd.sup_error_vanishes else "  — does not vanish as w → 0 (jumps)"))
    print()

    print("refusals are errors, never silent numbers:")
    for f, kernel in (("relu", "cauchy"), ("hardswish", "logistic"), ("relu", "bogus")):
        try:
            derive(f, kernel)
        except ValueError as error:
            print(f"  derive({f!r}, {kernel!r}): {type(error).__name__}: {error}")
    import torch

    import smoothfn.functional as F

    print("\nthe generated torch twin, with autograd (smoothfn.functional):")
    x = torch.linspace(-2, 2, 5, dtype=torch.float64, requires_grad=True)
    width = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    y = F.sau(x, 0.15, width=width)
    y.sum().backward()
    print(f"  sau(x, 0.15, width=0.5) at x = {x.tolist()}:")
    print(f"    values {[round(v, 6) for v in y.tolist()]}")
    print(f"    d/dx   {[round(v, 6) for v in x.grad.tolist()]}   d/dwidth (summed) {width.grad.item():.6f}")
    device = "cuda" if torch.cuda.is_available() else None
    if device is not None:
        xs = torch.randn(1 << 20, device=device)
        gap = (F.sau(xs, 0.15, width=0.5) - F.sau(xs, 0.15, width=0.5, backend="torch")).abs().max().item()
        print(f"  on {torch.cuda.get_device_name()}: Triton kernels vs torch twin, 2^20 fp32, max |Δ| = {gap:.2e}")
    else:
        print("  (no CUDA device here: the Triton kernels run on GPUs; tests run them in Triton's interpreter)")
    print("\nEvery document: `smoothfn derive --all` writes derivations/; `smoothfn generate` the twin and the")
    print("Triton kernels (smoothfn/generated/, smoothfn/generated/triton/).")
    return 0
