"""The Redis cache backend carries on as an empty cache while Redis is unreachable.

Pointed at a port where nothing listens (a refused connection, like a stopped Redis): every
operation answers as a fresh cache would, and a signed-in broker's pages and the login page —
sessions through ``cached_db``, access facts, allauth's rate limits — keep working. The same
with a real Redis that stops is in tests/faults/test_redis_outage.py.
"""

from __future__ import annotations

import socket

import pytest
from django.core.cache import caches
from django.urls import reverse

from academy.cache import RedisCache
from tests.factories import PASSWORD, BrokerFactory


def _dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def dead_cache(settings):
    """The production cache and session settings, with Redis away (Django's setting_changed
    handler gives ``caches`` fresh backends on each change)."""
    settings.CACHES = {"default": {
        "BACKEND": "academy.cache.RedisCache", "LOCATION": _dead_redis_url(),
        "KEY_PREFIX": "academy",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    return caches["default"]


def test_every_operation_answers_like_an_empty_cache():
    cache = RedisCache(_dead_redis_url(), {"OPTIONS": {"socket_connect_timeout": 0.5}})
    assert cache.get("k") is None
    assert cache.get("k", "default") == "default"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is True
    assert cache.incr("k", 3) == 3
    assert cache.has_key("k") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1}) == []
    assert cache.delete("k") is False
    assert cache.delete_many(["a"]) is None
    assert cache.touch("k") is False
    assert cache.clear() is False
    assert cache.counters_update({"a": 2, "b": -1}, timeout=60, read=["c"]) == (
        {"a": 2, "b": -1}, {"c": 0})


def test_a_broker_signs_in_and_works_while_redis_is_away(client, db, dead_cache):
    assert isinstance(dead_cache, RedisCache)
    broker = BrokerFactory()
    response = client.post(reverse("account_login"),
                           {"login": broker.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get(reverse("exams:my_exams")).status_code == 200
