"""``smoothfn.compile(expr, kernel)``: derivation and code generation for a user's function.

The generated torch twin and Triton kernels are written to a per-user cache directory, keyed by a hash of the
expression, the kernel and the versions of smoothfn, SymPy and torch, and imported from there:
a second call (or a second process) with the same expression loads the file without the derivation
(the key is a hash of the expression's ``srepr``; only the small JSON description of the
function's name and parameters is read besides the generated files).

    >>> import sympy as sp, smoothfn
    >>> x = sp.Symbol("x")
    >>> hardswish = smoothfn.compile(x * sp.Min(sp.Max(x / 6 + sp.Rational(1, 2), 0), 1))
    >>> hardswish(torch.linspace(-4, 4, 9), width=0.5)
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path

import torch


def cache_directory() -> Path:
    """$SMOOTHFN_CACHE, else $XDG_CACHE_HOME/smoothfn, else ~/.cache/smoothfn."""
    root = os.environ.get("SMOOTHFN_CACHE")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "smoothfn"


class CompiledFunction:
    """A smoothed user function: ``f(x, *, width, **params)`` with autograd."""

    def __init__(self, module, derivation_name: str, params: tuple[str, ...], path: Path,
                 declared: dict[str, list[str]] | None = None):
        self.module = module
        self.name = derivation_name
        self.params = params
        self.path = path
        self.declared = declared or {}  # parameter → the facts its symbol declares (a sign, ...)

    def __repr__(self) -> str:
        return f"CompiledFunction({self.name!r}, params={self.params}, source={str(self.path)!r})"

    def __call__(self, x: torch.Tensor, /, *, width, backend=None, **params) -> torch.Tensor:
        """f_w(x; params); ``backend`` as in :mod:`smoothfn.functional` (Triton on CUDA)."""
        from smoothfn import functional
        from smoothfn.ops import autograd as ops

        missing = set(self.params) - set(params)
        unknown = set(params) - set(self.params)
        if missing or unknown:
            raise ValueError(
                f"{self.name} takes the parameters {list(self.params)}; missing {sorted(missing)}, "
                f"unknown {sorted(unknown)}"
            )
        x = functional._input(x)
        values = [functional._tensor(params[name], x, name) for name in self.params]
        if self.declared:  # a check of every element (a device sync), only where a symbol declares a sign
            from smoothfn.catalog.functions import check_parameter_value

            for name, value in zip(self.params, values):
                check_parameter_value(name, self.declared.get(name, []), value)
        functional._check_shapes(x, [*zip(self.params, values), ("width", width)])
        w = functional._width(width, None, x, "gaussian", None)
        return ops.apply(self.module, x, w, *values, backend=functional._backend(backend))


def _kernel_name(kernel) -> str:
    return kernel if isinstance(kernel, str) else kernel.name


def _load(key: str, path: Path, triton_path: Path):
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
    module.TRITON_PATH = triton_path  # loaded on the first Triton call (smoothfn.gpu.launch)
    return module


#: Part of the cache key: raised whenever a fix changes what the derivation or the code generator
#: produce for some expression, so that no module written before the fix is loaded after it
#: (2: a variable named u was merged with the integration variable; a parameter in a condition
#: such as Max(x, a*x) folded into the wrong piece).
CACHE_REVISION = 2


def compile(expr, kernel: str = "gaussian") -> CompiledFunction:  # noqa: A001
    """Derive ``expr`` ∗ ``kernel``, generate its torch twin and Triton kernels into the cache,
    and load the twin (the kernels load on their first use). The cache key needs only the
    expression's ``srepr``: a cached pair loads without the derivation (or the code generator)."""
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
        from smoothfn.codegen.emit import derivation_sources
        from smoothfn.derivation.derivation import derive

        d = derive(expr, kernel)
        about = {"name": d.function.name, "params": list(d.params),
                 "declared": {name: declared(symbol) for name, symbol in d.params.items() if declared(symbol)}}
        folder.mkdir(parents=True, exist_ok=True)
        sources = [*derivation_sources(d), json.dumps(about)]
        for target, source in zip([path, triton_path, about_path], sources):  # the description last
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(source, encoding="utf-8")
            temporary.replace(target)  # atomic: concurrent compiles of the same expression are safe
    return CompiledFunction(_load(key, path, triton_path), about["name"], tuple(about["params"]), path,
                            about["declared"])


def _cached(path: Path, triton_path: Path, about_path: Path) -> dict | None:
    """The cached pair's name and parameters, or None where the cache lacks a file of it."""
    if not (path.exists() and triton_path.exists() and about_path.exists()):
        return None
    try:
        about = json.loads(about_path.read_text(encoding="utf-8"))
        return {"name": str(about["name"]), "params": [str(p) for p in about["params"]],
                "declared": {str(k): [str(f) for f in v] for k, v in about.get("declared", {}).items()}}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: derive and write it again
