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

CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "academy.tasks.worker_heartbeat",
        "schedule": float(env.int("HEARTBEAT_SECONDS", default=30)),
        "options": {"expires": 60},
    },
    "exams-attempts-close-overdue": {
        "task": "exams.tasks.attempts_close_overdue",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    "certificates-readiness-sweep": {
        "task": "certificates.tasks.readiness_sweep",
        "schedule": float(env.int("READINESS_SWEEP_SECONDS", default=3600)),
        "options": {"expires": 3000},
    },
    "certificates-issue-sweep": {
        "task": "certificates.tasks_issued.certificates_issue_sweep",
        "schedule": float(env.int("CERT_ISSUE_SWEEP_SECONDS", default=900)),
        "options": {"expires": 800},
    },
    "certificates-expire-due": {
        "task": "certificates.tasks_issued.certificates_expire_due",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600},
    },
}
