"""The beat schedules of reminders, kept in django-celery-beat's tables.

Installed once (after ``migrate``), then left alone: administrators change the times, or
disable an entry, in the admin (Periodic tasks) and their change stays. Entries in
``CELERY_BEAT_SCHEDULE`` would not do: django-celery-beat writes those back over the database
every time beat starts. ``manage.py reminders_schedule --reset`` restores the defaults.

Crontab times are wall-clock times in TIME_ZONE (Asia/Shanghai).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction

from .sweeps import all_sweeps

TASKS = "academy.notifications.tasks"

#: The delivery machinery's own schedules (the sweeps' come from their registrations).
BASE_SCHEDULES: dict[str, dict[str, Any]] = {
    "reminders: send due e-mails": {
        "task": f"{TASKS}.reminders_send_due", "every": 60, "expires": 55,
        "description": "E-mails whose quiet hours ended, lost tasks, retries: queue them.",
    },
    "reminders: daily digests": {
        "task": f"{TASKS}.reminders_send_digests", "crontab": {"minute": "*/15"},
        "expires": 600,
        "description": "Gather due digest items into one e-mail per person.",
    },
    "reminders: SMS receipts": {
        "task": f"{TASKS}.reminders_poll_receipts", "every": 300, "expires": 290,
        "description": "Record SMS delivery receipts; deliver undelivered SMS another way.",
    },
}


def default_schedules() -> dict[str, dict[str, Any]]:
    """Every schedule this app installs: the base ones and one per registered sweep."""
    entries = dict(BASE_SCHEDULES)
    for sweep in all_sweeps():
        schedule = dict(sweep.schedule)
        entry: dict[str, Any] = {
            "task": f"{TASKS}.reminders_sweep", "args": [sweep.name],
            "description": sweep.description,
        }
        if "every" in schedule:
            entry["every"] = schedule.pop("every")
            entry["expires"] = max(int(entry["every"]) - 5, 30)
        else:
            entry["crontab"] = schedule
            entry["expires"] = 1800
        entries[f"reminders: {sweep.name}"] = entry
    return entries


def _schedule_fields(entry: dict[str, Any], using: str) -> dict[str, Any]:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if "every" in entry:
        interval, _ = IntervalSchedule.objects.using(using).get_or_create(
            every=int(entry["every"]), period=IntervalSchedule.SECONDS)
        return {"interval": interval, "crontab": None}
    cron = {"minute": "0", "hour": "*", "day_of_week": "*", "day_of_month": "*",
            "month_of_year": "*", **entry["crontab"]}
    crontab, _ = CrontabSchedule.objects.using(using).get_or_create(
        timezone=settings.TIME_ZONE, **cron)
    return {"crontab": crontab, "interval": None}


def schedules_install(*, reset: bool = False, using: str = "default") -> list[str]:
    """Create the missing schedule entries (all of them again with ``reset``); returns the
    names created or reset. Entries an administrator changed are kept unless ``reset``."""
    from django_celery_beat.models import PeriodicTask

    changed = []
    with transaction.atomic(using=using):
        existing = set(PeriodicTask.objects.using(using).filter(
            name__in=list(default_schedules())).values_list("name", flat=True))
        for name, entry in default_schedules().items():
            if name in existing and not reset:
                continue
            fields = {
                "task": entry["task"],
                "args": json.dumps(entry.get("args", [])),
                "kwargs": "{}",
                "expire_seconds": entry.get("expires"),
                "description": entry.get("description", ""),
                "enabled": True,
                **_schedule_fields(entry, using),
            }
            PeriodicTask.objects.using(using).update_or_create(name=name, defaults=fields)
            changed.append(name)
    return changed
