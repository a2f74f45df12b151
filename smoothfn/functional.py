r"""Smoothed activations and non-smooth operations, f_w = f ∗ K_w with K_w(u) = k(u/w)/w.

Every function takes ``width`` (w > 0) and ``kernel`` (a name from ``smoothfn.KERNELS``) as
keywords. ``width`` and the parameters (``alpha``, ``min``, ``max``, ``y``…) may be Python
numbers or tensors (0-dim or broadcastable, e.g. per channel); tensors that require grad get
gradients. Where the sup error is finite and vanishes with w, ``max_error=`` may replace
``width``: the width is then chosen so that sup|f_w − f| ≤ max_error.

This module imports neither SymPy nor the code generator: it runs the generated code.
``backend=`` (or $SMOOTHFN_BACKEND) picks "auto" (Triton kernels for eager CUDA tensors, the
torch twin on the CPU and under ``torch.compile``), "torch" (always the twin) or "triton" (always
the kernels: CUDA tensors, or CPU tensors under ``TRITON_INTERPRET=1``; an error elsewhere).
"""

from __future__ import annotations

import torch

from smoothfn import generated
from smoothfn.api.arguments import (
    as_input,
    as_parameter,
    backend_choice,
    check_shapes,
    checked,
    kernel_name,
    resolve_width,
)
from smoothfn.errors import SmoothfnError
from smoothfn.ops import autograd as ops
from smoothfn.ops import smu as smu_formulas
from smoothfn.runtime.pairs import catalog_pair

# the user's names of the catalog's parameters (smoothfn.generated.PARAMETERS), where they differ:
# clamp's bounds are lo, hi in the catalog and the generated code
USER_NAMES = {
    "clamp": ("min", "max"),  # torch.clamp's
    "hardtanh": ("min_val", "max_val"),  # torch.nn.functional.hardtanh's (the catalog's clamp)
}


def _apply(function, kernel, x, width, max_error, backend, *values, names=None):
    """f_w(x) for a catalog ``function``; ``values``: its parameters in the order of
    ``generated.PARAMETERS[function]``, called ``names`` by the user (default: the catalog's)."""
    x = as_input(x)
    backend = backend_choice(backend)
    pair = catalog_pair(function, kernel_name(kernel))  # a divergent pair is refused here
    names = names or generated.PARAMETERS[function]
    params = [as_parameter(value, x, name) for name, value in zip(names, values)]
    check_shapes(x, [*zip(names, params), ("width", width), ("max_error", max_error)])
    if function == "clamp":
        low = params[0]
        params[1] = checked(params[1], lambda high: low < high, lambda: SmoothfnError(
            f"clamp needs {names[0]} < {names[1]}, got {names[0]}={low!r}, {names[1]}={params[1]!r}"))
    w = resolve_width(width, max_error, x, kernel, function, params, generated.KINKS.get(function),
                      generated.NO_MAX_ERROR.get(function))
    return ops.apply(pair, x, w, *params, backend=backend)


def relu(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed ReLU, :math:`(\max(\cdot, 0) * K_w)(x)`; Gaussian: :math:`x\Phi(x/w) + w\varphi(x/w)`."""
    return _apply("relu", kernel, x, width, max_error, backend)


def leaky_relu(x, alpha=0.01, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed leaky ReLU :math:`\max(x, \alpha x) * K_w` (for α ≤ 1)."""
    return _apply("leaky_relu", kernel, x, width, max_error, backend, alpha)


def abs(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""Smoothed :math:`|x| * K_w`; Gaussian: :math:`x\,\mathrm{erf}(x/(\sqrt2 w)) + w\sqrt{2/\pi}e^{-x^2/2w^2}`."""
    return _apply("abs", kernel, x, width, max_error, backend)


def sign(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed sign, :math:`2F(x/w) - 1` (F the kernel's CDF). ``max_error=`` is refused: the sup
    error of a smoothed jump is half the jump at every width."""
    return _apply("sign", kernel, x, width, max_error, backend)


def step(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed Heaviside step, :math:`F(x/w)` (``max_error=`` refused, as for :func:`sign`)."""
    return _apply("step", kernel, x, width, max_error, backend)


def clamp(x, min, max, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A002
    r"""Smoothed :math:`\mathrm{clamp}(x, \min, \max) * K_w` (min < max)."""
    return _apply("clamp", kernel, x, width, max_error, backend, min, max, names=USER_NAMES["clamp"])


def hardtanh(x, min_val=-1.0, max_val=1.0, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed hardtanh, clamp(x, min_val, max_val) ∗ K_w (torch.nn.functional.hardtanh's
    arguments; floats or tensors, which get gradients)."""
    if type(min_val) in (int, float) and type(max_val) in (int, float) and (min_val, max_val) == (-1, 1):
        return _apply("hardtanh", kernel, x, width, max_error, backend)
    return _apply("clamp", kernel, x, width, max_error, backend, min_val, max_val, names=USER_NAMES["hardtanh"])


def relu6(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed ReLU6, clamp(x, 0, 6) ∗ K_w."""
    return _apply("relu6", kernel, x, width, max_error, backend)


def hardsigmoid(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed hard sigmoid, clamp(x/6 + 1/2, 0, 1) ∗ K_w (PyTorch's)."""
    return _apply("hardsigmoid", kernel, x, width, max_error, backend)


def hardswish(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed hard swish, x·relu6(x + 3)/6 ∗ K_w (PyTorch's). Not for the logistic kernel (its
    closed form needs the dilogarithm) nor cauchy (divergent); ``max_error=`` is refused (the
    middle piece is quadratic)."""
    return _apply("hardswish", kernel, x, width, max_error, backend)


def max(x, y, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""Smoothed :math:`\max(x, y) = y + \mathrm{relu}_w(x - y)`, smoothed along x - y."""
    return _apply("max", kernel, x, width, max_error, backend, y)


def min(x, y, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""Smoothed :math:`\min(x, y) = x - \mathrm{relu}_w(x - y)`."""
    return _apply("min", kernel, x, width, max_error, backend, y)


def sau(x, alpha=0.15, *, width=None, max_error=None, backend=None):
    r"""Exact SAU: leaky ReLU ∗ Gaussian, :math:`\alpha x + (1-\alpha)[x\Phi(x/w) + w\varphi(x/w)]`.

    (The SAU formula in circulation drops the (1 − α) on the Gaussian term.)
    """
    return leaky_relu(x, alpha, width=width, kernel="gaussian", max_error=max_error, backend=backend)


def _formula(function, parts, x, alpha, mu):
    """smu/smu1 with checked arguments: ``function`` the autograd.Function, ``parts`` its formula."""
    x = as_input(x)
    a, m = as_parameter(alpha, x, "alpha"), as_parameter(mu, x, "mu")
    check_shapes(x, [("alpha", a), ("mu", m)])
    # a Python number was checked by _tensor; a tensor μ here
    if isinstance(mu, torch.Tensor):
        m = checked(m, torch.isfinite, lambda: SmoothfnError(f"mu must be a finite number, got {mu!r}"))
    if torch.is_grad_enabled() and any(t.requires_grad for t in (x, a, m)):
        return function.apply(x, a, m)
    return smu_formulas.evaluate(parts, x, a, m)  # no autograd node (and no Dynamo trace of one) to build


def smu(x, alpha=0.01, mu=2.5):
    r"""SMU (Biswas et al.): :math:`((1+\alpha)x + (1-\alpha)x\,\mathrm{erf}(\mu(1-\alpha)x))/2`.

    Not a positive-kernel smoothing: x·erf(μx) is |x| convolved with a signed kernel, so SMU
    approaches leaky ReLU from below (sup error 0.1201878/μ). Computed in fp32 for half inputs,
    with erfc in place of 1 + erf left of 0 (no cancellation), exact limits at ±∞ (αx and x)
    and closed-form gradients for x, ``alpha`` and ``mu`` (floats or tensors).
    """
    return _formula(smu_formulas.SMU, smu_formulas.smu_parts, x, alpha, mu)


def smu1(x, alpha=0.01, mu=4.332461424154261e-09):
    r"""SMU-1: :math:`((1+\alpha)x + \sqrt{((1-\alpha)x)^2 + \mu^2})/2`.

    For α < 1 this is exactly leaky ReLU ∗ student_t2 at width |μ|/(1 − α) (SMU-1 is a
    positive-kernel smoothing; for α > 1 the formula is no such smoothing, as leaky ReLU's own
    catalog entry takes α ≤ 1); ``mu`` may be any finite number (only μ² enters; μ = 0 is leaky ReLU itself).
    Computed from the formula in fp32 for half inputs, as 2αx + μ²/(√(…) − (1 − α)x) left of
    0 (no cancellation), exact at ±∞, with closed-form gradients (finite at μ = 0).
    """
    return _formula(smu_formulas.SMU1, smu_formulas.smu1_parts, x, alpha, mu)


def floor(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed floor, :math:`E\lfloor x - wY\rfloor` (series forms in :mod:`smoothfn.runtime.staircase`,
    Triton kernels in :mod:`smoothfn.gpu.staircase`). Not for the cauchy kernel (divergent);
    ``max_error=`` is refused (a jump: see :func:`sign`)."""
    return _apply("floor", kernel, x, width, max_error, backend)


def round(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    """Smoothed round, floor(x + 1/2) ∗ K_w (see :func:`floor`)."""
    return _apply("round", kernel, x, width, max_error, backend)


__all__ = [
    "relu", "leaky_relu", "abs", "sign", "step", "clamp", "hardtanh", "relu6", "hardsigmoid",
    "hardswish", "max", "min", "sau", "smu", "smu1", "floor", "round",
]
