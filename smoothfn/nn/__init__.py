r"""Modules over :mod:`smoothfn.functional`, in the style of ``torch.nn`` activations.

* activations (:mod:`smoothfn.nn.activations`): :class:`SmoothReLU`, :class:`SmoothLeakyReLU`,
  :class:`SmoothAbs`, :class:`SmoothHardtanh`, :class:`SmoothReLU6`, :class:`SmoothHardsigmoid`,
  :class:`SmoothHardswish`, :class:`SmoothClamp`, :class:`SmoothMax`, :class:`SmoothMin`,
  :class:`SmoothFloor`, :class:`SmoothRound`: f ∗ K_w with a ``width`` (learnable with
  ``learnable_width=True``, per channel with ``num_parameters=C``) and a ``kernel``;
* learnable activations (:mod:`smoothfn.nn.learnable`): :class:`SAU`, :class:`SMU`, :class:`SMU1`;
* :mod:`smoothfn.nn.exact`: exact modules for abs, max, min, floor and round.

    >>> import torch, smoothfn
    >>> smoothfn.nn.SmoothReLU(width=0.1, learnable_width=True)
    SmoothReLU(width=0.1, kernel='gaussian', learnable_width=True)
"""

from smoothfn.nn.activations import (
    SmoothAbs,
    SmoothClamp,
    SmoothFloor,
    SmoothHardsigmoid,
    SmoothHardswish,
    SmoothHardtanh,
    SmoothLeakyReLU,
    SmoothMax,
    SmoothMin,
    SmoothReLU,
    SmoothReLU6,
    SmoothRound,
)
from smoothfn.nn.base import KernelActivation, SmoothActivation
from smoothfn.nn.learnable import SAU, SMU, SMU1

__all__ = [
    "SmoothReLU", "SmoothLeakyReLU", "SmoothAbs", "SmoothHardtanh", "SmoothReLU6", "SmoothHardsigmoid",
    "SmoothHardswish", "SmoothClamp", "SmoothMax", "SmoothMin", "SmoothFloor", "SmoothRound",
    "SAU", "SMU", "SMU1", "SmoothActivation", "KernelActivation",
]
