"""The vocabulary of the permission matrix (tests/ui/test_permission_matrix.py).

An app lists who may open its pages in ``tests/<app>/permission_rows.py``::

    from tests.ui.matrix import DENIED, LOGIN, OK, Row, logged_in

    def _cohort():            # builds the URL kwargs, with database access
        return {"pk": CohortFactory().pk}

    ROWS = {
        "courses:cohort_list": Row(logged_in({"trainer": OK, "admin": OK})),
        "courses:cohort_detail": Row(logged_in({"trainer": DENIED, "admin": OK}), kwargs=_cohort),
    }

Roles: anonymous, broker, trainer, auditor, admin (staff with an authenticator enrolled).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "broker", "trainer", "auditor", "admin")

OK = 200
LOGIN = "login"  # 302 to the login page (allauth's, or the admin's which hands over to it)
DENIED = 403
NOT_FOUND = 404  # e.g. a trainer asking for a cohort that is not theirs, if designed so
API_ANON = "api-anon"  # 401 or 403 with a JSON body
PUBLIC = "public"  # never a login redirect or 403 (e.g. /healthz: 200 or 503)
REDIRECT = "redirect"  # any 302 that is not to the login page (e.g. a POST-only action)


def everyone(expect: Any) -> dict[str, Any]:
    return dict.fromkeys(ROLES, expect)


def logged_in(expect_by_role: dict[str, Any]) -> dict[str, Any]:
    """Anonymous → login; the listed roles get their expectation; the others 403."""
    expect = dict.fromkeys(ROLES, DENIED)
    expect["anonymous"] = LOGIN
    expect.update(expect_by_role)
    return expect


@dataclass(frozen=True)
class Row:
    """One route: the expectation per role; ``kwargs`` builds the URL's arguments (it may
    receive the role's user: ``kwargs(user)`` if it takes one argument); ``query`` is appended;
    ``method`` is GET unless said otherwise (``data`` is then posted)."""

    expect: dict[str, Any]
    kwargs: Callable[..., dict[str, Any]] | None = None
    query: str = ""
    method: str = "get"
    data: dict[str, Any] | None = None
    note: str = field(default="", compare=False)
