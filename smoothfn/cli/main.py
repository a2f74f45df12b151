"""The ``smoothfn`` command line: ``list``, ``derive``, ``generate``, ``demo``, ``tour``, ``error``,
``plot``, ``gallery`` and ``bench``."""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # its own parser (smoothfn/bench/harness.py)
        from smoothfn.bench.harness import main as bench

        return bench(argv[1:])
    parser = argparse.ArgumentParser(prog="smoothfn", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="the kernels and functions with their properties")

    derive = commands.add_parser("derive", help="derive a closed form, or every document")
    derive.add_argument("function", nargs="?", help="catalog name or SymPy expression in x")
    derive.add_argument("--kernel", "-k", default="gaussian")
    form = derive.add_mutually_exclusive_group()
    form.add_argument("--latex", action="store_true", help="print LaTeX")
    form.add_argument("--markdown", action="store_true", help="print the derivation document")
    derive.add_argument("--all", action="store_true", help="write every document and the index")
    derive.add_argument("--out", default="derivations", help="folder for --all (default: derivations)")
    derive.add_argument("--jobs", type=int, default=None, help="worker processes for --all")

    generate = commands.add_parser(
        "generate", help="regenerate the torch twin and the Triton kernels in smoothfn/generated"
    )
    generate.add_argument("--jobs", type=int, default=None, help="worker processes")

    from smoothfn.cli import train_demo

    train_demo.add_arguments(commands.add_parser(
        "demo", help="train a small network on handwritten digits with ReLU and smooth activations"))
    commands.add_parser("tour", help="a tour of the derivations on built-in defaults")

    from smoothfn.cli import error as error_command
    from smoothfn.cli import plot as plot_command

    error_command.add_parser(commands)
    plot_command.add_parser(commands)
    commands.add_parser("bench", help="benchmark against the plain formulas (smoothfn bench --help)")

    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            return _list()
        if args.command == "derive":
            return _derive(args, parser)
        if args.command == "generate":
            from smoothfn.codegen.emit import GENERATED, write_sources

            start = time.perf_counter()
            count = write_sources(jobs=args.jobs)
            print(f"wrote {count} modules to {GENERATED} in {time.perf_counter() - start:.1f} s")
            return 0
        if args.command == "demo":
            return train_demo.run(args)
        if args.command == "error":
            return error_command.run(args, parser)
        if args.command in ("plot", "gallery"):
            return plot_command.run(args, parser)
        from smoothfn.cli.demo import run

        return run()
    except ValueError as error:  # every smoothfn refusal is a ValueError
        print(f"smoothfn: error: {error}", file=sys.stderr)
        return 2


def _list() -> int:
    from smoothfn.catalog.functions import FUNCTIONS
    from smoothfn.catalog.kernels import KERNELS

    print("Kernels (K_w(u) = k(u/w)/w):")
    for k in KERNELS.values():
        lo, hi = k.support
        print(f"  {k.name:13s} k(u) = {k.density}")
        print(
            f"  {'':13s} support [{lo}, {hi}], E|Y| = {k.mean_abs}, Var = {k.variance}, "
            f"std = {k.std}, finite absolute moments: {k.finite_absolute_moments}"
        )
    print("\nFunctions:")
    for f in FUNCTIONS.values():
        params = ", ".join(f"{p.name}={p.default:g}" for p in f.parameters)
        kind = "unit staircase" if f.is_staircase else (
            "continuous" if f.continuous else "with jumps"
        )
        print(f"  {f.name:12s} {f.title}; {kind}" + (f"; parameters {params}" if params else ""))
    return 0


def _derive(args, parser) -> int:
    if args.all:
        if args.function or args.latex or args.markdown:  # not silently ignored (a typo would pass)
            parser.error("derive --all writes every document; it takes no FUNCTION, --latex or --markdown")
        from smoothfn.derivation.catalog_documents import write_all

        start = time.perf_counter()
        written = write_all(args.out, args.jobs)
        print(f"wrote {len(written)} files to {args.out}/ in {time.perf_counter() - start:.1f} s")
        return 0
    if not args.function:
        parser.error("derive needs a FUNCTION or --all")
    import sympy as sp

    from smoothfn.catalog.functions import FUNCTIONS
    from smoothfn.derivation.derivation import derive

    target = args.function if args.function in FUNCTIONS else _parse(args.function)
    d = derive(target, args.kernel)
    if args.markdown:
        print(d.markdown(), end="")
    elif args.latex:
        print(d.latex())
    else:
        print(f"{d.function.name} ∗ {d.kernel.name}:")
        print(f"  f_w({d.x}) = {sp.sstr(d.expr)}")
        for name, expr in d.gradients.items():
            print(f"  ∂/∂{name} = {sp.sstr(expr)}")
        if d.sup_error is not None:
            print(f"  sup|f_w - f| = {sp.sstr(d.sup_error)}")
        print(f"  {d.error_statement}")
    return 0


def _parse(text: str):
    """A SymPy expression in x from the command line, refused with UnknownFunctionError (exit 2)
    where it names something unknown: a bare name outside the catalog gets the Python API's
    error for that name, an undefined function (relux(x)) is named, and an expression without x
    (y, 2*a) is refused rather than smoothed as a function of its one symbol."""
    import sympy as sp
    from sympy.core.function import AppliedUndef

    from smoothfn.catalog.functions import FUNCTIONS
    from smoothfn.derivation.derivation import resolve_function
    from smoothfn.errors import UnknownFunctionError

    x = sp.Symbol("x", real=True)
    try:
        expr = sp.sympify(text, locals={"x": x, "clamp": _clamp()})
    except (sp.SympifyError, SyntaxError, TypeError) as error:
        raise UnknownFunctionError(
            f"{text!r} is neither a catalog function nor a SymPy expression ({error})"
        ) from None
    has_x = isinstance(expr, sp.Basic) and x in expr.free_symbols
    if text.strip().isidentifier() and not has_x:
        resolve_function(text.strip())  # not a catalog name: the Python API's UnknownFunctionError
    if not isinstance(expr, sp.Expr):
        raise UnknownFunctionError(f"{text!r} is neither a catalog function nor a SymPy expression in x")
    unknown = sorted({type(f).__name__ for f in expr.atoms(AppliedUndef)})
    if unknown:
        raise UnknownFunctionError(
            f"{text!r} calls the unknown function(s) {', '.join(unknown)}: an expression may use SymPy's "
            "functions (Max, Min, Abs, Piecewise, Heaviside, sign, floor) and clamp; a catalog function "
            f"({', '.join(FUNCTIONS)}) is given by its name alone"
        )
    if not has_x:
        raise UnknownFunctionError(
            f"{text!r} is not an expression in x: on the command line the variable is x "
            f"(other symbols are parameters); catalog functions: {', '.join(FUNCTIONS)}"
        )
    return expr


def _clamp():
    import sympy as sp

    return lambda value, low, high: sp.Min(sp.Max(value, low), high)


if __name__ == "__main__":
    sys.exit(main())
