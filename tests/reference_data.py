"""The mpmath reference values the tests compare against, computed once into tests/data/.

    python tools/make_test_data.py [SECTION …] [--jobs N]      # rewrites tests/data/SECTION.json

Like SciPy's special-function tests against mpmath-generated data: the slow references
(quadrature of the convolution integrals, closed forms and series at 40+ digits, central
differences of them) are computed here, once, and the tests compare the library against the
stored numbers. Each section below is one data file; ``section_<name>(key)`` computes the
records of one key (a "function/kernel" pair) and ``KEYS[name]()`` lists the keys.

Each file stores the fingerprint of what produced it: tests/reference.py, this module's shared
code and the section's own function (:func:`fingerprint`). ``test_reference_data`` fails when a
fingerprint differs, that is when the generator or its inputs changed and the data did not; the
slow tier regenerates a sample of every section and compares it with the file.

Values are strings of ``DIGITS`` significant digits (mpmath.mpf parses them); inputs the tests
feed to the library as floats are stored as floats (exact in JSON).
"""

from __future__ import annotations

import ast
import hashlib
import json
from functools import cache
from pathlib import Path

import mpmath
import reference
import sympy as sp

from smoothfn.catalog.functions import FUNCTIONS
from smoothfn.catalog.kernels import KERNELS

DATA = Path(__file__).resolve().parent / "data"
DIGITS = 25
COMMAND = "python tools/make_test_data.py"

# the pairs whose convolution diverges or has no closed form the generators evaluate
REFUSED = {
    ("relu", "cauchy"), ("leaky_relu", "cauchy"), ("abs", "cauchy"), ("max", "cauchy"),
    ("min", "cauchy"), ("floor", "cauchy"), ("round", "cauchy"), ("hardswish", "cauchy"),
    ("hardswish", "logistic"),
}
# the parameter values of the twin and kernel tests (tests/helpers.PARAMS)
PARAMS = {"alpha": 0.15, "lo": -0.7, "hi": 1.3, "y": 0.4}
# the clamp-like functions: kinks c1 < c2 at PARAMS, constant outside
RAMP_KINKS = {"clamp": (PARAMS["lo"], PARAMS["hi"]), "hardtanh": (-1.0, 1.0), "relu6": (0.0, 6.0),
              "hardsigmoid": (-3.0, 3.0)}
STAIRCASES = ("floor", "round")


def text(value) -> str:
    return mpmath.nstr(value, DIGITS)


def key(function: str, kernel: str) -> str:
    return f"{function}/{kernel}"


def pair(k: str) -> tuple[str, str]:
    function, kernel = k.split("/")
    return function, kernel


def converging_pairs() -> list[str]:
    return [key(f, k) for f in FUNCTIONS for k in KERNELS if (f, k) not in REFUSED]


def generated_pairs() -> list[str]:
    """The pairs with a generated closed form (no staircase: floor/round are series)."""
    return [p for p in converging_pairs() if pair(p)[0] not in STAIRCASES]


def staircase_pairs() -> list[str]:
    return [key(f, k) for f in STAIRCASES for k in KERNELS if (f, k) not in REFUSED]


def ramp_pairs() -> list[str]:
    return [key(f, k) for f in RAMP_KINKS for k in KERNELS]


def exact_function(function: str, params: dict):
    """x ↦ f(x) from the catalog definition, in mpmath."""
    fn = FUNCTIONS[function]
    f = sp.lambdify([fn.x, *fn.params.values()], fn.expr, "mpmath")
    values = [params[n] for n in fn.params]
    return lambda x: f(mpmath.mpf(x), *values)


def ramp_limits(function: str) -> tuple[float, float, float, float]:
    c1, c2 = RAMP_KINKS[function]
    exact = exact_function(function, PARAMS)
    return c1, c2, float(exact(-1e300)), float(exact(1e300))


@cache
def derivation(function: str, kernel: str):
    from smoothfn import derive

    return derive(function, kernel)


# --- sections: one data file each; section_<name>(key) -> the records of one key ----------------

def section_quadrature(k: str) -> list:
    """[x, w, f_w(x)]: the convolution integral by quadrature (the layer-cake sum for floor and
    round) at 30 digits; sinh-spaced points over ±30 widths and far points, three widths."""
    function, kernel = pair(k)
    fn, kern = FUNCTIONS[function], KERNELS[kernel]
    symbols = {fn.params[n]: v for n, v in fn.defaults.items()}
    centres = [float(c.subs(symbols)) for c in fn.breakpoints] or [0.0]
    rows = []
    with mpmath.workdps(30):
        for w in (1e-3, 1.0, 10.0):
            for x in reference.sample_points(centres, w, 36):
                if fn.is_staircase:
                    value = reference.staircase(fn, kern, x, w)
                else:
                    value = reference.convolution(fn, kern, x, w, fn.defaults)
                rows.append([x, w, text(value)])
    return rows


def section_derivatives(k: str) -> list:
    """{x, w, params, gradients}: ∂f_w/∂v for x, w and every parameter by central differences
    (h = 1e-12, 50 digits) of the quadrature of the convolution (the layer-cake sum for floor
    and round), at points off the knots of the compact kernels' derivatives."""
    function, kernel = pair(k)
    fn, kern = FUNCTIONS[function], KERNELS[kernel]
    rows = []
    with mpmath.workdps(50):
        params = {name: mpmath.mpf(v) + mpmath.mpf("0.1") for name, v in fn.defaults.items()}
        if function == "clamp":
            params = {"lo": mpmath.mpf("-0.7"), "hi": mpmath.mpf("1.3")}
        h = mpmath.mpf("1e-12")

        def value(args):
            if fn.is_staircase:
                return reference.staircase(fn, kern, args["x"], args["width"])
            return reference.convolution(fn, kern, args["x"], args["width"], {n: args[n] for n in fn.params})

        for w in ("0.3713", "2.2961"):
            for x in ("-2.71", "0.123", "0.61", "4.2173"):
                point = {"x": mpmath.mpf(x), "width": mpmath.mpf(w), **params}
                gradients = {}
                for name in point:
                    up, down = dict(point), dict(point)
                    up[name] += h
                    down[name] -= h
                    gradients[name] = text((value(up) - value(down)) / (2 * h))
                rows.append({"x": x, "w": w, "params": {n: text(v) for n, v in params.items()},
                                "gradients": gradients})
    return rows


TWIN_WIDTHS = (1e-3, 0.7, 25.0)
TWIN_OFFSETS = (-300, -40, -8, -1.3, -0.2, 0, 0.05, 0.9, 3.3, 12, 70, 500)


def section_twin(k: str) -> list:
    """[x, w, f_w, {v: ∂f_w/∂v}]: the closed form and its derivatives (x, width, every parameter at
    PARAMS) evaluated in mpmath to 25 correct digits (the precision rises until two evaluations
    agree: the tails cancel catastrophically in the formula, not in the number)."""
    function, kernel = pair(k)
    d = derivation(function, kernel)
    params = {n: PARAMS[n] for n in d.params}
    rows = []
    for w in TWIN_WIDTHS:
        g = d.numeric(w, **params)
        dg = {name: d.numeric_gradient(name, w, **params) for name in d.variables}
        for c in TWIN_OFFSETS:
            for s in (0, 0.61):
                x = c * w + s
                rows.append([x, w, text(g(x)), {name: text(fn(x)) for name, fn in dg.items()}])
    return rows


SERIES_WIDTHS = (1e-3, 0.05, 0.2, 0.3, 0.7, 1.0, 3.0, 9.0)
SERIES_XS = (-3.3, -1.0, -0.5, -0.01, 0.0, 0.2, 0.5, 0.77, 0.999, 2.5, 1000.3, -12345.6)


def section_staircase_series(k: str) -> list:
    """[x, w, value, ∂/∂x, ∂/∂w]: the derivation's series for floor_w / round_w at 45 digits, its
    derivatives by central differences of it (h = 1e-12·w; mpmath.nsum's acceleration misjudges
    the derivative series whose terms stop at a compact kernel's edge)."""
    function, kernel = pair(k)
    series = derivation(function, kernel)._lambdified
    rows = []
    with mpmath.workdps(45):
        for w in SERIES_WIDTHS:
            wm = mpmath.mpf(w)
            h = wm * mpmath.mpf("1e-12")
            for x in SERIES_XS:
                xm = mpmath.mpf(x)
                value = series(xm, wm)
                dx = (series(xm + h, wm) - series(xm - h, wm)) / (2 * h)
                dw = (series(xm, wm + h) - series(xm, wm - h)) / (2 * h)
                rows.append([x, w, text(value), text(dx), text(dw)])
    return rows


def section_staircase_wide(k: str) -> list:
    """[x, w, value, ∂/∂x, ∂/∂w] for the compact kernels at w ≥ 1: E⌊x − wY⌋ by quadrature over the
    intervals where the floor is constant (30 digits), derivatives by central differences of it
    (h = 1e-9)."""
    function, kernel = pair(k)
    rows = []
    with mpmath.workdps(30):
        h = mpmath.mpf("1e-9")
        for w in (1.0, 2.5, 11.5, 40.0, 333.3):
            for x in (-7.3, -0.4, 0.0, 0.61, 3.25, 1e6 + 0.3):
                q = lambda x, w: reference.staircase_quadrature(function, KERNELS[kernel], x, w)  # noqa: E731
                value = q(x, w)
                dx = (q(mpmath.mpf(x) + h, w) - q(mpmath.mpf(x) - h, w)) / (2 * h)
                dw = (q(x, mpmath.mpf(w) + h) - q(x, mpmath.mpf(w) - h)) / (2 * h)
                rows.append([x, w, text(value), text(dx), text(dw)])
    return rows


def staircase_wide_pairs() -> list[str]:
    return [key(f, k) for f in STAIRCASES for k in ("uniform", "triangular", "epanechnikov")]


def section_ramp_tails(k: str) -> list:
    """[x, w, f_w] for the clamp-like functions with the algebraic kernels far out in the tails
    (x/w up to ±1e6), by quadrature of the kernel's CDF over the ramp (reference.ramp), 40 digits."""
    function, kernel = pair(k)
    c1, c2, low, high = ramp_limits(function)
    rows = []
    with mpmath.workdps(40):
        for w in (1e-3, 1.0):
            for c in (-1e6, -1e3, -100, 100, 1e3, 1e6):
                for s in (-5, 0, 5):
                    x = c * w + s * (c2 - c1)
                    value, _, _ = reference.ramp(KERNELS[kernel], c1, c2, low, high, x, w)
                    rows.append([x, w, text(value)])
    return rows


def ramp_tail_pairs() -> list[str]:
    return [p for p in ramp_pairs() if pair(p)[1] in ("cauchy", "student_t2")]


def section_ramp_wide(k: str) -> list:
    """[x, w, f_w, ∂f_w/∂x, ∂f_w/∂w] for the clamp-like functions at widths far above the kink
    spacing (reference.ramp, 30 digits)."""
    function, kernel = pair(k)
    c1, c2, low, high = ramp_limits(function)
    rows = []
    with mpmath.workdps(30):
        for w in (2 * (c2 - c1) / 0.1, (c2 - c1) / 0.04, 1e3, 1e6):
            for c in (-30, -2, -0.4, 0, 0.3, 1.5, 12):
                for s in (0, 0.61):
                    x = c * w + s
                    rows.append([x, w, *map(text, reference.ramp(KERNELS[kernel], c1, c2, low, high, x, w))])
    return rows


KEYS = {
    "quadrature": converging_pairs,
    "derivatives": converging_pairs,
    "twin": generated_pairs,
    "staircase_series": staircase_pairs,
    "staircase_wide": staircase_wide_pairs,
    "ramp_tails": ramp_tail_pairs,
    "ramp_wide": ramp_pairs,
}
SECTIONS = {name: globals()[f"section_{name}"] for name in KEYS}


# --- files ------------------------------------------------------------------------------------

def fingerprint(section: str) -> str:
    """sha256 of what the numbers of ``section`` depend on besides the library: the mpmath
    version, the section's keys, and the source of ``section_<name>`` with every definition of
    this module and of tests/reference.py it uses, directly or not (editing one section, or
    adding one, leaves the others' fingerprints alone)."""
    own = _definitions(Path(__file__).read_text(encoding="utf-8"))
    ref = _definitions(Path(reference.__file__).read_text(encoding="utf-8"))
    used, todo = {}, [(own, f"section_{section}")]
    while todo:
        table, name = todo.pop()
        if (id(table), name) in used or name not in table[0]:
            continue
        node = table[0][name]
        used[(id(table), name)] = (table, node)
        for n in ast.walk(node):
            if isinstance(n, ast.Name):
                todo.append((table, n.id))
            elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "reference":
                todo.append((ref, n.attr))
    segments = {}
    for table, node in used.values():
        segments[(id(table), node.lineno)] = ast.get_source_segment(table[1], node)
    parts = [f"mpmath {mpmath.__version__}", json.dumps(KEYS[section]()), *ref[2],
             *(segments[k] for k in sorted(segments, key=lambda k: (k[0] != id(own), k[1])))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _definitions(source: str):
    """(name → top-level definition node, source, [other top-level statements but imports])."""
    names, others = {}, []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and all(
                isinstance(t, ast.Name) for t in (node.targets if isinstance(node, ast.Assign) else [node.target])):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names[target.id] = node
        elif not isinstance(node, (ast.Import, ast.ImportFrom)) and not (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # docstrings
            others.append(ast.get_source_segment(source, node))
    return names, source, others


def path(section: str) -> Path:
    return DATA / f"{section}.json"


def write(section: str, records: dict) -> Path:
    """One key per line, keys in generation order: small diffs when a section is regenerated."""
    head = {"section": section, "command": COMMAND, "fingerprint": fingerprint(section), "digits": DIGITS}
    lines = [json.dumps(head)[:-1] + ', "records": {']
    items = list(records.items())
    for i, (k, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(k)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}}")
    DATA.mkdir(exist_ok=True)
    target = path(section)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@cache
def load(section: str) -> dict:
    """The whole file: section, command, fingerprint, digits, records (key → list)."""
    return json.loads(path(section).read_text(encoding="utf-8"))


def records(section: str, k: str) -> list:
    data = load(section)["records"]
    assert k in data, f"tests/data/{section}.json has no {k}: run `{COMMAND} {section}`"
    return data[k]


def same(a: str, b: str, rel: float = 1e-20) -> bool:
    """Two stored values agree to ``rel`` (regeneration may differ in the last digit)."""
    with mpmath.workdps(DIGITS + 5):
        x, y = mpmath.mpf(a), mpmath.mpf(b)
        return abs(x - y) <= rel * max(abs(x), abs(y)) or x == y


