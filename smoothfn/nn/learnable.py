r"""The activations of Biswas et al. with their learnable parameters: SAU (leaky ReLU ∗ Gaussian),
SMU and SMU-1 (the smooth maximum units), over :func:`smoothfn.functional.sau`, ``smu`` and ``smu1``.

``alpha`` and ``mu`` are plain, unconstrained parameters (``module.alpha`` is the parameter
itself) when ``learnable=True`` and buffers otherwise; SAU's width is stored as ``log_width``
(:mod:`smoothfn.nn.base`).

    >>> import torch, smoothfn
    >>> smoothfn.nn.SAU()(torch.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1464,  0.1696,  1.0036], grad_fn=<SmoothFunctionBackward>)
"""

from __future__ import annotations

import math

import torch
from torch import nn

from smoothfn import functional as F
from smoothfn.nn.base import KernelActivation, SmoothActivation, _log_factor
from smoothfn.runtime.dtypes import compute_dtype

_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _leaky_relu_exact(module, alpha: torch.Tensor) -> nn.Module:
    """LeakyReLU(α) for one α, PReLU with the per-channel α otherwise (both exact leaky ReLUs)."""
    if alpha.dim() == 0:
        return nn.LeakyReLU(float(alpha))
    prelu = nn.PReLU(alpha.shape[0], device=alpha.device, dtype=alpha.dtype)
    with torch.no_grad():
        prelu.weight.copy_(alpha)
    prelu.weight.requires_grad_(module.learnable)
    return prelu


class SAU(KernelActivation):
    r"""Smooth Activation Unit: leaky ReLU smoothed by the Gaussian kernel, with a learnable slope.

    .. math::
        \mathrm{SAU}(x) = (\mathrm{LeakyReLU}_\alpha * K_w)(x)
            = \alpha x + (1 - \alpha)\,\big[x\,\Phi(x/w) + w\,\varphi(x/w)\big],

    :math:`\Phi`, :math:`\varphi` the standard normal CDF and density (the exact convolution,
    :func:`smoothfn.functional.sau`). With ``paper=True`` it is the variant published by Biswas et
    al. (arXiv:2109.13210), whose Gaussian term lacks the factor :math:`1 - \alpha`:

    .. math::
        \mathrm{SAU}_{\mathrm{paper}}(x) = \mathrm{SAU}(x) + \alpha\,w\,\varphi(x/w),

    computed by the formula in plain torch ops (in fp32 for half inputs), with autograd. (The paper
    writes the width as 1/n, n = 20000 in its code.)

    Args:
        alpha (float or Tensor): the slope left of 0, finite. Default: 0.15.
        width (float or Tensor): w > 0, a number or a tensor of shape (num_parameters,). Default: 0.5.
        learnable (bool): ``alpha`` is a parameter (an unconstrained ``nn.Parameter``); a buffer
            otherwise. Default: ``True``.
        learnable_width (bool): learn the width too (as ``log_width``, w = exp(log_width)). Default: ``False``.
        paper (bool): the published variant above. Default: ``False``.
        num_parameters (int): 1, or C for one alpha (and width) per channel (dimension 1). Default: 1.

    Shape:
        - Input: :math:`(*)`, any number of dimensions (channels in dimension 1 when ``num_parameters > 1``).
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> m = smoothfn.nn.SAU(num_parameters=3)
        >>> m
        SAU(num_parameters=3, kernel='gaussian', learnable=True)
        >>> m(torch.randn(2, 3, 4, 4)).shape
        torch.Size([2, 3, 4, 4])
        >>> smoothfn.nn.SAU(paper=True)(torch.tensor([0.0]))   # w·φ(0) = 0.5/√(2π)
        tensor([0.1995], grad_fn=<AddBackward0>)
    """

    def __init__(self, alpha=0.15, width=0.5, learnable: bool = True, learnable_width: bool = False,
                 paper: bool = False, num_parameters: int = 1):
        super().__init__("leaky_relu", width, "gaussian", learnable_width, num_parameters)
        self.learnable = bool(learnable)
        self.paper = bool(paper)
        self._store("alpha", self._value(alpha, "alpha"), self.learnable)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha, width = self._channelwise(self.alpha, x), self._width_for(x)
        y = F.sau(x, alpha, width=width)
        if not self.paper:
            return y
        dtype = compute_dtype(y.dtype)
        a, w = alpha.to(dtype), width.to(dtype)
        z = x.to(dtype) / w
        return (y.to(dtype) + a * w * torch.exp(-0.5 * z * z) * _INV_SQRT_2PI).to(y.dtype)

    def to_exact(self) -> nn.Module:
        return _leaky_relu_exact(self, self.alpha.detach())

    def extra_repr(self) -> str:
        alpha = f"alpha={float(self.alpha.detach()):.4g}, " if self.num_parameters == 1 else ""
        flags = (", learnable=True" if self.learnable else "") + (", paper=True" if self.paper else "")
        return alpha + self._width_repr() + flags


class _SmoothMaximumUnit(SmoothActivation):
    """SMU and SMU-1: ``alpha`` and ``mu`` stored, the formula in :meth:`forward`."""

    def __init__(self, alpha, mu, learnable: bool, num_parameters: int):
        super().__init__(num_parameters)
        self.learnable = bool(learnable)
        self._store("alpha", self._value(alpha, "alpha"), self.learnable)
        self._store("mu", self._value(mu, "mu"), self.learnable)

    def to_exact(self) -> nn.Module:
        return _leaky_relu_exact(self, self.alpha.detach())

    def extra_repr(self) -> str:
        if self.num_parameters > 1:
            values = f"num_parameters={self.num_parameters}"
        else:
            values = f"alpha={float(self.alpha.detach()):.4g}, mu={float(self.mu.detach()):.4g}"
        return values + (", learnable=True" if self.learnable else "")


class SMU(_SmoothMaximumUnit):
    r"""Smooth Maximum Unit (Biswas et al., CVPR 2022), elementwise:

    .. math::
        \mathrm{SMU}(x) = \frac{(1 + \alpha)\,x + (1 - \alpha)\,x\,\mathrm{erf}\big(\mu(1 - \alpha)x\big)}{2},

    :func:`smoothfn.functional.smu`. It tends to leaky ReLU as μ → ∞, from below (sup error
    0.1201878/μ): x·erf(μx) is |x| convolved with a signed kernel of width 1/μ, so annealing
    (:func:`smoothfn.anneal`) divides μ by the factor.

    Args:
        alpha (float or Tensor): the slope left of 0. Default: 0.01 (the authors' updated value).
        mu (float or Tensor): the sharpness μ. Default: 2.5.
        learnable (bool): ``alpha`` and ``mu`` are unconstrained ``nn.Parameter``\ s; buffers
            otherwise. Default: ``True``.
        num_parameters (int): 1, or C for one alpha and mu per channel (dimension 1). Default: 1.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> m = smoothfn.nn.SMU()
        >>> m
        SMU(alpha=0.01, mu=2.5, learnable=True)
        >>> m(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.0102,  0.0000,  0.9998], grad_fn=<SMUBackward>)
    """

    def __init__(self, alpha=0.01, mu=2.5, learnable: bool = True, num_parameters: int = 1):
        super().__init__(alpha, mu, learnable, num_parameters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.smu(x, self._channelwise(self.alpha, x), self._channelwise(self.mu, x))

    @torch.no_grad()
    def scale_width_(self, factor: float, min_width: float | None = None) -> None:
        """Width 1/|μ| times ``factor``: μ divided by it, |μ| at most 1/min_width."""
        self.mu.div_(math.exp(_log_factor(factor)))
        if min_width is not None:
            self.mu.clamp_(-1 / min_width, 1 / min_width)


class SMU1(_SmoothMaximumUnit):
    r"""SMU-1 (Biswas et al.), elementwise:

    .. math::
        \mathrm{SMU\text{-}1}(x) = \frac{(1 + \alpha)\,x + \sqrt{\big((1 - \alpha)x\big)^2 + \mu^2}}{2},

    :func:`smoothfn.functional.smu1`: for α < 1 exactly leaky ReLU ∗ student_t2 at width
    |μ|/(1 − α), so annealing (:func:`smoothfn.anneal`) multiplies μ by the factor. μ = 0 is leaky
    ReLU itself.

    Args:
        alpha (float or Tensor): the slope left of 0. Default: 0.01.
        mu (float or Tensor): the smoothing μ. Default: 4.332461424154261e-09 (the authors' value).
        learnable (bool): ``alpha`` and ``mu`` are unconstrained ``nn.Parameter``\ s; buffers
            otherwise. Default: ``True``.
        num_parameters (int): 1, or C for one alpha and mu per channel (dimension 1). Default: 1.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples::

        >>> import torch, smoothfn
        >>> smoothfn.nn.SMU1(mu=0.5)(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([0.0495, 0.2500, 1.0595], grad_fn=<SMU1Backward>)
    """

    def __init__(self, alpha=0.01, mu=4.332461424154261e-09, learnable: bool = True, num_parameters: int = 1):
        super().__init__(alpha, mu, learnable, num_parameters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.smu1(x, self._channelwise(self.alpha, x), self._channelwise(self.mu, x))

    @torch.no_grad()
    def scale_width_(self, factor: float, min_width: float | None = None) -> None:
        """Width |μ|/|1 − α| times ``factor``: μ multiplied by it, the width not below min_width."""
        self.mu.mul_(math.exp(_log_factor(factor)))
        if min_width is not None:
            floor = min_width * torch.abs(1 - self.alpha)
            self.mu.copy_(torch.where(self.mu.abs() < floor, torch.where(self.mu < 0, -floor, floor), self.mu))
