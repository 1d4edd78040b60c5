"""The session store of production (Redis configured): a sign-in writes its new session once,
at the end of the request, and the session then works as Django's cached_db one does."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import CreateError
from django.contrib.sessions.models import Session
from django.db import transaction

from academy.people.sessions import SessionStore
from tests import services
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def redis_sessions(settings):
    if not services.redis_url():
        services.missing("Redis not reachable (set REDIS_URL=redis://...)")
    assert settings.SESSION_ENGINE == "academy.people.sessions"


def test_signing_in_writes_the_new_session_once(client, django_assert_max_num_queries,
                                                 redis_sessions, db):
    user = UserFactory(roles=["broker"])
    client.get("/accounts/login/")
    with django_assert_max_num_queries(20) as queries:
        answer = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert answer.status_code == 302

    session_sql = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert len(session_sql) == 1 and session_sql[0].startswith("INSERT"), session_sql
    key = client.cookies["sessionid"].value
    stored = Session.objects.get(session_key=key).get_decoded()
    assert stored["_auth_user_id"] == str(user.pk)
    assert client.get("/").context["user"] == user  # read back, from the cache


def test_a_session_survives_the_cache_and_a_sign_out_deletes_it(client, redis_sessions, db):
    from django.core.cache import cache

    user = UserFactory(roles=["broker"])
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    key = client.cookies["sessionid"].value
    cache.clear()  # Redis restarted: the database still has the session
    assert client.get("/").context["user"] == user

    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()


def test_new_data_of_a_session_without_a_key_is_kept(redis_sessions, db):
    store = SessionStore()
    store["answer"] = 42
    store.save()  # no key yet: one is drawn and the row inserted with the data
    assert SessionStore(store.session_key).load() == {"answer": 42}
    assert Session.objects.get(session_key=store.session_key).get_decoded() == {"answer": 42}


def test_a_drawn_key_that_is_taken_fails_loudly_instead_of_sharing_the_session(
        redis_sessions, db, monkeypatch):
    first = SessionStore()
    first["owner"] = "first"
    first.save()
    monkeypatch.setattr("academy.people.sessions.get_random_string",
                        lambda *a, **kw: first.session_key)
    second = SessionStore()
    second.cycle_key()
    second["owner"] = "second"
    with pytest.raises(CreateError), transaction.atomic():
        second.save()
    assert Session.objects.get(session_key=first.session_key).get_decoded() == {
        "owner": "first"}
