"""Who may open each exams page (read by tests/ui/test_permission_matrix.py).

Two engineers add exams routes, so the rows live in two modules merged here: the broker
pages and the API (``permission_rows_web``, if present) and the trainers' and admins' pages
(``permission_rows_staff``). Add rows to those modules, not here.
"""

from __future__ import annotations

import importlib

ROWS: dict = {}
for _name in ("permission_rows_staff", "permission_rows_web"):
    try:
        _module = importlib.import_module(f"tests.exams.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"tests.exams.{_name}":
            raise
        continue
    _duplicated = ROWS.keys() & _module.ROWS.keys()
    assert not _duplicated, f"exams rows listed twice: {sorted(_duplicated)}"
    ROWS.update(_module.ROWS)
