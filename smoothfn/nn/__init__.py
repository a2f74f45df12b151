r"""Modules over :mod:`smoothfn.functional`, in the style of ``torch.nn`` activations, and the tools
that put them into models.

* activations (:mod:`smoothfn.nn.activations`): :class:`SmoothReLU`, :class:`SmoothLeakyReLU`,
  :class:`SmoothAbs`, :class:`SmoothHardtanh`, :class:`SmoothReLU6`, :class:`SmoothHardsigmoid`,
  :class:`SmoothHardswish`, :class:`SmoothClamp`, :class:`SmoothMax`, :class:`SmoothMin`,
  :class:`SmoothFloor`, :class:`SmoothRound`: f ∗ K_w with a ``width`` (learnable with
  ``learnable_width=True``, per channel with ``num_parameters=C``) and a ``kernel``;
* learnable activations (:mod:`smoothfn.nn.learnable`): :class:`SAU`, :class:`SMU`, :class:`SMU1`;
* :func:`replace_activations` and :func:`harden` (:mod:`smoothfn.nn.replace`) swap ``nn.ReLU`` & co.
  for their smoothings and back; :func:`summary` lists a model's smooth modules;
* :func:`smoothing` (:mod:`smoothfn.nn.mode`) smooths ``F.relu`` & co. called inside code you
  do not own;
* :func:`anneal` and :class:`WidthScheduler` (:mod:`smoothfn.nn.schedule`) shrink the widths during training;
* :mod:`smoothfn.nn.exact`: the exact modules :func:`harden` gives where torch has none.

docs/nn.md has the details.

    >>> import torch, smoothfn
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    >>> model = smoothfn.replace_activations(model, width=0.1, learnable=True)
    >>> model[1]
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
from smoothfn.nn.mode import ACTIVATIONS, OPERATIONS, SmoothingMode, smoothing
from smoothfn.nn.replace import REPLACED_TYPES, Summary, harden, replace_activations, summary
from smoothfn.nn.schedule import WidthScheduler, anneal

__all__ = [
    "SmoothReLU", "SmoothLeakyReLU", "SmoothAbs", "SmoothHardtanh", "SmoothReLU6", "SmoothHardsigmoid",
    "SmoothHardswish", "SmoothClamp", "SmoothMax", "SmoothMin", "SmoothFloor", "SmoothRound",
    "SAU", "SMU", "SMU1", "SmoothActivation", "KernelActivation",
    "replace_activations", "harden", "summary", "Summary", "REPLACED_TYPES",
    "smoothing", "SmoothingMode", "ACTIVATIONS", "OPERATIONS", "anneal", "WidthScheduler",
]
