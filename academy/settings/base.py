"""Settings shared by every environment.

Every value that differs between machines is read from the environment here, in one place
(see README "Configuration"). With nothing set the project runs on its embedded defaults:
SQLite and Celery's filesystem transport under ``var/``, e-mails written to ``var/mail``.
"""

import os
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Names are put in pinyin order character by character (academy/people/names.py): without its
# phrase dictionary pypinyin holds 12 MB instead of 56 MB in every process that reads a name.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-3c8f0b7e-only-for-local-use-never-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Ground floor first, then upward: INSTALLED_APPS order is also the order in which
    # per-app demo seeders and checks run.
    "academy.people",
    "academy.audit",
    "academy.notifications",
    "courses",
    "exams",
    "certificates",
    "talent",
    "academy.ui",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "academy.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "academy.people.middleware.StaffMfaRequiredMiddleware",
]

ROOT_URLCONF = "academy.urls"
WSGI_APPLICATION = "academy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "academy.ui.context_processors.navigation",
                "academy.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'academy.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let the web process, the worker and beat share the
    # embedded database without "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # JIT compiles the talent figures' large aggregates for seconds and saves milliseconds.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# A read replica (a streaming copy of the primary) for the auditor's pages: see academy/db.py.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"options": "-c jit=off"},
        # Tests (and `manage.py test`) read the primary's test database through it.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["academy.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login rate limits, worker heartbeat, sessions, users' access facts) --------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, reusing its client objects (see academy/cache.py).
            "BACKEND": "academy.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "academy",
            # Fail fast when Redis is away: the backend then carries on as an empty cache.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Sessions are read from Redis and written through to the database (which keeps them
    # across a Redis restart): a request costs no session query. Only with a cache that every
    # web process shares, so that a logout is seen by all of them at once.
    SESSION_ENGINE = "academy.people.sessions"
else:
    # Shared between web, worker and beat processes, unlike the local-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

from .auth import *  # noqa: E402,F403
from .celery import *  # noqa: E402,F403
from .email import *  # noqa: E402,F403

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads and generated files (evidence, attachments, certificate PDFs, exports) in an
# S3-compatible bucket (Aliyun OSS, Tencent COS, MinIO, Ceph) once web or workers run on more
# than one machine. The bucket stays private: every file is served through the app, which
# checks who asks (docs/OPERATIONS.md).
if env("MEDIA_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("MEDIA_BUCKET"),
            "endpoint_url": env("MEDIA_ENDPOINT_URL", default=None),
            "access_key": env("MEDIA_ACCESS_KEY", default=None),
            "secret_key": env("MEDIA_SECRET_KEY", default=None),
            "region_name": env("MEDIA_REGION", default=None),
            "location": env("MEDIA_PREFIX", default=""),
            "addressing_style": env("MEDIA_ADDRESSING_STYLE", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }


def _bootstrap_static_dir() -> str:
    # XStatic's namespace __init__ imports pkg_resources; locate the data folder without it.
    import importlib.util

    spec = importlib.util.find_spec("xstatic.pkg.bootstrap")
    assert spec and spec.origin
    return str(Path(spec.origin).parent / "data")


STATICFILES_DIRS.append(("bootstrap", _bootstrap_static_dir()))
# Apache ECharts from npm (package.json; `make install` runs npm ci): served as
# /static/echarts/echarts.min.js. Pages draw their charts only when it is there and show
# the same figures as tables otherwise.
ECHARTS_DIR = BASE_DIR / "node_modules" / "echarts" / "dist"
if ECHARTS_DIR.is_dir():
    STATICFILES_DIRS.append(("echarts", str(ECHARTS_DIR)))

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A page's next/previous links take the request's host (not academy.links): they lead
    # the same client back to the same API, by the address it is already using.
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Requests per minute: ACADEMY_API_THROTTLE_ANON and _USER (settings/auth.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "academy.api.AnonRateThrottle",
        "academy.api.UserRateThrottle",
    ],
    "EXCEPTION_HANDLER": "academy.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Broker Academy API",
    "DESCRIPTION": "Training and certification of technology brokers. All endpoints are scoped "
    "to the caller's role: brokers see themselves, trainers their cohorts, auditors read all.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "academy.api.document_error_responses",
    ],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models have a field called "status"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "AttemptStatusEnum": "exams.models.attempts.Attempt.Status",
        "CertificateStatusEnum": "certificates.models.Certificate.Status",
        "EnrolmentStatusEnum": "courses.models.programmes.Enrolment.Status",
        "PracticeRecordStatusEnum": "academy.people.models.PracticeRecord.Status",
        "ReminderStatusEnum": "academy.notifications.models.Reminder.Status",
        "TalentExportStatusEnum": "talent.models.TalentExport.Status",
    },
}

# --- Security headers (also in development so that pages are tested under them) -------------
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Broker Academy's own settings (prefix ACADEMY_) -------------------------------------------
# Each app's conf.py declares its ACADEMY_… settings with their defaults (academy/appconf.py), and
# the environment variable of the same name without ACADEMY_ overrides one there (PDF_FONT_PATH
# sets ACADEMY_PDF_FONT_PATH). The settings below belong to the project, not to an app.
# Public base URL used in e-mails sent from Celery (no request there).
ACADEMY_SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Worker heartbeat: written every N seconds; /healthz fails when older than 3 × N.
ACADEMY_HEARTBEAT_SECONDS = env.int("HEARTBEAT_SECONDS", default=30)
# Whether the demo login hint (accounts and MFA notice) shows on the login page.
ACADEMY_DEMO_MODE = env.bool("DEMO_MODE", default=False)
