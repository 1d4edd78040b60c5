"""Reminders about exams: windows opening and closing, auto-submitted attempts, released
results, and trainers' grading backlog.

Registered with ``academy.notifications`` (which imports this module when it is ready).
Candidates of a sitting are the brokers on its list and the active brokers of its cohort,
found with one query each; sittings, attempts and answers are read set-based, so a sweep's
number of queries does not grow with the number of brokers. A released result is announced
when ``exams.services.result_released`` is sent; a sweep catches any release whose signal was
missed, and the reminder log makes the two meet once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.notifications.selectors import notify_conf as conf
from academy.notifications.selectors import url_maker, url_or_home
from academy.notifications.services import (
    Kind,
    Notice,
    notices_deliver,
    register_kind,
    register_sweep,
)
from academy.people.selectors import Role
from courses.models import Enrolment

from .models import Answer, Attempt, Sitting
from .services import result_released

BROKERS = frozenset({Role.BROKER})

WINDOW_OPENING = register_kind(Kind(
    code="exam_window_opening", label=_("Exam window opening"), roles=BROKERS,
    description=_("An exam you may sit opens within a day."),
    mandatory=True, app="exams",
    sample={"sitting": "2026年中级技术经纪人结业考试", "opens_at": "2026-12-01 09:00",
            "closes_at": "2026-12-03 18:00", "duration": 90},
))
WINDOW_CLOSING = register_kind(Kind(
    code="exam_window_closing", label=_("Exam window closing"), roles=BROKERS,
    description=_("An exam you have not submitted closes within a day."),
    mandatory=True, urgent=True, app="exams",
    sample={"sitting": "2026年中级技术经纪人结业考试", "closes_at": "2026-12-03 18:00",
            "started": False},
))
AUTO_SUBMITTED = register_kind(Kind(
    code="attempt_auto_submitted", label=_("Exam submitted automatically"), roles=BROKERS,
    description=_("Your time ran out and the answers you had saved were submitted."),
    app="exams",
    sample={"sitting": "2026年中级技术经纪人结业考试", "submitted_at": "2026-12-01 10:30"},
))
RESULT_RELEASED = register_kind(Kind(
    code="exam_result_released", label=_("Exam result released"), roles=BROKERS,
    description=_("Your result of an exam is available (again, if a score was changed)."),
    mandatory=True, app="exams",
    sample={"sitting": "2026年中级技术经纪人结业考试", "percent": "86.50", "passed": True,
            "regraded": False},
))
GRADING_BACKLOG = register_kind(Kind(
    code="grading_backlog", label=_("Answers waiting to be graded"),
    roles=frozenset({Role.TRAINER}),
    description=_("Trainers: once a day while answers wait in your grading queue for days."),
    app="exams",
    sample={"total": 12, "days": 3,
            "sittings": [{"title": "2026年中级技术经纪人结业考试", "waiting": 12}]},
))

DONE = [Attempt.Status.SUBMITTED, Attempt.Status.GRADED, Attempt.Status.RELEASED]


def _local(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _stamp(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def sitting_candidates(sitting_ids: Iterable[int], *, without_status: list[str] | None
                       ) -> Iterator[tuple[int, int, bool]]:
    """(sitting, broker, has an attempt in progress) for every candidate of the sittings —
    listed brokers and active brokers of the cohort — who has no attempt in
    ``without_status`` (no attempt at all when None). Two queries; pairs may repeat."""
    ids = list(sitting_ids)
    if not ids:
        return

    def attempts(statuses: list[str] | None):
        queryset = Attempt.objects.filter(sitting_id=OuterRef("sitting_ref"),
                                          user_id=OuterRef("user_id"))
        return queryset.filter(status__in=statuses) if statuses is not None else queryset

    started = Attempt.objects.filter(sitting_id=OuterRef("sitting_ref"),
                                     user_id=OuterRef("user_id"),
                                     status=Attempt.Status.IN_PROGRESS)
    listed = (
        Sitting.brokers.through.objects.filter(sitting_id__in=ids, user__is_active=True)
        .annotate(sitting_ref=F("sitting_id"))
        .annotate(done=Exists(attempts(without_status)), started=Exists(started))
        .filter(done=False).values_list("sitting_ref", "user_id", "started").order_by()
    )
    enrolled = (
        Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, user__is_active=True,
                                 cohort__sittings__in=ids)
        .annotate(sitting_ref=F("cohort__sittings__pk"))
        .annotate(done=Exists(attempts(without_status)), started=Exists(started))
        .filter(done=False).values_list("sitting_ref", "user_id", "started").order_by()
    )
    batch = conf.NOTIFY_BATCH_SIZE
    yield from listed.iterator(chunk_size=batch)
    yield from enrolled.iterator(chunk_size=batch)


def _hours() -> datetime.timedelta:
    return datetime.timedelta(hours=int(conf.NOTIFY_EXAM_NOTICE_HOURS))


@register_sweep("exams.window_opening", kinds=(WINDOW_OPENING.code,),
                schedule={"minute": "5"})
def window_opening(*, now: datetime.datetime) -> int:
    """Candidates without an attempt, when a sitting opens within the next day."""
    lookback = datetime.timedelta(days=conf.NOTIFY_LOOKBACK_DAYS)
    sittings = {
        pk: (title, opens_at, closes_at, duration)
        for pk, title, opens_at, closes_at, duration in Sitting.objects.filter(
            opens_at__lte=now + _hours(), opens_at__gte=now - lookback, closes_at__gt=now,
        ).values_list("pk", "title", "opens_at", "closes_at", "duration_minutes")
    }

    take = url_maker("exams:take_start")

    def notices() -> Iterator[Notice]:
        for sitting_id, user_id, _started in sitting_candidates(sittings, without_status=None):
            title, opens_at, closes_at, duration = sittings[sitting_id]
            yield Notice(
                recipient_id=user_id, kind=WINDOW_OPENING.code, subject_type="exams.sitting",
                subject_id=sitting_id, window=f"opens-{_stamp(opens_at)}",
                context={"sitting": title, "opens_at": _local(opens_at),
                         "closes_at": _local(closes_at), "duration": duration},
                url=take(sitting_id),
            )

    return notices_deliver(notices=notices(), now=now).created


@register_sweep("exams.window_closing", kinds=(WINDOW_CLOSING.code,),
                schedule={"minute": "15"})
def window_closing(*, now: datetime.datetime) -> int:
    """Candidates without a submitted attempt, when an open sitting closes within a day."""
    sittings = {
        pk: (title, closes_at)
        for pk, title, closes_at in Sitting.objects.filter(
            opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + _hours(),
        ).values_list("pk", "title", "closes_at")
    }

    take = url_maker("exams:take_start")

    def notices() -> Iterator[Notice]:
        for sitting_id, user_id, started in sitting_candidates(sittings, without_status=DONE):
            title, closes_at = sittings[sitting_id]
            yield Notice(
                recipient_id=user_id, kind=WINDOW_CLOSING.code, subject_type="exams.sitting",
                subject_id=sitting_id, window=f"closes-{_stamp(closes_at)}",
                context={"sitting": title, "closes_at": _local(closes_at), "started": started},
                url=take(sitting_id),
            )

    return notices_deliver(notices=notices(), now=now).created


@register_sweep("exams.auto_submitted", kinds=(AUTO_SUBMITTED.code,),
                schedule={"every": 600})
def auto_submitted(*, now: datetime.datetime) -> int:
    """Brokers whose attempt was submitted when its time ran out (each attempt once)."""
    since = now - datetime.timedelta(days=conf.NOTIFY_LOOKBACK_DAYS)
    rows = (
        Attempt.objects.filter(auto_submitted=True, submitted_at__gte=since,
                               submitted_at__lte=now, user__is_active=True)
        .values_list("pk", "user_id", "sitting__title", "submitted_at").order_by()
    )
    url = url_or_home("exams:my_exams")
    return notices_deliver(now=now, notices=(
        Notice(recipient_id=user_id, kind=AUTO_SUBMITTED.code, subject_type="exams.attempt",
               subject_id=pk, window="auto-submitted",
               context={"sitting": title, "submitted_at": _local(submitted_at)}, url=url)
        for pk, user_id, title, submitted_at in rows.iterator(
            chunk_size=conf.NOTIFY_BATCH_SIZE)
    )).created


def _released_notice(*, attempt_id: int, user_id: int, title: str, score: Any, max_score: Any,
                     passed: bool | None, regraded: bool = False, link=None) -> Notice:
    percent = (f"{score * 100 / max_score:.2f}" if score is not None and max_score else "")
    return Notice(
        recipient_id=user_id, kind=RESULT_RELEASED.code, subject_type="exams.attempt",
        subject_id=attempt_id,
        # A changed score is announced again, once per new score.
        window=f"regraded-{score}" if regraded else "released",
        context={"sitting": title, "percent": percent, "passed": passed, "regraded": regraded},
        url=(link or url_maker("exams:result"))(attempt_id),
    )


@register_sweep("exams.results_released", kinds=(RESULT_RELEASED.code,),
                schedule={"minute": "*/30"})
def results_released(*, now: datetime.datetime) -> int:
    """Safety net for the signal: results released in the last days, each once."""
    since = now - datetime.timedelta(days=conf.NOTIFY_LOOKBACK_DAYS)
    rows = (
        Attempt.objects.filter(status=Attempt.Status.RELEASED, released_at__gte=since,
                               released_at__lte=now)
        .values_list("pk", "user_id", "sitting__title", "score", "max_score", "passed")
        .order_by()
    )
    link = url_maker("exams:result")
    return notices_deliver(now=now, notices=(
        _released_notice(attempt_id=pk, user_id=user_id, title=title, score=score,
                         max_score=max_score, passed=passed, link=link)
        for pk, user_id, title, score, max_score, passed in rows.iterator(
            chunk_size=conf.NOTIFY_BATCH_SIZE)
    )).created


def _on_result_released(sender, attempt: Attempt, regraded: bool = False, **kwargs) -> None:
    row = (Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.RELEASED)
           .values_list("user_id", "sitting__title", "score", "max_score", "passed").first())
    if row is None:
        return
    user_id, title, score, max_score, passed = row
    notices_deliver(notices=[_released_notice(
        attempt_id=attempt.pk, user_id=user_id, title=title, score=score, max_score=max_score,
        passed=passed, regraded=regraded)])


result_released.connect(_on_result_released, dispatch_uid="notifications-result-released")


# --- Trainers' grading backlog ---------------------------------------------------------------


def grading_backlog_by_sitting(*, before: datetime.datetime) -> dict[int, tuple[str, int]]:
    """Per sitting: answers waiting for a grader since before ``before`` (one query)."""
    return {
        sitting_id: (title, waiting)
        for sitting_id, title, waiting in Answer.objects.filter(
            grading_status__in=[Answer.GradingStatus.PENDING, Answer.GradingStatus.MODERATION],
            attempt__status=Attempt.Status.SUBMITTED, attempt__submitted_at__lte=before,
        ).values("attempt__sitting_id", "attempt__sitting__title").annotate(n=Count("pk"))
        .values_list("attempt__sitting_id", "attempt__sitting__title", "n").order_by()
    }


def sitting_graders(sitting_ids: list[int]) -> dict[int, set[int]]:
    """Graders per sitting: its grader list, or its cohort's trainers if the list is empty.
    Two queries."""
    graders: dict[int, set[int]] = defaultdict(set)
    for sitting_id, user_id in Sitting.graders.through.objects.filter(
        sitting_id__in=sitting_ids, user__is_active=True
    ).values_list("sitting_id", "user_id"):
        graders[sitting_id].add(user_id)
    for sitting_id, user_id in (
        Sitting.objects.filter(pk__in=sitting_ids)
        .annotate(n_graders=Count("graders")).filter(n_graders=0)
        .filter(cohort__trainers__is_active=True)
        .values_list("pk", "cohort__trainers")
    ):
        graders[sitting_id].add(user_id)
    return graders


@register_sweep("exams.grading_backlog", kinds=(GRADING_BACKLOG.code,),
                schedule={"minute": "0", "hour": "8"})
def grading_backlog(*, now: datetime.datetime) -> int:
    """Trainers, once a day, while answers of their sittings wait longer than N days."""
    days = int(conf.NOTIFY_GRADING_BACKLOG_DAYS)
    waiting = grading_backlog_by_sitting(before=now - datetime.timedelta(days=days))
    if not waiting:
        return 0
    per_trainer: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for sitting_id, trainers in sitting_graders(list(waiting)).items():
        title, count = waiting[sitting_id]
        for trainer_id in trainers:
            per_trainer[trainer_id].append({"title": title, "waiting": count})
    today = timezone.localdate(now)
    return notices_deliver(now=now, notices=(
        Notice(recipient_id=trainer_id, kind=GRADING_BACKLOG.code,
               window=f"backlog-{today:%Y-%m-%d}",
               context={"sittings": sorted(items, key=lambda s: s["title"]),
                        "total": sum(s["waiting"] for s in items), "days": days},
               url=url_or_home("exams:grading_queue"))
        for trainer_id, items in per_trainer.items()
    )).created

