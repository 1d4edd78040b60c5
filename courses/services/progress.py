"""A broker opening and completing lessons."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError

from .. import conf
from ..models import Lesson, LessonProgress
from ..selectors.access import lesson_access
from ..selectors.progress import lesson_lock_reason


def _ensure_learner(user: Any, lesson: Lesson) -> None:
    if lesson_access(user, lesson) != "learner":
        raise ApplicationError(_("This lesson is not part of a programme you are enrolled in."))


def lesson_open(
    *, user: Any, lesson: Lesson, seconds: int = 0, now: datetime.datetime | None = None
) -> LessonProgress:
    """Record that ``user`` has the lesson open: the first view, then time spent.

    The lesson page calls this when it is shown (``seconds=0``) and then every few seconds
    from a small script (``seconds`` since the last report). The time added is capped by the
    time actually elapsed since the last view and by ``ACADEMY_LESSON_PING_MAX_SECONDS``, so a
    forged report cannot inflate it. Locked lessons cannot be opened.
    """
    _ensure_learner(user, lesson)
    reason = lesson_lock_reason(user=user, lesson=lesson)
    if reason:
        raise ApplicationError(reason)
    now = now or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                progress, created = LessonProgress.objects.get_or_create(
                    user=user, lesson=lesson,
                    defaults={"first_viewed_at": now, "last_viewed_at": now},
                )
        except IntegrityError:  # a concurrent first view won the race
            progress, created = LessonProgress.objects.get(user=user, lesson=lesson), False
        if created:
            return progress
        progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
        elapsed = max(0, int((now - progress.last_viewed_at).total_seconds()))
        add = max(0, min(int(seconds), elapsed, conf.get("ACADEMY_LESSON_PING_MAX_SECONDS")))
        LessonProgress.objects.filter(pk=progress.pk).update(
            last_viewed_at=now, seconds_spent=F("seconds_spent") + add
        )
        progress.refresh_from_db()
    return progress


def lesson_complete(
    *, user: Any, lesson: Lesson, now: datetime.datetime | None = None
) -> LessonProgress:
    """Mark ``lesson`` done for ``user`` and credit its class hours as they are now.

    Refused when the lesson was never opened or its prerequisites are not met. Completing
    twice changes nothing: the first completion's time and credit stay.
    """
    _ensure_learner(user, lesson)
    now = now or timezone.now()
    with transaction.atomic():
        progress = (
            LessonProgress.objects.select_for_update().filter(user=user, lesson=lesson).first()
        )
        if progress is None:
            raise ApplicationError(_("Open the lesson before marking it done."))
        if progress.completed_at is not None:
            return progress
        reason = lesson_lock_reason(user=user, lesson=lesson)
        if reason:
            raise ApplicationError(reason)
        current = Lesson.objects.only("class_hours", "version").get(pk=lesson.pk)
        progress.completed_at = now
        progress.last_viewed_at = max(progress.last_viewed_at, now)
        progress.credited_hours = current.class_hours
        progress.lesson_version = current.version
        progress.save(update_fields=[
            "completed_at", "last_viewed_at", "credited_hours", "lesson_version"
        ])
    return progress
