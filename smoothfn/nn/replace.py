"""Swapping activation modules in a model: :func:`replace_activations` (exact → smooth),
:func:`harden` (smooth → exact) and :func:`summary` (what a model's smooth modules stand for).

Both swaps work in place on the model's module tree, recursively (``Sequential``, ``ModuleList``,
``ModuleDict`` and custom modules alike; a module shared by several parents is swapped for one
shared module), and touch no global state: no torch function is patched.

    >>> import torch, smoothfn
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    >>> smoothfn.replace_activations(model, width=0.1)
    Sequential(
      (0): Linear(in_features=2, out_features=2, bias=True)
      (1): SmoothReLU(width=0.1, kernel='gaussian')
    )
    >>> smoothfn.harden(model)[1]
    ReLU()
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from torch import nn

from smoothfn.errors import SmoothfnError
from smoothfn.nn.activations import (
    SmoothHardsigmoid,
    SmoothHardswish,
    SmoothHardtanh,
    SmoothLeakyReLU,
    SmoothReLU,
    SmoothReLU6,
)
from smoothfn.nn.base import SmoothActivation

# exact types (a user's subclass of nn.ReLU may compute something else, so it is left alone);
# each builds the smooth module from the exact one's hyper-parameters
_SMOOTH = {
    nn.ReLU: lambda m, **kw: SmoothReLU(inplace=m.inplace, **kw),
    nn.LeakyReLU: lambda m, **kw: SmoothLeakyReLU(m.negative_slope, inplace=m.inplace, **kw),
    nn.ReLU6: lambda m, **kw: SmoothReLU6(inplace=m.inplace, **kw),
    nn.Hardtanh: lambda m, **kw: SmoothHardtanh(m.min_val, m.max_val, inplace=m.inplace, **kw),
    nn.Hardsigmoid: lambda m, **kw: SmoothHardsigmoid(inplace=m.inplace, **kw),
    nn.Hardswish: lambda m, **kw: SmoothHardswish(inplace=m.inplace, **kw),
}

REPLACED_TYPES = tuple(_SMOOTH)
"""The module types :func:`replace_activations` replaces (exact types, not subclasses)."""


def replace_activations(model: nn.Module, *, width=None, kernel: str | None = None, learnable: bool = False,
                        include=None, by: Callable[[nn.Module], nn.Module] | None = None) -> nn.Module:
    """Replace, in place and recursively, the activation modules of ``model`` by their smoothings.

    =====================  ======================================================
    replaced               by
    =====================  ======================================================
    ``nn.ReLU``            :class:`~smoothfn.nn.SmoothReLU`
    ``nn.LeakyReLU``       :class:`~smoothfn.nn.SmoothLeakyReLU` (same slope)
    ``nn.ReLU6``           :class:`~smoothfn.nn.SmoothReLU6`
    ``nn.Hardtanh``        :class:`~smoothfn.nn.SmoothHardtanh` (same bounds)
    ``nn.Hardsigmoid``     :class:`~smoothfn.nn.SmoothHardsigmoid`
    ``nn.Hardswish``       :class:`~smoothfn.nn.SmoothHardswish`
    =====================  ======================================================

    Only these exact types are replaced (a subclass may compute something else). ``inplace=True``
    is kept on the smooth module for :func:`harden`; the smooth modules return new tensors. Each new
    module is put on the device and dtype of its parent's parameters (or the model's). Every new
    module is built before the first one is put in: a kernel that cannot smooth one of the
    functions (:class:`~smoothfn.errors.DivergentConvolutionError` for relu ∗ cauchy,
    :class:`~smoothfn.errors.NoClosedFormError` for hardswish ∗ logistic) raises with the model
    unchanged. Calls of ``torch.nn.functional.relu`` & co. inside ``forward`` methods are not
    modules: :func:`smoothfn.smoothing` reaches those.

    ``by`` puts modules of your choice in the same places instead of the table's: it is called once
    per exact module (a shared one once) and returns its replacement, for instance
    ``by=lambda exact: smoothfn.nn.SAU()`` to train with learnable SAUs where the model had ReLUs.
    With ``by``, ``width``, ``kernel`` and ``learnable`` are not taken (the factory sets them).

    Args:
        model (nn.Module): the model, changed in place.
        width (float): the width w > 0 of every new module (required unless ``by`` is given).
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.
        learnable (bool): the new modules learn their width (``learnable_width=True``). Default: ``False``.
        include: narrows the replacement: a module type, a string, or a list of them. A type matches
            its instances (``nn.Hardtanh`` includes ``nn.ReLU6``); a string matches the type's name
            (``"ReLU"``) or, as an ``fnmatch`` pattern, the module's path (``"encoder.*"``). Default:
            every module of the table.
        by (callable): ``by(exact_module) -> nn.Module``, the replacement of each included module,
            instead of the table's smooth module. Default: ``None`` (the table).

    Returns:
        nn.Module: ``model`` (or its replacement when ``model`` itself is one of the activations).
        :func:`summary` lists what the model's smooth modules replace.

    Example::

        >>> import torch, smoothfn
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1), torch.nn.ReLU6())
        >>> model = smoothfn.replace_activations(model, width=0.05, include=["ReLU"])
        >>> print(smoothfn.nn.summary(model))
        1 smooth module:
          ReLU → SmoothReLU: 1
        1: SmoothReLU(width=0.05, kernel='gaussian')
    """
    if by is None:
        if width is None:
            raise SmoothfnError("replace_activations needs width= (or by=, a factory of the new modules)")
        make = lambda exact: _SMOOTH[type(exact)](  # noqa: E731
            exact, width=width, kernel="gaussian" if kernel is None else kernel, learnable_width=learnable)
    else:
        if not callable(by):
            raise SmoothfnError(f"by must be callable (exact module -> new module), got {by!r}")
        if width is not None or kernel is not None or learnable:
            raise SmoothfnError("with by=, the factory sets the new modules' values: width, kernel and learnable "
                                "are not taken")
        make = lambda exact: _checked(by(exact), exact)  # noqa: E731
    included = _matcher(include)
    made: dict[int, nn.Module] = {}
    plan: list[tuple[nn.Module | None, str, nn.Module]] = []
    for parent, name, path, child in _slots(model):
        if type(child) in _SMOOTH and included(child, path):
            if id(child) not in made:
                made[id(child)] = make(child).to(**_placement(parent if parent is not None else child, model))
            plan.append((parent, name, made[id(child)]))
    return _apply(model, plan)


def harden(model: nn.Module) -> nn.Module:
    """Replace, in place and recursively, every smooth module of :mod:`smoothfn.nn` by the exact
    module it approximates (its ``to_exact()``): ``nn.ReLU`` for :class:`~smoothfn.nn.SmoothReLU`
    (with its ``inplace``), ``nn.LeakyReLU`` with the slope, ``nn.Hardtanh`` with the bounds, …,
    ``nn.LeakyReLU(alpha)`` (``nn.PReLU`` per channel) for SAU, SMU and SMU-1, and the modules of
    :mod:`smoothfn.nn.exact` for abs, max, min, floor and round. For inference and export: a model
    through :func:`replace_activations` and back gives the original model's outputs exactly.

    Args:
        model (nn.Module): the model, changed in place.

    Returns:
        nn.Module: ``model`` (or the exact module when ``model`` itself is a smooth module).

    Example::

        >>> import torch, smoothfn
        >>> smoothfn.harden(torch.nn.Sequential(smoothfn.nn.SmoothLeakyReLU(0.2), smoothfn.nn.SAU()))
        Sequential(
          (0): LeakyReLU(negative_slope=0.2)
          (1): LeakyReLU(negative_slope=0.15000000596046448)
        )
    """
    made: dict[int, nn.Module] = {}
    plan = []
    for parent, name, _, child in _slots(model):
        if isinstance(child, SmoothActivation):
            if id(child) not in made:
                made[id(child)] = child.to_exact().to(**_placement(child, model))
            plan.append((parent, name, made[id(child)]))
    return _apply(model, plan)


@dataclass(frozen=True)
class Summary:
    """The smooth modules of a model: ``modules`` holds (path, exact type name, module) per module
    (a shared module once, at its first path), ``counts`` the number per "exact → smooth" type.
    ``str()`` prints both."""

    modules: tuple[tuple[str, str, nn.Module], ...]

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(f"{exact} → {type(m).__name__}" for _, exact, m in self.modules))

    def __len__(self) -> int:
        return len(self.modules)

    def __str__(self) -> str:
        n = len(self.modules)
        lines = [f"{n} smooth module{'s' if n != 1 else ''}" + (":" if n else "")]
        lines += [f"  {kind}: {count}" for kind, count in self.counts.items()]
        lines += [f"{path or '(the model)'}: {module!r}" for path, _, module in self.modules]
        return "\n".join(lines)


def summary(model: nn.Module) -> Summary:
    """The smooth modules of ``model``, by path, with the exact type each stands for (what
    :func:`replace_activations` replaced, or what :func:`harden` would put back).

    Example::

        >>> import torch, smoothfn
        >>> smoothfn.nn.summary(torch.nn.Sequential(torch.nn.Linear(1, 1), smoothfn.nn.SMU())).counts
        {'LeakyReLU → SMU': 1}
    """
    seen = set()
    found = []
    for path, module in [("", model), *((p, c) for _, _, p, c in _slots(model))]:
        if isinstance(module, SmoothActivation) and id(module) not in seen:
            seen.add(id(module))
            found.append((path, type(module.to_exact()).__name__, module))
    return Summary(tuple(found))


def _slots(model: nn.Module) -> Iterator[tuple[nn.Module | None, str, str, nn.Module]]:
    """(parent, name, path, child) for the model itself (parent None) and every slot below it, in
    the order of ``named_modules``; each container is entered once, a module held in several slots
    is yielded for each."""
    yield None, "", "", model
    entered = {id(model)}

    def below(prefix: str, parent: nn.Module):
        for name, child in list(parent._modules.items()):
            if child is None:
                continue
            path = f"{prefix}.{name}" if prefix else name
            yield parent, name, path, child
            if id(child) not in entered:
                entered.add(id(child))
                yield from below(path, child)

    yield from below("", model)


def _apply(model: nn.Module, plan) -> nn.Module:
    root = model
    for parent, name, new in plan:
        if parent is None:
            root = new
        else:
            setattr(parent, name, new)
    return root


def _checked(new, exact: nn.Module) -> nn.Module:
    if not isinstance(new, nn.Module):
        raise SmoothfnError(f"by returned {new!r} for {type(exact).__name__}; it must return an nn.Module")
    return new


def _matcher(include):
    if include is None:
        return lambda module, path: True
    items = include if isinstance(include, (list, tuple, set, frozenset)) else [include]
    for item in items:
        if not (isinstance(item, str) or (isinstance(item, type) and issubclass(item, nn.Module))):
            raise SmoothfnError(f"include takes module types and strings, got {item!r}")

    def included(module: nn.Module, path: str) -> bool:
        return any(
            isinstance(module, item) if isinstance(item, type)
            else type(module).__name__ == item or fnmatch.fnmatchcase(path, item)
            for item in items
        )

    return included


def _placement(module: nn.Module, model: nn.Module) -> dict:
    """device and dtype of the first floating parameter or buffer of ``module``, else of ``model``
    (an activation has none: its parent's), else nothing to change."""
    for source in (module, model):
        for tensor in (*source.parameters(), *source.buffers()):
            if tensor.is_floating_point():
                return {"device": tensor.device, "dtype": tensor.dtype}
    return {}
