"""The Redis cache backend, minus a per-call cost.

Django's ``RedisCache`` builds a new ``redis.Redis`` client object for every cache call; with
redis-py 8 that constructor (response callbacks, options) costs about as much CPU as the
round trip itself, and a signed-in request makes two or three calls (its session, the user's
access facts). One client per connection pool is enough: a ``redis.Redis`` object is
thread-safe and takes a connection from its pool for each command (and the pool starts afresh
in a forked process).

It also keeps the site up while Redis is away. The cache only ever holds what can be had again
(sessions are written through to the database, access facts are re-read from it, rate-limit
counters start afresh), so a failed read counts as a miss and a failed write does nothing;
the failure is logged at most once a minute per process. With short socket timeouts (set in
the settings) an exam page or an answer save goes on at database speed when Redis stops.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache.backends import redis as django_redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
_last_warning = [0.0]


def _warn(operation: str, exc: Exception) -> None:
    now = time.monotonic()
    if now - _last_warning[0] >= 60:
        _last_warning[0] = now
        logger.warning("cache unavailable (%s: %s); carrying on without it", operation, exc)


def _tolerant(fallback):
    """Run a cache operation; when Redis is unreachable, log and return ``fallback(*args)``."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                _warn(method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


class _ReusingClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # setdefault: two threads racing here keep one client between them.
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    # What each operation answers while Redis is away: a miss, a no-op, or (for add and
    # incr) what a fresh cache would have answered.
    add = _tolerant(lambda key, value, timeout: True)(django_redis.RedisCacheClient.add)
    get = _tolerant(lambda key, default: default)(django_redis.RedisCacheClient.get)
    set = _tolerant(lambda key, value, timeout: None)(django_redis.RedisCacheClient.set)
    touch = _tolerant(lambda key, timeout: False)(django_redis.RedisCacheClient.touch)
    delete = _tolerant(lambda key: False)(django_redis.RedisCacheClient.delete)
    get_many = _tolerant(lambda keys: {})(django_redis.RedisCacheClient.get_many)
    has_key = _tolerant(lambda key: False)(django_redis.RedisCacheClient.has_key)
    incr = _tolerant(lambda key, delta: delta)(django_redis.RedisCacheClient.incr)
    set_many = _tolerant(lambda data, timeout: [])(django_redis.RedisCacheClient.set_many)
    delete_many = _tolerant(lambda keys: None)(django_redis.RedisCacheClient.delete_many)
    clear = _tolerant(lambda: False)(django_redis.RedisCacheClient.clear)


class RedisCache(django_redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that reuses its client objects and
    carries on, as an empty cache, while Redis is unreachable."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient

    def counters_update(self, add: Mapping[str, int], *, timeout: int, read: list[str]
                        ) -> tuple[dict[str, int], dict[str, int]]:
        """``counters_update`` in one round trip: a pipeline of SET NX (with the expiry),
        INCRBY and GET. While Redis is away it answers as a fresh cache would."""
        keys = {key: self.make_and_validate_key(key) for key in (*add, *read)}
        try:
            with self._cache.get_client(write=True).pipeline(transaction=False) as pipe:
                for key, delta in add.items():
                    pipe.set(keys[key], 0, ex=timeout, nx=True)
                    pipe.incrby(keys[key], delta)
                for key in read:
                    pipe.get(keys[key])
                replies = pipe.execute()
        except UNAVAILABLE as exc:
            _warn("counters_update", exc)
            return dict(add), dict.fromkeys(read, 0)
        counts = {key: int(replies[2 * n + 1]) for n, key in enumerate(add)}
        values = replies[2 * len(add):]
        return counts, {key: int(value or 0) for key, value in zip(read, values, strict=True)}


def counters_update(add: Mapping[str, int], *, timeout: int, read: Iterable[str] = ()
                    ) -> tuple[dict[str, int], dict[str, int]]:
    """Add to counters shared by every process through the default cache, and read others.

    Each key of ``add`` is increased by its value (a counter that does not exist starts at 0
    and lives ``timeout`` seconds from then); the counters of ``read`` are only read (0 when
    absent). Returns the new values of ``add``'s counters and the values of ``read``'s. On
    Redis this is one round trip whatever the number of counters; other backends use their
    ``add`` and ``incr``.
    """
    from django.core.cache import caches

    backend = caches["default"]
    read = list(read)
    if isinstance(backend, RedisCache):
        return backend.counters_update(add, timeout=timeout, read=read)
    counts = {}
    for key, delta in add.items():
        backend.add(key, 0, timeout)
        try:
            counts[key] = backend.incr(key, delta)
        except ValueError:  # expired between add and incr
            backend.set(key, delta, timeout)
            counts[key] = delta
    values = backend.get_many(read) if read else {}
    return counts, {key: int(values.get(key) or 0) for key in read}
