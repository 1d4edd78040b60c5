"""Production: everything secret comes from the environment; passes `check --deploy`."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
ACADEMY_STAFF_MFA_REQUIRED = True
ACADEMY_DEMO_MODE = False
# The credential signing key is made once by an operator (`manage.py signing_key_generate`) on
# the shared key volume, never on first use: a worker without that volume refuses to start
# (certificates.apps) instead of signing with a key nobody publishes.
ACADEMY_SIGNING_KEY_AUTOCREATE = False
STORAGES = {
    **STORAGES,  # noqa: F405 - the files' storage: a folder, or a bucket (MEDIA_BUCKET)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
