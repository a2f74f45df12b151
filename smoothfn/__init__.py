"""smoothfn: smooth, differentiable approximations of non-smooth functions by convolution.

    f_w = f ∗ K_w,   K_w(u) = k(u/w)/w

``import smoothfn`` is light: the catalogs and the SymPy derivation engine load on first use.

* :func:`derive` → :class:`Derivation`: the closed form, its derivatives and its error (SymPy);
* :func:`compile`: a user's SymPy function as a differentiable torch function;
* :mod:`smoothfn.functional`: the catalog functions on tensors (torch twin or Triton kernels);
* :mod:`smoothfn.nn`: the same as modules, with :func:`replace_activations`, :func:`harden`,
  :func:`smoothing` (a context manager for code you do not own) and :func:`anneal`;
* :func:`approximation_error` and :func:`convergence`: the measured sup, L¹ and L² errors and their
  orders in w (:mod:`smoothfn.analysis`); :mod:`smoothfn.plot`: the figures (matplotlib);
* :data:`KERNELS` (:class:`Kernel`) and :data:`FUNCTIONS` (:class:`SmoothableFunction`): the catalog;
* the exceptions of :mod:`smoothfn.errors`, all ``ValueError`` subclasses.

    >>> import smoothfn
    >>> d = smoothfn.derive("relu", kernel="gaussian")
    >>> d.sup_error            # w/√(2π)
    sqrt(2)*w/(2*sqrt(pi))
"""

from __future__ import annotations

from smoothfn.errors import (
    DivergentConvolutionError,
    InvalidParameterError,
    InvalidWidthError,
    NoClosedFormError,
    SmoothfnError,
    UnknownFunctionError,
    UnknownKernelError,
    UnsupportedFunctionError,
    UnsupportedSpecialFunctionError,
)

__version__ = "0.1.0"

_LAZY = {
    "KERNELS": ("smoothfn.catalog.kernels", "KERNELS"),
    "Kernel": ("smoothfn.catalog.kernels", "Kernel"),
    "FUNCTIONS": ("smoothfn.catalog.functions", "FUNCTIONS"),
    "SmoothableFunction": ("smoothfn.catalog.functions", "SmoothableFunction"),
    "derive": ("smoothfn.derivation.derivation", "derive"),
    "Derivation": ("smoothfn.derivation.derivation", "Derivation"),
    "compile": ("smoothfn.api.user_functions", "compile"),
    "replace_activations": ("smoothfn.nn.replace", "replace_activations"),
    "harden": ("smoothfn.nn.replace", "harden"),
    "smoothing": ("smoothfn.nn.mode", "smoothing"),
    "anneal": ("smoothfn.nn.schedule", "anneal"),
    "WidthScheduler": ("smoothfn.nn.schedule", "WidthScheduler"),
    "approximation_error": ("smoothfn.analysis.error", "approximation_error"),
    "convergence": ("smoothfn.analysis.error", "convergence"),
}

__all__ = [
    *_LAZY,
    "SmoothfnError",
    "UnknownKernelError",
    "UnknownFunctionError",
    "InvalidWidthError",
    "InvalidParameterError",
    "DivergentConvolutionError",
    "NoClosedFormError",
    "UnsupportedSpecialFunctionError",
    "UnsupportedFunctionError",
]


def __getattr__(name: str):
    if name in ("functional", "nn", "analysis", "plot"):
        import importlib

        return importlib.import_module(f"smoothfn.{name}")
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'smoothfn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
