"""The beat schedule of bulk runs: every five minutes, queue again the runs nobody works on
(``tasks_bulk.bulk_runs_resume_stalled``).

Kept in django-celery-beat's tables like the other apps' schedules (see
``academy.notifications.schedules``): installed once after ``migrate``, then left to the
administrators, who may change or disable it in the admin (Periodic tasks).
"""

from __future__ import annotations

from django.db import transaction

RESUME_NAME = "certificates: resume stalled bulk runs"
RESUME_TASK = "certificates.tasks_bulk.bulk_runs_resume_stalled"


def bulk_schedule_install(*, reset: bool = False, using: str = "default") -> bool:
    """Create the entry (every 5 minutes) if it is missing, or again with ``reset``. Returns
    whether it was created or reset."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    with transaction.atomic(using=using):
        if not reset and PeriodicTask.objects.using(using).filter(name=RESUME_NAME).exists():
            return False
        every, _ = IntervalSchedule.objects.using(using).get_or_create(
            every=5, period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.using(using).update_or_create(name=RESUME_NAME, defaults={
            "task": RESUME_TASK, "interval": every, "crontab": None, "args": "[]",
            "kwargs": "{}", "expire_seconds": 240, "enabled": True,
            "description": "Queue again the certificate bulk runs (re-rendering, cohort "
                           "issuance) whose task was lost.",
        })
    return True
