"""The talent pool's beat schedule: the daily cleanup of expired exports.

Kept in django-celery-beat's tables like the reminders' schedules (see
``academy.notifications.schedules``): installed once after ``migrate``, then left to the
administrators, who may move or disable it in the admin (Periodic tasks).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

CLEANUP_NAME = "talent: delete expired exports"
CLEANUP_TASK = "academy.talent.tasks.talent_exports_cleanup"


def schedules_install(*, reset: bool = False, using: str = "default") -> bool:
    """Create the cleanup entry (03:30 every day, TIME_ZONE) if it is missing, or again with
    ``reset``. Returns whether it was created or reset."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    with transaction.atomic(using=using):
        if not reset and PeriodicTask.objects.using(using).filter(name=CLEANUP_NAME).exists():
            return False
        crontab, _ = CrontabSchedule.objects.using(using).get_or_create(
            minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
            timezone=settings.TIME_ZONE)
        PeriodicTask.objects.using(using).update_or_create(name=CLEANUP_NAME, defaults={
            "task": CLEANUP_TASK, "crontab": crontab, "interval": None, "args": "[]",
            "kwargs": "{}", "expire_seconds": 3600, "enabled": True,
            "description": "Delete talent-pool export files past their download window.",
        })
    return True
