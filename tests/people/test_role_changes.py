"""The roles service ``user_set_roles``: one event per change, is_staff following the admin
role and the superuser flag, and the refusals that keep administrators from locking everyone
out, also when two administrators step down at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from academy.people.models import User
from academy.people.selectors import active_admins, user_role_state
from academy.people.services import user_set_roles
from tests.factories import UserFactory


def _events(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject_id=str(user.pk), action__in=(
        "people.roles_changed", "people.privileges_changed")).order_by("seq"))


@pytest.mark.django_db
def test_the_last_active_administrator_keeps_the_role_whoever_asks():
    only = UserFactory(roles=["admin"])
    with pytest.raises(ApplicationError):
        user_set_roles(user=only, roles=["auditor"])
    assert user_role_state(User.objects.get(pk=only.pk))["roles"] == ["admin"]


@pytest.mark.django_db
def test_a_superuser_counts_as_an_administrator():
    group_admin = UserFactory(roles=["admin"])
    superuser = UserFactory()
    superuser.is_superuser = True
    superuser.save()
    assert set(active_admins()) == {group_admin, superuser}
    user_set_roles(user=group_admin, roles=[])
    with pytest.raises(ApplicationError):
        user_set_roles(user=superuser, roles=[], is_superuser=False,
                       actor=UserFactory(roles=["auditor"]))


@pytest.mark.django_db
def test_an_inactive_administrators_role_may_go():
    UserFactory(roles=["admin"])
    gone = UserFactory(roles=["admin"])
    gone.is_active = False
    gone.save()
    user_set_roles(user=gone, roles=[])
    assert user_role_state(User.objects.get(pk=gone.pk)) == {
        "roles": [], "is_staff": False, "is_superuser": False}


@pytest.mark.django_db
def test_the_flags_are_read_from_the_row_not_from_a_stale_object():
    UserFactory(roles=["admin"])
    user = UserFactory(roles=["trainer"])
    stale = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
    user_set_roles(user=stale, roles=["trainer", "auditor"])  # is_superuser left as stored
    event = _events(user)[-1]
    assert event.after["roles"] == ["auditor", "trainer"]
    assert event.before["is_superuser"] is True and event.after["is_superuser"] is True
    assert stale.is_superuser and stale.is_staff


# --- PostgreSQL: two administrators stepping down at once ------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_stepping_down_at_once_leave_one(postgres):
    first, second = UserFactory(roles=["admin"]), UserFactory(roles=["admin"])
    first_done, release = threading.Event(), threading.Event()
    outcomes: dict[str, BaseException | None] = {}

    def step_down(user, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                user_set_roles(user=user, roles=["trainer"], actor=user, reason="离职")
                if hold:  # keep the first change uncommitted while the second one runs
                    first_done.set()
                    release.wait(30)
            outcomes[user.email] = None
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcomes[user.email] = exc
        finally:
            first_done.set()
            connection.close()

    one = threading.Thread(target=step_down, args=(first,), kwargs={"hold": True})
    one.start()
    assert first_done.wait(30)
    two = threading.Thread(target=step_down, args=(second,), kwargs={"hold": False})
    two.start()
    two.join(1)
    assert two.is_alive(), "the second change must wait for the first one's locks"
    release.set()
    one.join(30)
    two.join(30)
    assert outcomes[first.email] is None
    assert isinstance(outcomes[second.email], ApplicationError)
    assert list(active_admins()) == [second]
    assert len(_events(first)) == 2 and len(_events(second)) == 1  # creation, step-down
