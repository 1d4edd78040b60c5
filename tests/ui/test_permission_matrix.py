"""Every page and endpoint × every role → allowed, sent to log in, or refused.

The matrix is the design written down: the project's and people's routes below, each other
app's in ``tests/<app>/permission_rows.py`` (see tests/ui/matrix.py for the vocabulary).
``test_every_named_route_is_in_the_matrix`` fails as soon as an app adds a named route (people,
courses, exams, certificates, talent, ui, ``home`` or ``api-*``) without a row, so no page
ships with unchecked access.

Staff users have a TOTP authenticator enrolled, so this tests roles, not the MFA gate
(tests/people/test_mfa.py does that).

Every detail route whose builder makes the subject the caller's own is also opened by
``other_broker`` (a classmate of the owner) and ``other_trainer`` (a trainer of another
cohort), who must get 403 or 404 unless the row says otherwise: no IDOR (tests/ui/matrix.py).
The number of URL × role cells is printed at the end of the run (``CELLS``).
"""

from __future__ import annotations

import datetime
import importlib
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.factories import BrokerFactory, UserFactory, totp_enrol
from tests.ui.matrix import (
    API_ANON,
    DENIED,
    LOGIN,
    NOT_FOUND,
    OK,
    OTHER_ROLES,
    PUBLIC,
    REDIRECT,
    REFUSED,
    ROLES,
    Row,
    everyone,
    logged_in,
)

pytestmark = pytest.mark.django_db

CHECKED_NAMESPACES = frozenset({"people", "courses", "exams", "certificates", "talent", "ui",
                                "notifications"})


def _roster_import() -> dict[str, Any]:
    from academy.people.models import RosterImport

    record = RosterImport.objects.create(file_name="roster.xlsx", file_sha256="0" * 64)
    return {"pk": record.pk}


def _invitation() -> dict[str, Any]:
    from academy.people.models import Invitation
    from academy.people.services.invitations import token_hash

    invited = UserFactory(roles=["broker"])
    Invitation.objects.create(
        user=invited, token_hash=token_hash("matrix-token"), sent_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    return {"token": "matrix-token"}


def _role_holder() -> dict[str, Any]:
    return {"user_id": UserFactory(roles=["broker"]).pk}


CORE_ROWS: dict[str, Row] = {
    "home": Row(logged_in({"broker": OK, "trainer": OK, "auditor": OK, "admin": OK})),
    "people:broker_list": Row(
        logged_in({"trainer": OK, "auditor": REDIRECT, "admin": REDIRECT}),
        note="the bureau's one broker list is the talent pool's: auditors and admins go there"),
    "people:person_search": Row(logged_in({"trainer": OK, "auditor": OK, "admin": OK}),
                                note="a trainer finds only their own brokers"),
    "people:roster_error_report": Row(logged_in({"admin": NOT_FOUND}),
                                      kwargs=lambda: {"token": "unknown"},
                                      note="only the uploader's own report, for an hour"),
    "people:roster_import": Row(logged_in({"admin": OK})),
    "people:roster_template": Row(logged_in({"admin": OK})),
    "people:roster_import_detail": Row(logged_in({"admin": OK}), kwargs=_roster_import),
    "people:invitation_accept": Row(
        everyone(OK), kwargs=_invitation,
        note="public: the invited person has no password yet",
    ),
    "admin:index": Row(logged_in({"admin": OK})),
    "admin:people_user_changelist": Row(logged_in({"admin": OK})),
    "admin:audit_auditevent_changelist": Row(logged_in({"admin": OK})),
    "api-me": Row({**everyone(OK), "anonymous": API_ANON}),
    "api-user-roles-list": Row(
        {"anonymous": API_ANON, "broker": DENIED, "trainer": DENIED, "auditor": OK,
         "admin": OK},
        note="auditors read who holds which role; only admins change it (the row below)"),
    "api-user-roles": Row(
        {"anonymous": API_ANON, "broker": DENIED, "trainer": DENIED, "auditor": DENIED,
         "admin": OK},
        kwargs=_role_holder, method="put", content_type="application/json",
        data={"roles": ["broker", "trainer"], "is_superuser": False, "reason": "matrix"},
        note="the write; GET is open to auditors too (tests/people/test_api_roles.py)"),
    "api-docs": Row(everyone(OK), note="public documentation of the API"),
    "schema": Row(everyone(OK), note="public OpenAPI schema"),
    "healthz": Row(everyone(PUBLIC), note="200 or 503 depending on the services"),
}


def _app_rows() -> dict[str, Row]:
    """Rows the apps keep next to their own tests: ``tests/<app>/permission_rows.py``."""
    rows: dict[str, Row] = {}
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/permission_rows.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.permission_rows")
        duplicated = (rows.keys() | CORE_ROWS.keys()) & module.ROWS.keys()
        assert not duplicated, f"{path}: rows listed twice: {sorted(duplicated)}"
        rows.update(module.ROWS)
    return rows


MATRIX: dict[str, Row] = {**CORE_ROWS, **_app_rows()}

# Every (route, role) pair checked: the five roles on every route, and the "other" roles on
# the routes whose subject can be someone's own.
CELLS: list[tuple[str, str]] = [
    (url_name, role)
    for url_name in sorted(MATRIX)
    for role in (*ROLES, *OTHER_ROLES)
    if MATRIX[url_name].expectation(role) is not None
]


def _route_names() -> set[str]:
    """Every named route of the project, with its namespaces (``people:broker_list``)."""
    names: set[str] = set()

    def walk(patterns, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns, None)
    return names


def _is_ours(name: str) -> bool:
    namespace = name.split(":", 1)[0] if ":" in name else ""
    return namespace in CHECKED_NAMESPACES or name == "home" or name.startswith("api-")


def test_every_named_route_is_in_the_matrix():
    ours = {name for name in _route_names() if _is_ours(name)}
    missing = sorted(ours - MATRIX.keys())
    assert not missing, (
        "Routes without a row in the permission matrix (add who may open them): "
        + ", ".join(missing)
    )


def test_the_matrix_names_only_routes_that_exist():
    assert not sorted(MATRIX.keys() - _route_names())


def _user_for_role(role: str):
    if role == "anonymous":
        return None
    if role == "broker":
        return BrokerFactory()
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


@pytest.fixture
def user_for_role():
    return _user_for_role


def _intruder(role: str, owner):
    """The "other" user: a classmate of the owning broker (enrolled in the same cohorts), a
    trainer who teaches a cohort of their own but not the owner's, or another auditor or
    admin."""
    from courses.models import Cohort, Enrolment
    from tests.courses.factories import CohortFactory, enrol

    if role == "other_broker":
        intruder = _user_for_role("broker")
        for cohort_id in Enrolment.objects.filter(user=owner).values_list("cohort_id", flat=True):
            enrol(intruder, Cohort.objects.get(pk=cohort_id))
        return intruder
    if role != "other_trainer":
        return _user_for_role(OTHER_ROLES[role])  # another auditor or admin
    intruder = _user_for_role("trainer")
    cohort = CohortFactory()
    cohort.trainers.add(intruder)
    enrol(BrokerFactory(), cohort)
    return intruder


def _build_kwargs(row: Row, user) -> dict[str, Any] | None:
    if row.kwargs is None:
        return None
    return row.kwargs(user) if row.owns_subject else row.kwargs()


def _login_paths() -> set[str]:
    return {reverse("account_login"), reverse("admin:login")}


def assert_access(response, expected: Any, label: str) -> None:
    status = response.status_code
    if expected == LOGIN:
        assert status == 302, f"{label}: expected a login redirect, got {status}"
        assert urlparse(response.url).path in _login_paths(), f"{label}: {response.url}"
    elif expected == API_ANON:
        assert status in (401, 403), f"{label}: got {status}"
        assert response["Content-Type"].startswith("application/json"), label
    elif expected == REDIRECT:
        assert status == 302, f"{label}: expected a redirect, got {status}"
        assert urlparse(response.url).path not in _login_paths(), f"{label}: {response.url}"
    elif expected == PUBLIC:
        assert status not in (302, 401, 403), f"{label}: got {status}"
    elif expected == REFUSED:
        assert status in (403, 404), f"{label}: another user's object must be 403 or 404, " \
            f"got {status}"
    else:
        assert status == expected, f"{label}: expected {expected}, got {status}"


@pytest.mark.parametrize(("url_name", "role"), CELLS, ids=[f"{u}-{r}" for u, r in CELLS])
def test_permission_matrix(client, url_name, role):
    cache.clear()
    row = MATRIX[url_name]
    if role in OTHER_ROLES:
        owner = _user_for_role(OTHER_ROLES[role])
        kwargs = _build_kwargs(row, owner)
        user = _intruder(role, owner)
    else:
        user = _user_for_role(role)
        kwargs = _build_kwargs(row, user)
    url = reverse(url_name, kwargs=kwargs) + row.query
    if user is not None:
        client.force_login(user)
    if row.method == "get":
        response = client.get(url)
    elif row.content_type:
        response = getattr(client, row.method)(url, row.data or {},
                                               content_type=row.content_type)
    else:
        response = getattr(client, row.method)(url, row.data or {})
    assert_access(response, row.expectation(role), f"{role} {row.method.upper()} {url}")


def test_every_detail_route_is_tried_with_another_users_object():
    """A route with an object in its path either builds an object owned by the caller (and is
    then opened by the "other" roles too) or builds one that is nobody's own (public, or
    someone else's for every role): no detail route escapes the IDOR check unseen."""
    detail = [name for name, row in MATRIX.items() if row.kwargs is not None]
    with_others = {name for name, role in CELLS if role in OTHER_ROLES}
    owned = {name for name in detail if MATRIX[name].owns_subject}
    public = {name for name in owned if MATRIX[name].expect.get("anonymous") in (OK, PUBLIC)}
    assert owned - public <= with_others
    print(f"\npermission matrix: {len(MATRIX)} routes, {len(CELLS)} URL × role cells "
          f"({len(CELLS) - len(MATRIX) * len(ROLES)} with another user's object)")


def test_the_admins_login_redirect_ends_on_allauths_login(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert response.status_code == 200


def test_navigation_offers_only_pages_the_role_may_open(client, user_for_role):
    """Every menu item of every role is a page that role gets a 200 from."""
    for role in ROLES[1:]:
        client.logout()
        user = user_for_role(role)
        client.force_login(user)
        home = client.get(reverse("home"))
        assert home.status_code == 200
        for item in home.context["nav_items"]:
            assert client.get(item["url"]).status_code == 200, f"{role}: {item['url']}"
