"""Test session set-up and the report of the largest quadrature error at the end of the run.

Without a CUDA device, Triton kernels run in Triton's interpreter on CPU tensors: the variable
must be set before triton is first imported, so it is set here, before any test module loads.
"""

import os

import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")


def pytest_terminal_summary(terminalreporter):
    worst = []
    for report in terminalreporter.stats.get("passed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "largest_relative_error":
                worst.append((value, report.nodeid.split("[")[-1].rstrip("]")))
    if worst:
        value, pair = max(worst)
        terminalreporter.write_line(
            f"quadrature verification: {len(worst)} pairs, largest relative error {value:.3g} ({pair})"
        )
