"""Counters shared through the cache (``academy.cache.counters_update``): the same answers from
Redis, in one pipeline, as from any other backend through ``add`` and ``incr``."""

from __future__ import annotations

import time

import pytest
from django.core.cache import caches

from academy.cache import RedisCache, counters_update
from tests import services

LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                     "LOCATION": "counters"}}


@pytest.fixture(params=["redis", "local"])
def backend(request, settings):
    if request.param == "redis":
        url = services.redis_url()
        if not url:
            services.missing("Redis not reachable (set REDIS_URL=redis://...)")
        settings.CACHES = {"default": {"BACKEND": "academy.cache.RedisCache", "LOCATION": url,
                                       "KEY_PREFIX": f"counters-test-{time.time_ns()}"}}
        assert isinstance(caches["default"], RedisCache)
    else:
        settings.CACHES = LOCAL
    yield caches["default"]
    caches["default"].clear()


def test_counters_start_at_zero_add_and_read(backend):
    assert counters_update({"a": 1, "b": 3}, timeout=60) == ({"a": 1, "b": 3}, {})
    assert counters_update({"a": 1}, timeout=60, read=["b", "missing"]) == (
        {"a": 2}, {"b": 3, "missing": 0})
    assert counters_update({"a": -2}, timeout=60) == ({"a": 0}, {})
    # The counters are the cache's own values: plain reads see them.
    assert backend.get("b") == 3


def test_a_counter_lives_for_its_timeout_from_its_first_count(backend):
    counters_update({"short": 1}, timeout=1)
    counters_update({"short": 1}, timeout=60)  # a later count does not extend it
    assert backend.get("short") == 2
    deadline = time.monotonic() + 5
    while backend.get("short") is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert backend.get("short") is None
