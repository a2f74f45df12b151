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

import math
import os

import torch

from smoothfn import ops
from smoothfn.errors import InvalidWidthError, SmoothfnError, UnknownKernelError

KERNEL_NAMES = ("gaussian", "logistic", "cauchy", "laplace", "uniform", "student_t2", "epanechnikov", "triangular")

# E|Y| of each kernel (from the catalog; checked against SymPy in the tests)
_MEAN_ABS = {
    "gaussian": math.sqrt(2 / math.pi),
    "logistic": 2 * math.log(2),
    "cauchy": math.inf,
    "laplace": 1.0,
    "uniform": 0.5,
    "student_t2": 1.0,
    "epanechnikov": 3 / 8,
    "triangular": 1 / 3,
}


_DEFAULT_BACKEND = os.environ.get("SMOOTHFN_BACKEND") or "auto"  # read once, at import


def _backend(backend) -> str:
    """``backend=`` or $SMOOTHFN_BACKEND: "auto", "torch" or "triton" (see the module docstring)."""
    choice = backend or _DEFAULT_BACKEND
    if choice not in ("auto", "torch", "triton"):
        raise SmoothfnError(f"unknown backend {choice!r}; choose 'auto', 'torch' or 'triton'")
    return choice


def _holds(condition) -> bool:
    """Check a tensor condition in eager mode; under torch.compile the check would be a
    data-dependent graph break, so tensors are trusted there (Python numbers were checked
    before they became tensors)."""
    if torch.compiler.is_compiling():
        return True
    return bool(condition())


def _kernel(kernel: str) -> str:
    if kernel not in KERNEL_NAMES:
        raise UnknownKernelError(f"unknown kernel {kernel!r}; choose one of {', '.join(KERNEL_NAMES)}")
    return kernel


def _tensor(value, x: torch.Tensor, name: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        if not value.is_floating_point():
            value = value.to(torch.get_default_dtype())
        return value
    if value is None:
        raise SmoothfnError(f"{name} is required")
    try:
        # Python numbers become tensors of the compute dtype (fp32 for half inputs: 0.3 stays 0.3),
        # filled on the device: torch.tensor(number, device="cuda") would wait for the GPU
        dtype = ops.compute_dtype(x.dtype) if x.is_floating_point() else torch.get_default_dtype()
        return torch.full((), float(value), dtype=dtype, device=x.device)
    except (TypeError, ValueError):
        raise SmoothfnError(f"{name} must be a number or a tensor, got {value!r}") from None


def _cauchy_kinks_width(error: torch.Tensor, slope, distance) -> torch.Tensor:
    r"""The width at which a clamp-like function ∗ cauchy (slope s between two kinks D apart, flat
    outside) has sup error ``error``. The sup is at the kinks, where (derivation.stable, the
    regularized L̃_1)

    .. math::
        f_w - f = \frac{s}{\pi}\Big[D\,\mathrm{acot}\frac{D}{w}
                  + \frac{w}{2}\log\Big(1 + \frac{D^2}{w^2}\Big)\Big],

    which grows from 0 (like w·log(1/w)/π) to s·D/2; solved by bisection in log w, in fp64."""
    slope = torch.as_tensor(slope, dtype=torch.float64, device=error.device)
    target = error.detach().double() / slope * (1 - 1e-9)  # the bisection ends below it
    distance = torch.as_tensor(distance, dtype=torch.float64, device=error.device).detach()
    low = torch.full(torch.broadcast_shapes(target.shape, distance.shape), -60.0, dtype=torch.float64,
                     device=error.device)
    high = torch.full_like(low, 60.0)
    for _ in range(80):  # 120/2^80 in log w
        middle = (low + high) / 2
        w = torch.exp(middle)
        ratio = distance / w
        value = (distance * torch.atan(w / distance) + w / 2 * torch.log1p(ratio * ratio)) / math.pi
        too_wide = value > target
        high, low = torch.where(too_wide, middle, high), torch.where(too_wide, low, middle)
    return torch.exp(low).to(error.dtype)


def _width(width, max_error, x, kernel: str, slope_jump, kink_distance=None) -> torch.Tensor:
    if (width is None) == (max_error is None):
        raise InvalidWidthError("give exactly one of width= and max_error=")
    if max_error is not None:
        if slope_jump is None:
            raise SmoothfnError(
                "max_error= needs a sup error that vanishes with the width; this function jumps "
                "(its sup error tends to half the jump), so give width="
            )
        if isinstance(max_error, torch.Tensor):
            error = _tensor(max_error, x, "max_error")
            positive = _holds(lambda: torch.all(error > 0))
        else:  # a number is checked on the host: no wait for the device
            positive = _number(max_error, "max_error") > 0
            error = _tensor(max_error, x, "max_error")
        if not positive:
            raise SmoothfnError(f"max_error must be > 0, got {max_error!r}")
        if kernel == "cauchy":  # E|Y| = ∞: only the bounded, clamp-like functions converge
            if kink_distance is None:
                raise SmoothfnError("max_error= with the cauchy kernel: only the clamp family converges")
            return _cauchy_kinks_width(error, slope_jump, kink_distance)
        mean_abs = _MEAN_ABS[kernel]
        # sup|f_w − f| ≤ |Δ|·w·E|Y|/2 at each kink (equality for one kink): solve for w
        return error / (torch.as_tensor(slope_jump, dtype=error.dtype, device=error.device) * mean_abs / 2)
    if not isinstance(width, torch.Tensor):  # checked on the host: no wait for the device
        value = _number(width, "width")
        if not (value > 0 and math.isfinite(value)):
            raise InvalidWidthError(f"width must be finite and > 0, got {width!r}")
        return _tensor(value, x, "width")
    w = _tensor(width, x, "width")
    # a tensor width is checked before any kernel runs, at the cost of one device synchronization
    if not _holds(lambda: torch.all(w > 0) & torch.all(torch.isfinite(w))):
        raise InvalidWidthError(f"width must be finite and > 0, got {width!r}")
    return w


def _number(value, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidWidthError(f"{name} must be a positive number, got {value!r}") from None


def _apply(function, kernel, x, width, max_error, backend, slope_jump, *params, kink_distance=None):
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor, got {type(x).__name__}")
    backend = _backend(backend)
    kernel = _kernel(kernel)
    w = _width(width, max_error, x, kernel, slope_jump, kink_distance)
    return ops.smooth(function, kernel, x, w, *params, backend=backend)


def relu(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed ReLU, :math:`(\max(\cdot, 0) * K_w)(x)`; Gaussian: :math:`x\Phi(x/w) + w\varphi(x/w)`."""
    return _apply("relu", kernel, x, width, max_error, backend, 1.0)


def leaky_relu(x, alpha=0.01, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed leaky ReLU :math:`\max(x, \alpha x) * K_w` (for α ≤ 1)."""
    a = _tensor(alpha, x, "alpha")
    return _apply("leaky_relu", kernel, x, width, max_error, backend, torch.abs(1 - a.detach()), a)


def abs(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""Smoothed :math:`|x| * K_w`; Gaussian: :math:`x\,\mathrm{erf}(x/(\sqrt2 w)) + w\sqrt{2/\pi}e^{-x^2/2w^2}`."""
    return _apply("abs", kernel, x, width, max_error, backend, 2.0)


def sign(x, *, width=None, kernel: str = "gaussian", backend=None):
    r"""Smoothed sign, :math:`2F(x/w) - 1` (F the kernel's CDF)."""
    return _apply("sign", kernel, x, width, None, backend, None)


def step(x, *, width=None, kernel: str = "gaussian", backend=None):
    r"""Smoothed Heaviside step, :math:`F(x/w)`."""
    return _apply("step", kernel, x, width, None, backend, None)


def clamp(x, min, max, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A002
    r"""Smoothed :math:`\mathrm{clamp}(x, \min, \max) * K_w` (min < max)."""
    lo, hi = _tensor(min, x, "min"), _tensor(max, x, "max")
    if not _holds(lambda: torch.all(lo < hi)):
        raise SmoothfnError(f"clamp needs min < max, got min={min!r}, max={max!r}")
    return _apply("clamp", kernel, x, width, max_error, backend, 1.0, lo, hi, kink_distance=hi - lo)


def hardtanh(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed hardtanh, clamp(x, −1, 1) ∗ K_w."""
    return _apply("hardtanh", kernel, x, width, max_error, backend, 1.0, kink_distance=2.0)


def relu6(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed ReLU6, clamp(x, 0, 6) ∗ K_w."""
    return _apply("relu6", kernel, x, width, max_error, backend, 1.0, kink_distance=6.0)


def hardsigmoid(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed hard sigmoid, clamp(x/6 + 1/2, 0, 1) ∗ K_w (PyTorch's)."""
    return _apply("hardsigmoid", kernel, x, width, max_error, backend, 1 / 6, kink_distance=6.0)


def max(x, y, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""Smoothed :math:`\max(x, y) = y + \mathrm{relu}_w(x - y)`, smoothed along x - y."""
    y = _check_pair(x, y)
    return _apply("max", kernel, x, width, max_error, backend, 1.0, y)


def min(x, y, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""Smoothed :math:`\min(x, y) = x - \mathrm{relu}_w(x - y)`."""
    y = _check_pair(x, y)
    return _apply("min", kernel, x, width, max_error, backend, 1.0, y)


def _check_pair(x, y):
    if not isinstance(y, torch.Tensor):
        return _tensor(y, x, "y")
    try:
        torch.broadcast_shapes(x.shape, y.shape)
    except RuntimeError:
        raise SmoothfnError(f"max/min: shapes {tuple(x.shape)} and {tuple(y.shape)} do not broadcast") from None
    return y


def sau(x, alpha=0.15, *, width=None, max_error=None, backend=None):
    r"""Exact SAU: leaky ReLU ∗ Gaussian, :math:`\alpha x + (1-\alpha)[x\Phi(x/w) + w\varphi(x/w)]`.

    (The SAU formula in circulation drops the (1 − α) on the Gaussian term.)
    """
    return leaky_relu(x, alpha, width=width, kernel="gaussian", max_error=max_error, backend=backend)


def smu(x, alpha=0.01, mu=2.5):
    r"""SMU (Biswas et al.): :math:`((1+\alpha)x + (1-\alpha)x\,\mathrm{erf}(\mu(1-\alpha)x))/2`.

    Not a positive-kernel smoothing: x·erf(μx) is |x| convolved with a signed kernel, so SMU
    approaches leaky ReLU from below (sup error 0.1201878/μ).
    """
    a, m = _tensor(alpha, x, "alpha"), _tensor(mu, x, "mu")
    return ((1 + a) * x + (1 - a) * x * torch.erf(m * (1 - a) * x)) / 2


def smu1(x, alpha=0.01, mu=4.332461424154261e-09):
    r"""SMU-1: :math:`((1+\alpha)x + \sqrt{((1-\alpha)x)^2 + \mu^2})/2`.

    This is exactly leaky ReLU ∗ student_t2 at width μ/(1 − α), and is computed as such.
    """
    a, m = _tensor(alpha, x, "alpha"), _tensor(mu, x, "mu")
    return leaky_relu(x, a, width=m / (1 - a), kernel="student_t2")


def floor(x, *, width=None, kernel: str = "gaussian", backend=None):
    r"""Smoothed floor, :math:`E\lfloor x - wY\rfloor` (series forms in :mod:`smoothfn.staircase_series`,
    Triton kernels in :mod:`smoothfn.triton_staircase`). Not for the cauchy kernel (divergent)."""
    return _apply("floor", kernel, x, width, None, backend, None)


def round(x, *, width=None, kernel: str = "gaussian", backend=None):  # noqa: A001
    """Smoothed round, floor(x + 1/2) ∗ K_w (see :func:`floor`)."""
    return _apply("round", kernel, x, width, None, backend, None)


__all__ = [
    "relu", "leaky_relu", "abs", "sign", "step", "clamp", "hardtanh", "relu6", "hardsigmoid",
    "max", "min", "sau", "smu", "smu1", "floor", "round",
]
