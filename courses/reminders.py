"""Reminders about courses: deadlines, offline sessions, inactivity, trainers' overdue digest.

Registered with ``academy.notifications`` (which imports this module when it is ready). Each
sweep finds whom to remind with one set-based query (each pair's running count of completed
lessons joined, in SQL both PostgreSQL and SQLite run), streams the rows in batches and
hands them to ``notices_deliver``: a fixed number of queries per batch whatever the number
of brokers.
Running a sweep again creates nothing new: every notice has a window, and the reminder log
keeps one row per person, kind, subject, window and channel.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from academy.notifications.selectors import band, url_maker, url_or_home
from academy.notifications.selectors import notify_conf as conf
from academy.notifications.services import (
    Kind,
    ManualReminder,
    Notice,
    notices_deliver,
    register_kind,
    register_manual,
    register_sweep,
)
from academy.people.selectors import Role, user_roles

from .models import Cohort, Enrolment

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
    quiet_choice=False, app="courses",  # never urgent: it waits for the morning
    sample={"cohort": "2026年第一期中级培训班", "days": 21},
))
TRAINER_OVERDUE = register_kind(Kind(
    code="trainer_overdue_digest", label=_("Daily list of overdue brokers"), roles=TRAINERS,
    description=_("Trainers: each morning, the brokers of your cohorts behind a deadline."),
    quiet_choice=False, app="courses",  # never urgent: a list for the working day
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


# --- SQL: whose lessons are unfinished -----------------------------------------------------------
#
# Every courses sweep asks the same question of many (broker, course) pairs: how many
# published lessons has the course, and how many of them has the broker completed? The second
# is a running count that database triggers keep (``CompletedLessons``): one row per pair,
# where grouping the completed lessons again read every completion of every broker in the
# sweep (about 630,000 rows a morning at 100,000 enrolments, see bench/sweeps.py). Plain SQL
# that PostgreSQL and SQLite both run.

_UNFINISHED = """
    totals AS (
        SELECT m.course_id AS course_id, COUNT(*) AS total
        FROM courses_lesson l JOIN courses_module m ON m.id = l.module_id
        WHERE l.is_published = %s
        GROUP BY m.course_id
    ),
    unfinished AS (
        SELECT pairs.*, t.total AS total, COALESCE(d.completed, 0) AS done
        FROM pairs
        JOIN totals t ON t.course_id = pairs.course_id
        LEFT JOIN courses_completedlessons d
             ON d.user_id = pairs.user_id AND d.course_id = pairs.course_id
        WHERE COALESCE(d.completed, 0) < t.total
    )
"""

# Active enrolments of active people, with their cohort (the start of every "pairs").
_ENROLMENTS = """
    courses_enrolment e
    JOIN people_user u ON u.id = e.user_id AND u.is_active = %s
    JOIN courses_cohort co ON co.id = e.cohort_id
"""


def _param(value: Any) -> Any:
    """A date or datetime as the database's driver wants it in raw SQL."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else parse_date(str(value)[:10])


def _aware(value: Any) -> datetime.datetime:
    """A datetime from raw SQL (SQLite gives naive UTC text) as an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _rows(sql: str, params: list[Any]) -> Iterator[tuple]:
    """Stream the rows of ``sql`` in batches (a server-side cursor on PostgreSQL)."""
    size = conf.NOTIFY_BATCH_SIZE
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [_param(p) for p in params])
        while batch := cursor.fetchmany(size):
            yield from batch


def _unfinished_query(*, ctes: str = "", pairs: str, select: str) -> str:
    """``WITH [ctes,] pairs AS (pairs), totals, unfinished <select>``; ``pairs`` has at
    least ``user_id`` and ``course_id``. Parameters: ctes', pairs', a boolean, select's."""
    prefix = f"{ctes}," if ctes else ""
    return f"WITH {prefix} pairs AS ({pairs}), {_UNFINISHED} {select}"


def _active_enrolments():
    return Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, user__is_active=True)


def deadline_band(days_left: int, offsets: list[int]) -> int | None:
    """See ``academy.notifications.sweeps.band``: 5 days left of 7, 3, 1 is the 7-day one."""
    return band(days_left, offsets)


def _offsets() -> list[int]:
    return sorted({int(d) for d in conf.NOTIFY_DEADLINE_DAYS})


# --- Deadlines --------------------------------------------------------------------------------


def course_deadline_rows(*, today: datetime.date, horizon: datetime.date) -> Iterator[tuple]:
    """(broker, deadline, course, course title, due on, cohort name, lessons, done) for every
    course due between ``today`` and ``horizon`` of which the broker has lessons left."""
    sql = _unfinished_query(
        pairs=f"""
            SELECT e.user_id AS user_id, d.course_id AS course_id, d.id AS deadline_id,
                   c.title AS course_title, d.due_on AS due_on, co.name AS cohort_name
            FROM {_ENROLMENTS}
            JOIN courses_cohortcoursedeadline d ON d.cohort_id = e.cohort_id
            JOIN courses_course c ON c.id = d.course_id
            WHERE e.status = %s AND d.due_on >= %s AND d.due_on <= %s
        """,  # noqa: S608 - only module constants are interpolated
        select="SELECT user_id, deadline_id, course_id, course_title, due_on, cohort_name, "
               "total, done FROM unfinished",
    )
    for row in _rows(sql, [True, Enrolment.Status.ACTIVE, today, horizon, True]):
        yield (*row[:4], _date(row[4]), *row[5:])


def cohort_deadline_rows(*, today: datetime.date, horizon: datetime.date) -> Iterator[tuple]:
    """(broker, cohort, cohort name, ends on, required lessons, done) for brokers of cohorts
    ending between ``today`` and ``horizon`` with required lessons left."""
    sql = _unfinished_query(
        pairs=f"""
            SELECT e.user_id AS user_id, pc.course_id AS course_id, e.cohort_id AS cohort_id,
                   co.name AS cohort_name, co.ends_on AS ends_on
            FROM {_ENROLMENTS}
            JOIN courses_programmecourse pc
                 ON pc.programme_id = co.programme_id AND pc.required = %s
            WHERE e.status = %s AND co.ends_on >= %s AND co.ends_on <= %s
        """,  # noqa: S608 - only module constants are interpolated
        select="SELECT user_id, cohort_id, cohort_name, ends_on, SUM(total), SUM(done) "
               "FROM unfinished GROUP BY user_id, cohort_id, cohort_name, ends_on",
    )
    for user_id, cohort_id, name, ends_on, total, done in _rows(
        sql, [True, True, Enrolment.Status.ACTIVE, today, horizon, True]
    ):
        # SUM() is numeric on PostgreSQL: counts go to templates (and JSON) as integers.
        yield user_id, cohort_id, name, _date(ends_on), int(total), int(done)


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
    course_url = url_maker("courses:course_detail")
    programme_url = url_or_home("courses:my_programme")

    def notices() -> Iterator[Notice]:
        for user_id, deadline_id, course_id, title, due_on, cohort, total, done in (
            course_deadline_rows(today=today, horizon=horizon)
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
                url=course_url(course_id),
            )
        for user_id, cohort_id, cohort, ends_on, total, done in (
            cohort_deadline_rows(today=today, horizon=horizon)
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
                url=programme_url,
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
            chunk_size=conf.NOTIFY_BATCH_SIZE
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


#: Reminders of inactivity go out after N, 2N, … up to this many times N days idle.
INACTIVITY_REPEATS = 12


def inactive_rows(*, now: datetime.datetime, days: int) -> Iterator[tuple]:
    """(broker, cohort, cohort name, last activity) for active enrolments of running cohorts
    whose broker did nothing (opened a lesson, attended a session, enrolled) for ``days``
    days — or twice, three times … as long — and has required lessons left.

    Only brokers who crossed such a mark in the last days (``ACADEMY_NOTIFY_LOOKBACK_DAYS``,
    for a sweep that missed a run) are read: the daily run reads a few thousand rows, not
    every idle broker again, and a first run after installation does not nudge everybody
    who has been idle for any time at once.
    """
    today = _today(now)
    cutoff = now - datetime.timedelta(days=days)
    lookback = datetime.timedelta(days=min(int(conf.NOTIFY_LOOKBACK_DAYS), days))
    marks = [now - datetime.timedelta(days=days * k) for k in range(1, INACTIVITY_REPEATS + 1)]
    crossed = " OR ".join(["(idle.last_active <= %s AND idle.last_active > %s)"] * len(marks))
    sql = _unfinished_query(
        ctes=f"""
            running AS (
                SELECT e.user_id AS user_id, e.cohort_id AS cohort_id, co.name AS cohort_name,
                       co.programme_id AS programme_id, e.enrolled_at AS enrolled_at
                FROM {_ENROLMENTS}
                WHERE e.status = %s AND co.starts_on <= %s AND co.ends_on >= %s
                  AND e.enrolled_at <= %s
            ),
            seen AS (
                SELECT user_id, MAX(last_viewed_at) AS at FROM courses_lessonprogress
                WHERE user_id IN (SELECT user_id FROM running) GROUP BY user_id
            ),
            attended AS (
                SELECT user_id, MAX(checked_in_at) AS at FROM courses_attendance
                WHERE user_id IN (SELECT user_id FROM running) GROUP BY user_id
            ),
            idle AS (
                SELECT r.*, CASE WHEN COALESCE(s.at, r.enrolled_at) >= COALESCE(a.at, r.enrolled_at)
                                 THEN COALESCE(s.at, r.enrolled_at)
                                 ELSE COALESCE(a.at, r.enrolled_at) END AS last_active
                FROM running r
                LEFT JOIN seen s ON s.user_id = r.user_id
                LEFT JOIN attended a ON a.user_id = r.user_id
            )
        """,  # noqa: S608 - only module constants are interpolated
        pairs=f"""
            SELECT idle.user_id AS user_id, pc.course_id AS course_id, idle.cohort_id AS cohort_id,
                   idle.cohort_name AS cohort_name, idle.last_active AS last_active
            FROM idle JOIN courses_programmecourse pc
                 ON pc.programme_id = idle.programme_id AND pc.required = %s
            WHERE {crossed}
        """,  # noqa: S608 - only placeholders are interpolated
        select="SELECT DISTINCT user_id, cohort_id, cohort_name, last_active FROM unfinished",
    )
    params = [True, Enrolment.Status.ACTIVE, today, today, cutoff, True,
              *(bound for mark in marks for bound in (mark, mark - lookback)), True]
    for user_id, cohort_id, name, last_active in _rows(sql, params):
        yield user_id, cohort_id, name, _aware(last_active)


@register_sweep("courses.inactive_brokers", kinds=(BROKER_INACTIVE.code,),
                schedule={"minute": "0", "hour": "10"})
def inactive_brokers(*, now: datetime.datetime) -> int:
    """Brokers of a running cohort, with required lessons left, inactive for N days (again
    after each N more days)."""
    days = int(conf.NOTIFY_INACTIVITY_DAYS)
    if days <= 0:
        return 0
    url = url_or_home("courses:my_programme")

    def notices() -> Iterator[Notice]:
        for user_id, cohort_id, cohort, last_active in inactive_rows(now=now, days=days):
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
    sql = _unfinished_query(
        pairs=f"""
            SELECT e.user_id AS user_id, d.course_id AS course_id, e.cohort_id AS cohort_id
            FROM {_ENROLMENTS}
            JOIN courses_cohortcoursedeadline d ON d.cohort_id = e.cohort_id
            WHERE e.status = %s AND co.starts_on <= %s AND co.ends_on >= %s AND d.due_on < %s
        """,  # noqa: S608 - only module constants are interpolated
        select="SELECT cohort_id, COUNT(DISTINCT user_id) FROM unfinished GROUP BY cohort_id",
    )
    params = [True, Enrolment.Status.ACTIVE, today, today, today, True]
    return dict(_rows(sql, params))


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
    cohort_url = url_maker("courses:cohort_detail")
    for cohort_id, trainer_id in Cohort.trainers.through.objects.filter(
        cohort_id__in=list(counts), user__is_active=True
    ).values_list("cohort_id", "user_id"):
        per_trainer[trainer_id].append({
            "name": cohorts[cohort_id], "overdue": counts[cohort_id],
            "url": cohort_url(cohort_id),
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
    sql = _unfinished_query(
        pairs=f"""
            SELECT e.user_id AS user_id, pc.course_id AS course_id, u.full_name AS full_name
            FROM {_ENROLMENTS}
            JOIN courses_programmecourse pc
                 ON pc.programme_id = co.programme_id AND pc.required = %s
            WHERE e.status = %s AND e.cohort_id = %s
        """,  # noqa: S608 - only module constants are interpolated
        select="SELECT user_id, SUM(total), SUM(done) FROM unfinished "
               "GROUP BY user_id, full_name ORDER BY full_name, user_id",
    )
    rows = [(user_id, int(total), int(done)) for user_id, total, done in
            _rows(sql, [True, True, Enrolment.Status.ACTIVE, cohort_id, True])]
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
