"""The framework floor: Django with no middleware, no authentication, no sessions.

Same database (``BENCH_DATABASE_URL``) and connection settings as ``bench.settings``. Served
by gunicorn as ``bench.floor:application``.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-3a1f9c0e5b7d4e2f8a6c1b0d9e7f5a3c")
os.environ.setdefault("DATABASE_URL", os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/academy_bench"))

from academy.settings.base import DATABASES, SECRET_KEY  # noqa: E402,F401

# Only what the exams models and the save service import (their table names); nothing runs
# per request.
INSTALLED_APPS = [
    "academy.people", "academy.audit", "courses", "exams",
    "django.contrib.auth", "django.contrib.contenttypes",
]

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor_urls"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
LOGGING_CONFIG = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
