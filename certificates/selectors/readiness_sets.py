"""The readiness engine's set-based form: ``readiness._evaluate``'s rules over a population.

``readiness.broker_readiness`` answers for one broker and ``readiness.brokers_readiness`` for a
list, in Python, with every figure and text. The bureau's figures need the same answer for a
whole pool (100,000 brokers) in one statement, so this module states the same rules in SQL:
``readiness_with(pool)`` is a ``WITH`` clause ending in ``rd_ready``, one row per broker of
the pool with which groups of requirement kinds they meet (``FLAGS``), judged by their own
requirement set (assigned, or in force when they enrolled, or in force now). Each source
table is aggregated once and joined; the loops below go over requirement sets and their
rows, never over brokers.

The funnel's steps are defined here by requirement kinds (``FUNNEL_STEPS``), once for both
forms: ``funnel_step_conditions`` for SQL and ``funnel_steps_reached`` for one broker's
``Readiness``. The property test in ``tests/certificates/test_readiness_sets.py`` holds the
two forms to the same answer on generated populations.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.people.models import BrokerProfile, Level, PracticeRecord
from courses.models import Attendance, Enrolment, LessonProgress

from ..models import BrokerRequirementSet, RequirementSet
from ..sql import large_aggregate
from .readiness import (
    EXAM_KINDS,
    HOURS_KINDS,
    KINDS,
    PRACTICE_KINDS,
    Readiness,
    _sets_with_rows,
    add_months,
)

# Per broker: judged (a next level and a set that judges them), then each group met.
FLAGS = ("judged", "hours_met", "exams_sat", "exams_met", "practice_met", "time_met", "ready")


@dataclass(frozen=True)
class FunnelStep:
    """A step toward a level: which requirement kinds a broker must meet to be counted."""

    key: str
    label: Any
    explanation: Any
    kinds: tuple[str, ...] = ()


FUNNEL_STEPS = (
    FunnelStep("enrolled", _("Enrolled"),
               _("Enrolled = in a programme leading to the level (not withdrawn)")),
    FunnelStep("hours", _("Class hours met"),
               _("Class hours met = total class hours, the hours of each course area and of "
                 "each required course all met"), HOURS_KINDS),
    FunnelStep("exams_sat", _("Exams passed or awaiting grading"),
               _("Exams passed or awaiting grading = class hours met, and every required exam "
                 "passed or submitted and awaiting its result"), HOURS_KINDS),
    FunnelStep("exam", _("Exams passed"),
               _("Exams passed = class hours met and every required exam passed (at the "
                 "minimum score where one is set)"), HOURS_KINDS + EXAM_KINDS),
    FunnelStep("practice", _("Practice met"),
               _("Practice met = all the above, and the approved practice records (their "
                 "number, contract amount and technical income where required)"),
               HOURS_KINDS + EXAM_KINDS + PRACTICE_KINDS),
    FunnelStep("ready", _("Ready"),
               _("Ready = every requirement met, months at the previous level included"),
               KINDS),
    FunnelStep("certified", _("Certified"),
               _("Certified = now at the level or above")),
)
STEP_KEYS = tuple(step.key for step in FUNNEL_STEPS)

# Each step's flags on ``rd_ready`` (cumulative), for brokers judged for the funnel's level.
_STEP_FLAGS = {
    "hours": ("hours_met",),
    "exams_sat": ("hours_met", "exams_sat"),
    "exam": ("hours_met", "exams_met"),
    "practice": ("hours_met", "exams_met", "practice_met"),
    "ready": ("ready",),
}


# --- The single-broker form -------------------------------------------------------------------


def funnel_steps_reached(readiness: Readiness, *, enrolled: bool, rank: int,
                         level: Level) -> set[str]:
    """The funnel steps toward ``level`` that one broker has reached, from the single-broker
    engine's answer: the same definition as ``funnel_step_conditions``."""
    if not enrolled:
        return set()
    reached = {"enrolled"}
    certified = rank >= level.rank
    groups = readiness.groups()
    judged_here = readiness.level is not None and readiness.level.pk == level.pk
    for key, flags in _STEP_FLAGS.items():
        if certified or (judged_here and all(groups[flag] for flag in flags)):
            reached.add(key)
    if certified:
        reached.add("certified")
    return reached


# --- The set-based form -----------------------------------------------------------------------


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def months_threshold(months: int, today: datetime.date) -> datetime.date:
    """The latest date a broker may have reached their level and have ``months`` whole months
    at it by ``today`` (``readiness.months_between(start, today) >= months``)."""
    candidate = add_months(today, -months)
    while add_months(candidate, months) > today:
        candidate -= datetime.timedelta(days=1)
    while add_months(candidate + datetime.timedelta(days=1), months) <= today:
        candidate += datetime.timedelta(days=1)
    return candidate


def _judging_sets(using: str = "default") -> list[RequirementSet]:
    """Every set that can judge someone: those put in force, and those assigned."""
    return list(_sets_with_rows().using(using).filter(
        Q(effective_from__isnull=False) | Q(assignments__isnull=False)).distinct()
        .order_by("pk"))


def _percent_hundredths(alias: str) -> str:
    """A released attempt's score in hundredths of a percent, rounded half to even like
    ``Decimal.quantize`` (``exams.selectors.best_results``)."""
    x = f"({alias}.score * 10000 / {alias}.max_score)"
    return (f"CASE WHEN {alias}.score IS NULL OR {alias}.max_score = 0 THEN 0 "
            f"WHEN {x} - FLOOR({x}) = 0.5 THEN "
            f"FLOOR({x}) + MOD(FLOOR({x}), 2) "
            f"ELSE ROUND({x}) END")


Condition = tuple[str, tuple]


class _With:
    """The common table expressions of ``readiness_with``, built one subject at a time, with
    their parameters in the order of the SQL."""

    def __init__(self, pool: QuerySet[BrokerProfile], *, narrow: bool, using: str) -> None:
        self.ops = connections[using].ops
        self.users = pool.values("user_id") if narrow else None
        self.ctes: list[str] = []
        self.params: tuple = ()

    def only(self, qs: QuerySet, field_name: str = "user_id") -> QuerySet:
        """``qs`` restricted to the pool's users when the pool is narrowed."""
        return qs if self.users is None else qs.filter(**{f"{field_name}__in": self.users})

    def cte(self, name: str, sql: str, more: tuple = ()) -> None:
        self.ctes.append(f"{name} AS ({sql})")
        self.params += more

    def sql(self) -> tuple[str, tuple]:
        return "WITH " + ", ".join(self.ctes), self.params


def _with_pool(w: _With, pool: QuerySet[BrokerProfile], levels: list[Level]) -> None:
    """``rd_pool`` and ``rd_base``: each broker, their level, and the level they work toward
    (the next by rank; levels are a handful of rows)."""
    sql, more = _sql(pool.values_list("user_id", "level_id", "level__rank", "level_since")
                     .order_by())
    w.cte("rd_pool (user_id, level_id, lvl_rank, level_since)", sql, more)
    target = "NULL"
    target_params: tuple = ()
    whens = []
    for index, level in enumerate(levels[:-1]):
        whens.append("WHEN %s THEN %s")
        target_params += (level.pk, levels[index + 1].pk)
    if whens:
        target = f"CASE rd_pool.level_id {' '.join(whens)} ELSE NULL END"
    w.cte("rd_base", f"SELECT rd_pool.user_id, rd_pool.lvl_rank, rd_pool.level_since, "  # noqa: S608
          f"{target} AS target_id FROM rd_pool", target_params)


def _with_chosen_set(w: _With, levels: list[Level], sets: list[RequirementSet],
                     now: datetime.datetime) -> None:
    """``rd_chosen``: the set that judges each broker: the one an admin assigned, else the
    set in force at the moment of enrolment (or now): per level, the latest put in force by
    then, else the first ever put in force."""
    sql, more = _sql(w.only(BrokerRequirementSet.objects.all(), "broker_id")
                     .values_list("broker_id", "level_id", "requirement_set_id").order_by())
    w.cte("rd_assigned (user_id, level_id, set_id)", sql, more)
    sql, more = _sql(w.only(Enrolment.objects.exclude(status=Enrolment.Status.WITHDRAWN))
                     .values("user_id", "cohort__programme__to_level_id")
                     .annotate(first=Min("enrolled_at"))
                     .values_list("user_id", "cohort__programme__to_level_id", "first")
                     .order_by())
    w.cte("rd_enrol (user_id, level_id, first_at)", sql, more)
    in_force = "NULL"
    in_force_params: tuple = ()
    level_cases = []
    for level in levels:
        versions = sorted((rs for rs in sets if rs.level_id == level.pk
                           and rs.effective_from is not None),
                          key=lambda rs: (rs.effective_from, rs.version))
        if not versions:
            continue
        branches = []
        in_force_params += (level.pk,)
        for rs in reversed(versions):
            branches.append("WHEN COALESCE(rd_enrol.first_at, %s) >= %s THEN %s")
            in_force_params += (w.ops.adapt_datetimefield_value(now),
                                w.ops.adapt_datetimefield_value(rs.effective_from), rs.pk)
        level_cases.append(f"WHEN %s THEN CASE {' '.join(branches)} ELSE %s END")
        in_force_params += (versions[0].pk,)
    if level_cases:
        in_force = f"CASE rd_base.target_id {' '.join(level_cases)} ELSE NULL END"
    w.cte("rd_chosen", "SELECT rd_base.user_id, rd_base.lvl_rank, rd_base.level_since, "  # noqa: S608
          f"rd_base.target_id, COALESCE(rd_assigned.set_id, {in_force}) AS set_id "
          "FROM rd_base LEFT JOIN rd_assigned ON rd_assigned.user_id = rd_base.user_id "
          "AND rd_assigned.level_id = rd_base.target_id "
          "LEFT JOIN rd_enrol ON rd_enrol.user_id = rd_base.user_id "
          "AND rd_enrol.level_id = rd_base.target_id", in_force_params)


def _with_hours(w: _With, areas: list[int], courses: list[int]) -> None:
    """``rd_hours``: class hours in total, per required area and per required course."""
    lessons = (w.only(LessonProgress.objects.filter(completed_at__isnull=False))
               .values_list("user_id", "lesson__module__course_id",
                            "lesson__module__course__area_id", "credited_hours").order_by())
    sessions = (w.only(Attendance.objects.all())
                .values_list("user_id", "session__course_id", "session__course__area_id",
                             "credited_hours").order_by())
    sql, more = _sql(lessons.union(sessions, all=True))
    w.cte("rd_hrows (user_id, course_id, area_id, hours)", sql, more)
    columns = ["SUM(hours) AS total"]
    more = ()
    for index, area_id in enumerate(areas):
        columns.append(f"SUM(CASE WHEN area_id = %s THEN hours ELSE 0 END) AS a_{index}")
        more += (area_id,)
    for index, course_id in enumerate(courses):
        columns.append(f"SUM(CASE WHEN course_id = %s THEN hours ELSE 0 END) AS c_{index}")
        more += (course_id,)
    w.cte("rd_hours", f"SELECT user_id, {', '.join(columns)} FROM rd_hrows GROUP BY user_id",  # noqa: S608
          more)


def _with_exams(w: _With, papers: list[int]) -> str:
    """``rd_exams``: per required paper, passed (any released attempt), the best released
    score, and a submitted attempt awaiting its result. Returns the join ``rd_ready`` needs
    (none without required papers)."""
    if not papers:
        return ""
    from exams.models import Attempt
    from exams.selectors import AWAITING_STATUSES

    released = Attempt.Status.RELEASED
    sql, more = _sql(w.only(Attempt.objects.filter(
        sitting__paper_id__in=papers, status__in=(released, *AWAITING_STATUSES)))
        .values_list("user_id", "sitting__paper_id", "status", "passed", "score",
                     "max_score").order_by())
    w.cte("rd_att (user_id, paper_id, status, passed, score, max_score)", sql, more)
    columns: list[str] = []
    more = ()
    waiting = ", ".join(["%s"] * len(AWAITING_STATUSES))
    for index, paper_id in enumerate(papers):
        columns += [
            f"MAX(CASE WHEN paper_id = %s AND status = %s AND passed = %s THEN 1 ELSE 0 "
            f"END) AS p_{index}",
            f"MAX(CASE WHEN paper_id = %s AND status = %s THEN "
            f"{_percent_hundredths('rd_att')} END) AS b_{index}",
            f"MAX(CASE WHEN paper_id = %s AND status IN ({waiting}) THEN 1 ELSE 0 END) "
            f"AS w_{index}",
        ]
        more += (paper_id, released, True, paper_id, released, paper_id,
                 *AWAITING_STATUSES)
    w.cte("rd_exams", f"SELECT user_id, {', '.join(columns)} FROM rd_att GROUP BY user_id",  # noqa: S608
          more)
    return " LEFT JOIN rd_exams ON rd_exams.user_id = rd_chosen.user_id"


def _with_practice(w: _With) -> None:
    """``rd_practice``: each broker's approved practice records, their amounts and income."""
    approved = Q(status=PracticeRecord.Status.APPROVED)
    sql, more = _sql(w.only(PracticeRecord.objects.filter(approved), "broker_id")
                     .values("broker_id")
                     .annotate(n=Count("pk"), amount=Sum("contract_amount"),
                               income=Sum("technical_income"))
                     .values_list("broker_id", "n", "amount", "income").order_by())
    w.cte("rd_practice (user_id, n, amount, income)", sql, more)


def _at_least(column: str, value: Decimal) -> Condition:
    return f"ROUND(COALESCE({column}, 0), 2) >= CAST(%s AS NUMERIC)", (str(value),)


def _every(conditions: list[Condition]) -> Condition:
    if not conditions:
        return "1 = 1", ()
    return (" AND ".join(f"({sql})" for sql, _p in conditions),
            tuple(p for _sql_text, ps in conditions for p in ps))


def _set_flags(rs: RequirementSet, *, areas: list[int], courses: list[int], papers: list[int],
               today: datetime.date, ops: Any) -> dict[str, Condition]:
    """One set's rules as conditions on the joined row, one per flag (``FLAGS[1:]``)."""
    hours: list[Condition] = []
    exams_met: list[Condition] = []
    exams_sat: list[Condition] = []
    practice: list[Condition] = []
    time: list[Condition] = []
    if rs.total_hours is not None:
        hours.append(_at_least("rd_hours.total", rs.total_hours))
    for row in rs.area_hours.all():
        hours.append(_at_least(f"rd_hours.a_{areas.index(row.area_id)}", row.hours))
    for course_row in rs.course_hours.all():
        hours.append(_at_least(f"rd_hours.c_{courses.index(course_row.course_id)}",
                               course_row.hours))
    for exam in rs.exams.all():
        index = papers.index(exam.paper_id)
        met = f"COALESCE(rd_exams.p_{index}, 0) = 1"
        met_params: tuple = ()
        if exam.min_percent is not None:
            met += f" AND COALESCE(rd_exams.b_{index}, -1) >= %s"
            met_params = (int(Decimal(exam.min_percent) * 100),)
        exams_met.append((met, met_params))
        exams_sat.append((f"(({met}) OR COALESCE(rd_exams.w_{index}, 0) = 1)", met_params))
    if rs.practice_records:
        practice.append(("COALESCE(rd_practice.n, 0) >= %s", (rs.practice_records,)))
    if rs.practice_min_contract_amount is not None:
        practice.append(_at_least("rd_practice.amount", rs.practice_min_contract_amount))
    if rs.practice_min_technical_income is not None:
        practice.append(_at_least("rd_practice.income", rs.practice_min_technical_income))
    if rs.months_at_previous_level:
        time.append(("rd_chosen.level_since IS NOT NULL AND rd_chosen.level_since <= %s",
                     (ops.adapt_datefield_value(
                         months_threshold(rs.months_at_previous_level, today)),)))
    asks = bool(hours or exams_met or practice or rs.months_at_previous_level is not None)
    groups = {"hours_met": _every(hours), "exams_sat": _every(exams_sat),
              "exams_met": _every(exams_met), "practice_met": _every(practice),
              "time_met": _every(time)}
    groups["ready"] = _every([groups[g] for g in ("hours_met", "exams_met", "practice_met",
                                                  "time_met")]) if asks else ("1 = 0", ())
    return groups


def _with_ready(w: _With, sets: list[RequirementSet], exams_join: str,
                **columns: Any) -> None:
    """``rd_ready``: each broker's flags, by the rules of the set that judges them."""
    flag_cases: dict[str, list[Condition]] = {flag: [] for flag in FLAGS[1:]}
    for rs in sets:
        for flag, (sql, more) in _set_flags(rs, ops=w.ops, **columns).items():
            flag_cases[flag].append((f"WHEN %s THEN CASE WHEN {sql} THEN 1 ELSE 0 END",
                                     (rs.pk, *more)))
    selected = ["rd_chosen.user_id", "rd_chosen.lvl_rank", "rd_chosen.target_id",
                "rd_chosen.set_id",
                "CASE WHEN rd_chosen.set_id IS NULL THEN 0 ELSE 1 END AS judged"]
    params: tuple = ()
    for flag, cases in flag_cases.items():
        if cases:
            selected.append(f"CASE rd_chosen.set_id {' '.join(sql for sql, _p in cases)} "
                            f"ELSE 0 END AS {flag}")
            for _sql_text, ps in cases:
                params += ps
        else:
            selected.append(f"0 AS {flag}")
    w.cte("rd_ready", f"SELECT {', '.join(selected)} FROM rd_chosen "  # noqa: S608
          "LEFT JOIN rd_hours ON rd_hours.user_id = rd_chosen.user_id"
          f"{exams_join} "
          "LEFT JOIN rd_practice ON rd_practice.user_id = rd_chosen.user_id", params)


def readiness_with(pool: QuerySet[BrokerProfile], *, narrow: bool = True,
                   now: datetime.datetime | None = None, today: datetime.date | None = None,
                   using: str = "default") -> tuple[str, tuple]:
    """A ``WITH`` clause ending in ``rd_ready``: for each broker of ``pool``, ``user_id``,
    ``lvl_rank``, ``target_id`` (the level worked toward), ``set_id`` and the ``FLAGS`` as 0/1.

    ``narrow``: aggregate the source tables for the pool's users only (a filtered pool);
    without it each table is aggregated whole (the whole pool: cheaper than the semi-join).

    Only compiled querysets and this module's constants are interpolated into the SQL; every
    value is a parameter.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    w = _With(pool, narrow=narrow, using=using)
    levels = list(Level.objects.using(using).order_by("rank"))
    sets = _judging_sets(using)
    areas = sorted({row.area_id for rs in sets for row in rs.area_hours.all()})
    courses = sorted({row.course_id for rs in sets for row in rs.course_hours.all()})
    papers = sorted({row.paper_id for rs in sets for row in rs.exams.all()})
    _with_pool(w, pool, levels)
    _with_chosen_set(w, levels, sets, now)
    _with_hours(w, areas, courses)
    exams_join = _with_exams(w, papers)
    _with_practice(w)
    _with_ready(w, sets, exams_join, areas=areas, courses=courses, papers=papers, today=today)
    return w.sql()


def brokers_readiness_flags(pool: QuerySet[BrokerProfile] | None = None, *,
                            now: datetime.datetime | None = None,
                            today: datetime.date | None = None,
                            using: str = "default") -> dict[int, dict[str, Any]]:
    """The set-based engine's answer per broker of ``pool`` (every profile by default):
    ``{user_id: {"target_id", "set_id", *FLAGS (bool)}}``. One statement (plus the levels and
    the requirement sets)."""
    narrow = pool is not None
    pool = BrokerProfile.objects.using(using).all() if pool is None else pool
    with_sql, params = readiness_with(pool, narrow=narrow, now=now, today=today, using=using)
    with large_aggregate(using), connections[using].cursor() as cursor:
        cursor.execute(f"{with_sql} SELECT user_id, target_id, set_id, "  # noqa: S608
                       f"{', '.join(FLAGS)} FROM rd_ready", params)
        rows = cursor.fetchall()
    return {
        row[0]: {"target_id": row[1], "set_id": row[2],
                 **{flag: bool(value) for flag, value in zip(FLAGS, row[3:], strict=True)}}
        for row in rows
    }


def funnel_step_conditions(level: Level | None) -> dict[str, tuple[str, tuple]]:
    """Each funnel step's condition toward ``level`` on a row of ``rd_ready`` that also has
    ``t_enrolled`` (0/1), cumulative: a broker at a step has reached every step before it.
    A broker now at ``level`` or above has reached them all."""
    if level is None:
        return {step: ("1 = 0", ()) for step in STEP_KEYS}
    conditions: dict[str, tuple[str, tuple]] = {"enrolled": ("t_enrolled = 1", ())}
    for key, flags in _STEP_FLAGS.items():
        met = " AND ".join(f"{flag} = 1" for flag in flags)
        conditions[key] = (f"t_enrolled = 1 AND (lvl_rank >= %s OR (target_id = %s AND {met}))",
                           (level.rank, level.pk))
    conditions["certified"] = ("t_enrolled = 1 AND lvl_rank >= %s", (level.rank,))
    return conditions


def ready_for_promotion(pool: QuerySet[BrokerProfile] | None = None, *,
                        now: datetime.datetime | None = None,
                        using: str = "default") -> list[tuple[int, int]]:
    """``(user_id, level_id)`` of every broker the engine finds ready for the level above
    their own who holds no active certificate of it, by user id. One statement (plus the
    levels and requirement sets)."""
    from ..models.issued import Certificate

    narrow = pool is not None
    pool = BrokerProfile.objects.using(using).all() if pool is None else pool
    with_sql, params = readiness_with(pool, narrow=narrow, now=now, using=using)
    held_sql, more = _sql(Certificate.objects.filter(status__in=Certificate.ACTIVE)
                          .values_list("broker_id", "level_id").order_by())
    with large_aggregate(using), connections[using].cursor() as cursor:
        cursor.execute(
            f"{with_sql}, rd_held (broker_id, level_id) AS ({held_sql}) "  # noqa: S608
            "SELECT rd_ready.user_id, rd_ready.target_id FROM rd_ready WHERE rd_ready.ready = 1 "
            "AND NOT EXISTS (SELECT 1 FROM rd_held WHERE rd_held.broker_id = rd_ready.user_id "
            "AND rd_held.level_id = rd_ready.target_id) ORDER BY rd_ready.user_id",
            params + more)
        return [(user_id, level_id) for user_id, level_id in cursor.fetchall()]
