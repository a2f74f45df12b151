"""The checks of the public functions' arguments, in one place: each names the argument and what
it accepts, and runs before any kernel (the inner layers trust their inputs).

Python numbers are checked on the host (no device synchronization); tensor widths and bounds
cost one synchronization in eager mode, and are trusted while ``torch.compile`` traces (a check
there would be a data-dependent graph break).
"""

from __future__ import annotations

import builtins
import math
import os

import torch

from smoothfn import generated
from smoothfn.errors import InvalidWidthError, SmoothfnError, UnknownKernelError
from smoothfn.runtime.dtypes import compute_dtype
from smoothfn.runtime.shapes import broadcast_shape

_BACKENDS = ("auto", "torch", "triton")


def backend_choice(backend) -> str:
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


def checked(value: torch.Tensor, valid, refusal) -> torch.Tensor:
    """``value`` where ``valid(value)`` (a boolean tensor) holds everywhere. In eager mode
    ``refusal()`` (an exception) is raised otherwise; while ``torch.compile`` traces, raising
    would be a data-dependent graph break, so the elements that fail become NaN instead: a
    compiled call with a bad tensor gives NaN (visible in a loss), never a plausible wrong number.
    (Python numbers are checked on the host before they become tensors.)"""
    if torch.compiler.is_compiling():
        return torch.where(valid(value), value, torch.nan)
    if not bool(torch.all(valid(value))):
        raise refusal()
    return value


def kernel_name(kernel: str) -> str:
    if kernel not in generated.KERNELS:
        raise UnknownKernelError(f"unknown kernel {kernel!r}; choose one of {', '.join(generated.KERNELS)}")
    return kernel


def as_input(x) -> torch.Tensor:
    """x as a floating tensor: integer and bool tensors are promoted to the default dtype (as
    ``torch.erf`` does)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a tensor, got {type(x).__name__}")
    if x.is_complex():
        raise SmoothfnError(f"x must be a real tensor, got {x.dtype}")
    if not x.is_floating_point():
        return x.to(torch.get_default_dtype())
    return x


def as_parameter(value, x: torch.Tensor, name: str) -> torch.Tensor:
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
    dtype = compute_dtype(x.dtype)
    if isinstance(value, (str, bytes, bool)):
        raise SmoothfnError(f"{name} must be a number or a tensor, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SmoothfnError(f"{name} must be a number or a tensor, got {value!r}") from None
    if not finite(number):  # a NaN or infinite α, y, min or max gives NaN somewhere: refused
        raise SmoothfnError(f"{name} must be a finite number, got {shown(value)}")
    if builtins.abs(number) > torch.finfo(dtype).max:
        raise SmoothfnError(
            f"{name}={shown(value)} overflows {dtype}, the dtype of the computation for {x.dtype} inputs"
        )
    return torch.full((), number, dtype=dtype, device=x.device)


def check_shapes(x: torch.Tensor, named: list[tuple[str, object]]) -> None:
    """A clear error, before any kernel runs, when a tensor argument does not broadcast with x."""
    broadcast_shape(("x", x.shape), *((n, v.shape) for n, v in named if isinstance(v, torch.Tensor)))


def width_range(x: torch.Tensor) -> tuple[float, float, torch.dtype]:
    """The widths the kernels take: those whose square and inverse square are normal numbers of
    the compute dtype (fp32 about 1.1e-19 to 1.8e19, fp64 1.5e-154 to 1.3e154). The closed forms
    use w², (x/w)² and 1/w²; beyond, 0·∞ turns up in gradients (floor ∗ laplace at w = 3e38 in
    fp32, floor ∗ gaussian at 1.2e-38)."""
    dtype = compute_dtype(x.dtype)
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
    target = error / slope * _MARGIN  # the bisection ends below it
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


# the width for max_error= is chosen for an error this much below it, so that the sup error stays
# ≤ max_error after the rounding of w and of the kernels (equality gave ratios up to 1 + 1.2e-14)
_MARGIN = 1 - 1e-9


def _error_width(max_error, x, kernel: str, slope_jump, kink_distance) -> torch.Tensor:
    """The width at which sup|f_w − f| = max_error: computed in fp64, capped at the largest width
    the kernels take (a zero slope jump is a linear function, exact at every width; a smaller width
    only lowers the error), refused below the smallest (see width_range)."""
    tiny, cap, dtype = width_range(x)
    if isinstance(max_error, torch.Tensor):
        error = as_parameter(max_error, x, "max_error")
        error = checked(error, lambda e: torch.isfinite(e) & (e > 0),
                        lambda: SmoothfnError(f"max_error must be finite and > 0, got {max_error!r}"))
        error = error.to(torch.float64)
        number = None
    else:  # a number is checked on the host: no wait for the device
        number = _number(max_error, "max_error")
        if not (number > 0 and finite(number)):
            raise SmoothfnError(f"max_error must be finite and > 0, got {shown(max_error)}")
        error = torch.full((), number, dtype=torch.float64, device=x.device)
    if kernel == "cauchy":  # E|Y| = ∞: only the bounded, clamp-like functions converge
        if kink_distance is None:
            raise SmoothfnError("max_error= with the cauchy kernel: only the clamp family converges")
        w = torch.clamp(_cauchy_kinks_width(error, slope_jump, kink_distance), max=cap)  # wider only lowers it
        return checked(w, lambda w: w >= tiny, lambda: SmoothfnError(
            f"max_error={shown(max_error)} needs a width below {tiny:g}, the smallest {dtype} takes")).to(dtype)
    half_mean_abs = generated.MEAN_ABS[kernel] / 2
    if number is not None and not isinstance(slope_jump, torch.Tensor):  # all on the host
        jump = float(slope_jump) * half_mean_abs
        value = builtins.min(number / jump * _MARGIN, cap) if jump > 0 else cap
        if value < tiny:
            raise SmoothfnError(
                f"max_error={shown(max_error)} needs a width below {tiny:g}, the smallest {dtype} takes"
            )
        return as_parameter(value, x, "width")
    # sup|f_w − f| ≤ |Δ|·w·E|Y|/2 at each kink (equality for one kink): solve for w
    jump = torch.as_tensor(slope_jump, dtype=torch.float64, device=x.device) * half_mean_abs
    w = torch.clamp(error / jump * _MARGIN, max=cap)  # error / 0 = ∞ → the cap
    return checked(w, lambda w: w >= tiny, lambda: SmoothfnError(
        f"max_error={shown(max_error)} needs a width below {tiny:g}, the smallest {dtype} takes")).to(dtype)


def resolve_width(width, max_error, x: torch.Tensor, kernel: str, name: str, params: tuple = (),
                  kinks=None, no_max_error: str | None = None) -> torch.Tensor:
    """The width tensor of a call to the smoothed ``name``: ``width`` checked, or the width at which
    sup|f_w − f| ≤ ``max_error``, from ``kinks`` = (slope-jump factor, kink distance or None), each
    a function of the parameter tensors ``params`` (:data:`smoothfn.generated.KINKS`); where there
    are none, ``max_error=`` is refused with the reason ``no_max_error``."""
    if (width is None) == (max_error is None):
        raise InvalidWidthError("give exactly one of width= and max_error=")
    if max_error is not None:
        if kinks is None:
            raise SmoothfnError(f"max_error= is not available for {name}: {no_max_error}; give width= instead")
        values = [p.detach() for p in params]
        slope_jump, distance = kinks[0](*values), None if kinks[1] is None else kinks[1](*values)
        return _error_width(max_error, x, kernel, slope_jump, distance)
    tiny, big, dtype = width_range(x)
    if not isinstance(width, torch.Tensor):  # checked on the host: no wait for the device
        value = _number(width, "width")
        if not (value > 0 and finite(value)):
            raise InvalidWidthError(f"width must be finite and > 0, got {shown(width)}")
        if not tiny <= value <= big:
            raise InvalidWidthError(
                f"width={shown(width)} is outside {tiny:g} to {big:g}, the widths whose squares are normal numbers "
                f"of {dtype}, the dtype the kernels compute in for {x.dtype} inputs"
            )
        return as_parameter(value, x, "width")
    w = as_parameter(width, x, "width")

    def out_of_range() -> InvalidWidthError:
        return InvalidWidthError(f"width must be finite and > 0 (within {tiny:g} to {big:g}, the widths whose "
                                 f"squares are normal numbers of {dtype}), got {width!r}")

    if w.device.type == "cpu" and w.numel() == 1 and not torch.compiler.is_compiling():
        # one CPU number: checked on the host (four tensor ops cost ~15 µs a call at small sizes)
        if not tiny <= w.item() <= big:  # NaN fails
            raise out_of_range()
        return w
    # a tensor width is checked before any kernel runs, at the cost of one device synchronization
    # (under torch.compile a width out of range becomes NaN: see checked)
    return checked(w, lambda w: (w >= tiny) & (w <= big), out_of_range)  # NaN fails both


def _number(value, name: str) -> float:
    if isinstance(value, (str, bytes, bool)):  # float("0.3") and float(True) would pass
        raise InvalidWidthError(f"{name} must be a positive number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidWidthError(f"{name} must be a positive number, got {value!r}") from None


def shown(value) -> str:
    """repr(value) for an error message; a float that torch.compile traces symbolically has no value
    to show while tracing (formatting it is a graph break), the message names it instead."""
    return "a number traced by torch.compile" if torch.compiler.is_compiling() else repr(value)


def finite(number: float) -> bool:
    """Not ±inf and not NaN, by comparisons: torch.compile turns a Python float argument into a
    symbolic one (dynamic=True, or a second call with another value), which comparisons guard on
    but math.isfinite cannot take (a graph break, an error under fullgraph=True)."""
    return -math.inf < number < math.inf
