"""/api/v1/users/{id}/roles/ and /api/v1/users/roles/: administrators read and set roles and the
superuser flag; every change is one audit event with before, after, actor and reason; the
last active administrator and a caller's own superuser flag are refused; nobody else changes
anything."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token

from academy.audit.models import AuditEvent
from academy.audit.selectors import audit_chain_verify
from academy.people.access import user_access
from academy.people.models import User
from academy.people.roles import Role
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db

ROLE_ACTIONS = ("people.roles_changed", "people.privileges_changed")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin():
    user = UserFactory(roles=["admin"], full_name="管理员甲")
    totp_enrol(user)
    return user


def zh(text: str) -> str:
    """The API answers in the site's language (Chinese): ``text`` as it reads there."""
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def url(user) -> str:
    return reverse("api-user-roles", args=[user.pk])


def put(client, user, *, roles, is_superuser=False, reason="岗位调整", **extra):
    body = {"roles": roles, "is_superuser": is_superuser, "reason": reason}
    return client.put(url(user), body, content_type="application/json", **extra)


def mark() -> int:
    """The newest event's number: what tests count from (the factories record roles too)."""
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def events(user, since: int) -> list[AuditEvent]:
    """The role events about ``user`` recorded after event ``since``."""
    return list(AuditEvent.objects.filter(action__in=ROLE_ACTIONS, subject_id=str(user.pk),
                                          seq__gt=since).order_by("seq"))


def state(user) -> tuple[list[str], bool, bool]:
    user = User.objects.get(pk=user.pk)
    names = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    return names, user.is_staff, user.is_superuser


# --- Reading -------------------------------------------------------------------------------


def test_an_admin_reads_a_users_roles(client, admin):
    target = UserFactory(roles=["broker", "trainer"])
    client.force_login(admin)
    response = client.get(url(target))
    assert response.status_code == 200
    assert response.json() == {
        "id": target.pk, "email": target.email, "full_name": target.full_name,
        "is_active": True, "roles": ["broker", "trainer"], "is_staff": False,
        "is_superuser": False,
    }


def test_an_unknown_user_is_404(client, admin):
    client.force_login(admin)
    assert client.get(reverse("api-user-roles", args=[10**9])).status_code == 404
    assert put(client, User(pk=10**9), roles=[]).status_code == 404


def test_an_auditor_reads_roles_but_cannot_change_them(client):
    auditor = UserFactory(roles=["auditor"])
    totp_enrol(auditor)
    target = UserFactory(roles=["trainer"])
    since = mark()
    client.force_login(auditor)
    assert client.get(url(target)).json()["roles"] == ["trainer"]
    response = put(client, target, roles=["trainer", "admin"])
    assert response.status_code == 403
    assert response.json()["detail"] == zh("Only administrators change roles.")
    assert state(target) == (["trainer"], False, False)
    assert events(target, since) == []


def test_the_list_filters_by_role_and_search_in_constant_queries(
        client, admin, django_assert_max_num_queries):
    superuser = UserFactory(full_name="超级用户")
    superuser.is_superuser = True
    superuser.save()
    UserFactory(roles=["trainer"], full_name="讲师乙")
    for _ in range(3):
        BrokerFactory()
    client.force_login(admin)
    client.get(reverse("api-me"))  # the session and access facts are warm from here on
    listing = reverse("api-user-roles-list")
    with django_assert_max_num_queries(6):
        everyone = client.get(listing).json()
    assert everyone["count"] == User.objects.count()
    for _ in range(5):
        BrokerFactory()
    with django_assert_max_num_queries(6):  # no query per user
        assert client.get(listing).json()["count"] == User.objects.count()
    admins = client.get(listing, {"role": "admin"}).json()["results"]
    assert {row["id"] for row in admins} == {admin.pk, superuser.pk}
    [trainer] = client.get(listing, {"role": "trainer", "q": "讲师"}).json()["results"]
    assert trainer["roles"] == ["trainer"]
    assert client.get(listing, {"role": "nobody"}).status_code == 400
    assert client.get(listing, {"q": "讲\x00"}).status_code == 400


@pytest.mark.parametrize("role", ["broker", "trainer"])
def test_brokers_and_trainers_cannot_read_the_roles(client, role):
    caller = BrokerFactory() if role == "broker" else UserFactory(roles=[role])
    totp_enrol(caller)
    client.force_login(caller)
    assert client.get(url(UserFactory())).status_code == 403
    assert client.get(reverse("api-user-roles-list")).status_code == 403


# --- Changing: one event per change ----------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_granting_and_removing_each_role_writes_one_event_each(client, admin, role):
    target = UserFactory(roles=["broker"] if role != "broker" else [])
    base = ["broker"] if role != "broker" else []
    since = mark()
    client.force_login(admin)
    granted = put(client, target, roles=[*base, role], reason="新岗位")
    assert granted.status_code == 200, granted.json()
    assert granted.json()["roles"] == sorted([*base, role])
    staff = role == "admin"
    assert granted.json()["is_staff"] is staff
    [grant] = events(target, since)
    assert grant.action == "people.roles_changed"
    assert grant.actor_id == admin.pk and grant.person_id == target.pk
    assert grant.before == {"roles": base, "is_staff": False, "is_superuser": False}
    assert grant.after == {"roles": sorted([*base, role]), "is_staff": staff,
                           "is_superuser": False, "reason": "新岗位"}

    removed = put(client, target, roles=base, reason="调离")
    assert removed.status_code == 200, removed.json()
    grant_again, removal = events(target, since)
    assert grant_again == grant
    assert removal.actor_id == admin.pk
    assert removal.before == {"roles": sorted([*base, role]), "is_staff": staff,
                              "is_superuser": False}
    assert removal.after == {"roles": base, "is_staff": False, "is_superuser": False,
                             "reason": "调离"}
    assert state(target) == (base, False, False)
    assert audit_chain_verify().ok


def test_a_superuser_grant_and_removal_through_the_api_write_one_event_each(client, admin):
    target = UserFactory(roles=["trainer"])
    since = mark()
    client.force_login(admin)
    response = put(client, target, roles=["trainer"], is_superuser=True, reason="系统维护")
    assert response.status_code == 200, response.json()
    assert response.json()["is_superuser"] is True and response.json()["is_staff"] is True
    assert state(target) == (["trainer"], True, True)
    [grant] = events(target, since)
    assert grant.action == "people.roles_changed"
    assert grant.actor_id == admin.pk
    assert grant.before == {"roles": ["trainer"], "is_staff": False, "is_superuser": False}
    assert grant.after == {"roles": ["trainer"], "is_staff": True, "is_superuser": True,
                           "reason": "系统维护"}

    response = put(client, target, roles=["trainer"], is_superuser=False, reason="维护结束")
    assert response.status_code == 200, response.json()
    assert state(target) == (["trainer"], False, False)
    _grant, removal = events(target, since)
    assert removal.before == {"roles": ["trainer"], "is_staff": True, "is_superuser": True}
    assert removal.after == {"roles": ["trainer"], "is_staff": False, "is_superuser": False,
                             "reason": "维护结束"}
    assert audit_chain_verify().ok


def test_a_superuser_keeps_admin_site_access_when_the_admin_role_goes(client, admin):
    target = UserFactory(roles=["admin"])
    since = mark()
    client.force_login(admin)
    assert put(client, target, roles=["admin"], is_superuser=True).status_code == 200
    assert put(client, target, roles=[], is_superuser=True).status_code == 200
    assert state(target) == ([], True, True)
    assert events(target, since)[-1].after["is_staff"] is True


def test_a_put_that_changes_nothing_writes_nothing(client, admin):
    target = UserFactory(roles=["auditor"])
    since = mark()
    client.force_login(admin)
    response = put(client, target, roles=["auditor"])
    assert response.status_code == 200
    assert events(target, since) == []


def test_a_token_authenticated_admin_changes_roles_too(client, admin):
    target = UserFactory()
    since = mark()
    token = Token.objects.create(user=admin)
    response = put(client, target, roles=["trainer"], HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200, response.json()
    [event] = events(target, since)
    assert event.actor_id == admin.pk


# --- Bad input and refusals -----------------------------------------------------------------


@pytest.mark.parametrize("body", [
    {"roles": ["trainer"], "is_superuser": False},
    {"roles": ["trainer"], "is_superuser": False, "reason": "   "},
    {"roles": ["owner"], "is_superuser": False, "reason": "x"},
    {"roles": "trainer", "is_superuser": False, "reason": "x"},
    {"roles": ["trainer"], "reason": "x"},
    {"roles": ["trainer"], "is_superuser": False, "reason": "x" * 501},
])
def test_bad_input_is_400_and_changes_nothing(client, admin, body):
    target = UserFactory(roles=["broker"])
    since = mark()
    client.force_login(admin)
    response = client.put(url(target), body, content_type="application/json")
    assert response.status_code == 400
    assert state(target) == (["broker"], False, False)
    assert events(target, since) == []


def test_the_reason_is_required_with_a_message(client, admin):
    client.force_login(admin)
    response = client.put(url(UserFactory()), {"roles": [], "is_superuser": False},
                          content_type="application/json")
    assert response.json()["reason"] == [zh("Say why the roles change.")]


def test_the_last_active_administrator_cannot_lose_the_role(client, admin):
    former = UserFactory(roles=["admin"])
    former.is_active = False
    former.save()
    since = mark()
    client.force_login(admin)
    response = put(client, admin, roles=["trainer"])
    assert response.status_code == 400
    assert response.json()["detail"] == zh(
        "%(name)s is the last active administrator: make someone else an administrator "
        "first, so that nobody is locked out.") % {"name": "管理员甲"}
    assert state(admin) == (["admin"], True, False)
    assert events(admin, since) == []


def test_an_admin_may_step_down_while_another_admin_remains(client, admin):
    UserFactory(roles=["admin"])
    since = mark()
    client.force_login(admin)
    response = put(client, admin, roles=["trainer"], reason="交接")
    assert response.status_code == 200, response.json()
    assert state(admin) == (["trainer"], False, False)
    [event] = events(admin, since)
    assert event.actor_id == admin.pk


@pytest.mark.parametrize("superuser_now", [False, True])
def test_nobody_changes_their_own_superuser_flag(client, admin, superuser_now):
    UserFactory(roles=["admin"])  # not the last administrator: that is not the reason
    if superuser_now:
        admin.is_superuser = True
        admin.save()
    before = state(admin)
    since = mark()
    client.force_login(admin)
    response = put(client, admin, roles=["admin"], is_superuser=not superuser_now)
    assert response.status_code == 400
    assert response.json()["detail"] == zh(
        "You cannot change your own superuser status: ask another administrator to do it.")
    assert state(admin) == before
    assert events(admin, since) == []


def test_an_admin_changes_their_own_roles_keeping_the_superuser_flag(client, admin):
    client.force_login(admin)
    response = put(client, admin, roles=["admin", "auditor"], is_superuser=False)
    assert response.status_code == 200, response.json()
    assert state(admin) == (["admin", "auditor"], True, False)


# --- Who may change roles -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["broker", "trainer", "auditor"])
def test_non_admins_get_403_and_change_nothing(client, role):
    caller = BrokerFactory() if role == "broker" else UserFactory(roles=[role])
    totp_enrol(caller)
    target = UserFactory(roles=["broker"])
    since = mark()
    client.force_login(caller)
    for who in (target, caller):  # nor can they raise themselves
        before = state(who)
        response = put(client, who, roles=["admin"], is_superuser=who is target)
        assert response.status_code == 403
        assert state(who) == before
        assert events(who, since) == []


def test_an_admin_without_a_second_factor_is_refused(client):
    UserFactory(roles=["admin"])
    unenrolled = UserFactory(roles=["admin"])
    target = UserFactory(roles=["broker"])
    since = mark()
    client.force_login(unenrolled)
    response = put(client, target, roles=["admin"], is_superuser=True)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    token = Token.objects.create(user=unenrolled)
    client.logout()
    response = put(client, target, roles=["admin"], HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert state(target) == (["broker"], False, False)
    assert events(target, since) == []


def test_anonymous_is_refused(client):
    target = UserFactory(roles=["broker"])
    since = mark()
    for response in (client.get(url(target)), client.get(reverse("api-user-roles-list")),
                     put(client, target, roles=["admin"], is_superuser=True)):
        assert response.status_code in (401, 403)
        assert "detail" in response.json()
    assert state(target) == (["broker"], False, False)
    assert events(target, since) == []


# --- The cached access facts ----------------------------------------------------------------


def test_the_access_cache_sees_the_change_at_once(client, admin):
    target = UserFactory(roles=["broker"])
    assert user_access(target.pk).roles == {"broker"}  # now in the cache
    client.force_login(admin)
    assert put(client, target, roles=["trainer"]).status_code == 200
    assert user_access(target.pk).roles == {"trainer"}
    assert put(client, target, roles=["trainer"], is_superuser=True).status_code == 200
    access = user_access(target.pk)
    assert access.is_superuser and access.roles == {"trainer", "admin"}
    # The target's next request: a staff member now, so the second-factor gate applies.
    client.force_login(target)
    response = client.get(reverse("api-me"))
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"
    totp_enrol(target)
    assert client.get(reverse("api-me")).json()["roles"] == ["admin", "trainer"]


def test_the_schema_documents_the_role_endpoints(client):
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    detail = schema["paths"]["/api/v1/users/{user_id}/roles/"]
    assert set(detail) >= {"get", "put"}
    reference = detail["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    assert set(body["required"]) == {"roles", "is_superuser", "reason"}
    assert "400" in detail["put"]["responses"] and "403" in detail["put"]["responses"]
    assert "/api/v1/users/roles/" in schema["paths"]
