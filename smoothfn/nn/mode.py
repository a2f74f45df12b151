r"""``smoothfn.smoothing()``: a context manager that smooths functional calls in code you do not own.

It is a ``torch.overrides.TorchFunctionMode``: while it is active, every call of the intercepted
torch functions (``F.relu``, ``torch.relu``, ``Tensor.relu``, ``nn.ReLU`` through them, …) on a
floating-point tensor runs the smoothed function of :mod:`smoothfn.functional` instead, forward
and backward. Nothing is patched: leaving the block (normally or by an exception) pops the mode,
and modes nest (the innermost one that intercepts a function handles it).

smoothfn's own implementation calls torch functions too (``torch.where``, ``torch.clamp``,
``torch.abs``, ``torch.floor`` …, in forward and in backward). The mode never intercepts those:
while a smoothed function runs forward, every smoothing mode passes calls through (a thread-local
depth counter), and a call made from smoothfn's run-time code (the generated twin, the ops, the
functional API, compiled user functions: the first caller frame outside torch and outside this file
is in one of their files) is passed through too, which covers the backward pass that the autograd
engine runs later.

    >>> import torch, smoothfn
    >>> x = torch.tensor([-1.0, 0.0, 1.0])
    >>> with smoothfn.smoothing(width=0.5):
    ...     torch.relu(x)
    tensor([0.0042, 0.1995, 1.0042])
    >>> torch.relu(x)
    tensor([0., 0., 1.])
"""

from __future__ import annotations

import os
import sys
import threading

import torch
import torch.nn.functional as TF
from torch.overrides import TorchFunctionMode

from smoothfn import functional as F
from smoothfn.api.arguments import kernel_name
from smoothfn.errors import SmoothfnError, check_width
from smoothfn.runtime.pairs import catalog_pair

Tensor = torch.Tensor

ACTIVATIONS = ("relu", "leaky_relu", "relu6", "hardtanh", "hardsigmoid", "hardswish")
"""What :func:`smoothing` intercepts by default."""

OPERATIONS = ("abs", "maximum", "minimum", "clamp", "sign", "floor", "round")
"""What :func:`smoothing` intercepts on request (``include=``)."""

# the files whose torch calls are smoothfn's own arithmetic, never intercepted (smoothfn/nn/exact.py
# is not among them: a hardened model's torch.floor is the user's), and the modules of compiled
# user functions (loaded from $SMOOTHFN_CACHE under these names); torch's files and this one are
# transparent: a call a mode passes on is its caller's
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL_FILES = tuple(
    os.path.join(_PACKAGE, *part.split("/"))
    for part in ("functional.py", "ops/", "runtime/", "generated/", "api/", "numerics/", "gpu/",
                 "nn/activations.py", "nn/learnable.py")
)
_USER_MODULES = "smoothfn_user_"
_TRANSPARENT = (os.path.dirname(os.path.abspath(torch.__file__)) + os.sep, os.path.abspath(__file__))

_state = threading.local()


def _depth() -> int:
    return getattr(_state, "depth", 0)


def _called_by_smoothfn() -> bool:
    """Whether the first caller outside torch (of the intercepted call) is smoothfn's run-time code."""
    try:
        frame = sys._getframe(2)  # 0: this function, 1: __torch_function__
    except ValueError:  # called with no Python caller above the mode: not smoothfn's code
        return False
    while frame is not None:
        path = frame.f_code.co_filename
        if not path.startswith(_TRANSPARENT):
            return path.startswith(_INTERNAL_FILES) or frame.f_globals.get("__name__", "").startswith(_USER_MODULES)
        frame = frame.f_back
    return False


class SmoothingMode(TorchFunctionMode):
    """The mode :func:`smoothing` returns; use it as a context manager."""

    def __init__(self, kernel: str, width, include):
        super().__init__()
        self.kernel = kernel_name(kernel)
        self.width = width if isinstance(width, torch.Tensor) else check_width(width)
        self.include = _groups(include)
        for group in self.include:  # a kernel that cannot smooth a function is refused here
            catalog_pair(_CATALOG[group], self.kernel)
        self._handlers = {}
        for group in self.include:
            self._handlers.update(_HANDLERS[group])
        if "relu6" in self.include and "hardtanh" not in self.include:  # nn.ReLU6 calls F.hardtanh(x, 0, 6)
            self._handlers.update({TF.hardtanh: _relu6_through_hardtanh, TF.hardtanh_: _relu6_through_hardtanh_})

    def __repr__(self) -> str:
        return f"smoothing(kernel={self.kernel!r}, width={self.width!r}, include={self.include!r})"

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        handler = self._handlers.get(func)
        if handler is None or _depth() or _called_by_smoothfn():
            return func(*args, **kwargs)
        _state.depth = _depth() + 1
        try:
            result = handler(self, func, *args, **kwargs)
        finally:
            _state.depth -= 1
        return result

    # the smoothed functions, with the mode's kernel and width
    def _call(self, function, x, *params):
        return function(x, *params, width=self.width, kernel=self.kernel)


def smoothing(*, width, kernel: str = "gaussian", include=None) -> SmoothingMode:
    r"""A context manager in which torch's non-smooth functions are smoothed: f → f ∗ K_w.

    Intercepted by default (:data:`ACTIVATIONS`): ``F.relu``, ``torch.relu``, ``Tensor.relu`` and
    their in-place forms, ``F.leaky_relu`` (its slope kept), ``F.relu6``, ``F.hardtanh`` (its bounds
    kept), ``F.hardsigmoid``, ``F.hardswish``, and so the modules that call them (``nn.ReLU``,
    ``nn.TransformerEncoderLayer``'s ``F.relu`` …). On request (:data:`OPERATIONS`): ``torch.abs``,
    ``torch.maximum``/``torch.max(a, b)``, ``torch.minimum``/``torch.min(a, b)``, ``torch.clamp``/
    ``clip`` (one bound: smoothed max or min), ``torch.sign``, ``torch.floor``, ``torch.round``, with
    their ``Tensor`` methods. Only floating-point inputs are smoothed (integer arithmetic such as
    index computations stays exact), and ``torch.round(x, decimals=d)`` with d ≠ 0 stays exact.
    In-place forms (``inplace=True``, ``relu_``) write the smoothed result into their input.

    Forward and backward run the smoothed function; smoothfn's own torch calls are never
    intercepted (module docstring). The mode is popped when the block ends, by an exception too,
    and modes nest. It is meant for eager code: under ``torch.compile`` the interception works
    through graph breaks (the caller-frame lookup is not traceable); for ``fullgraph=True`` replace
    the modules instead (:func:`smoothfn.replace_activations`).

    Args:
        width (float or Tensor): w > 0 (a tensor that requires grad gets gradients).
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``. A kernel that cannot
            smooth one of the included functions is refused here
            (:class:`~smoothfn.errors.DivergentConvolutionError` for relu ∗ cauchy …).
        include: the names to intercept, a string or a list from :data:`ACTIVATIONS` and
            :data:`OPERATIONS` (or the torch functions themselves, ``torch.abs``), or ``"all"``.
            Default: :data:`ACTIVATIONS`.

    Example::

        >>> import torch, smoothfn
        >>> layer = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
        >>> x = torch.randn(3, 8)
        >>> with smoothfn.smoothing(width=0.1):
        ...     y = layer(x)                                  # its F.relu is smoothed
        >>> with smoothfn.smoothing(width=0.1, include=["abs", "clamp"]):
        ...     torch.abs(torch.tensor([0.0, 1.0]))
        tensor([0.0798, 1.0000])
    """
    return SmoothingMode(kernel, width, include)


def _groups(include) -> tuple[str, ...]:
    if include is None:
        return ACTIVATIONS
    if include == "all":
        return ACTIVATIONS + OPERATIONS
    items = [include] if isinstance(include, str) or callable(include) else list(include)
    groups = []
    for item in items:
        group = item if isinstance(item, str) else _GROUP_OF.get(item)
        if group not in _HANDLERS:
            raise SmoothfnError(
                f"smoothing cannot intercept {item!r}; include takes {', '.join(ACTIVATIONS + OPERATIONS)} "
                "(names or the torch functions), or 'all'"
            )
        if group not in groups:
            groups.append(group)
    return tuple(groups)


def _floating(*tensors) -> bool:
    return all(t.is_floating_point() for t in tensors if isinstance(t, Tensor))


def _into(target: Tensor, result: Tensor) -> Tensor:
    """An in-place form: the smoothed result written into its input (or ``out=``)."""
    return target.copy_(result)


def _source(x: Tensor) -> Tensor:
    """The input of an in-place smoothed function: a copy where autograd saves it (writing the
    result into x would change a tensor that backward needs)."""
    return x.clone() if torch.is_grad_enabled() and x.requires_grad else x


def _out(result: Tensor, out) -> Tensor:
    return result if out is None else _into(out, result)


def _functional(function):
    """A handler for torch.nn.functional's f(x, inplace=False)."""

    def handler(mode, func, x, inplace=False):
        if not _floating(x):
            return func(x, inplace)
        if inplace:
            return _into(x, mode._call(function, _source(x)))
        return mode._call(function, x)

    return handler


def _plain(function):
    """A handler for torch.f(x, *, out=None) and Tensor.f(x)."""

    def handler(mode, func, x, *, out=None):
        if not _floating(x):
            return func(x) if out is None else func(x, out=out)
        return _out(mode._call(function, x), out)

    return handler


def _inplace(function):
    """A handler for torch.f_(x) and Tensor.f_(x)."""

    def handler(mode, func, x):
        if not _floating(x):
            return func(x)
        return _into(x, mode._call(function, _source(x)))

    return handler


def _leaky_relu(mode, func, x, negative_slope=0.01, inplace=False):
    if not _floating(x):
        return func(x, negative_slope, inplace)
    if inplace:
        return _into(x, mode._call(F.leaky_relu, _source(x), negative_slope))
    return mode._call(F.leaky_relu, x, negative_slope)


def _leaky_relu_(mode, func, x, negative_slope=0.01):
    return _leaky_relu(mode, func, x, negative_slope, True) if _floating(x) else func(x, negative_slope)


def _hardtanh(mode, func, x, min_val=-1.0, max_val=1.0, inplace=False):
    if not _floating(x):
        return func(x, min_val, max_val, inplace)
    if inplace:
        return _into(x, mode._call(F.hardtanh, _source(x), min_val, max_val))
    return mode._call(F.hardtanh, x, min_val, max_val)


def _hardtanh_(mode, func, x, min_val=-1.0, max_val=1.0):
    return _hardtanh(mode, func, x, min_val, max_val, True) if _floating(x) else func(x, min_val, max_val)


def _relu6_through_hardtanh(mode, func, x, min_val=-1.0, max_val=1.0, inplace=False):
    if (min_val, max_val) != (0.0, 6.0):
        return func(x, min_val, max_val, inplace)
    return _hardtanh(mode, func, x, min_val, max_val, inplace)


def _relu6_through_hardtanh_(mode, func, x, min_val=-1.0, max_val=1.0):
    if (min_val, max_val) != (0.0, 6.0):
        return func(x, min_val, max_val)
    return _hardtanh(mode, func, x, min_val, max_val, True)


def _binary(function):
    """maximum/minimum(x, other, *, out=None); torch.max/min and Tensor.max/min only in their
    two-tensor form (the reductions stay exact)."""

    def handler(mode, func, x, *args, out=None, **kwargs):
        other = args[0] if len(args) == 1 and not kwargs else kwargs.get("other") if not args else None
        if (len(args) + len(kwargs) != 1 or not isinstance(other, Tensor) or not isinstance(x, Tensor)
                or not _floating(x, other)):
            return func(x, *args, **kwargs) if out is None else func(x, *args, out=out, **kwargs)
        dtype = torch.result_type(x, other)
        return _out(mode._call(function, x.to(dtype), other.to(dtype)), out)

    return handler


def _clamp_value(mode, x, low, high):
    if low is not None and high is not None:
        return mode._call(F.clamp, x, low, high)
    if low is not None:
        return mode._call(F.max, x, low)
    return mode._call(F.min, x, high)


def _clamp(mode, func, x, min=None, max=None, *, out=None):  # noqa: A002
    if (min is None and max is None) or not _floating(x, min, max):
        return func(x, min, max, out=out) if out is not None else func(x, min, max)
    return _out(_clamp_value(mode, x, min, max), out)


def _clamp_(mode, func, x, min=None, max=None):  # noqa: A002
    if (min is None and max is None) or not _floating(x, min, max):
        return func(x, min, max)
    return _into(x, _clamp_value(mode, _source(x), min, max))


def _one_bound(function):
    def handler(mode, func, x, bound, *, out=None):
        if not _floating(x, bound):
            return func(x, bound, out=out) if out is not None else func(x, bound)
        return _out(mode._call(function, x, bound), out)

    return handler


def _round(mode, func, x, *, decimals=0, out=None):
    if decimals or not _floating(x):
        kwargs = {"decimals": decimals} if decimals else {}
        return func(x, out=out, **kwargs) if out is not None else func(x, **kwargs)
    return _out(mode._call(F.round, x), out)


def _round_(mode, func, x, *, decimals=0):
    if decimals or not _floating(x):
        return func(x, decimals=decimals) if decimals else func(x)
    return _into(x, mode._call(F.round, _source(x)))


def _both(name: str, handler, inplace_handler=None) -> dict:
    """torch.name and Tensor.name with one handler (and the in-place forms with the other)."""
    table = {getattr(torch, name): handler, getattr(Tensor, name): handler}
    if inplace_handler is not None:
        table[getattr(Tensor, name + "_")] = inplace_handler
        if hasattr(torch, name + "_"):
            table[getattr(torch, name + "_")] = inplace_handler
    return table


_HANDLERS = {
    "relu": {
        TF.relu: _functional(F.relu), TF.relu_: _inplace(F.relu),
        **_both("relu", _plain(F.relu), _inplace(F.relu)),
    },
    "leaky_relu": {TF.leaky_relu: _leaky_relu, TF.leaky_relu_: _leaky_relu_},
    "relu6": {TF.relu6: _functional(F.relu6)},
    "hardtanh": {TF.hardtanh: _hardtanh, TF.hardtanh_: _hardtanh_},
    "hardsigmoid": {TF.hardsigmoid: _functional(F.hardsigmoid)},
    "hardswish": {TF.hardswish: _functional(F.hardswish)},
    "abs": {
        **_both("abs", _plain(F.abs), _inplace(F.abs)),
        **_both("absolute", _plain(F.abs), _inplace(F.abs)),
    },
    "maximum": {**_both("maximum", _binary(F.max)), **_both("max", _binary(F.max))},
    "minimum": {**_both("minimum", _binary(F.min)), **_both("min", _binary(F.min))},
    "clamp": {
        **_both("clamp", _clamp, _clamp_), **_both("clip", _clamp, _clamp_),
        **_both("clamp_min", _one_bound(F.max)), **_both("clamp_max", _one_bound(F.min)),
    },
    "sign": _both("sign", _plain(F.sign), _inplace(F.sign)),
    "floor": _both("floor", _plain(F.floor), _inplace(F.floor)),
    "round": _both("round", _round, _round_),
}

# the catalog function whose (function, kernel) pair each group needs
_CATALOG = {
    "relu": "relu", "leaky_relu": "leaky_relu", "relu6": "relu6", "hardtanh": "clamp",
    "hardsigmoid": "hardsigmoid", "hardswish": "hardswish", "abs": "abs", "maximum": "max", "minimum": "min",
    "clamp": "clamp", "sign": "sign", "floor": "floor", "round": "round",
}

_GROUP_OF = {func: group for group, table in _HANDLERS.items() for func in table}
