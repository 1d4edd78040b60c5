"""Cohort progress: enrolled, completed, withdrawn, meeting the class hours, average hours."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import QuerySet, Sum

from academy.db import read_alias
from certificates import selectors as readiness_sets
from courses.models import Attendance, Cohort, Enrolment, LessonProgress

from .population import TalentFilters, broker_ids, compiled_sql, narrowed, profiles


def _for_users(qs: QuerySet, users: QuerySet | None, field_name: str = "user_id") -> QuerySet:
    return qs if users is None else qs.filter(**{f"{field_name}__in": users})


def _user_hours_ctes(users: QuerySet | None) -> tuple[str, tuple]:
    """``talent_lp`` and ``talent_att``: credited class hours per user (completed lessons,
    attended sessions), each table aggregated once (for ``users`` only, if given)."""
    lessons = (_for_users(LessonProgress.objects.filter(completed_at__isnull=False), users)
               .values("user_id").annotate(total=Sum("credited_hours"))
               .values_list("user_id", "total").order_by())
    sessions = (_for_users(Attendance.objects.all(), users).values("user_id")
                .annotate(total=Sum("credited_hours")).values_list("user_id", "total")
                .order_by())
    (lp_sql, lp_params), (att_sql, att_params) = compiled_sql(lessons), compiled_sql(sessions)
    return (f"talent_lp (user_id, total) AS ({lp_sql}), "
            f"talent_att (user_id, total) AS ({att_sql})"), lp_params + att_params



@dataclass
class CohortRow:
    cohort_id: int
    code: str
    name: str
    enrolled: int
    completed: int
    withdrawn: int
    hours_met: int
    avg_hours: Decimal
    percent: int = 0


def cohort_progress_summary(filters: TalentFilters, *, now: datetime.datetime | None = None
                            ) -> list[CohortRow]:
    """Per cohort: brokers enrolled, completed, withdrawn, meeting the hours, average hours.

    "Meeting the hours" is the readiness engine's class-hours step (total, per area and per
    course, each broker by their own requirement set) for the level the cohort's programme
    leads to; a broker already at that level or above has met it. One aggregate query.
    """
    qs = Enrolment.objects.filter(user_id__in=broker_ids(filters))
    if filters.cohort is not None:
        qs = qs.filter(cohort=filters.cohort)
    ready_sql, params = readiness_sets.readiness_with(
        profiles(filters), narrow=narrowed(filters), now=now, using=read_alias())
    enrolments_sql, more = compiled_sql(qs.values_list(
        "cohort_id", "user_id", "status", "cohort__programme__to_level_id",
        "cohort__programme__to_level__rank").order_by())
    params += more
    hours_sql, hours_params = _user_hours_ctes(
        qs.values("user_id") if narrowed(filters) else None)
    params += hours_params
    status = Enrolment.Status
    met, met_params = ("(h.lvl_rank >= h.to_rank OR (h.target_id = h.to_level_id "
                       "AND h.hours_met = 1))"), ()
    columns = [  # (SQL, parameters), in the order of CohortRow's figures
        ("COUNT(CASE WHEN h.status <> %s THEN 1 END)", (status.WITHDRAWN,)),
        ("COUNT(CASE WHEN h.status = %s THEN 1 END)", (status.COMPLETED,)),
        ("COUNT(CASE WHEN h.status = %s THEN 1 END)", (status.WITHDRAWN,)),
        (f"COUNT(CASE WHEN h.status <> %s AND {met} THEN 1 END)",
         (status.WITHDRAWN, *met_params)),
        ("AVG(CASE WHEN h.status <> %s THEN h.hours END)", (status.WITHDRAWN,)),
    ]
    for _column, more in columns:
        params += more
    connection = connections[read_alias()]
    cohort_table = connection.ops.quote_name(Cohort._meta.db_table)
    sql = (
        f"{ready_sql}, "  # noqa: S608
        "talent_enrolments (cohort_id, user_id, status, to_level_id, to_rank) AS "
        f"({enrolments_sql}), {hours_sql}, "
        "talent_hours AS (SELECT e.cohort_id, e.status, e.to_level_id, e.to_rank, "
        "r.lvl_rank, r.target_id, r.hours_met, "
        "COALESCE(talent_lp.total, 0) + COALESCE(talent_att.total, 0) AS hours "
        "FROM talent_enrolments e "
        "LEFT JOIN rd_ready r ON r.user_id = e.user_id "
        "LEFT JOIN talent_lp ON talent_lp.user_id = e.user_id "
        "LEFT JOIN talent_att ON talent_att.user_id = e.user_id) "
        f"SELECT c.id, c.code, c.name, {', '.join(column for column, _p in columns)} "
        f"FROM talent_hours h JOIN {cohort_table} c ON c.id = h.cohort_id "
        "GROUP BY c.id, c.code, c.name, c.starts_on ORDER BY c.starts_on DESC, c.code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result = []
    for cohort_id, code, name, enrolled, completed, withdrawn, hours_met, avg in rows:
        result.append(CohortRow(
            cohort_id=cohort_id, code=code, name=name, enrolled=enrolled, completed=completed,
            withdrawn=withdrawn, hours_met=hours_met,
            avg_hours=Decimal(str(avg or 0)).quantize(Decimal("0.01")),
            percent=round(hours_met * 100 / enrolled) if enrolled else 0,
        ))
    return result
