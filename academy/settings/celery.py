"""Celery: Redis when REDIS_URL is set, else the filesystem transport under var/."""

from .base import REDIS_URL, VAR_DIR, env  # noqa: F401  (imported by base, after these exist)

CELERY_TIMEZONE = env("TIME_ZONE", default="Asia/Shanghai")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message a worker took and never acknowledged (acks_late: the worker died mid-task) goes
    # back to the queue this many seconds after delivery. Keep it longer than any task runs, or
    # a running task is delivered a second time meanwhile (harmless: tasks are idempotent).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
    if _restore_every := env.int("CELERY_UNACKED_RESTORE_SECONDS", default=0):
        # How often a worker looks for such messages (kombu's own default: every 100 s or
        # so); the fault tests, with a visibility timeout of seconds, look every second.
        CELERY_BROKER_TRANSPORT_OPTIONS.update(unacked_restore_interval=_restore_every,
                                               unacked_restore_throttle=1)
else:
    _queue = VAR_DIR / "celery" / "queue"
    _processed = VAR_DIR / "celery" / "processed"
    _control = VAR_DIR / "celery" / "control"
    for _folder in (_queue, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "store_processed": False,
        "control_folder": str(_control),
    }

# The beat schedule is not here but in django-celery-beat's tables, where administrators change
# it: each app registers its periodic tasks in its schedules.py and academy/schedules.py installs
# them after migrate (django-celery-beat would write a CELERY_BEAT_SCHEDULE back over the
# tables every time beat starts).
