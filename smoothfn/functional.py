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

import builtins
import math
import os

import torch

from smoothfn.errors import InvalidWidthError, SmoothfnError, UnknownKernelError
from smoothfn.ops import autograd as ops
from smoothfn.ops import smu as smu_formulas
from smoothfn.runtime.shapes import broadcast_shape

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


_BACKENDS = ("auto", "torch", "triton")


def _backend(backend) -> str:
    """``backend=``, else $SMOOTHFN_BACKEND read at each call, else "auto" (see the module docstring)."""
    if backend:
        if backend not in _BACKENDS:
            raise SmoothfnError(f"unknown backend {backend!r}; choose 'auto', 'torch' or 'triton'")
        return backend
    if torch.compiler.is_compiling():  # traced calls run the twin whatever the choice (ops.use_triton)
        return "auto"
    choice = os.environ.get("SMOOTHFN_BACKEND") or "auto"
    if choice not in _BACKENDS:
        raise SmoothfnError(
            f"the environment variable SMOOTHFN_BACKEND is {choice!r}; set it to 'auto', 'torch' or "
            "'triton', or unset it"
        )
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


def _input(x) -> torch.Tensor:
    """x as a floating tensor: integer and bool tensors are promoted to the default dtype (as
    ``torch.erf`` does)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor, got {type(x).__name__}")
    if x.is_complex():
        raise SmoothfnError(f"x must be a real tensor, got {x.dtype}")
    if not x.is_floating_point():
        return x.to(torch.get_default_dtype())
    return x


def _tensor(value, x: torch.Tensor, name: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise SmoothfnError(f"{name} must be a real tensor, got {value.dtype}")
        if not value.is_floating_point():
            value = value.to(torch.get_default_dtype())
        return value
    if value is None:
        raise SmoothfnError(f"{name} is required")
    # Python numbers become tensors of the compute dtype (fp32 for half inputs: 0.3 stays 0.3),
    # filled on the device: torch.tensor(number, device="cuda") would wait for the GPU
    dtype = ops.compute_dtype(x.dtype)
    if isinstance(value, (str, bytes, bool)):
        raise SmoothfnError(f"{name} must be a number or a tensor, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SmoothfnError(f"{name} must be a number or a tensor, got {value!r}") from None
    if not _finite(number):  # a NaN or infinite α, y, min or max gives NaN somewhere: refused
        raise SmoothfnError(f"{name} must be a finite number, got {_shown(value)}")
    if builtins.abs(number) > torch.finfo(dtype).max:
        raise SmoothfnError(
            f"{name}={_shown(value)} overflows {dtype}, the dtype of the computation for {x.dtype} inputs"
        )
    return torch.full((), number, dtype=dtype, device=x.device)


def _check_shapes(x: torch.Tensor, named: list[tuple[str, object]]) -> None:
    """A clear error, before any kernel runs, when a tensor argument does not broadcast with x."""
    broadcast_shape(("x", x.shape), *((n, v.shape) for n, v in named if isinstance(v, torch.Tensor)))


def _width_range(x: torch.Tensor) -> tuple[float, float, torch.dtype]:
    """The widths the kernels take: those whose square and inverse square are normal numbers of
    the compute dtype (fp32 about 1.1e-19 to 1.8e19, fp64 1.5e-154 to 1.3e154). The closed forms
    use w², (x/w)² and 1/w²; beyond, 0·∞ turns up in gradients (floor ∗ laplace at w = 3e38 in
    fp32, floor ∗ gaussian at 1.2e-38)."""
    dtype = ops.compute_dtype(x.dtype)
    info = torch.finfo(dtype)
    return math.sqrt(info.tiny), math.sqrt(info.max), dtype


def _cauchy_kinks_width(error: torch.Tensor, slope, distance) -> torch.Tensor:
    r"""The width at which a clamp-like function ∗ cauchy (slope s between two kinks D apart, flat
    outside) has sup error ``error`` (in fp64). The sup is at the kinks, where (derivation.stable,
    the regularized L̃_1)

    .. math::
        f_w - f = \frac{s}{\pi}\Big[D\,\mathrm{acot}\frac{D}{w}
                  + \frac{w}{2}\log\Big(1 + \frac{D^2}{w^2}\Big)\Big],

    which grows from 0 (like w·log(1/w)/π) to s·D/2; solved by bisection in log w, in fp64."""
    slope = torch.as_tensor(slope, dtype=torch.float64, device=error.device)
    target = error / slope * (1 - 1e-9)  # the bisection ends below it
    distance = torch.as_tensor(distance, dtype=torch.float64, device=error.device).detach()
    shape = broadcast_shape(("max_error", target.shape), ("the distance between the kinks", distance.shape))
    # log w over the fp64 range (the caller refuses what the compute dtype cannot take)
    low = torch.full(shape, -700.0, dtype=torch.float64, device=error.device)
    high = torch.full_like(low, 700.0)
    for _ in range(90):  # 1400/2^90 in log w
        middle = (low + high) / 2
        w = torch.exp(middle)
        ratio = distance / w
        # log(1 + ratio²) as 2·log(ratio) where ratio² would overflow
        log_term = torch.where(ratio > 1e150, 2 * torch.log(ratio), torch.log1p(ratio * ratio))
        value = (distance * torch.atan(w / distance) + w / 2 * log_term) / math.pi
        too_wide = value > target.detach()
        high, low = torch.where(too_wide, middle, high), torch.where(too_wide, low, middle)
    return torch.exp(low)


def _jump_refusal(function: str) -> SmoothfnError:
    return SmoothfnError(
        f"max_error= is not available for {function}: it jumps, and the sup error of a smoothed jump "
        f"is half the jump at every width (it does not vanish as the width shrinks); give width= instead"
    )


def _error_width(max_error, x, kernel: str, slope_jump, kink_distance) -> torch.Tensor:
    """The width at which sup|f_w − f| = max_error: computed in fp64, capped at the largest width
    the kernels take (a zero slope jump is a linear function, exact at every width; a smaller width
    only lowers the error), refused below the smallest (see _width_range)."""
    tiny, cap, dtype = _width_range(x)
    if isinstance(max_error, torch.Tensor):
        error = _tensor(max_error, x, "max_error")
        if not _holds(lambda: torch.all(torch.isfinite(error) & (error > 0))):
            raise SmoothfnError(f"max_error must be finite and > 0, got {max_error!r}")
        error = error.to(torch.float64)
        number = None
    else:  # a number is checked on the host: no wait for the device
        number = _number(max_error, "max_error")
        if not (number > 0 and _finite(number)):
            raise SmoothfnError(f"max_error must be finite and > 0, got {_shown(max_error)}")
        error = torch.full((), number, dtype=torch.float64, device=x.device)
    if kernel == "cauchy":  # E|Y| = ∞: only the bounded, clamp-like functions converge
        if kink_distance is None:
            raise SmoothfnError("max_error= with the cauchy kernel: only the clamp family converges")
        w = torch.clamp(_cauchy_kinks_width(error, slope_jump, kink_distance), max=cap)  # wider only lowers it
        if not _holds(lambda: torch.all(w >= tiny)):
            raise SmoothfnError(
                f"max_error={_shown(max_error)} needs a width below {tiny:g}, the smallest {dtype} takes"
            )
        return w.to(dtype)
    half_mean_abs = _MEAN_ABS[kernel] / 2
    if number is not None and not isinstance(slope_jump, torch.Tensor):  # all on the host
        jump = float(slope_jump) * half_mean_abs
        value = builtins.min(number / jump, cap) if jump > 0 else cap
        if value < tiny:
            raise SmoothfnError(
                f"max_error={_shown(max_error)} needs a width below {tiny:g}, the smallest {dtype} takes"
            )
        return _tensor(value, x, "width")
    # sup|f_w − f| ≤ |Δ|·w·E|Y|/2 at each kink (equality for one kink): solve for w
    jump = torch.as_tensor(slope_jump, dtype=torch.float64, device=x.device) * half_mean_abs
    w = torch.clamp(error / jump, max=cap)  # error / 0 = ∞ → the cap
    if not _holds(lambda: torch.all(w >= tiny)):
        raise SmoothfnError(f"max_error={max_error!r} needs a width below {tiny:g}, the smallest {dtype} takes")
    return w.to(dtype)


def _width(width, max_error, x, kernel: str, slope_jump, kink_distance=None, function: str = "") -> torch.Tensor:
    if (width is None) == (max_error is None):
        raise InvalidWidthError("give exactly one of width= and max_error=")
    if max_error is not None:
        if slope_jump is None:
            raise _jump_refusal(function or "this function")
        return _error_width(max_error, x, kernel, slope_jump, kink_distance)
    tiny, big, dtype = _width_range(x)
    if not isinstance(width, torch.Tensor):  # checked on the host: no wait for the device
        value = _number(width, "width")
        if not (value > 0 and _finite(value)):
            raise InvalidWidthError(f"width must be finite and > 0, got {_shown(width)}")
        if not tiny <= value <= big:
            raise InvalidWidthError(
                f"width={_shown(width)} is outside {tiny:g} to {big:g}, the widths whose squares are normal numbers "
                f"of {dtype}, the dtype the kernels compute in for {x.dtype} inputs"
            )
        return _tensor(value, x, "width")
    w = _tensor(width, x, "width")
    # a tensor width is checked before any kernel runs, at the cost of one device synchronization
    if not _holds(lambda: torch.all((w >= tiny) & (w <= big))):  # NaN fails both
        raise InvalidWidthError(
            f"width must be finite and > 0 (within {tiny:g} to {big:g}, the widths whose squares are "
            f"normal numbers of {dtype}), "
            f"got {width!r}"
        )
    return w


def _number(value, name: str) -> float:
    if isinstance(value, (str, bytes, bool)):  # float("0.3") and float(True) would pass
        raise InvalidWidthError(f"{name} must be a positive number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidWidthError(f"{name} must be a positive number, got {value!r}") from None


def _shown(value) -> str:
    """repr(value) for an error message; a float that torch.compile traces symbolically has no value
    to show while tracing (formatting it is a graph break), the message names it instead."""
    return "a number traced by torch.compile" if torch.compiler.is_compiling() else repr(value)


def _finite(number: float) -> bool:
    """Not ±inf and not NaN, by comparisons: torch.compile turns a Python float argument into a
    symbolic one (dynamic=True, or a second call with another value), which comparisons guard on
    but math.isfinite cannot take (a graph break, an error under fullgraph=True)."""
    return -math.inf < number < math.inf


def _apply(function, kernel, x, width, max_error, backend, slope_jump, *params, kink_distance=None):
    """``params``: (name, tensor) pairs, in the order of the generated module's PARAMETERS."""
    x = _input(x)
    backend = _backend(backend)
    module = ops.generated(function, _kernel(kernel))  # a divergent pair is refused here
    _check_shapes(x, [*params, ("width", width), ("max_error", max_error)])
    w = _width(width, max_error, x, kernel, slope_jump, kink_distance, function)
    return ops.apply(module, x, w, *(p for _, p in params), backend=backend)


def relu(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed ReLU, :math:`(\max(\cdot, 0) * K_w)(x)`; Gaussian: :math:`x\Phi(x/w) + w\varphi(x/w)`."""
    return _apply("relu", kernel, x, width, max_error, backend, 1.0)


def leaky_relu(x, alpha=0.01, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed leaky ReLU :math:`\max(x, \alpha x) * K_w` (for α ≤ 1)."""
    x = _input(x)
    a = _tensor(alpha, x, "alpha")
    _check_shapes(x, [("alpha", a)])
    return _apply("leaky_relu", kernel, x, width, max_error, backend, torch.abs(1 - a.detach()), ("alpha", a))


def abs(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""Smoothed :math:`|x| * K_w`; Gaussian: :math:`x\,\mathrm{erf}(x/(\sqrt2 w)) + w\sqrt{2/\pi}e^{-x^2/2w^2}`."""
    return _apply("abs", kernel, x, width, max_error, backend, 2.0)


def sign(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed sign, :math:`2F(x/w) - 1` (F the kernel's CDF). ``max_error=`` is refused: the sup
    error of a smoothed jump is half the jump at every width."""
    return _apply("sign", kernel, x, width, max_error, backend, None)


def step(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    r"""Smoothed Heaviside step, :math:`F(x/w)` (``max_error=`` refused, as for :func:`sign`)."""
    return _apply("step", kernel, x, width, max_error, backend, None)


def _clamp(x, lo, hi, names, width, kernel, max_error, backend):
    x = _input(x)
    lo, hi = _tensor(lo, x, names[0]), _tensor(hi, x, names[1])
    _check_shapes(x, [(names[0], lo), (names[1], hi)])
    if not _holds(lambda: torch.all(lo < hi)):
        raise SmoothfnError(f"clamp needs {names[0]} < {names[1]}, got {names[0]}={lo!r}, {names[1]}={hi!r}")
    return _apply("clamp", kernel, x, width, max_error, backend, 1.0, (names[0], lo), (names[1], hi),
                  kink_distance=hi - lo)


def clamp(x, min, max, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A002
    r"""Smoothed :math:`\mathrm{clamp}(x, \min, \max) * K_w` (min < max)."""
    return _clamp(x, min, max, ("min", "max"), width, kernel, max_error, backend)


def hardtanh(x, min_val=-1.0, max_val=1.0, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed hardtanh, clamp(x, min_val, max_val) ∗ K_w (torch.nn.functional.hardtanh's
    arguments; floats or tensors, which get gradients)."""
    if type(min_val) in (int, float) and type(max_val) in (int, float) and (min_val, max_val) == (-1, 1):
        return _apply("hardtanh", kernel, x, width, max_error, backend, 1.0, kink_distance=2.0)
    return _clamp(x, min_val, max_val, ("min_val", "max_val"), width, kernel, max_error, backend)


def relu6(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed ReLU6, clamp(x, 0, 6) ∗ K_w."""
    return _apply("relu6", kernel, x, width, max_error, backend, 1.0, kink_distance=6.0)


def hardsigmoid(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):
    """Smoothed hard sigmoid, clamp(x/6 + 1/2, 0, 1) ∗ K_w (PyTorch's)."""
    return _apply("hardsigmoid", kernel, x, width, max_error, backend, 1 / 6, kink_distance=6.0)


def max(x, y, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""Smoothed :math:`\max(x, y) = y + \mathrm{relu}_w(x - y)`, smoothed along x - y."""
    x = _input(x)
    return _apply("max", kernel, x, width, max_error, backend, 1.0, ("y", _tensor(y, x, "y")))


def min(x, y, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    r"""Smoothed :math:`\min(x, y) = x - \mathrm{relu}_w(x - y)`."""
    x = _input(x)
    return _apply("min", kernel, x, width, max_error, backend, 1.0, ("y", _tensor(y, x, "y")))


def sau(x, alpha=0.15, *, width=None, max_error=None, backend=None):
    r"""Exact SAU: leaky ReLU ∗ Gaussian, :math:`\alpha x + (1-\alpha)[x\Phi(x/w) + w\varphi(x/w)]`.

    (The SAU formula in circulation drops the (1 − α) on the Gaussian term.)
    """
    return leaky_relu(x, alpha, width=width, kernel="gaussian", max_error=max_error, backend=backend)


def _formula(function, parts, x, alpha, mu):
    """smu/smu1 with checked arguments: ``function`` the autograd.Function, ``parts`` its formula."""
    x = _input(x)
    a, m = _tensor(alpha, x, "alpha"), _tensor(mu, x, "mu")
    _check_shapes(x, [("alpha", a), ("mu", m)])
    # a Python number was checked by _tensor; a tensor μ here
    if isinstance(mu, torch.Tensor) and not _holds(lambda: torch.all(torch.isfinite(m))):
        raise SmoothfnError(f"mu must be a finite number, got {mu!r}")
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
    return _apply("floor", kernel, x, width, max_error, backend, None)


def round(x, *, width=None, kernel: str = "gaussian", max_error=None, backend=None):  # noqa: A001
    """Smoothed round, floor(x + 1/2) ∗ K_w (see :func:`floor`)."""
    return _apply("round", kernel, x, width, max_error, backend, None)


__all__ = [
    "relu", "leaky_relu", "abs", "sign", "step", "clamp", "hardtanh", "relu6", "hardsigmoid",
    "max", "min", "sau", "smu", "smu1", "floor", "round",
]
