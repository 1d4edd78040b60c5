"""The Redis cache backend, minus a per-call cost.

Django's ``RedisCache`` builds a new ``redis.Redis`` client object for every cache call; with
redis-py 8 that constructor (response callbacks, options) costs about as much CPU as the
round trip itself, and a signed-in request makes two or three calls (its session, the user's
access facts). One client per connection pool is enough: a ``redis.Redis`` object is
thread-safe and takes a connection from its pool for each command (and the pool starts afresh
in a forked process).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


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


class RedisCache(django_redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that reuses its client objects."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
