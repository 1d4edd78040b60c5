"""The beat schedule: one registry every app adds to, one installer into django-celery-beat.

Each app registers its periodic tasks in its own ``schedules.py`` (found like ``admin.py``, the
first time the registry is read)::

    schedule_register("talent: delete expired exports",
                      "academy.talent.tasks.talent_exports_cleanup",
                      crontab={"minute": "30", "hour": "3"}, expires=3600,
                      description="Delete talent-pool export files past their download window.")

``schedules_install`` writes them into django-celery-beat's tables after every ``migrate``,
creating only the entries that are missing: administrators move, disable or delete entries in
the admin (Periodic tasks) and their change stays. ``manage.py schedules_install --reset``
restores every entry to its registered default. The schedule is deliberately not in
``CELERY_BEAT_SCHEDULE``: django-celery-beat writes that setting back over the database each time
beat starts, so an administrator's change there would never stick.

An interval the deployment tunes through an environment variable (``env="HEARTBEAT_SECONDS"``)
is the exception: when the variable is set, every install brings the entry's interval to it,
so that a deployment's value and the beat tables cannot drift apart (``/healthz`` judges the
heartbeat by ``HEARTBEAT_SECONDS``). Unset, the registered default applies as for any entry.

Crontab times are wall-clock times in ``TIME_ZONE`` (Asia/Shanghai).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

#: The periods of django-celery-beat's ``IntervalSchedule``.
PERIODS = ("days", "hours", "minutes", "seconds", "microseconds")

#: The crontab fields an entry leaves out: at minute 0 of every hour, every day.
CRONTAB_DEFAULTS = {"minute": "0", "hour": "*", "day_of_week": "*", "day_of_month": "*",
                    "month_of_year": "*"}


@dataclass(frozen=True)
class Schedule:
    """One periodic task: its name (the key administrators see), task name and timing."""

    name: str
    task: str
    every: int | None = None
    period: str = "seconds"
    crontab: Mapping[str, str] | None = None
    args: tuple[Any, ...] = ()
    expires: int | None = None
    description: str | Promise = ""
    env: str | None = None
    """The environment variable that tunes ``every`` (in ``period``s), or None."""

    def interval(self) -> int | None:
        """The interval in force: the environment variable's value when set, else ``every``."""
        if self.env and os.environ.get(self.env, "").strip():
            return int(os.environ[self.env])
        return self.every

    @property
    def tuned(self) -> bool:
        """Whether the deployment sets this entry's interval through its variable."""
        return bool(self.env and os.environ.get(self.env, "").strip())


_registry: dict[str, Schedule] = {}
_discovered = False


def schedule_register(name: str, task: str, *, every: int | None = None,
                      period: str = "seconds", crontab: Mapping[str, str] | None = None,
                      args: Iterable[Any] = (), expires: int | None = None,
                      description: str | Promise = "", env: str | None = None) -> Schedule:
    """Register the periodic task ``name``: ``task`` (a Celery task name) every ``every``
    ``period``s, or at the ``crontab`` fields given (the others as in ``CRONTAB_DEFAULTS``),
    with ``args``; a message not started within ``expires`` seconds is dropped (the next run
    comes soon). Registering a name again replaces its entry."""
    if (every is None) == (crontab is None):
        raise ValueError(f"Schedule {name!r}: give exactly one of every= and crontab=.")
    if period not in PERIODS:
        raise ValueError(f"Schedule {name!r}: period must be one of {', '.join(PERIODS)}.")
    if env and every is None:
        raise ValueError(f"Schedule {name!r}: env= tunes an interval (every=).")
    entry = Schedule(name=name, task=task, every=every, period=period,
                     crontab=dict(crontab) if crontab is not None else None,
                     args=tuple(args), expires=expires, description=description, env=env)
    _registry[name] = entry
    return entry


def schedules_registered() -> dict[str, Schedule]:
    """Every registered entry by name, after importing each installed app's ``schedules``."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("schedules")
    return dict(_registry)


def _timing(entry: Schedule, using: str) -> dict[str, Any]:
    """The ``interval``/``crontab`` fields of ``entry``'s row (their schedules made if new)."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if entry.crontab is None:
        interval, _ = IntervalSchedule.objects.using(using).get_or_create(
            every=entry.interval(), period=entry.period)
        return {"interval": interval, "crontab": None, "solar": None, "clocked": None}
    crontab, _ = CrontabSchedule.objects.using(using).get_or_create(
        timezone=settings.TIME_ZONE, **{**CRONTAB_DEFAULTS, **entry.crontab})
    return {"crontab": crontab, "interval": None, "solar": None, "clocked": None}


def _interval_differs(task: Any, entry: Schedule) -> bool:
    interval = task.interval
    return interval is None or (interval.every, interval.period) != (entry.interval(),
                                                                    entry.period)


def schedules_install(*, reset: bool = False, using: str = "default",
                      names: Iterable[str] | None = None) -> list[str]:
    """Create the registered entries missing from the beat tables (every one again with
    ``reset``), of ``names`` only if given; returns the names created or reset, in
    registration order. An entry tuned by its environment variable also gets the variable's
    interval when it differs. Existing entries are otherwise left as administrators made them."""
    from django_celery_beat.models import PeriodicTask

    entries = schedules_registered()
    if names is not None:
        wanted = set(names)
        unknown = wanted - set(entries)
        if unknown:
            raise KeyError(f"No schedule registered as {', '.join(sorted(unknown))}")
        entries = {name: entry for name, entry in entries.items() if name in wanted}
    changed = []
    with transaction.atomic(using=using):
        existing = PeriodicTask.objects.using(using).select_related("interval").in_bulk(
            list(entries), field_name="name")
        for name, entry in entries.items():
            task = existing.get(name)
            if task is not None and not reset:
                if entry.tuned and _interval_differs(task, entry):
                    for attr, value in _timing(entry, using).items():
                        setattr(task, attr, value)
                    task.save()
                    changed.append(name)
                continue
            PeriodicTask.objects.using(using).update_or_create(name=name, defaults={
                "task": entry.task,
                "args": json.dumps(list(entry.args)),
                "kwargs": "{}",
                "expire_seconds": entry.expires,
                "description": entry.description,
                "enabled": True,
                **_timing(entry, using),
            })
            changed.append(name)
    return changed


def schedules_install_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """``post_migrate`` receiver (connected once, by the interface app): install what is
    missing."""
    schedules_install(using=using)


class SchedulesInstallCommand(BaseCommand):
    """``manage.py schedules_install [--reset] [--list] [NAME ...]`` (``academy.ui``), and the
    base of the commands that install one app's entries (``reminders_schedule``)."""

    help = ("Create the missing beat schedules in django-celery-beat's tables; with --reset, "
            "restore every one of them (or the NAMEs given) to its default.")

    #: The entries covered when no NAME is given: those whose name starts with it (None: all).
    prefix: str | None = None

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", metavar="NAME",
                            help="Only these entries (as named in Periodic tasks).")
        parser.add_argument("--reset", action="store_true",
                            help="Overwrite administrators' changes with the defaults.")
        parser.add_argument("--list", action="store_true", dest="show",
                            help="List the registered entries; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        registered = schedules_registered()
        names = list(options["names"])
        if self.prefix is not None and not names:
            names = [name for name in registered if name.startswith(self.prefix)]
        if options["show"]:
            for name, entry in registered.items():
                if not names or name in names:
                    timing = (f"every {entry.interval()} {entry.period}" if entry.crontab is None
                              else f"crontab {dict(entry.crontab)}")
                    self.stdout.write(f"  {name}: {entry.task}, {timing}")
            return
        try:
            installed = schedules_install(reset=options["reset"], names=names or None)
        except KeyError as error:
            raise CommandError(error.args[0]) from error
        for name in installed:
            self.stdout.write(f"  {name}")
        self.stdout.write(self.style.SUCCESS(f"{len(installed)} schedule(s) installed."))


# The project's own entry: the heartbeat /healthz reads (``academy.tasks``).
schedule_register(
    "worker-heartbeat", "academy.tasks.worker_heartbeat",
    every=settings.ACADEMY_HEARTBEAT_SECONDS, env="HEARTBEAT_SECONDS", expires=60,
    description="Write the worker heartbeat that /healthz reads.")
