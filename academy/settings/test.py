"""The test suite: fast hashing, local-memory cache, tasks eager unless a test runs a worker."""

from .base import *  # noqa: F403
from .base import REDIS_URL, VAR_DIR, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
ACADEMY_STAFF_MFA_REQUIRED = True
ACADEMY_TALENT_FIGURES_CACHE_SECONDS = 0  # figures checked against hand-computed values
ACADEMY_SIGNUP_OPEN = False
ACADEMY_DEMO_MODE = False
# No quiet hours unless a test sets them: otherwise every e-mail a test expects at once would
# wait until 07:00 whenever the suite runs between 22:00 and 07:00 in Asia/Shanghai.
ACADEMY_NOTIFY_QUIET_START = ACADEMY_NOTIFY_QUIET_END = "00:00"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
MEDIA_ROOT = str(VAR_DIR / "test-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the finders (no collectstatic in tests, and live_server
# pages get their CSS and JS).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
if REDIS_URL:
    # Kept so that tests which start a real worker can reach the same broker.
    CELERY_BROKER_URL = REDIS_URL

# A test that runs a real Celery worker (tests/flows/conftest.py) starts it with these set, so
# that the worker and the test share a Redis cache (the worker heartbeat) and use a queue of
# their own (test runs on the same Redis must not consume each other's tasks).
_shared_cache_url = env("ACADEMY_TEST_CACHE_URL", default="")
if _shared_cache_url:
    CACHES = {
        "default": {
            # The production backend and options (academy/settings/base.py).
            "BACKEND": "academy.cache.RedisCache",
            "LOCATION": _shared_cache_url,
            "KEY_PREFIX": env("ACADEMY_TEST_CACHE_PREFIX", default="academy-test"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
CELERY_TASK_DEFAULT_QUEUE = env("ACADEMY_TEST_CELERY_QUEUE", default="celery")
