"""The production settings as gunicorn serves them, minus what needs TLS in front.

Same middleware, authentication, permission checks and database settings as
``academy.settings.prod``; only the HTTPS redirect, secure cookies and HSTS are off because the
benchmark talks plain HTTP to 127.0.0.1. The database comes from ``BENCH_DATABASE_URL``.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-3a1f9c0e5b7d4e2f8a6c1b0d9e7f5a3c")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DATABASE_URL", os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/academy_bench"))
os.environ.setdefault("LOG_LEVEL", "WARNING")

from academy.settings.prod import *  # noqa: E402,F403

DEBUG = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Persistent connections, as a production deployment configures them.
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
# No collectstatic for the benchmark: the API renders no templates with static URLs.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise warns at every worker's start when STATIC_ROOT is missing (it serves nothing here).
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405
# The cache holds sessions (cached_db) and users' access facts as in production, when REDIS_URL
# is set (keys under their own prefix, so a benchmark never reads another run's entries). Without
# Redis each worker gets a local-memory cache and sessions stay in the database, as the base
# settings decide: a per-process cache cannot carry sessions that every worker must see alike.
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = "academy-bench-" + DATABASES["default"]["NAME"]  # noqa: F405
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
