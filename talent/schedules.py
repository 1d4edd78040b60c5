"""The talent pool's beat schedule: the daily cleanup of expired exports, and the dashboard's
unfiltered figures recomputed every minute (so nobody waits for them).

Kept in django-celery-beat's tables like the reminders' schedules (see
``academy.notifications.schedules``): installed once after ``migrate``, then left to the
administrators, who may move or disable it in the admin (Periodic tasks).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

CLEANUP_NAME = "talent: delete expired exports"
CLEANUP_TASK = "academy.talent.tasks.talent_exports_cleanup"
FIGURES_NAME = "talent: precompute the dashboard's figures"
FIGURES_TASK = "academy.talent.tasks.talent_figures_precompute"


def schedules_install(*, reset: bool = False, using: str = "default") -> bool:
    """Create the cleanup entry (03:30 every day, TIME_ZONE) and the figures' entry (every
    minute) where missing, or both again with ``reset``. Returns whether one was created or
    reset."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    with transaction.atomic(using=using):
        existing = set(PeriodicTask.objects.using(using).filter(
            name__in=(CLEANUP_NAME, FIGURES_NAME)).values_list("name", flat=True))
        if not reset and existing == {CLEANUP_NAME, FIGURES_NAME}:
            return False
        if reset or FIGURES_NAME not in existing:
            every_minute, _ = IntervalSchedule.objects.using(using).get_or_create(
                every=1, period=IntervalSchedule.MINUTES)
            PeriodicTask.objects.using(using).update_or_create(name=FIGURES_NAME, defaults={
                "task": FIGURES_TASK, "interval": every_minute, "crontab": None,
                "args": "[]", "kwargs": "{}", "expire_seconds": 60, "enabled": True,
                "description": "Recompute the talent dashboard's unfiltered figures before "
                               "they expire.",
            })
        if not reset and CLEANUP_NAME in existing:
            return True
        crontab, _ = CrontabSchedule.objects.using(using).get_or_create(
            minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
            timezone=settings.TIME_ZONE)
        PeriodicTask.objects.using(using).update_or_create(name=CLEANUP_NAME, defaults={
            "task": CLEANUP_TASK, "crontab": crontab, "interval": None, "args": "[]",
            "kwargs": "{}", "expire_seconds": 3600, "enabled": True,
            "description": "Delete talent-pool export files past their download window.",
        })
    return True
