"""``bench.settings`` with the production cache: Redis, shared by every gunicorn worker.

The dashboard keeps its figures in the cache (``ACADEMY_TALENT_FIGURES_CACHE_SECONDS``), so the
benchmark must use the cache production uses, not one per process. ``BENCH_CACHE_PREFIX``
(set by bench/dashboard.py for each run and size) keeps its keys apart from everyone else's
on the shared Redis and from the previous size's figures.
"""

import os

from bench.settings import *  # noqa: F403

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": os.environ.get("BENCH_CACHE_PREFIX", "bench-dashboard"),
    }
}
ACADEMY_TALENT_FIGURES_CACHE_SECONDS = int(os.environ.get("TALENT_FIGURES_CACHE_SECONDS", "60"))
