r"""Smoothed activations as modules, in the style of ``torch.nn`` activations: each holds its width
(and hyper-parameters) and hands the arithmetic to :mod:`smoothfn.functional`.

Every module here takes ``width`` (w > 0, default 0.1), ``kernel`` (default ``"gaussian"``),
``learnable_width`` (default False) and ``num_parameters`` (1, or C for one width per channel in
dimension 1), and computes :math:`f_w = f * K_w` with :math:`K_w(u) = k(u/w)/w`. The width is stored
as ``log_width`` (:mod:`smoothfn.nn.base` says why). A kernel that cannot smooth the function (a
divergent pair such as relu ∗ cauchy, or hardswish ∗ logistic) is refused when the module is built.

    >>> import torch, smoothfn
    >>> smoothfn.nn.SmoothReLU(width=0.5)(torch.tensor([-1.0, 0.0, 1.0]))
    tensor([0.0042, 0.1995, 1.0042])
"""

from __future__ import annotations

import torch
from torch import nn

from smoothfn import functional as F
from smoothfn.errors import SmoothfnError
from smoothfn.nn import exact
from smoothfn.nn.base import KernelActivation


def _inplace_repr(module) -> str:
    return ", inplace=True" if module.inplace else ""


class SmoothReLU(KernelActivation):
    r"""Smoothed ReLU, elementwise:

    .. math::
        \mathrm{SmoothReLU}(x) = (\max(\cdot, 0) * K_w)(x) = E\,\max(x - wY, 0),

    :math:`x\,\Phi(x/w) + w\,\varphi(x/w)` for the Gaussian kernel, softplus
    :math:`w \log(1 + e^{x/w})` for the logistic one. The sup error is :math:`w\,E|Y|/2`, at x = 0
    (0.0399 at w = 0.1, Gaussian). Not for the cauchy kernel (divergent).

    Args:
        width (float or Tensor): w > 0, a number or (with ``num_parameters=C``) a tensor of shape (C,).
            Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width, as the parameter ``log_width`` (w = exp(log_width)
            stays positive). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel (dimension 1 of the input, as
            ``nn.PReLU``). Default: 1.
        inplace (bool): kept for :func:`smoothfn.harden`, which gives back ``nn.ReLU(inplace)``; the
            smoothed result is always a new tensor. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions (channels in dimension 1 when
          ``num_parameters > 1``).
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> m = smoothfn.nn.SmoothReLU(width=0.5)
        >>> m
        SmoothReLU(width=0.5, kernel='gaussian')
        >>> m(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([0.0042, 0.1995, 1.0042])
    """

    def __init__(self, width=0.1, kernel: str = "gaussian", learnable_width: bool = False,
                 num_parameters: int = 1, inplace: bool = False):
        super().__init__("relu", width, kernel, learnable_width, num_parameters)
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return nn.ReLU(inplace=self.inplace)

    def extra_repr(self) -> str:
        return self._width_repr() + _inplace_repr(self)


class SmoothLeakyReLU(KernelActivation):
    r"""Smoothed leaky ReLU, elementwise, with :math:`\alpha` = ``negative_slope``:

    .. math::
        \mathrm{SmoothLeakyReLU}(x) = (\mathrm{LeakyReLU}_\alpha * K_w)(x)
            = \alpha x + (1 - \alpha)\,(\mathrm{ReLU} * K_w)(x),

    the exact SAU for the Gaussian kernel. The sup error is :math:`|1 - \alpha|\,w\,E|Y|/2`. Not for
    the cauchy kernel.

    Args:
        negative_slope (float): the slope left of 0 (fixed; :class:`~smoothfn.nn.SAU` learns it).
            Default: 0.01.
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel. Default: 1.
        inplace (bool): kept for :func:`smoothfn.harden`; the result is a new tensor. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> m = smoothfn.nn.SmoothLeakyReLU(0.1, width=0.5)
        >>> m(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.0962,  0.1795,  1.0038])
    """

    def __init__(self, negative_slope: float = 0.01, width=0.1, kernel: str = "gaussian",
                 learnable_width: bool = False, num_parameters: int = 1, inplace: bool = False):
        super().__init__("leaky_relu", width, kernel, learnable_width, num_parameters)
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x, self.negative_slope, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return nn.LeakyReLU(self.negative_slope, inplace=self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}, " + self._width_repr() + _inplace_repr(self)


class SmoothAbs(KernelActivation):
    r"""Smoothed absolute value, elementwise:

    .. math::
        \mathrm{SmoothAbs}(x) = (|\cdot| * K_w)(x) = E\,|x - wY|,

    :math:`x\,\mathrm{erf}(x/(\sqrt2 w)) + w\sqrt{2/\pi}\,e^{-x^2/2w^2}` for the Gaussian kernel. The
    sup error is :math:`w\,E|Y|`, at x = 0. Not for the cauchy kernel.

    Args:
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel. Default: 1.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothAbs(width=0.5)(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([1.0085, 0.3989, 1.0085])
    """

    def __init__(self, width=0.1, kernel: str = "gaussian", learnable_width: bool = False, num_parameters: int = 1):
        super().__init__("abs", width, kernel, learnable_width, num_parameters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.abs(x, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return exact.Abs()


def _check_bounds(min_val, max_val) -> None:
    if not min_val < max_val:
        raise SmoothfnError(f"min_val must be < max_val, got min_val={min_val!r}, max_val={max_val!r}")


class SmoothHardtanh(KernelActivation):
    r"""Smoothed hardtanh, elementwise:

    .. math::
        \mathrm{SmoothHardtanh}(x) = (\mathrm{clamp}(\cdot, \mathrm{min\_val}, \mathrm{max\_val}) * K_w)(x)
            = \mathrm{min\_val} + \int_{\mathrm{min\_val}}^{\mathrm{max\_val}} F\!\left(\frac{x - c}{w}\right) dc,

    F the kernel's CDF. Every kernel, cauchy included (the function is bounded).

    Args:
        min_val (float): the lower bound. Default: -1.
        max_val (float): the upper bound, > min_val. Default: 1.
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel. Default: 1.
        inplace (bool): kept for :func:`smoothfn.harden`; the result is a new tensor. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothHardtanh(width=0.5)(torch.tensor([-2.0, 0.0, 2.0]))
        tensor([-0.9958,  0.0000,  0.9958])
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, width=0.1, kernel: str = "gaussian",
                 learnable_width: bool = False, num_parameters: int = 1, inplace: bool = False):
        _check_bounds(min_val, max_val)
        super().__init__("clamp", width, kernel, learnable_width, num_parameters)
        self.min_val, self.max_val = min_val, max_val
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.hardtanh(x, self.min_val, self.max_val, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return nn.Hardtanh(self.min_val, self.max_val, inplace=self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}, " + self._width_repr() + _inplace_repr(self)


class SmoothReLU6(KernelActivation):
    r"""Smoothed ReLU6, elementwise:

    .. math::
        \mathrm{SmoothReLU6}(x) = (\min(\max(\cdot, 0), 6) * K_w)(x),

    the formula of :class:`SmoothHardtanh` with bounds 0 and 6. Every kernel, cauchy included.

    Args:
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel. Default: 1.
        inplace (bool): kept for :func:`smoothfn.harden`; the result is a new tensor. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothReLU6(width=0.5)(torch.tensor([0.0, 3.0, 6.0]))
        tensor([0.1995, 3.0000, 5.8005])
    """

    def __init__(self, width=0.1, kernel: str = "gaussian", learnable_width: bool = False,
                 num_parameters: int = 1, inplace: bool = False):
        super().__init__("relu6", width, kernel, learnable_width, num_parameters)
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(x, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return nn.ReLU6(inplace=self.inplace)

    def extra_repr(self) -> str:
        return self._width_repr() + _inplace_repr(self)


class SmoothHardsigmoid(KernelActivation):
    r"""Smoothed hard sigmoid (PyTorch's), elementwise:

    .. math::
        \mathrm{SmoothHardsigmoid}(x) = (\mathrm{clamp}(\cdot/6 + 1/2, 0, 1) * K_w)(x),

    kinks at ±3. Every kernel, cauchy included.

    Args:
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel. Default: 1.
        inplace (bool): kept for :func:`smoothfn.harden`; the result is a new tensor. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothHardsigmoid(width=0.5)(torch.tensor([-3.0, 0.0, 3.0]))
        tensor([0.0332, 0.5000, 0.9668])
    """

    def __init__(self, width=0.1, kernel: str = "gaussian", learnable_width: bool = False,
                 num_parameters: int = 1, inplace: bool = False):
        super().__init__("hardsigmoid", width, kernel, learnable_width, num_parameters)
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.hardsigmoid(x, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return nn.Hardsigmoid(inplace=self.inplace)

    def extra_repr(self) -> str:
        return self._width_repr() + _inplace_repr(self)


class SmoothHardswish(KernelActivation):
    r"""Smoothed hard swish (PyTorch's), elementwise:

    .. math::
        \mathrm{SmoothHardswish}(x) = (h * K_w)(x), \qquad
        h(x) = \begin{cases} 0 & x < -3 \\ x(x + 3)/6 & -3 \le x < 3 \\ x & x \ge 3 \end{cases}.

    Not for the logistic kernel (its closed form needs the dilogarithm:
    :class:`~smoothfn.errors.NoClosedFormError`) nor cauchy (divergent).

    Args:
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS`` other than logistic and cauchy. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel. Default: 1.
        inplace (bool): kept for :func:`smoothfn.harden`; the result is a new tensor. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothHardswish(width=0.5)(torch.tensor([-3.0, 0.0, 3.0]))
        tensor([-0.0789,  0.0417,  2.9211])
    """

    def __init__(self, width=0.1, kernel: str = "gaussian", learnable_width: bool = False,
                 num_parameters: int = 1, inplace: bool = False):
        super().__init__("hardswish", width, kernel, learnable_width, num_parameters)
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.hardswish(x, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return nn.Hardswish(inplace=self.inplace)

    def extra_repr(self) -> str:
        return self._width_repr() + _inplace_repr(self)


class SmoothClamp(KernelActivation):
    r"""Smoothed clamp, elementwise (min_val < max_val):

    .. math::
        \mathrm{SmoothClamp}(x) = (\mathrm{clamp}(\cdot, \mathrm{min\_val}, \mathrm{max\_val}) * K_w)(x),

    the formula of :class:`SmoothHardtanh`, with required bounds. Every kernel, cauchy included.

    Args:
        min_val (float): the lower bound.
        max_val (float): the upper bound, > min_val.
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel. Default: 1.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothClamp(0.0, 1.0, width=0.5)(torch.tensor([-1.0, 0.5, 2.0]))
        tensor([0.0042, 0.5000, 0.9958])
    """

    def __init__(self, min_val: float, max_val: float, width=0.1, kernel: str = "gaussian",
                 learnable_width: bool = False, num_parameters: int = 1):
        _check_bounds(min_val, max_val)
        super().__init__("clamp", width, kernel, learnable_width, num_parameters)
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.clamp(x, self.min_val, self.max_val, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return nn.Hardtanh(self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}, " + self._width_repr()


class SmoothMax(KernelActivation):
    r"""Smoothed maximum of two inputs, smoothed along x with y fixed:

    .. math::
        \mathrm{SmoothMax}(x, y) = y + (\mathrm{ReLU} * K_w)(x - y).

    The sup error is :math:`w\,E|Y|/2`, at x = y. Both inputs get gradients. Not for the cauchy kernel.

    Args:
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel (of x). Default: 1.

    Shape:
        - x: :math:`(*)`; y: a tensor that broadcasts with x, or a number.
        - Output: the broadcast shape of x and y.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothMax(width=0.5)(torch.tensor([-1.0, 0.0, 1.0]), torch.zeros(3))
        tensor([0.0042, 0.1995, 1.0042])
    """

    def __init__(self, width=0.1, kernel: str = "gaussian", learnable_width: bool = False, num_parameters: int = 1):
        super().__init__("max", width, kernel, learnable_width, num_parameters)

    def forward(self, x: torch.Tensor, y) -> torch.Tensor:
        return F.max(x, y, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return exact.Maximum()


class SmoothMin(KernelActivation):
    r"""Smoothed minimum of two inputs, smoothed along x with y fixed:

    .. math::
        \mathrm{SmoothMin}(x, y) = x - (\mathrm{ReLU} * K_w)(x - y).

    Arguments as for :class:`SmoothMax`.

    Args:
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel (of x). Default: 1.

    Shape:
        - x: :math:`(*)`; y: a tensor that broadcasts with x, or a number.
        - Output: the broadcast shape of x and y.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothMin(width=0.5)(torch.tensor([-1.0, 0.0, 1.0]), torch.zeros(3))
        tensor([-1.0042, -0.1995, -0.0042])
    """

    def __init__(self, width=0.1, kernel: str = "gaussian", learnable_width: bool = False, num_parameters: int = 1):
        super().__init__("min", width, kernel, learnable_width, num_parameters)

    def forward(self, x: torch.Tensor, y) -> torch.Tensor:
        return F.min(x, y, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return exact.Minimum()


class SmoothFloor(KernelActivation):
    r"""Smoothed floor, elementwise:

    .. math::
        \mathrm{SmoothFloor}(x) = E\,\lfloor x - wY \rfloor
          = \lfloor x \rfloor + \sum_{m \ge 1}\Big[F\Big(\frac{r - m}{w}\Big) - F\Big(\frac{1 - r - m}{w}\Big)\Big],
        \qquad r = x - \lfloor x \rfloor,

    F the kernel's CDF; it passes through n − 1/2 at every jump n. Not for the cauchy kernel.

    Args:
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel. Default: 1.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothFloor(width=0.1)(torch.tensor([0.5, 1.0, 1.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(self, width=0.1, kernel: str = "gaussian", learnable_width: bool = False, num_parameters: int = 1):
        super().__init__("floor", width, kernel, learnable_width, num_parameters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.floor(x, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return exact.Floor()


class SmoothRound(KernelActivation):
    r"""Smoothed round, elementwise:

    .. math::
        \mathrm{SmoothRound}(x) = \lfloor x + 1/2 \rfloor_w,

    the smoothed floor (:class:`SmoothFloor`) shifted by 1/2: jumps at the half-integers, through
    their midpoints. Not for the cauchy kernel.

    Args:
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.1.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable_width (bool): learn the width (``log_width``). Default: ``False``.
        num_parameters (int): 1, or C for one width per channel. Default: 1.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SmoothRound(width=0.1)(torch.tensor([0.0, 0.5, 1.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(self, width=0.1, kernel: str = "gaussian", learnable_width: bool = False, num_parameters: int = 1):
        super().__init__("round", width, kernel, learnable_width, num_parameters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.round(x, width=self._width_for(x), kernel=self.kernel)

    def to_exact(self) -> nn.Module:
        return exact.Round()
