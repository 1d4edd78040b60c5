"""Settings come from the environment, with embedded defaults when nothing is set."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
_ENV_NAMES = {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "TIME_ZONE", "DEBUG",
              "DJANGO_SETTINGS_MODULE", "STATIC_ROOT", "MEDIA_ROOT", "DJANGO_ALLOW_ASYNC_UNSAFE"}

_PRINT_SETTINGS = """
import json
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "db_engine": db["ENGINE"], "db_name": str(db["NAME"]),
    "broker": s.CELERY_BROKER_URL,
    "broker_options": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "cache": s.CACHES["default"]["BACKEND"], "cache_location": s.CACHES["default"]["LOCATION"],
    "email_backend": s.EMAIL_BACKEND, "email_path": getattr(s, "EMAIL_FILE_PATH", None),
    "time_zone": s.TIME_ZONE, "celery_time_zone": s.CELERY_TIMEZONE,
    "beat_scheduler": s.CELERY_BEAT_SCHEDULER,
}))
"""


def _dev_settings(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in _ENV_NAMES}
    result = subprocess.run(
        [sys.executable, "-c",
         "import django, os; django.setup(set_prefix=False)\n" + _PRINT_SETTINGS],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "academy.settings.dev", **env},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_environment_the_project_runs_on_embedded_defaults():
    values = _dev_settings()

    assert values["db_engine"] == "django.db.backends.sqlite3"
    assert Path(values["db_name"]) == VAR_DIR / "academy.sqlite3"
    assert values["broker"] == "filesystem://"
    assert Path(values["broker_options"]["data_folder_in"]).is_relative_to(VAR_DIR)
    assert values["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert Path(values["cache_location"]).is_relative_to(VAR_DIR)
    assert values["email_backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(values["email_path"]).is_relative_to(VAR_DIR)
    assert values["time_zone"] == "Asia/Shanghai"
    assert values["celery_time_zone"] == "Asia/Shanghai"
    assert values["beat_scheduler"] == "django_celery_beat.schedulers:DatabaseScheduler"


def test_database_url_and_redis_url_switch_to_postgresql_and_redis():
    values = _dev_settings(
        DATABASE_URL="postgres://academy:secret@db.example:5432/academy",
        REDIS_URL="redis://cache.example:6379/1",
    )

    assert values["db_engine"] == "django.db.backends.postgresql"
    assert values["db_name"] == "academy"
    assert values["broker"] == "redis://cache.example:6379/1"
    assert values["cache"] == "academy.cache.RedisCache"  # Django's, reusing its clients
    assert values["cache_location"] == "redis://cache.example:6379/1"


def test_time_zone_comes_from_the_environment():
    values = _dev_settings(TIME_ZONE="Asia/Urumqi")

    assert values["time_zone"] == "Asia/Urumqi"
    assert values["celery_time_zone"] == "Asia/Urumqi"


def test_time_zone_is_asia_shanghai_and_chinese_is_the_default_language():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"


def test_the_beat_schedule_refreshes_the_worker_heartbeat():
    from academy.schedules import schedules_registered

    entry = schedules_registered()["worker-heartbeat"]

    assert entry.task == "academy.tasks.worker_heartbeat"
    assert entry.interval() == settings.ACADEMY_HEARTBEAT_SECONDS
