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

Other people's objects (no IDOR). Two more roles are tried on every route whose ``kwargs``
builder takes the user, i.e. makes the subject "theirs": ``other_broker`` (a classmate: a
broker enrolled in the owner's cohorts, who is not the owner) and ``other_trainer`` (a
trainer who teaches a cohort of their own, not the owner's). The builder is called with
the owner (a broker, or a trainer) and the page is opened by the other one. Their expectation
is derived unless the row declares it (``logged_in({"broker": OK, "other_broker": OK})``
for a thing classmates share, such as a lesson):

* a role that gets past the access check with its own object (200, a redirect, 400, …)
  must be ``REFUSED`` (403 or 404) with another user's;
* a role refused with its own object is refused with another's too (``REFUSED``);
* public rows (anonymous gets 200) and builders that ignore the user get no extra cell:
  there the object is nobody's, or already someone else's.

``other_auditor`` and ``other_admin`` (another auditor or admin than the owner) are tried
only on rows that declare them, for things owned by a staff member such as an export.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "broker", "trainer", "auditor", "admin")
# The "other" roles and the role whose rows they derive from (see the module docstring).
OTHER_ROLES = {"other_broker": "broker", "other_trainer": "trainer",
               "other_auditor": "auditor", "other_admin": "admin"}
# Staff who read everyone's data have an "other" cell only where a row asks for one (e.g. an
# export belongs to whoever asked for it: another auditor or admin gets 403/404).
DERIVED_OTHER_ROLES = ("other_broker", "other_trainer")

OK = 200
LOGIN = "login"  # 302 to the login page (allauth's, or the admin's which hands over to it)
DENIED = 403
NOT_FOUND = 404  # e.g. a trainer asking for a cohort that is not theirs, if designed so
API_ANON = "api-anon"  # 401 or 403 with a JSON body
PUBLIC = "public"  # never a login redirect or 403 (e.g. /healthz: 200 or 503)
REDIRECT = "redirect"  # any 302 that is not to the login page (e.g. a POST-only action)
REFUSED = "refused"  # 403 or 404: another user's object, whichever the view chose


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
    ``method`` is GET unless said otherwise (``data`` is then sent, form-encoded, or encoded
    as ``content_type`` says, e.g. ``"application/json"``)."""

    expect: dict[str, Any]
    kwargs: Callable[..., dict[str, Any]] | None = None
    query: str = ""
    method: str = "get"
    data: dict[str, Any] | None = None
    content_type: str | None = None
    note: str = field(default="", compare=False)

    @property
    def owns_subject(self) -> bool:
        """Whether the builder makes the subject the role's own (it takes the user)."""
        return self.kwargs is not None and len(inspect.signature(self.kwargs).parameters) == 1

    def expectation(self, role: str) -> Any | None:
        """What ``role`` gets (``None``: no cell for that role on this row)."""
        if role in self.expect:
            return self.expect[role]
        if role not in OTHER_ROLES:
            raise KeyError(f"no expectation for {role}")
        if role not in DERIVED_OTHER_ROLES or not self.owns_subject:
            return None
        if self.expect.get("anonymous") in (OK, PUBLIC):
            return None
        return REFUSED
