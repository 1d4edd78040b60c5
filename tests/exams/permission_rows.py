"""Who may open each exams page (read by tests/ui/test_permission_matrix.py).

The rows live in two modules, merged here: the broker pages and the API
(``permission_rows_web``) and the trainers' and admins' pages (``permission_rows_staff``). Add
rows to those modules, not here.
"""

from __future__ import annotations

from tests.exams.permission_rows_staff import ROWS as _STAFF_ROWS
from tests.exams.permission_rows_web import ROWS as _WEB_ROWS

_duplicated = _STAFF_ROWS.keys() & _WEB_ROWS.keys()
assert not _duplicated, f"exams rows listed twice: {sorted(_duplicated)}"
ROWS: dict = {**_STAFF_ROWS, **_WEB_ROWS}
