"""Report the largest relative error of the quadrature verification at the end of the run."""


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
