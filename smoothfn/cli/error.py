"""``smoothfn error FUNC``: the measured approximation error per width, or every kernel compared."""

from __future__ import annotations

import argparse

DEFAULT_WIDTHS = (0.4, 0.2, 0.1, 0.05, 0.025)


def add_parser(commands) -> None:
    error = commands.add_parser(
        "error", help="measured sup, L1 and L2 errors of f_w - f per width, beside the closed forms",
        description="Measure sup|f_w - f|, the L1 and the L2 error over the line (smoothfn.approximation_error) "
        "at each width, beside the closed forms, and fit the orders in w. With --all-kernels, compare every "
        "kernel at equal width and at equal standard deviation (cauchy and student_t2, which have none: at "
        "the interquartile range of a Gaussian with that standard deviation) and name the winners.")
    error.add_argument("function", help="catalog name or SymPy expression in x")
    error.add_argument("--kernel", "-k", default="gaussian")
    error.add_argument("--widths", "-w", type=float, nargs="+", default=list(DEFAULT_WIDTHS),
                       help=f"widths (default: {' '.join(map(str, DEFAULT_WIDTHS))})")
    error.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                       help="a parameter of the function (alpha=0.1, lo=-2, y=0.5); repeatable")
    error.add_argument("--all-kernels", action="store_true",
                       help="compare every kernel at equal width (the first of --widths) and at equal spread")
    error.add_argument("--scale", type=float, default=None,
                       help="the standard deviation of the equal-spread comparison (default: the first width)")
    error.add_argument("--no-closed-form", action="store_true", help="skip the closed forms (no SymPy derivation)")


def run(args, parser) -> int:
    from smoothfn.analysis.compare import compare_kernels
    from smoothfn.analysis.error import convergence

    target = _function(args.function)
    params = parse_params(args.param, parser)
    if args.all_kernels:
        width = args.widths[0]
        scale = args.scale if args.scale is not None else width
        print(compare_kernels(target, width=width, scale=scale, **params).table())
        return 0
    report = convergence(target, args.kernel, widths=args.widths, predict=not args.no_closed_form, **params)
    print(report.table())
    return 0


def parse_params(items: list[str], parser: argparse.ArgumentParser) -> dict[str, float]:
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            params[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            parser.error(f"--param takes NAME=VALUE with a number, got {item!r}")
    return params


def _function(text: str):
    from smoothfn.catalog.functions import FUNCTIONS
    from smoothfn.cli.main import _parse

    return text if text in FUNCTIONS else _parse(text)
