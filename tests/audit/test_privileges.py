"""Granting or removing is_superuser and is_staff is recorded, with before and after, on every
path: the Django admin's form, a save through the ORM (a shell, a command), the roles service
(one event of its own, with the roles; the API's path: tests/people/test_api_roles.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from academy.audit.models import AuditEvent
from academy.audit.selectors import audit_chain_verify
from academy.people.models import User
from academy.people.services import user_set_roles
from tests.audit.test_chain import _admin_change_form_data
from tests.factories import UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def _events(user):
    return list(AuditEvent.objects.filter(action="people.privileges_changed",
                                          subject_id=str(user.pk)).order_by("pk"))


def test_a_superuser_grant_in_the_django_admin_is_recorded(client):
    admin = UserFactory(roles=["admin"])
    totp_enrol(admin)
    target = UserFactory(roles=["trainer"])
    client.force_login(admin)
    url = reverse("admin:people_user_change", args=[target.pk])
    data = _admin_change_form_data(client.get(url))
    data["is_superuser"] = "on"
    data["is_staff"] = "on"
    data["_save"] = "Save"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [event] = _events(target)
    assert event.before == {"is_superuser": False, "is_staff": False, "roles": ["trainer"]}
    assert event.after == {"is_superuser": True, "is_staff": True,
                           "roles": ["admin", "trainer"]}
    assert event.actor_id == admin.pk
    assert audit_chain_verify().ok


def test_a_superuser_grant_and_removal_through_the_orm_are_recorded():
    user = UserFactory()
    user.is_superuser = True
    user.save()
    user.is_superuser = False
    user.save(update_fields=["is_superuser"])
    grant, removal = _events(user)
    assert (grant.before["is_superuser"], grant.after["is_superuser"]) == (False, True)
    assert grant.after["roles"] == ["admin"]
    assert (removal.before["is_superuser"], removal.after["is_superuser"]) == (True, False)


def test_creating_a_superuser_is_recorded():
    user = User.objects.create_superuser(email="root@example.org", password="x-Academy-2026")
    [event] = _events(user)
    assert event.before == {"is_superuser": False, "is_staff": False, "roles": []}
    assert event.after == {"is_superuser": True, "is_staff": True, "roles": ["admin"]}


def test_the_roles_service_records_is_staff_with_the_groups_in_one_event():
    user = UserFactory()
    user_set_roles(user=user, roles=["admin"])
    assert _events(user) == []  # the service's own event says it all: no second one
    [event] = AuditEvent.objects.filter(action="people.roles_changed", subject_id=str(user.pk))
    assert event.before == {"roles": [], "is_staff": False, "is_superuser": False}
    assert event.after == {"roles": ["admin"], "is_staff": True, "is_superuser": False}


def test_a_superuser_grant_through_the_roles_service_is_one_event():
    user = UserFactory(roles=["trainer"])
    actor = UserFactory(roles=["admin"])
    user_set_roles(user=user, roles=["trainer"], is_superuser=True, actor=actor,
                   reason="省厅要求")
    assert _events(user) == []
    [event] = AuditEvent.objects.filter(action="people.roles_changed", subject_id=str(user.pk),
                                        actor_id=actor.pk)
    assert event.before == {"roles": ["trainer"], "is_staff": False, "is_superuser": False}
    assert event.after == {"roles": ["trainer"], "is_staff": True, "is_superuser": True,
                           "reason": "省厅要求"}
    user.refresh_from_db()
    assert user.is_superuser and user.is_staff
    assert audit_chain_verify().ok


def test_a_save_that_changes_nothing_else_records_nothing():
    user = UserFactory()
    user.full_name = "新名字"
    user.save()
    user.save(update_fields=["last_login"])
    assert _events(user) == []
