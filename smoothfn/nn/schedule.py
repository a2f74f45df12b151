r"""Annealing: shrinking the smoothing width toward 0 during training, so that the trained model
ends close to its hardened (exact) version.

A smooth activation with width w differs from the exact one by at most :math:`w\,E|Y|/2` per
kink (ReLU ∗ Gaussian: 0.399·w). Training at a wide width gives smooth gradients early; shrinking
it geometrically lets the weights adapt to ever sharper activations, and at the end
:func:`smoothfn.harden` changes the outputs by no more than the last width allows.

:func:`anneal` multiplies every width of a model by a factor once; :class:`WidthScheduler` does it
at each ``step()``, like ``torch.optim.lr_scheduler.ExponentialLR`` does for the learning rate.

    >>> import torch, smoothfn
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), smoothfn.nn.SmoothReLU(width=0.4))
    >>> smoothfn.anneal(model, 0.5)[1].width
    tensor(0.2000)
"""

from __future__ import annotations

from torch import nn

from smoothfn.errors import SmoothfnError, check_width
from smoothfn.nn.base import SmoothActivation, _log_factor


def anneal(model: nn.Module, factor: float, *, min_width: float | None = None) -> nn.Module:
    r"""Multiply the width of every smooth module of ``model`` by ``factor``, in place.

    For the kernel modules and SAU the stored ``log_width`` grows by log(factor) (learned widths
    too: annealing moves them, the optimizer keeps learning from there); SMU's μ is divided by
    ``factor`` (its width is 1/μ) and SMU-1's μ multiplied (its width is μ/(1 − α)). No gradient is
    recorded, and a shared module is scaled once. Under ``torch.compile`` the widths are buffers or
    parameters, so annealing does not recompile.

    Args:
        model (nn.Module): a model with modules of :mod:`smoothfn.nn` (others are left alone).
        factor (float): > 0; below 1 narrows, above 1 widens.
        min_width (float): the widths stop at this value (SMU: |μ| ≤ 1/min_width). Default: none.

    Returns:
        nn.Module: ``model``.

    Example::

        >>> import torch, smoothfn
        >>> model = torch.nn.Sequential(smoothfn.nn.SmoothReLU(width=0.1), smoothfn.nn.SMU(mu=2.0))
        >>> model = smoothfn.anneal(model, 0.5)
        >>> round(model[0].width.item(), 6), model[1].mu.item()
        (0.05, 4.0)
    """
    _log_factor(factor)  # checked before anything changes
    if min_width is not None:
        check_width(min_width)
    for module in model.modules():
        if isinstance(module, SmoothActivation):
            module.scale_width_(factor, min_width)
    return model


class WidthScheduler:
    r"""Multiplies the widths of a model's smooth modules by ``gamma`` at every :meth:`step`:
    after n steps, :math:`w_n = w_0\,\gamma^n` (not below ``min_width``).

    To go from :math:`w_0` to :math:`w_N` in N steps, take :math:`\gamma = (w_N/w_0)^{1/N}`
    (:meth:`geometric`).

    Args:
        model (nn.Module): the model whose smooth modules are annealed (:func:`anneal`).
        gamma (float): the factor per step, > 0.
        min_width (float): the widths stop at this value. Default: none.

    Example::

        >>> import torch, smoothfn
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), smoothfn.nn.SmoothReLU(width=0.5))
        >>> scheduler = smoothfn.WidthScheduler.geometric(model, start=0.5, end=0.005, steps=100)
        >>> for _ in range(100):
        ...     scheduler.step()                  # after optimizer.step()
        >>> round(float(model[1].width), 6)
        0.005
    """

    def __init__(self, model: nn.Module, gamma: float, *, min_width: float | None = None):
        _log_factor(gamma)
        if min_width is not None:
            check_width(min_width)
        self.model, self.gamma, self.min_width = model, float(gamma), min_width
        self.last_step = 0

    @classmethod
    def geometric(cls, model: nn.Module, *, start: float, end: float, steps: int) -> WidthScheduler:
        """A scheduler that takes widths from ``start`` to ``end`` in ``steps`` steps (the widths
        themselves start wherever the modules have them: ``start`` and ``end`` fix only the ratio)."""
        check_width(start)
        check_width(end)
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise SmoothfnError(f"steps must be an integer ≥ 1, got {steps!r}")
        return cls(model, (end / start) ** (1 / steps))

    def step(self) -> None:
        """Anneal once: every width times ``gamma``."""
        anneal(self.model, self.gamma, min_width=self.min_width)
        self.last_step += 1

    def state_dict(self) -> dict:
        """The schedule's own state (the widths are in the model's state_dict)."""
        return {"gamma": self.gamma, "min_width": self.min_width, "last_step": self.last_step}

    def load_state_dict(self, state: dict) -> None:
        self.gamma, self.min_width, self.last_step = state["gamma"], state["min_width"], state["last_step"]
