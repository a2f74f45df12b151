r"""What every module of :mod:`smoothfn.nn` shares: where its values live, how a per-channel value
meets the input, how its width is annealed and which exact module it hardens to.

The values a module may learn (the width, SAU's and SMU's ``alpha`` and ``mu``) are
``nn.Parameter``\ s when learned and buffers when fixed, so that ``.to(device, dtype)``, the
``state_dict``, ``copy.deepcopy`` and ``torch.save`` carry them either way. The hyper-parameters
that torch's own modules keep as Python numbers (``negative_slope``, ``min_val``, ``max_val``,
``inplace``) stay Python numbers here too: they are part of the module's definition, as in torch,
they reach :func:`smoothfn.harden` unrounded, and the functional API's number paths take them.

The width is stored as its logarithm, ``log_width``, and read through the ``width`` property,
w = exp(log_width): a gradient step can never make it zero or negative, a step changes the width by
a factor (the width is a scale, and the useful ones span orders of magnitude, 1e-3 to 1), and
annealing by a factor is one addition (``log_width += log(factor)``). Fixed widths are stored the
same way (as a buffer), so that one annealing rule serves both.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from smoothfn.api.arguments import kernel_name
from smoothfn.errors import InvalidWidthError, SmoothfnError, check_width
from smoothfn.runtime.pairs import catalog_pair


class SmoothActivation(nn.Module):
    """Base class of the modules of :mod:`smoothfn.nn`.

    Subclasses store their values with :meth:`_store`, apply per-channel values with
    :meth:`_channelwise`, and say which exact module they stand for (:meth:`to_exact`) and how their
    width scales (:meth:`scale_width_`).

    Args:
        num_parameters (int): 1 (one value of each kind, shape ``()``) or C > 1 (one per channel,
            shape ``(C,)``, applied along dimension 1 of the input as ``nn.PReLU`` does; an input of
            rank 1 has its channels in dimension 0).
    """

    def __init__(self, num_parameters: int = 1):
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or num_parameters < 1:
            raise SmoothfnError(f"num_parameters must be an integer ≥ 1, got {num_parameters!r}")
        self.num_parameters = num_parameters

    def _value(self, value, name: str) -> torch.Tensor:
        """``value`` (a number, or a tensor of shape () or (num_parameters,)) as a tensor of this
        module's shape for values: () for one value, (C,) for C channels."""
        shape = () if self.num_parameters == 1 else (self.num_parameters,)
        if isinstance(value, torch.Tensor):
            tensor = value.detach().clone()
            if not tensor.is_floating_point():
                tensor = tensor.to(torch.get_default_dtype())
            if tensor.dim() == 0 or tuple(tensor.shape) == shape:
                return tensor.expand(shape).clone()
            raise SmoothfnError(
                f"{name} has shape {tuple(tensor.shape)}; with num_parameters={self.num_parameters} give a number "
                f"or a tensor of shape () or {shape}"
            )
        if isinstance(value, (str, bytes, bool)) or value is None:
            raise SmoothfnError(f"{name} must be a number or a tensor, got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SmoothfnError(f"{name} must be a number or a tensor, got {value!r}") from None
        if not math.isfinite(number):
            raise SmoothfnError(f"{name} must be finite, got {value!r}")
        return torch.full(shape, number)

    def _store(self, name: str, value: torch.Tensor, learnable: bool) -> None:
        """A parameter when learned, a buffer when fixed: either way in the state_dict and moved by .to()."""
        if learnable:
            self.register_parameter(name, nn.Parameter(value))
        else:
            self.register_buffer(name, value)

    def _channelwise(self, value: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """A value of shape () as it is; one of shape (C,) viewed as (1, C, 1, …) for x's rank (as
        ``nn.PReLU``), or as (C,) for an input of rank 1."""
        if value.dim() == 0:
            return value
        channels = value.shape[0]
        if x.dim() == 0 or x.shape[min(1, x.dim() - 1)] != channels:
            raise SmoothfnError(
                f"{type(self).__name__} has num_parameters={channels}: the input needs {channels} channels in "
                f"dimension 1 (dimension 0 for rank 1), got shape {tuple(x.shape)}"
            )
        if x.dim() == 1:
            return value
        return value.view(1, channels, *([1] * (x.dim() - 2)))

    def to_exact(self) -> nn.Module:
        """The exact (unsmoothed) module this one approximates, for :func:`smoothfn.harden`."""
        raise NotImplementedError

    def scale_width_(self, factor: float, min_width: float | None = None) -> None:
        """Multiply the width by ``factor`` in place (no gradient), not below ``min_width``."""
        raise NotImplementedError


class KernelActivation(SmoothActivation):
    r"""A module that smooths a catalog function with a kernel at a width w.

    The width is stored as ``log_width`` (a parameter with ``learnable_width=True``, a buffer
    otherwise) and read as ``width`` = exp(log_width): it stays positive whatever the optimizer does,
    and a gradient step changes it by a factor (module docstring of :mod:`smoothfn.nn.base`).

    Args:
        function (str): the catalog function whose pair the kernel must have (the check happens
            here, before the module exists: a divergent pair raises
            :class:`~smoothfn.errors.DivergentConvolutionError`, hardswish ∗ logistic
            :class:`~smoothfn.errors.NoClosedFormError`).
        width (float or Tensor): w > 0; a tensor of shape () or (num_parameters,).
        kernel (str): a name from ``smoothfn.KERNELS``.
        learnable_width (bool): the width is a parameter (``log_width``).
        num_parameters (int): 1 or the number of channels.
    """

    def __init__(self, function: str, width, kernel: str, learnable_width: bool, num_parameters: int = 1):
        super().__init__(num_parameters)
        self.kernel = kernel_name(kernel)
        catalog_pair(function, self.kernel)  # refuses divergent pairs and pairs without a closed form
        self.learnable_width = bool(learnable_width)
        self._store("log_width", _log_width(self._value(width, "width"), width), self.learnable_width)

    @property
    def width(self) -> torch.Tensor:
        """w = exp(log_width), shape () or (num_parameters,); differentiable when learned."""
        return torch.exp(self.log_width)

    def _width_for(self, x: torch.Tensor) -> torch.Tensor:
        return self._channelwise(self.width, x)

    @torch.no_grad()
    def scale_width_(self, factor: float, min_width: float | None = None) -> None:
        self.log_width.add_(_log_factor(factor))
        if min_width is not None:
            self.log_width.clamp_(min=math.log(check_width(min_width)))

    def _width_repr(self) -> str:
        parts = []
        if self.num_parameters > 1:
            parts.append(f"num_parameters={self.num_parameters}")
        else:
            parts.append(f"width={float(self.width.detach()):.4g}")
        parts.append(f"kernel={self.kernel!r}")
        if self.learnable_width:
            parts.append("learnable_width=True")
        return ", ".join(parts)

    def extra_repr(self) -> str:
        return self._width_repr()


def _log_width(width: torch.Tensor, given) -> torch.Tensor:
    """log w of a checked width tensor, computed in fp64 and stored in the width's dtype."""
    if not bool(torch.all(torch.isfinite(width) & (width > 0))):
        raise InvalidWidthError(f"width must be finite and > 0, got {given!r}")
    return torch.log(width.double()).to(width.dtype)


def _log_factor(factor) -> float:
    if isinstance(factor, (str, bytes, bool)):
        raise SmoothfnError(f"factor must be a positive number, got {factor!r}")
    try:
        value = float(factor)
    except (TypeError, ValueError):
        raise SmoothfnError(f"factor must be a positive number, got {factor!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise SmoothfnError(f"factor must be finite and > 0, got {factor!r}")
    return math.log(value)
