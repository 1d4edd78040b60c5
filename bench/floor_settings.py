"""The framework floor: Django with no sessions, no authentication, no middleware of ours.

Same database (``BENCH_DATABASE_URL``) and connection settings as ``bench.settings``. Served
by gunicorn as ``bench.floor:application``. Every app of the product is installed, so that
their ready() hooks import as in production; none of them runs per request here (no
middleware but allauth's, no context processors, a bare view). allauth refuses to start
without its middleware; it only sets a namespace and a context variable per request.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-3a1f9c0e5b7d4e2f8a6c1b0d9e7f5a3c")
os.environ.setdefault("DATABASE_URL", os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/academy_bench"))

from academy.settings.base import *  # noqa: E402,F403
from academy.settings.base import DATABASES  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
MIDDLEWARE = ["allauth.account.middleware.AccountMiddleware"]
ROOT_URLCONF = "bench.floor_urls"
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
LOGGING_CONFIG = None
