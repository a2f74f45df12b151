"""``smoothfn plot FUNC --out PATH`` (one figure) and ``smoothfn gallery`` (every figure in plots/)."""

from __future__ import annotations


def add_parser(commands) -> None:
    plot = commands.add_parser(
        "plot", help="draw f and its smoothings (or, with --error, its error against the width) to a PNG",
        description="Draw FUNC and its smoothings f_w for each kernel and width, with the derivative below "
        "(smoothfn.plot.smoothings), or with --error the measured and closed-form errors against the width "
        "on log-log axes (smoothfn.plot.error_vs_width). Writes a PNG at 150 dpi, and an SVG with --svg.")
    plot.add_argument("function", help="catalog name or SymPy expression in x")
    plot.add_argument("--kernel", "-k", nargs="+", default=["gaussian"],
                      help="one or more kernels, or 'all' (every kernel with a closed form for FUNC)")
    plot.add_argument("--widths", "-w", type=float, nargs="+", default=None,
                      help="widths (default: 0.1 0.4 for the smoothings, 7 from 0.01 to 1 for --error)")
    plot.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                      help="a parameter of the function; repeatable")
    plot.add_argument("--error", action="store_true", help="draw the error against the width instead")
    plot.add_argument("--out", "-o", required=True, help="the PNG to write (.svg writes an SVG only)")
    plot.add_argument("--svg", action="store_true", help="write an SVG beside the PNG")

    gallery = commands.add_parser(
        "gallery", help="regenerate the figures and their data in plots/ (smoothfn.plot.gallery)")
    gallery.add_argument("--out", default="plots", help="folder (default: plots)")
    gallery.add_argument("--only", nargs="+", default=None, metavar="NAME", help="only these figures")
    gallery.add_argument("--svg", action="store_true", help="write SVGs beside the PNGs")


def run(args, parser) -> int:
    if args.command == "gallery":
        import time

        from smoothfn.plot.gallery import write_gallery

        start = time.perf_counter()
        written = write_gallery(args.out, only=args.only, svg=args.svg)
        print(f"wrote {len(written)} files to {args.out}/ in {time.perf_counter() - start:.1f} s")
        return 0
    from smoothfn.cli.error import _function, parse_params
    from smoothfn.plot import error_vs_width, save, smoothings

    target = _function(args.function)
    params = parse_params(args.param, parser)
    kernels = None if args.kernel == ["all"] else args.kernel
    if args.error:
        fig = error_vs_width(target, kernels=kernels, widths=args.widths, **params)
    else:
        fig = smoothings(target, kernels=kernels, widths=args.widths or (0.1, 0.4), **params)
    for path in save(fig, args.out, svg=args.svg):
        print(f"wrote {path}")
    return 0
