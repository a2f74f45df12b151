"""The registry of pair implementations: for each smoothed function, the one object the ops run.

A :class:`Pair` is what :mod:`smoothfn.ops.autograd` needs to evaluate f_w = f ∗ K_w and its
gradients:

* ``forward(x, w, *params)``: f_w elementwise (the torch twin);
* ``backward(x, w, *params)``: the tuple (∂f_w/∂x, ∂f_w/∂w, ∂f_w/∂param…) elementwise;
* ``parameters``: the names of the parameters, in the order both take them;
* where its Triton kernels are (an importable module, or a file for a compiled user function),
  with the compile-time constants and warps they are launched with.

Three sources fill the registry, each through one function: the generated catalog pairs
(:mod:`smoothfn.generated`), the floor/round series (:mod:`smoothfn.runtime.staircase`) and user
functions compiled by :func:`smoothfn.compile` (:func:`user_pair`). ``CATALOG`` and ``USER`` say
what exists. Nothing here imports a pair's
code before its first use: the twin is loaded by attribute access on :mod:`smoothfn.generated`,
which ``torch.compile`` resolves while tracing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from smoothfn import generated
from smoothfn.errors import DivergentPairError, NoClosedFormError, UnknownKernelError
from smoothfn.runtime.staircase_terms import KERNEL_CODES

STAIRCASES = ("floor", "round")


@dataclass(frozen=True, eq=False)
class Pair:
    """One implementation of a smoothed function f ∗ k (see the module docstring)."""

    name: str
    parameters: tuple[str, ...]
    load_twin: Callable[[], object] = field(repr=False)  # the object with forward and backward
    triton_module: str | None = None  # importable module with forward_kernel and backward_kernel
    triton_path: str | None = None  # or the file that holds them (a compiled user function)
    triton_constexprs: tuple[tuple[str, object], ...] = ()  # compile-time arguments of both kernels
    triton_backward_warps: int | None = None  # None: the launcher's default

    def forward(self, x, w, *params):
        """f_w(x; params), elementwise."""
        return self.load_twin().forward(x, w, *params)

    def backward(self, x, w, *params):
        """(∂f_w/∂x, ∂f_w/∂w, ∂f_w/∂param…), elementwise."""
        return self.load_twin().backward(x, w, *params)

    @property
    def has_triton(self) -> bool:
        return self.triton_module is not None or self.triton_path is not None


def _generated_pair(function: str, kernel: str) -> Pair:
    name = f"{function}_{kernel}"
    return Pair(
        name,
        generated.PARAMETERS[function],
        functools.partial(getattr, generated, name),  # imported on first use (PEP 562)
        triton_module=f"smoothfn.generated.triton.{name}",
    )


def _staircase_twin(function: str, kernel: str):
    from smoothfn.runtime.staircase import TWINS  # loads the kernel building blocks: on first use only

    return TWINS[(function, kernel)]


def _staircase_pair(function: str, kernel: str) -> Pair:
    return Pair(
        f"{function}_{kernel}",
        (),
        functools.partial(_staircase_twin, function, kernel),
        triton_module="smoothfn.gpu.staircase",
        triton_constexprs=(("KERNEL", KERNEL_CODES[kernel]), ("ROUND", function == "round")),
        # the setting at which the ahead-of-time check (tests/triton_aot.py) found no spills
        triton_backward_warps=4,
    )


# every catalog pair that has an implementation, built once (no pair code is imported here), so
# that torch.compile sees constants
CATALOG: dict[tuple[str, str], Pair] = {
    **{pair: _generated_pair(*pair) for pair in generated.AVAILABLE},
    **{(f, k): _staircase_pair(f, k) for f in STAIRCASES for k in generated.KERNELS
       if (f, k) not in generated.DIVERGENT},
}


def catalog_pair(function: str, kernel: str) -> Pair:
    """The implementation of ``function`` ∗ ``kernel``, or the library's error naming why there
    is none (a divergent convolution, no closed form, an unknown kernel)."""
    found = CATALOG.get((function, kernel))
    if found is not None:
        return found
    if kernel not in generated.KERNELS:
        raise UnknownKernelError(f"unknown kernel {kernel!r}; choose one of {', '.join(generated.KERNELS)}")
    reason = generated.UNAVAILABLE.get((function, kernel), "not in the catalog")
    if (function, kernel) in generated.DIVERGENT:
        raise DivergentPairError(f"no kernel for {function} ∗ {kernel}: {reason}")
    raise NoClosedFormError(f"no generated kernel for {function} ∗ {kernel}: {reason}")


# the user functions compiled in this process, by name (smoothfn.compile registers them)
USER: dict[str, Pair] = {}


def user_pair(name: str, parameters: tuple[str, ...], twin, triton_path: str) -> Pair:
    """Register the pair of a user function compiled by :func:`smoothfn.compile` (its twin module
    loaded, its Triton kernels in ``triton_path``, imported on their first use)."""
    pair = Pair(name, tuple(parameters), functools.partial(_identity, twin), triton_path=str(triton_path))
    USER[name] = pair
    return pair


def _identity(value):
    return value
