"""A broker studying lessons: the lesson page's heartbeats, the hosted video's watched
seconds, the lesson's check, and completion.

Class hours are credited only for study the system observed (``selectors.study``):

- *Active time* comes from the lesson page's heartbeats, which report only seconds the page
  was visible and not idle. The server credits at most the wall-clock time since the
  broker's ``StudyClock`` was last advanced, so two tabs (the same lesson or two lessons)
  never count the same minute twice, and a forged report cannot add more than real time.
- *Video* comes from the page's own player: ranges of seconds played in order. Ranges are
  merged into the distinct seconds watched; what a report adds is capped by the wall-clock
  time since the last report times the policy's fastest playback rate. Skipping forward
  produces no range, so it never counts.
- Completion is refused (``StudyIncomplete``, the API's 409) until the lesson's requirement
  is met; the first completion's credit is a snapshot that later edits never change.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError

from ..conf import app_settings
from ..models import Lesson, LessonProgress, StudyClock
from ..selectors.access import lesson_access
from ..selectors.progress import lesson_lock_reason
from ..selectors.study import Requirement, lesson_requirement, study_policy

#: Slack, in seconds, for the video budget (timer granularity of the page and the network).
VIDEO_SLACK_SECONDS = 3


class StudyIncomplete(ApplicationError):
    """The lesson's requirement is not met yet; ``extra`` carries the figures and
    ``{"code": "study_incomplete"}`` (the API answers 409 with them)."""

    def __init__(self, requirement: Requirement) -> None:
        super().__init__(
            _("Not yet: %(remaining)s.") % {"remaining": requirement.remaining},
            extra={"code": "study_incomplete", **requirement.figures()},
        )
        self.requirement = requirement


def _ensure_learner(user: Any, lesson: Lesson) -> None:
    if lesson_access(user, lesson) != "learner":
        raise ApplicationError(_("This lesson is not part of a programme you are enrolled in."))


def merge_ranges(ranges: list[list[int]]) -> list[list[int]]:
    """Sorted, non-overlapping ``[start, end)`` ranges covering the same seconds."""
    merged: list[list[int]] = []
    for start, end in sorted((int(a), int(b)) for a, b in ranges if int(b) > int(a)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def ranges_total(ranges: list[list[int]]) -> int:
    return sum(end - start for start, end in ranges)


def _clean_claimed(claimed: Any, duration: int) -> list[list[int]]:
    """The player's reported ranges as whole seconds within the video; anything malformed
    is dropped (a report is a hint, never trusted beyond the caps)."""
    result: list[list[int]] = []
    if not isinstance(claimed, list):
        return result
    for entry in claimed[:200]:
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            continue
        try:
            # To the nearest second: a range the page split at a report boundary joins up
            # again, and a fraction of a second neither counts twice nor gets lost.
            start = math.floor(float(entry[0]) + 0.5)
            end = math.floor(float(entry[1]) + 0.5)
        except (TypeError, ValueError):
            continue
        start, end = max(0, start), min(duration, end)
        if end > start:
            result.append([start, end])
    return result


def _add_within_budget(existing: list[list[int]], claimed: list[list[int]], budget: int
                       ) -> list[list[int]]:
    """Add ``claimed`` ranges, earliest first, until ``budget`` new seconds were added."""
    current = merge_ranges(existing)
    for start, end in merge_ranges(claimed):
        if budget <= 0:
            break
        candidate = merge_ranges([*current, [start, end]])
        gain = ranges_total(candidate) - ranges_total(current)
        if gain > budget:
            # Keep only the first ``budget`` new seconds of this range.
            covered = merge_ranges(current)
            second, added = start, 0
            while second < end and added < budget:
                if not any(a <= second < b for a, b in covered):
                    added += 1
                second += 1
            candidate = merge_ranges([*current, [start, second]])
            gain = added
        current, budget = candidate, budget - gain
    return current


def _credit_active_time(*, user: Any, progress: LessonProgress, seconds: int,
                        now: datetime.datetime) -> int:
    """Seconds of active time to add for a heartbeat, advancing the broker's study clock.

    The credited window is ``[now - seconds, now]`` cut to what the clock has not credited
    yet and to the time since this lesson was last seen; the caller holds the progress row.
    """
    seconds = max(0, min(int(seconds), app_settings.LESSON_PING_MAX_SECONDS))
    if seconds <= 0:
        return 0
    try:
        with transaction.atomic():
            clock, _created = StudyClock.objects.get_or_create(
                user=user, defaults={"credited_until": now - datetime.timedelta(seconds=seconds)})
    except IntegrityError:  # a concurrent first heartbeat created it
        pass
    clock = StudyClock.objects.select_for_update().get(user=user)
    start = max(clock.credited_until, now - datetime.timedelta(seconds=seconds),
                progress.last_viewed_at)
    add = max(0, int((now - start).total_seconds()))
    if now > clock.credited_until:
        clock.credited_until = now
        clock.save(update_fields=["credited_until"])
    return add


def lesson_open(
    *, user: Any, lesson: Lesson, seconds: int = 0, video: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> LessonProgress:
    """Record that ``user`` has the lesson open: the first view, then study observed.

    The lesson page calls this when it is shown (``seconds=0``) and then from its heartbeat
    with ``seconds`` of visible, active time since the last report and, for a hosted video,
    ``video={"ranges": [[start, end], ...]}`` (seconds played in order). What is credited is
    capped as the module docstring says. Locked lessons cannot be opened.
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
        if created and not seconds and not video:
            return progress
        progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
        fields = ["last_viewed_at"]
        add = _credit_active_time(user=user, progress=progress, seconds=seconds, now=now)
        if add:
            progress.seconds_spent += add
            fields.append("seconds_spent")
        if video and lesson.video_file and lesson.video_seconds:
            claimed = _clean_claimed(video.get("ranges"), lesson.video_seconds)
            if claimed:
                since = progress.video_reported_at or progress.first_viewed_at
                elapsed = max(0.0, (now - since).total_seconds())
                policy = study_policy()
                budget = int(elapsed * float(policy.max_playback_rate)) + VIDEO_SLACK_SECONDS
                ranges = _add_within_budget(progress.video_ranges or [], claimed, budget)
                progress.video_ranges = ranges
                progress.video_seconds_watched = ranges_total(ranges)
                progress.video_reported_at = now
                fields += ["video_ranges", "video_seconds_watched", "video_reported_at"]
        progress.last_viewed_at = max(progress.last_viewed_at, now)
        progress.save(update_fields=fields)
    return progress


def lesson_check_submit(*, user: Any, lesson: Lesson, answers: list[Any],
                        now: datetime.datetime | None = None) -> bool:
    """Check the broker's answers to the lesson's check questions; all right passes it.

    Returns whether they passed. Passing is recorded once (``check_passed_at``); a wrong
    attempt changes nothing and may be repeated after studying the lesson again.
    """
    _ensure_learner(user, lesson)
    questions = lesson.check_questions or []
    if not questions:
        raise ApplicationError(_("This lesson has no check questions."))
    now = now or timezone.now()
    right = len(answers) == len(questions) and all(
        str(given) == str(question.get("answer")) for given, question in zip(
            answers, questions, strict=True))
    progress = lesson_open(user=user, lesson=lesson, now=now)
    if right and progress.check_passed_at is None:
        LessonProgress.objects.filter(pk=progress.pk, check_passed_at__isnull=True).update(
            check_passed_at=now)
    return right


def lesson_complete(
    *, user: Any, lesson: Lesson, now: datetime.datetime | None = None
) -> LessonProgress:
    """Mark ``lesson`` done for ``user`` and credit its class hours as they are now.

    Refused when the lesson was never opened, its prerequisites are not met, or the study
    it requires has not been observed yet (``StudyIncomplete``, with the figures).
    Completing twice changes nothing: the first completion's time and credit stay.
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
        current = Lesson.objects.select_related("module").get(pk=lesson.pk)
        requirement = lesson_requirement(user=user, lesson=current, progress=progress)
        if not requirement.met:
            raise StudyIncomplete(requirement)
        progress.completed_at = now
        progress.last_viewed_at = max(progress.last_viewed_at, now)
        progress.credited_hours = current.class_hours
        progress.lesson_version = current.version
        progress.save(update_fields=[
            "completed_at", "last_viewed_at", "credited_hours", "lesson_version"
        ])
    return progress

