"""The registry of sweeps (who is due a reminder now?) and of manual reminders.

A sweep is a function ``sweep(*, now) -> int`` that finds, with set-based queries in batches,
the people due a reminder of its kinds and hands them to ``services.notices_deliver``; it
returns how many reminders it created. Each app registers its own sweeps in its
``reminders.py``::

    @register_sweep("courses.deadline_approaching", kinds=("course_deadline",),
                    schedule={"minute": "30", "hour": "8"})
    def deadline_approaching(*, now): ...

Running a sweep again creates nothing new (the reminder log's unique constraint), so the
Celery tasks in ``tasks.py`` may run them as often as they like. ``schedule`` is the default
crontab (in TIME_ZONE) or ``{"every": seconds}``; ``schedules.py`` puts it into
django-celery-beat's tables once, where administrators change it.

A manual reminder lets a trainer or an administrator remind the people of one subject (a
cohort) now, after a preview (``ManualReminder``).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise

from .sql import jit_off

logger = logging.getLogger(__name__)

SweepFunction = Callable[..., int]


@dataclass(frozen=True)
class Sweep:
    name: str
    func: SweepFunction = field(compare=False)
    kinds: tuple[str, ...] = ()
    schedule: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    description: str = ""

    def __call__(self, *, now: datetime.datetime | None = None) -> int:
        with jit_off():
            return self.func(now=now or timezone.now())


_sweeps: dict[str, Sweep] = {}


def band(days_left: int, offsets: list[int]) -> int | None:
    """The reminder band ``days_left`` falls in: the smallest offset at or above it (offsets
    7, 3, 1: 5 days left is the 7-day reminder; 90, 30, 7: 45 days left is the 90-day one).
    None when past, or further away than every offset. A sweep that missed a day still sends
    the band's reminder once, on its next run; the window names the band."""
    if days_left < 0:
        return None
    candidates = [o for o in offsets if o >= days_left]
    return min(candidates) if candidates else None


def register_sweep(name: str, *, kinds: tuple[str, ...], schedule: dict[str, Any],
                   description: str = "") -> Callable[[SweepFunction], SweepFunction]:
    """Decorator: register ``func`` as the sweep ``name`` (``<app>.<what>``)."""

    def decorator(func: SweepFunction) -> SweepFunction:
        _sweeps[name] = Sweep(name=name, func=func, kinds=tuple(kinds), schedule=dict(schedule),
                              description=description or (func.__doc__ or "").strip()
                              .split("\n", 1)[0])
        return func

    return decorator


def all_sweeps() -> list[Sweep]:
    return list(_sweeps.values())


def get_sweep(name: str) -> Sweep:
    return _sweeps[name]


@dataclass
class SweepReport:
    name: str
    created: int
    seconds: float


def sweep_run(name: str, *, now: datetime.datetime | None = None) -> SweepReport:
    """Run the sweep ``name`` once; returns what it created and how long it took."""
    sweep = get_sweep(name)
    started = time.perf_counter()
    created = sweep(now=now)
    report = SweepReport(name=name, created=created, seconds=time.perf_counter() - started)
    logger.info("Sweep %s created %s reminders in %.2fs", name, created, report.seconds)
    return report


def sweeps_run_all(*, now: datetime.datetime | None = None) -> list[SweepReport]:
    """Run every registered sweep once, in registration order. One failing sweep does not
    stop the others (it is logged, and raised again at the end)."""
    reports, failure = [], None
    for sweep in all_sweeps():
        try:
            reports.append(sweep_run(sweep.name, now=now))
        except Exception as exc:  # noqa: BLE001 - run the rest, then report it
            logger.exception("Sweep %s failed", sweep.name)
            failure = failure or exc
    if failure is not None:
        raise failure
    return reports


# --- Manual reminders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ManualReminder:
    """A reminder a person may send by hand about one subject, after a preview.

    - ``subjects_for(user) -> list[tuple[int, str]]``: the subjects ``user`` may remind about
      (id, label), e.g. the cohorts a trainer teaches;
    - ``may_send(user, subject_id) -> bool``;
    - ``label_of(subject_id) -> str``;
    - ``notices(subject_id, *, now, message) -> list[Notice]``: whom it would remind, and of
      what (the same list is previewed and then sent);
    - ``describe(notice) -> str``: one line per recipient in the preview.

    A manual reminder's window is the day: the same people are reminded at most once a day
    for one subject, however often the button is pressed.
    """

    name: str
    label: str | Promise
    kind: str
    subjects_for: Callable[[Any], list[tuple[int, str]]] = field(compare=False)
    may_send: Callable[[Any, int], bool] = field(compare=False)
    label_of: Callable[[int], str] = field(compare=False)
    notices: Callable[..., list[Any]] = field(compare=False)
    describe: Callable[[Any], str] = field(compare=False, default=lambda notice: "")
    description: str | Promise = ""


_manual: dict[str, ManualReminder] = {}


def register_manual(manual: ManualReminder) -> ManualReminder:
    _manual[manual.name] = manual
    return manual


def all_manual() -> list[ManualReminder]:
    return list(_manual.values())


def get_manual(name: str) -> ManualReminder:
    return _manual[name]
