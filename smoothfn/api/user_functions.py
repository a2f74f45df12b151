r"""``smoothfn.compile(expr, kernel)``: derivation and code generation for a user's function.

The generated torch twin and Triton kernels are written to a per-user cache directory, keyed by a hash of the
expression, the kernel and the versions of smoothfn, SymPy and torch, and imported from there:
a second call (or a second process) with the same expression loads the file without the derivation
(the key is a hash of the expression's ``srepr``; only the small JSON description of the
function's name and parameters is read besides the generated files).

    >>> import sympy as sp, torch, smoothfn
    >>> x = sp.Symbol("x")
    >>> hardswish = smoothfn.compile(x * sp.Min(sp.Max(x / 6 + sp.Rational(1, 2), 0), 1))
    >>> hardswish(torch.linspace(-4, 4, 5), width=0.5)
    tensor([-1.8823e-03, -2.9403e-01,  4.1667e-02,  1.7060e+00,  3.9981e+00])
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import sys
from pathlib import Path

import torch

from smoothfn.api.arguments import as_input, as_parameter, backend_choice, check_shapes, resolve_width
from smoothfn.errors import SmoothfnError
from smoothfn.ops import autograd as ops
from smoothfn.runtime.pairs import Pair, user_pair


def cache_directory() -> Path:
    """$SMOOTHFN_CACHE, else $XDG_CACHE_HOME/smoothfn, else ~/.cache/smoothfn."""
    root = os.environ.get("SMOOTHFN_CACHE")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "smoothfn"


class CompiledFunction:
    r"""A smoothed user function, as returned by :func:`smoothfn.compile`.

    Call it as ``f(x, *, width=None, max_error=None, backend=None, **params)``: f_w(x; params)
    elementwise, with autograd for x, the width and every parameter, like the functions of
    :mod:`smoothfn.functional`.

    It holds the expression and the kernel it was compiled for; a copy (``copy.deepcopy``) or a
    pickle (``torch.save`` of a model that holds one) compiles the same expression again, which
    loads the cached files without the derivation.

    Attributes:
        expr (sympy.Expr), kernel (str): what was compiled.
        name (str): the expression as text (``"a*(Max(0, x) - Max(0, x - 2))"``).
        params (tuple of str): the parameter names, in the order of the generated code.
        path (Path): the generated torch twin in the cache directory (the Triton kernels beside it).
        pair: its entry in the run-time registry (:class:`smoothfn.runtime.pairs.Pair`).
    """

    def __init__(self, expr, kernel: str, pair: Pair, derivation_name: str, params: tuple[str, ...], path: Path,
                 kinks=None, no_max_error: str | None = None, declared: dict[str, list[str]] | None = None):
        self.expr = expr
        self.kernel = kernel
        self.pair = pair
        self.name = derivation_name
        self.params = params
        self.path = path
        self.kinks = kinks
        self.no_max_error = no_max_error
        self.declared = declared or {}  # parameter → the facts its symbol declares (a sign, ...)

    def __repr__(self) -> str:
        return (f"CompiledFunction({self.name!r}, kernel={self.kernel!r}, params={self.params}, "
                f"source={str(self.path)!r})")

    def __reduce__(self):
        return compile, (self.expr, self.kernel)

    def __call__(self, x: torch.Tensor, /, *, width=None, max_error=None, kernel: str | None = None, backend=None,
                 **params) -> torch.Tensor:
        r"""f_w(x; params), elementwise, with autograd.

        Args:
            x (Tensor): the input, any shape (integer and bool tensors are promoted to the default dtype).
            width (float or Tensor): w > 0, a number or a tensor that broadcasts with x; checked as in
                :mod:`smoothfn.functional` (w² a normal number of the compute dtype).
            max_error (float or Tensor): instead of ``width``, for piecewise-linear functions without
                jumps: the width at which sup|f_w − f| ≤ max_error.
            kernel (str): optional; if given, it must be the kernel the function was compiled for.
            backend (str): ``"auto"``, ``"torch"`` or ``"triton"``, as in :mod:`smoothfn.functional`.
            **params (float or Tensor): every parameter of the expression, by name; tensors broadcast
                with x and get gradients when they require grad.

        Returns:
            Tensor of the broadcast shape, in x's dtype (fp16/bf16 computed in fp32, fp64 in fp64).
        """
        if kernel is not None and kernel != self.kernel:
            raise SmoothfnError(
                f"{self.name} was compiled for the {self.kernel} kernel, not {kernel!r}: compile it for that "
                f"kernel with smoothfn.compile(expr, kernel={kernel!r})"
            )
        missing = set(self.params) - set(params)
        unknown = set(params) - set(self.params)
        if missing or unknown:
            raise SmoothfnError(
                f"{self.name} takes the parameters {list(self.params)}; missing {sorted(missing)}, "
                f"unknown {sorted(unknown)}"
            )
        x = as_input(x)
        values = [as_parameter(params[name], x, name) for name in self.params]
        if self.declared:  # a check of every element (a device sync), only where a symbol declares a sign
            from smoothfn.catalog.functions import check_parameter_value

            for name, value in zip(self.params, values):
                check_parameter_value(name, self.declared.get(name, []), value)
        check_shapes(x, [*zip(self.params, values), ("width", width), ("max_error", max_error)])
        w = resolve_width(width, max_error, x, self.kernel, self.name, values, self.kinks, self.no_max_error)
        return ops.apply(self.pair, x, w, *values, backend=backend_choice(backend))


def _kernel_name(kernel) -> str:
    return kernel if isinstance(kernel, str) else kernel.name


def _load(key: str, path: Path):
    """Import the generated twin under its own name, registered in sys.modules: torch.compile
    (Dynamo) imports the module of every function it traces by that name."""
    name = f"smoothfn_user_{key}"
    module = sys.modules.get(name)
    if module is None or getattr(module, "__file__", None) != str(path):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return module


#: Part of the cache key: raised whenever a fix changes what the derivation or the code generator
#: produce for some expression, so that no module written before the fix is loaded after it
#: (2: a variable named u was merged with the integration variable; a parameter in a condition
#: such as Max(x, a*x) folded into the wrong piece; 3: kink facts for max_error=; 4: pieces of
#: degree ≥ 3 with their own tail blocks, the general narrow form, factored regions, the narrow
#: bump for user functions of hardswish's shape).
CACHE_REVISION = 4


def compile(expr, kernel: str = "gaussian") -> CompiledFunction:  # noqa: A001
    r"""compile(expr, kernel="gaussian") -> CompiledFunction

    Smooth your own function: derive :math:`f_w = f * K_w` for the SymPy expression ``expr`` with
    :func:`smoothfn.derive`, generate its torch twin and Triton kernels into the cache directory, and
    load the twin (the kernels load on their first use, on CUDA tensors).

    The cache directory is ``$SMOOTHFN_CACHE``, else ``$XDG_CACHE_HOME/smoothfn``, else
    ``~/.cache/smoothfn``; the files are keyed by a hash of the expression's ``srepr``, the kernel and
    the versions of smoothfn, SymPy and torch. A cached expression loads without the derivation or
    the code generator, in this process or another; writes are atomic, so concurrent compiles of one
    expression are safe.

    Args:
        expr (sympy.Expr): a piecewise polynomial in one real variable (Piecewise, Max, Min, Abs,
            Heaviside, sign of polynomial pieces). With several free symbols the one named ``x`` is
            the variable and the others become parameters, as long as no breakpoint depends on them.
            Staircases (``floor(x)``) are refused here: use :func:`smoothfn.functional.floor`.
        kernel (str): a name from ``smoothfn.KERNELS``. Default: ``"gaussian"``.

    Returns:
        CompiledFunction: ``f(x, *, width=None, max_error=None, backend=None, **params) -> Tensor``
        with autograd, which also works under ``torch.compile`` and copies and pickles.

    Raises:
        the refusals of :func:`smoothfn.derive` (``DivergentConvolutionError``,
        ``NoClosedFormError``, ``UnsupportedFunctionError``, ``UnknownKernelError``), all
        ``ValueError`` subclasses; ``SmoothfnError`` where a generated file fails to load (it is
        removed from the cache, so the next call generates it again).

    Pieces of any degree compile: the tail blocks L_j, S_j and z·S_j' of the orders j ≥ 3 that
    the catalog's building blocks lack are generated into the module itself.

    Example::

        >>> import sympy as sp, torch, smoothfn
        >>> x, a = sp.symbols("x a")
        >>> ramp = smoothfn.compile(a * (sp.Max(x, 0) - sp.Max(x - 2, 0)), kernel="laplace")
        >>> ramp.params
        ('a',)
        >>> ramp(torch.tensor([-1.0, 0.0, 1.0, 2.0, 3.0]), width=0.5, a=2.0)
        tensor([0.0664, 0.4908, 2.0000, 3.5092, 3.9336])
    """
    import sympy as sp

    from smoothfn import __version__

    key_text = "|".join([sp.srepr(sp.sympify(expr)), _kernel_name(kernel), __version__, sp.__version__,
                         torch.__version__, f"revision {CACHE_REVISION}"])
    key = hashlib.sha256(key_text.encode()).hexdigest()[:20]
    folder = cache_directory() / "compiled"
    path = folder / f"user_{key}.py"
    triton_path = folder / f"user_{key}_triton.py"
    about_path = folder / f"user_{key}.json"
    about = _cached(path, triton_path, about_path)
    if about is None:
        from smoothfn.catalog.functions import declared
        from smoothfn.codegen.emit import derivation_sources, kink_facts
        from smoothfn.derivation.derivation import derive

        d = derive(expr, kernel)
        facts = kink_facts(d.function)
        about = {"name": d.function.name, "params": list(d.params),
                 "kinks": None if isinstance(facts, str) else list(facts),
                 "no_max_error": facts if isinstance(facts, str) else None,
                 "declared": {name: declared(symbol) for name, symbol in d.params.items() if declared(symbol)}}
        folder.mkdir(parents=True, exist_ok=True)
        sources = [*derivation_sources(d, narrow=True), json.dumps(about)]
        for target, source in zip([path, triton_path, about_path], sources):  # the description last
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(source, encoding="utf-8")
            temporary.replace(target)  # atomic: concurrent compiles of the same expression are safe
    params = tuple(about["params"])
    try:
        twin = _load(key, path)
    except Exception as error:  # a broken file must not stay in the cache: the next call derives again
        for stale in (path, triton_path, about_path):
            stale.unlink(missing_ok=True)
        raise SmoothfnError(
            f"the generated twin of {about['name']} ({path}) failed to load, and was removed from the cache: "
            f"{type(error).__name__}: {error}"
        ) from error
    # the Triton kernels load on their first use (smoothfn.gpu.launch)
    pair = user_pair(f"user_{key}", params, twin, triton_path)
    kinks = None if about["kinks"] is None else _kink_functions(params, about["kinks"])
    return CompiledFunction(sp.sympify(expr), _kernel_name(kernel), pair, about["name"], params, path, kinks,
                            about["no_max_error"], about["declared"])


def _kink_functions(params: tuple[str, ...], codes: list):
    """The (slope-jump factor, kink distance) functions of the parameters from their source (code
    the generator wrote, as for the catalog's :data:`smoothfn.generated.KINKS`)."""
    namespace = {"torch": torch, "math": math}
    make = lambda code: None if code is None else eval(f"lambda {', '.join(params)}: {code}", namespace)  # noqa: S307
    return make(codes[0]), make(codes[1])


def _cached(path: Path, triton_path: Path, about_path: Path) -> dict | None:
    """The cached pair's name and parameters, or None where the cache lacks a file of it."""
    if not (path.exists() and triton_path.exists() and about_path.exists()):
        return None
    try:
        about = json.loads(about_path.read_text(encoding="utf-8"))
        return {"name": str(about["name"]), "params": [str(p) for p in about["params"]],
                "kinks": about["kinks"], "no_max_error": about["no_max_error"],
                "declared": {str(k): [str(f) for f in v] for k, v in about.get("declared", {}).items()}}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: derive and write it again
