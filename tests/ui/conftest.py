"""Reports how many URL × role cells of the permission matrix ran (shown when tests/ui runs in
the pytest process itself, e.g. ``pytest -n 0 tests/ui``; the figure is also ``len(CELLS)``
in test_permission_matrix.py)."""

from __future__ import annotations

MATRIX_TEST = "test_permission_matrix.py::test_permission_matrix["


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = {
        outcome: sum(1 for report in terminalreporter.stats.get(outcome, [])
                     if getattr(report, "when", "call") == "call"
                     and MATRIX_TEST in getattr(report, "nodeid", ""))
        for outcome in ("passed", "failed")
    }
    total = counts["passed"] + counts["failed"]
    if total:
        others = sum(1 for outcome in ("passed", "failed")
                     for report in terminalreporter.stats.get(outcome, [])
                     if MATRIX_TEST in getattr(report, "nodeid", "")
                     and getattr(report, "when", "call") == "call"
                     and ("-other_broker]" in report.nodeid
                          or "-other_trainer]" in report.nodeid))
        terminalreporter.write_line(
            f"permission matrix: {total} URL × role cells checked ({others} with another "
            f"user's object), {counts['failed']} failed")
