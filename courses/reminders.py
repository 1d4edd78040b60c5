"""Reminders about courses: deadlines, offline sessions, inactivity, trainers' overdue digest.

Registered with ``academy.notifications`` (which imports this module when it is ready). Each
sweep finds whom to remind with one set-based query (correlated subqueries count each
broker's completed lessons), streams the rows in batches and hands them to
``notices_deliver``: a fixed number of queries per batch whatever the number of brokers.
Running a sweep again creates nothing new: every notice has a window, and the reminder log
keeps one row per person, kind, subject, window and channel.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.notifications import conf
from academy.notifications.kinds import Kind, register_kind
from academy.notifications.rendering import url_or_home
from academy.notifications.services import Notice, notices_deliver
from academy.notifications.sweeps import ManualReminder, register_manual, register_sweep
from academy.people.roles import Role, user_roles

from .models import Attendance, Cohort, Enrolment, Lesson, LessonProgress

BROKERS = frozenset({Role.BROKER})
TRAINERS = frozenset({Role.TRAINER})

COURSE_DEADLINE = register_kind(Kind(
    code="course_deadline", label=_("Course deadline approaching"), roles=BROKERS,
    description=_("A course of your cohort is due soon and you have lessons left."),
    app="courses",
    sample={"course": "技术合同认定登记实务", "cohort": "2026年第一期中级培训班",
            "due_on": "2026-12-01", "days": 3, "remaining": 4},
))
COHORT_DEADLINE = register_kind(Kind(
    code="cohort_deadline", label=_("Cohort ending with required lessons left"), roles=BROKERS,
    description=_("Your cohort ends soon and required lessons are not finished."),
    app="courses",
    sample={"cohort": "2026年第一期中级培训班", "ends_on": "2026-12-20", "days": 7,
            "remaining": 9},
))
SESSION_TOMORROW = register_kind(Kind(
    code="session_tomorrow", label=_("Offline session tomorrow"), roles=BROKERS,
    description=_("The day before an in-person class of your cohort."),
    app="courses",
    sample={"session": "线下集中授课：技术合同认定登记", "starts_at": "2026-12-02 09:00",
            "place": "三门峡市科技局三楼会议室", "cohort": "2026年第一期中级培训班"},
))
BROKER_INACTIVE = register_kind(Kind(
    code="broker_inactive", label=_("No activity for a while"), roles=BROKERS,
    description=_("You have not opened a lesson for weeks while your cohort runs."),
    app="courses",
    sample={"cohort": "2026年第一期中级培训班", "days": 21},
))
TRAINER_OVERDUE = register_kind(Kind(
    code="trainer_overdue_digest", label=_("Daily list of overdue brokers"), roles=TRAINERS,
    description=_("Trainers: each morning, the brokers of your cohorts behind a deadline."),
    app="courses",
    sample={"total": 5, "cohorts": [{"name": "2026年第一期中级培训班", "overdue": 5,
                                      "url": "/courses/cohorts/1/"}]},
))
COHORT_NUDGE = register_kind(Kind(
    code="cohort_nudge", label=_("Reminders from your trainer"), roles=BROKERS,
    description=_("A trainer reminds the cohort's brokers who have lessons left."),
    app="courses",
    sample={"cohort": "2026年第一期中级培训班", "remaining": 6, "sender": "张振华",
            "message": "请在本周内完成第三单元。"},
))


def _today(now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now)


def _count(queryset, group: str) -> Subquery:
    """``SELECT COUNT(*)`` of ``queryset`` as a correlated scalar subquery (0 if empty)."""
    return Coalesce(
        Subquery(queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1],
                 output_field=IntegerField()),
        Value(0),
    )


def _course_lessons(course_ref: str) -> Subquery:
    return _count(Lesson.objects.filter(is_published=True, module__course_id=OuterRef(course_ref)),
                  "module__course_id")


def _course_done(course_ref: str) -> Subquery:
    return _count(
        LessonProgress.objects.filter(user_id=OuterRef("user_id"), completed_at__isnull=False,
                                      lesson__is_published=True,
                                      lesson__module__course_id=OuterRef(course_ref)),
        "user_id",
    )


def _required_filter(prefix: str, programme_ref: str) -> Q:
    return Q(**{
        f"{prefix}module__course__programme_courses__programme_id": OuterRef(programme_ref),
        f"{prefix}module__course__programme_courses__required": True,
    })


def _required_lessons(programme_ref: str = "cohort__programme_id") -> Subquery:
    return _count(Lesson.objects.filter(_required_filter("", programme_ref), is_published=True),
                  "is_published")


def _required_done(programme_ref: str = "cohort__programme_id") -> Subquery:
    return _count(
        LessonProgress.objects.filter(_required_filter("lesson__", programme_ref),
                                      user_id=OuterRef("user_id"), completed_at__isnull=False,
                                      lesson__is_published=True),
        "user_id",
    )


def _active_enrolments():
    return Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, user__is_active=True)


def deadline_band(days_left: int, offsets: list[int]) -> int | None:
    """The reminder band ``days_left`` falls in: the smallest offset at or above it (7, 3, 1
    → 5 days left is the 7-day reminder). A sweep that missed a day still sends the band's
    reminder once, on the next run."""
    if days_left < 0:
        return None
    candidates = [o for o in offsets if o >= days_left]
    return min(candidates) if candidates else None


def _offsets() -> list[int]:
    return sorted({int(d) for d in conf.get("ACADEMY_NOTIFY_DEADLINE_DAYS")})


# --- Deadlines --------------------------------------------------------------------------------


def course_deadline_rows(*, today: datetime.date, horizon: datetime.date):
    """(broker, deadline) pairs whose course is due between ``today`` and ``horizon`` and
    who have published lessons of it left: one query."""
    return (
        _active_enrolments()
        .filter(cohort__deadlines__due_on__gte=today, cohort__deadlines__due_on__lte=horizon)
        .annotate(
            deadline_id=F("cohort__deadlines__pk"),
            course_id=F("cohort__deadlines__course_id"),
            course_title=F("cohort__deadlines__course__title"),
            due_on=F("cohort__deadlines__due_on"),
        )
        .annotate(total=_course_lessons("course_id"), done=_course_done("course_id"))
        .filter(total__gt=F("done"))
        .values_list("user_id", "deadline_id", "course_id", "course_title", "due_on",
                     "cohort__name", "total", "done")
        .order_by()
    )


def cohort_deadline_rows(*, today: datetime.date, horizon: datetime.date):
    """Brokers of cohorts ending between ``today`` and ``horizon`` with required lessons left."""
    return (
        _active_enrolments()
        .filter(cohort__ends_on__gte=today, cohort__ends_on__lte=horizon)
        .annotate(total=_required_lessons(), done=_required_done())
        .filter(total__gt=F("done"))
        .values_list("user_id", "cohort_id", "cohort__name", "cohort__ends_on", "total", "done")
        .order_by()
    )


@register_sweep("courses.deadline_approaching",
                kinds=(COURSE_DEADLINE.code, COHORT_DEADLINE.code),
                schedule={"minute": "30", "hour": "8"})
def deadline_approaching(*, now: datetime.datetime) -> int:
    """Brokers behind a course deadline or a cohort's end in 7, 3 and 1 days (settings)."""
    today = _today(now)
    offsets = _offsets()
    if not offsets:
        return 0
    horizon = today + datetime.timedelta(days=max(offsets))
    batch = conf.get("ACADEMY_NOTIFY_BATCH_SIZE")

    def notices() -> Iterator[Notice]:
        for user_id, deadline_id, course_id, title, due_on, cohort, total, done in (
            course_deadline_rows(today=today, horizon=horizon).iterator(chunk_size=batch)
        ):
            days = (due_on - today).days
            band = deadline_band(days, offsets)
            if band is None:
                continue
            yield Notice(
                recipient_id=user_id, kind=COURSE_DEADLINE.code,
                subject_type="courses.cohortcoursedeadline", subject_id=deadline_id,
                window=f"due-{due_on:%Y-%m-%d}:{band}d",
                context={"course": title, "cohort": cohort, "due_on": f"{due_on:%Y-%m-%d}",
                         "days": days, "remaining": total - done},
                url=url_or_home("courses:course_detail", course_id),
            )
        for user_id, cohort_id, cohort, ends_on, total, done in (
            cohort_deadline_rows(today=today, horizon=horizon).iterator(chunk_size=batch)
        ):
            days = (ends_on - today).days
            band = deadline_band(days, offsets)
            if band is None:
                continue
            yield Notice(
                recipient_id=user_id, kind=COHORT_DEADLINE.code,
                subject_type="courses.cohort", subject_id=cohort_id,
                window=f"ends-{ends_on:%Y-%m-%d}:{band}d",
                context={"cohort": cohort, "ends_on": f"{ends_on:%Y-%m-%d}", "days": days,
                         "remaining": total - done},
                url=url_or_home("courses:my_programme"),
            )

    return notices_deliver(notices=notices(), now=now).created


# --- Offline sessions ------------------------------------------------------------------------


@register_sweep("courses.session_tomorrow", kinds=(SESSION_TOMORROW.code,),
                schedule={"minute": "0", "hour": "8-20/4"})
def session_tomorrow(*, now: datetime.datetime) -> int:
    """Brokers of a cohort with an offline session tomorrow (local date)."""
    tomorrow = _today(now) + datetime.timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time()), tz)
    end = start + datetime.timedelta(days=1)
    rows = (
        _active_enrolments()
        .filter(cohort__sessions__starts_at__gte=start, cohort__sessions__starts_at__lt=end)
        .values_list("user_id", "cohort__sessions__pk", "cohort__sessions__title",
                     "cohort__sessions__starts_at", "cohort__sessions__place", "cohort__name")
        .order_by()
    )
    url = url_or_home("courses:my_programme")

    def notices() -> Iterator[Notice]:
        for user_id, session_id, title, starts_at, place, cohort in rows.iterator(
            chunk_size=conf.get("ACADEMY_NOTIFY_BATCH_SIZE")
        ):
            local = timezone.localtime(starts_at)
            yield Notice(
                recipient_id=user_id, kind=SESSION_TOMORROW.code,
                subject_type="courses.offlinesession", subject_id=session_id,
                window=f"session-{local:%Y-%m-%dT%H:%M}",
                context={"session": title, "starts_at": f"{local:%Y-%m-%d %H:%M}",
                         "place": place, "cohort": cohort},
                url=url,
            )

    return notices_deliver(notices=notices(), now=now).created


# --- Inactivity -----------------------------------------------------------------------------


def inactive_rows(*, now: datetime.datetime, days: int):
    """Active enrolments of running cohorts whose broker did nothing (opened a lesson,
    attended a session, enrolled) for ``days`` days and has required lessons left:
    (user, cohort, name, last activity)."""
    today = _today(now)
    last_lesson = Subquery(
        LessonProgress.objects.filter(user_id=OuterRef("user_id")).order_by()
        .values("user_id").annotate(at=Max("last_viewed_at")).values("at")[:1],
        output_field=DateTimeField(),
    )
    last_attendance = Subquery(
        Attendance.objects.filter(user_id=OuterRef("user_id")).order_by()
        .values("user_id").annotate(at=Max("checked_in_at")).values("at")[:1],
        output_field=DateTimeField(),
    )
    return (
        _active_enrolments()
        .filter(cohort__starts_on__lte=today, cohort__ends_on__gte=today,
                enrolled_at__lte=now - datetime.timedelta(days=days))
        .annotate(last_active=Greatest(
            F("enrolled_at"),
            Coalesce(last_lesson, F("enrolled_at")),
            Coalesce(last_attendance, F("enrolled_at")),
        ))
        .filter(last_active__lte=now - datetime.timedelta(days=days))
        # Someone who finished every required lesson early is not "behind".
        .annotate(total=_required_lessons(), done=_required_done())
        .filter(total__gt=F("done"))
        .values_list("user_id", "cohort_id", "cohort__name", "last_active")
        .order_by()
    )


@register_sweep("courses.inactive_brokers", kinds=(BROKER_INACTIVE.code,),
                schedule={"minute": "0", "hour": "10"})
def inactive_brokers(*, now: datetime.datetime) -> int:
    """Brokers of a running cohort, with required lessons left, inactive for N days (again
    after each N more days)."""
    days = int(conf.get("ACADEMY_NOTIFY_INACTIVITY_DAYS"))
    if days <= 0:
        return 0
    url = url_or_home("courses:my_programme")

    def notices() -> Iterator[Notice]:
        for user_id, cohort_id, cohort, last_active in inactive_rows(now=now, days=days).iterator(
            chunk_size=conf.get("ACADEMY_NOTIFY_BATCH_SIZE")
        ):
            idle = (now - last_active).days
            yield Notice(
                recipient_id=user_id, kind=BROKER_INACTIVE.code,
                subject_type="courses.cohort", subject_id=cohort_id,
                window=f"idle-since-{timezone.localdate(last_active):%Y-%m-%d}:{idle // days}",
                context={"cohort": cohort, "days": (idle // days) * days},
                url=url,
            )

    return notices_deliver(notices=notices(), now=now).created


# --- Trainers' digest of overdue brokers -------------------------------------------------------


def overdue_by_cohort(*, today: datetime.date) -> dict[int, int]:
    """Per running cohort: how many brokers are past a course deadline with lessons left."""
    rows = (
        _active_enrolments()
        .filter(cohort__starts_on__lte=today, cohort__ends_on__gte=today,
                cohort__deadlines__due_on__lt=today)
        .annotate(course_id=F("cohort__deadlines__course_id"))
        .annotate(total=_course_lessons("course_id"), done=_course_done("course_id"))
        .filter(total__gt=F("done"))
        .values_list("cohort_id", "user_id")
        .order_by()
        .distinct()
    )
    counts: dict[int, int] = defaultdict(int)
    for cohort_id, _user_id in rows.iterator(chunk_size=conf.get("ACADEMY_NOTIFY_BATCH_SIZE")):
        counts[cohort_id] += 1
    return counts


@register_sweep("courses.trainer_overdue_digest", kinds=(TRAINER_OVERDUE.code,),
                schedule={"minute": "0", "hour": "8"})
def trainer_overdue_digest(*, now: datetime.datetime) -> int:
    """Each trainer: one message a day listing their running cohorts' overdue brokers."""
    today = _today(now)
    counts = overdue_by_cohort(today=today)
    if not counts:
        return 0
    cohorts = dict(Cohort.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    per_trainer: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for cohort_id, trainer_id in Cohort.trainers.through.objects.filter(
        cohort_id__in=list(counts), user__is_active=True
    ).values_list("cohort_id", "user_id"):
        per_trainer[trainer_id].append({
            "name": cohorts[cohort_id], "overdue": counts[cohort_id],
            "url": url_or_home("courses:cohort_detail", cohort_id),
        })
    notices = (
        Notice(recipient_id=trainer_id, kind=TRAINER_OVERDUE.code,
               window=f"overdue-{today:%Y-%m-%d}",
               context={"cohorts": sorted(items, key=lambda c: c["name"]),
                        "total": sum(c["overdue"] for c in items)},
               url=url_or_home("courses:cohort_list"))
        for trainer_id, items in per_trainer.items()
    )
    return notices_deliver(notices=notices, now=now).created


# --- Manual reminder: a trainer reminds a cohort's brokers who are behind ---------------------


def _nudge_subjects(user: Any) -> list[tuple[int, str]]:
    roles = user_roles(user)
    today = timezone.localdate()
    cohorts = Cohort.objects.filter(ends_on__gte=today)
    if Role.ADMIN not in roles:
        if Role.TRAINER not in roles:
            return []
        cohorts = cohorts.filter(trainers=user)
    return list(cohorts.order_by("-starts_on", "name").values_list("pk", "name"))


def _nudge_may_send(user: Any, cohort_id: int) -> bool:
    from .selectors import can_manage_cohort

    cohort = Cohort.objects.filter(pk=cohort_id).first()
    return cohort is not None and can_manage_cohort(user, cohort)


def _nudge_label(cohort_id: int) -> str:
    return Cohort.objects.filter(pk=cohort_id).values_list("name", flat=True).first() or ""


def _nudge_notices(cohort_id: int, *, now: datetime.datetime, message: str = "",
                   sender: str = "") -> list[Notice]:
    """The cohort's active brokers with required lessons left (all, however many)."""
    cohort = Cohort.objects.filter(pk=cohort_id).values_list("name", flat=True).first()
    rows = (
        _active_enrolments().filter(cohort_id=cohort_id)
        .annotate(total=_required_lessons(), done=_required_done())
        .filter(total__gt=F("done"))
        .values_list("user_id", "total", "done")
        .order_by("user__full_name", "user_id")
    )
    today = _today(now)
    return [
        Notice(recipient_id=user_id, kind=COHORT_NUDGE.code, subject_type="courses.cohort",
               subject_id=cohort_id, window=f"manual-{today:%Y-%m-%d}",
               context={"cohort": cohort, "remaining": total - done, "message": message,
                        "sender": sender},
               url=url_or_home("courses:my_programme"))
        for user_id, total, done in rows
    ]


COHORT_NUDGE_MANUAL = register_manual(ManualReminder(
    name="courses.cohort_nudge",
    label=_("Remind a cohort's brokers who have lessons left"),
    kind=COHORT_NUDGE.code,
    subjects_for=_nudge_subjects,
    may_send=_nudge_may_send,
    label_of=_nudge_label,
    notices=_nudge_notices,
    describe=lambda notice: str(_("%(n)s required lessons left")
                                % {"n": notice.context.get("remaining", 0)}),
    description=_("Brokers who are enrolled and active in the cohort and have required "
                  "lessons left get your reminder (at most once a day)."),
))
