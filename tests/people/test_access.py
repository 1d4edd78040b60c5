"""The cached access facts (academy/people/access.py): read once, dropped whenever a fact
changes, and never trusted for a session they do not match."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.contrib.sessions.backends import cached_db
from django.core.cache import cache
from django.db import transaction
from django.test import RequestFactory

from academy.people.access import request_access, user_access
from academy.people.middleware import user_needs_mfa_setup
from academy.people.models import User
from academy.people.roles import Role, user_roles
from academy.people.services import user_set_roles
from tests.factories import UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The same user as a new object: nothing cached on it, as in the next request."""
    return User.objects.get(pk=user.pk)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_roles_are_read_once_then_come_from_the_cache(django_assert_num_queries):
    user = UserFactory(roles=["broker"])
    first = fresh(user)
    with django_assert_num_queries(1):  # the user row with its MFA flag and its groups
        assert user_roles(first) == {Role.BROKER}
    again = fresh(user)
    with django_assert_num_queries(0):
        assert user_roles(again) == {Role.BROKER}
        assert not user_needs_mfa_setup(again)


@pytest.mark.parametrize("roles", [[], ["broker"], ["trainer", "auditor"]])
def test_the_facts_read_in_one_query_hold_every_role_and_no_other_group(roles):
    user = UserFactory(roles=roles)
    user.groups.add(Group.objects.create(name="a group that is no role"))
    assert user_roles(fresh(user)) == set(roles)
    assert not user_needs_mfa_setup(fresh(user)) or set(roles) & {"trainer", "auditor"}


@pytest.mark.parametrize("change", ["service", "add", "remove", "group_side", "clear_side"])
def test_a_role_change_is_seen_at_once(change):
    user = UserFactory(roles=["broker"])
    assert user_roles(fresh(user)) == {Role.BROKER}
    trainer = Group.objects.get(name=Role.TRAINER)
    broker = Group.objects.get(name=Role.BROKER)
    expected = {
        "service": {Role.TRAINER}, "add": {Role.BROKER, Role.TRAINER}, "remove": set(),
        "group_side": {Role.BROKER, Role.TRAINER}, "clear_side": set(),
    }[change]
    if change == "service":
        user_set_roles(user=user, roles=[Role.TRAINER])
    elif change == "add":
        user.groups.add(trainer)
    elif change == "remove":
        user.groups.remove(broker)
    elif change == "group_side":
        trainer.user_set.add(user)
    else:
        broker.user_set.clear()
    assert user_roles(fresh(user)) == expected


def test_renaming_a_role_group_drops_its_members_roles():
    user = UserFactory(roles=["trainer"])
    assert user_roles(fresh(user)) == {Role.TRAINER}
    group = Group.objects.get(name=Role.TRAINER)
    group.name = "former trainers"
    group.save()
    assert user_roles(fresh(user)) == set()


def test_superuser_status_and_deactivation_are_seen_at_once():
    user = UserFactory(roles=["broker"])
    assert user_access(user.pk).roles == {Role.BROKER}
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert user_access(user.pk).roles == {Role.BROKER, Role.ADMIN}
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert user_access(user.pk).is_active is False
    assert user_roles(fresh(user)) == frozenset()


def test_enrolling_and_removing_a_second_factor_is_seen_at_once():
    trainer = UserFactory(roles=["trainer"])
    assert user_needs_mfa_setup(fresh(trainer))
    totp_enrol(trainer)
    assert not user_needs_mfa_setup(fresh(trainer))
    Authenticator.objects.filter(user=trainer).delete()
    assert user_needs_mfa_setup(fresh(trainer))


def test_an_entry_filled_before_the_change_commits_is_dropped_at_commit(
        django_capture_on_commit_callbacks):
    """A request that read the old rows while the change was not committed yet must not
    leave them in the cache."""
    user = UserFactory(roles=["broker"])
    assert user_roles(fresh(user)) == {Role.BROKER}
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        user.groups.remove(Group.objects.get(name=Role.BROKER))
        # Another process reads the committed (old) rows and fills the cache again.
        cache.set(f"people:access:{user.pk}",
                  ([Role.BROKER], False, True, fresh(user).get_session_auth_hash(), False))
    assert user_roles(fresh(user)) == set()


def test_a_stale_entry_for_another_password_is_read_again():
    """An entry whose session hash does not match the user object (another database's user
    with the same id, a write that bypassed signals) is not used."""
    user = UserFactory(roles=["broker"])
    cache.set(f"people:access:{user.pk}", ([Role.ADMIN], True, True, "not-this-hash", True))
    assert user_roles(fresh(user)) == {Role.BROKER}


def _request_with_session(client, user):
    client.force_login(user)
    request = RequestFactory().get("/")
    from importlib import import_module

    from django.conf import settings

    engine = import_module(settings.SESSION_ENGINE)
    request.session = engine.SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return request


def test_request_access_vouches_for_a_valid_session_without_the_user_row(
        client, django_assert_num_queries):
    user = UserFactory(roles=["broker"])
    request = _request_with_session(client, user)
    user_access(user.pk)  # filled
    request.session.load()
    cached = isinstance(request.session, cached_db.SessionStore)
    with django_assert_num_queries(0 if cached else 1):
        access = request_access(request)
    assert access is not None and access.user_id == user.pk


def test_request_access_refuses_a_session_of_an_old_password(client):
    user = UserFactory(roles=["broker"])
    request = _request_with_session(client, user)
    user.set_password("Another-password-2026")
    user.save()
    assert request_access(request) is None


def test_request_access_refuses_an_inactive_user(client):
    user = UserFactory(roles=["broker"])
    request = _request_with_session(client, user)
    User.objects.filter(pk=user.pk).update(is_active=False)  # no signal: the hash still...
    cache.clear()  # ...so only the database read shows it
    assert request_access(request) is None
