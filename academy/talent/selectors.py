"""The bureau's figures: every number on the dashboard, from aggregate queries only.

Each figure is computed over the same population (``TalentFilters``: period, region,
organisation, cohort, level) and each number has a drill-down: ``brokers_for(filters, drill)``
returns the brokers behind it by applying the *same* conditions as the figure (one queryset
builder per figure), so the list always matches its number.

The period (``date_from``/``date_to``, inclusive) limits events: promotions (``level_since``),
enrolments in the funnel, exam attempts (submission), marks (submission) and practice records
(contract date). Counts of brokers by level, region and organisation describe the pool as it
is now.

No figure loops over brokers in Python: loops below go over levels, regions, months, sittings
or funnel steps (small, bounded sets).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from academy.audit.models import AuditEvent
from academy.db import read_alias, reads_from_replica
from academy.notifications.models import Reminder
from academy.people.models import (
    BrokerProfile,
    Level,
    Organisation,
    PracticeRecord,
    Region,
    User,
)
from certificates import selectors as readiness_sets
from certificates.models import Certificate
from certificates.selectors import broker_readiness
from courses.models import Attendance, Cohort, Enrolment, LessonProgress
from courses.selectors import transcript_for
from exams.models import Attempt, Mark

ZERO = Decimal("0")
HOURS_FIELD = DecimalField(max_digits=9, decimal_places=2)
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
INTERMEDIATE = "intermediate"


@dataclass(frozen=True)
class TalentFilters:
    """What the auditor narrowed the pool to. Empty values mean "all"."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    region: Region | None = None
    organisation: Organisation | None = None
    cohort: Cohort | None = None
    level: Level | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as GET parameters (for drill-down links and exports)."""
        query: dict[str, str] = {}
        if self.date_from:
            query["date_from"] = self.date_from.isoformat()
        if self.date_to:
            query["date_to"] = self.date_to.isoformat()
        if self.region:
            query["region"] = self.region.code
        if self.organisation:
            query["organisation"] = str(self.organisation.pk)
        if self.cohort:
            query["cohort"] = self.cohort.code
        if self.level:
            query["level"] = self.level.code
        return query

    def as_json(self) -> dict[str, str]:
        return self.as_query()

    def _in_period(self, field_name: str, *, is_datetime: bool = False) -> Q:
        q = Q()
        lookup = f"{field_name}__date" if is_datetime else field_name
        if self.date_from:
            q &= Q(**{f"{lookup}__gte": self.date_from})
        if self.date_to:
            q &= Q(**{f"{lookup}__lte": self.date_to})
        return q


@contextmanager
def without_jit() -> Iterator[None]:
    """Run the enclosed queries in one transaction with PostgreSQL's JIT compiler off and
    room to aggregate in memory.

    The figures are large aggregates whose estimated cost passes ``jit_above_cost``; JIT then
    spends seconds compiling what takes a fraction of that to run. Their hash tables (one
    row per broker) outgrow the default 4 MB ``work_mem`` and spill to disk at 100,000
    brokers (measured by bench/dashboard.py). ``SET LOCAL`` ends with the transaction.
    """
    alias = read_alias()
    if connections[alias].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


# --- The population -----------------------------------------------------------------------------


def profiles(filters: TalentFilters) -> QuerySet[BrokerProfile]:
    """The broker profiles the filters select (region, organisation, cohort, level), of
    active accounts only: written as "not a deactivated account" (people_user_inactive_idx),
    which PostgreSQL counts without joining every profile to its user."""
    qs = BrokerProfile.objects.filter(~Exists(User.objects.filter(
        pk=OuterRef("user_id"), is_active=False)))
    if filters.region is not None:
        qs = qs.filter(region=filters.region)
    if filters.organisation is not None:
        qs = qs.filter(organisation=filters.organisation)
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    if filters.cohort is not None:
        qs = qs.filter(Exists(Enrolment.objects.filter(
            user_id=OuterRef("user_id"), cohort=filters.cohort,
        ).exclude(status=Enrolment.Status.WITHDRAWN)))
    return qs


def _broker_ids(filters: TalentFilters) -> QuerySet:
    return profiles(filters).values("user_id")


def organisation_options(*, text: str, region_code: str = "", limit: int = 20
                         ) -> list[dict[str, Any]]:
    """Organisations for the filter's suggestions: name containing ``text`` (names starting
    with it first); with ``region_code``, those of that region or with a broker there."""
    text = text.strip()[:100]
    qs = Organisation.objects.all()
    if region_code:
        qs = qs.filter(Q(region__code=region_code) | Exists(BrokerProfile.objects.filter(
            organisation=OuterRef("pk"), region__code=region_code)))
    if text:
        qs = qs.filter(name__icontains=text).annotate(
            later=Case(When(name__istartswith=text, then=Value(0)), default=Value(1),
                       output_field=IntegerField())).order_by("later", "name")
    else:
        qs = qs.order_by("name")
    return [{"id": pk, "name": name} for pk, name in qs.values_list("pk", "name")[:limit]]


def cohort_options(*, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Cohorts for the filter's suggestions: code or name containing ``text``, the latest
    first. ``value`` is what the filter takes (the code), ``name`` what it is called."""
    text = text.strip()[:100]
    qs = Cohort.objects.all()
    if text:
        qs = qs.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return [{"value": code, "name": name}
            for code, name in qs.order_by("-starts_on", "code").values_list("code", "name")[:limit]]


# --- Brokers by level, region, organisation ---------------------------------------------------


@dataclass
class CountRow:
    key: str
    label: str
    count: int
    percent: int = 0
    drill: dict[str, str] = field(default_factory=dict)


def _with_percent(rows: list[CountRow]) -> list[CountRow]:
    top = max((r.count for r in rows), default=0)
    for row in rows:
        row.percent = round(row.count * 100 / top) if top else 0
    return rows


def brokers_by_level(filters: TalentFilters) -> list[CountRow]:
    """Brokers at each level (every level listed, zeros included). Two queries."""
    counts = dict(profiles(filters).values("level_id").annotate(n=Count("pk"))
                  .values_list("level_id", "n").order_by())
    return _with_percent([
        CountRow(level.code, level.display_name, counts.get(level.pk, 0),
                 drill={"level": level.code})
        for level in Level.objects.order_by("rank")
    ])


def brokers_by_region(filters: TalentFilters) -> list[CountRow]:
    """Brokers in each region (every region listed). Two queries."""
    counts = dict(profiles(filters).values("region_id").annotate(n=Count("pk"))
                  .values_list("region_id", "n").order_by())
    return _with_percent([
        CountRow(region.code, region.display_name, counts.get(region.pk, 0),
                 drill={"region": region.code})
        for region in Region.objects.all()
    ])


def brokers_by_organisation(filters: TalentFilters, *, limit: int = 20) -> list[CountRow]:
    """The organisations with most brokers (``limit`` of them). One query."""
    rows = (profiles(filters).filter(organisation__isnull=False)
            .values("organisation_id", "organisation__name")
            .annotate(n=Count("pk")).order_by("-n", "organisation__name")[:limit])
    return _with_percent([
        CountRow(str(r["organisation_id"]), r["organisation__name"], r["n"],
                 drill={"organisation": str(r["organisation_id"])})
        for r in rows
    ])


# --- Promotions ---------------------------------------------------------------------------------


@dataclass
class PromotionRow:
    month: datetime.date
    level_code: str
    level_label: str
    count: int
    percent: int = 0

    @property
    def drill(self) -> dict[str, str]:
        return {"promoted": self.month.strftime("%Y-%m"), "promoted_level": self.level_code}


def _promoted(filters: TalentFilters) -> QuerySet[BrokerProfile]:
    """Brokers above the first level, by the date they reached their level."""
    first_rank = Level.objects.order_by("rank").values("rank")[:1]
    return (profiles(filters).filter(level_since__isnull=False)
            .filter(level__rank__gt=Subquery(first_rank))
            .filter(filters._in_period("level_since")))


def promotions_by_month(filters: TalentFilters) -> list[PromotionRow]:
    """Promotions (to a level above the first) per month and level.

    Each broker's current level by ``BrokerProfile.level_since``, plus the earlier steps the
    ``people.level_changed`` events record (``history``). Two queries.
    """
    rows = (_promoted(filters).annotate(month=TruncMonth("level_since"))
            .values("month", "level__code", "level__name", "level__name_en")
            .annotate(n=Count("pk")).order_by("month", "level__rank"))
    result = []
    for r in rows:
        month = r["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        level = Level(code=r["level__code"], name=r["level__name"], name_en=r["level__name_en"])
        result.append(PromotionRow(month, r["level__code"], level.display_name, r["n"]))
    from .history import promotions_with_history

    return promotions_with_history(filters, result)


def promotions_by_year(rows: list[PromotionRow]) -> list[tuple[int, int]]:
    """Totals per year from the monthly rows (loops over months, not brokers)."""
    totals: dict[int, int] = {}
    for row in rows:
        totals[row.month.year] = totals.get(row.month.year, 0) + row.count
    return sorted(totals.items())


# --- The funnel toward intermediate -----------------------------------------------------------
#
# The readiness engine (``certificates.readiness_sets``) defines the steps by requirement kinds
# and judges each broker by their own requirement set; the funnel only adds who entered it
# (enrolled, in the period and cohort filtered on) and counts.


FUNNEL_STEPS = tuple((step.key, step.label) for step in readiness_sets.FUNNEL_STEPS)


@dataclass
class FunnelRequirements:
    """The funnel's level, the requirement set in force for it now, and what each step
    means."""

    level: Level | None
    set_label: str = ""
    explanations: list[str] = field(default_factory=list)


def funnel_requirements() -> FunnelRequirements:
    """The intermediate level and its current requirement set (two queries), if any."""
    level = Level.objects.filter(code=INTERMEDIATE).first()
    explanations = [str(step.explanation) for step in readiness_sets.FUNNEL_STEPS]
    if level is None:
        return FunnelRequirements(level=None, explanations=explanations)
    from certificates.models import RequirementSet

    rs = RequirementSet.objects.filter(level=level, is_current=True).first()
    return FunnelRequirements(level=level, set_label=str(rs) if rs is not None else "",
                              explanations=explanations)


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def _narrowed(filters: TalentFilters) -> bool:
    """Whether the filters select part of the pool (not only a period)."""
    return any(value is not None for value in (filters.region, filters.organisation,
                                               filters.level, filters.cohort))


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
    (lp_sql, lp_params), (att_sql, att_params) = _sql(lessons), _sql(sessions)
    return (f"talent_lp (user_id, total) AS ({lp_sql}), "
            f"talent_att (user_id, total) AS ({att_sql})"), lp_params + att_params


def _funnel_with(filters: TalentFilters, req: FunnelRequirements,
                 now: datetime.datetime | None = None) -> tuple[str, tuple]:
    """A ``WITH`` clause ending in ``talent_funnel``: the readiness engine's row for each
    broker of the pool (``rd_ready``) and ``t_enrolled``, whether they entered the funnel."""
    with_sql, params = readiness_sets.readiness_with(
        profiles(filters), narrow=_narrowed(filters), now=now, using=read_alias())
    enrolments = Enrolment.objects.exclude(status=Enrolment.Status.WITHDRAWN)
    if req.level is not None:
        enrolments = enrolments.filter(cohort__programme__to_level=req.level)
    if filters.cohort is not None:
        enrolments = enrolments.filter(cohort=filters.cohort)
    enrolments = enrolments.filter(filters._in_period("enrolled_at", is_datetime=True))
    enrolled_sql, more = _sql(enrolments.values("user_id").order_by())
    # Only compiled querysets are interpolated; values are parameters.
    return (f"{with_sql}, talent_funnel AS (SELECT rd_ready.*, "  # noqa: S608
            f"CASE WHEN rd_ready.user_id IN ({enrolled_sql}) THEN 1 ELSE 0 END AS t_enrolled "
            "FROM rd_ready)"), params + more


def funnel_conditions(req: FunnelRequirements) -> dict[str, tuple[str, tuple]]:
    """Each step's condition on ``talent_funnel``, as the readiness engine defines it."""
    return readiness_sets.funnel_step_conditions(req.level)


def _funnel_brokers(filters: TalentFilters, req: FunnelRequirements, step: str,
                    now: datetime.datetime | None = None) -> RawSQL:
    """The user ids at a funnel step, for ``user_id__in`` (the drill-down of the count)."""
    with_sql, params = _funnel_with(filters, req, now)
    condition, more = funnel_conditions(req)[step]
    # Only compiled querysets and the engine's constants are interpolated; values are
    # parameters.
    return RawSQL(f"{with_sql} SELECT user_id FROM talent_funnel WHERE {condition}",  # noqa: S608,S611
                  params + more)


@dataclass
class FunnelStep:
    key: str
    label: str
    count: int
    of_previous: int | None  # conversion from the previous step, percent
    of_first: int  # percent of the enrolled
    drill: dict[str, str]
    explanation: str = ""


def funnel(filters: TalentFilters, *, now: datetime.datetime | None = None
           ) -> tuple[list[FunnelStep], FunnelRequirements]:
    """Counts at each step toward intermediate, with conversions: one set-based query over
    the readiness engine's answer (plus the levels and requirement sets)."""
    req = funnel_requirements()
    conditions = funnel_conditions(req)
    with_sql, params = _funnel_with(filters, req, now)
    columns = ", ".join(f"COUNT(CASE WHEN {sql} THEN 1 END)" for sql, _p in conditions.values())
    for _sql_text, more in conditions.values():
        params += more
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(f"{with_sql} SELECT {columns} FROM talent_funnel",  # noqa: S608
                       params)
        counts = dict(zip(conditions, cursor.fetchone(), strict=True))
    steps: list[FunnelStep] = []
    first = counts["enrolled"] or 0
    previous: int | None = None
    for (key, label), explanation in zip(FUNNEL_STEPS, req.explanations, strict=True):
        n = counts[key] or 0
        steps.append(FunnelStep(
            key=key, label=str(label), count=n,
            of_previous=None if previous is None else (round(n * 100 / previous)
                                                       if previous else 0),
            of_first=round(n * 100 / first) if first else 0,
            drill={"step": key}, explanation=explanation,
        ))
        previous = n
    return steps, req


# --- Cohorts ------------------------------------------------------------------------------------


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
    qs = Enrolment.objects.filter(user_id__in=_broker_ids(filters))
    if filters.cohort is not None:
        qs = qs.filter(cohort=filters.cohort)
    ready_sql, params = readiness_sets.readiness_with(
        profiles(filters), narrow=_narrowed(filters), now=now, using=read_alias())
    enrolments_sql, more = _sql(qs.values_list(
        "cohort_id", "user_id", "status", "cohort__programme__to_level_id",
        "cohort__programme__to_level__rank").order_by())
    params += more
    hours_sql, hours_params = _user_hours_ctes(
        qs.values("user_id") if _narrowed(filters) else None)
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


# --- Exams --------------------------------------------------------------------------------------


BUCKETS = tuple(range(0, 100, 10))  # 0-9, 10-19, ... 90-100


def _attempts(filters: TalentFilters) -> QuerySet[Attempt]:
    qs = Attempt.objects.filter(status=Attempt.Status.RELEASED, user_id__in=_broker_ids(filters))
    if filters.cohort is not None:
        qs = qs.filter(sitting__cohort=filters.cohort)
    return qs.filter(filters._in_period("submitted_at", is_datetime=True))


@dataclass
class SittingRow:
    sitting_id: int
    title: str
    paper: str
    attempts: int
    brokers: int
    passed_brokers: int
    pass_rate: int
    avg_percent: Decimal
    buckets: list[int]
    bucket_percents: list[int] = field(default_factory=list)
    awaiting: int = 0  # submitted attempts whose result is not released yet


def _percent_expr():
    return ExpressionWrapper(F("score") * 100 / F("max_score"), output_field=HOURS_FIELD)


def exam_results_by_sitting(filters: TalentFilters) -> list[SittingRow]:
    """Per sitting: released attempts, brokers, brokers who passed, pass rate (of brokers),
    average score (%), the distribution of scores in ten bands, and the submitted attempts
    still awaiting grading or release (a sitting with nothing released yet is listed too).
    Three queries."""
    from exams.selectors import AWAITING_STATUSES

    qs = _attempts(filters).filter(max_score__gt=0, score__isnull=False).annotate(
        pct=_percent_expr())
    totals = (qs.values("sitting_id", "sitting__title", "sitting__paper__title")
              .annotate(attempts=Count("pk"), brokers=Count("user_id", distinct=True),
                        passed_brokers=Count("user_id", distinct=True, filter=Q(passed=True)),
                        avg=Avg("pct"))
              .order_by("sitting__opens_at", "sitting_id"))
    bucket = Case(*[When(pct__lt=b + 10, then=Value(b)) for b in BUCKETS[:-1]],
                  default=Value(90), output_field=IntegerField())
    dist: dict[tuple[int, int], int] = {
        (r["sitting_id"], r["band"]): r["n"]
        for r in qs.annotate(band=bucket).values("sitting_id", "band")
        .annotate(n=Count("pk")).order_by()
    }
    waiting = Attempt.objects.filter(status__in=AWAITING_STATUSES,
                                     user_id__in=_broker_ids(filters))
    if filters.cohort is not None:
        waiting = waiting.filter(sitting__cohort=filters.cohort)
    waiting = waiting.filter(filters._in_period("submitted_at", is_datetime=True))
    awaiting = {r["sitting_id"]: r for r in waiting.values(
        "sitting_id", "sitting__title", "sitting__paper__title", "sitting__opens_at")
        .annotate(n=Count("pk")).order_by()}
    rows = []
    for r in totals:
        buckets = [dist.get((r["sitting_id"], b), 0) for b in BUCKETS]
        top = max(buckets) or 1
        rows.append(SittingRow(
            sitting_id=r["sitting_id"], title=r["sitting__title"],
            paper=r["sitting__paper__title"], attempts=r["attempts"], brokers=r["brokers"],
            passed_brokers=r["passed_brokers"],
            pass_rate=round(r["passed_brokers"] * 100 / r["brokers"]) if r["brokers"] else 0,
            avg_percent=Decimal(r["avg"] or 0).quantize(Decimal("0.01")),
            buckets=buckets, bucket_percents=[round(n * 100 / top) for n in buckets],
            awaiting=awaiting.pop(r["sitting_id"], {}).get("n", 0),
        ))
    for sitting_id, r in sorted(awaiting.items(),
                                key=lambda kv: (kv[1]["sitting__opens_at"], kv[0])):
        rows.append(SittingRow(
            sitting_id=sitting_id, title=r["sitting__title"], paper=r["sitting__paper__title"],
            attempts=0, brokers=0, passed_brokers=0, pass_rate=0, avg_percent=Decimal("0.00"),
            buckets=[0] * len(BUCKETS), bucket_percents=[0] * len(BUCKETS), awaiting=r["n"],
        ))
    return rows


@dataclass
class Turnaround:
    marks: int
    average_hours: Decimal | None
    median_hours: Decimal | None


def grading_turnaround(filters: TalentFilters) -> Turnaround:
    """Time from an attempt's submission to each grader's mark: average and median (hours).

    Three queries: count and average, then the middle row(s) by offset for the median.
    """
    delay = ExpressionWrapper(F("submitted_at") - F("answer__attempt__submitted_at"),
                              output_field=DurationField())
    qs = (Mark.objects.filter(answer__attempt__user_id__in=_broker_ids(filters),
                              answer__attempt__submitted_at__isnull=False)
          .filter(filters._in_period("submitted_at", is_datetime=True)))
    if filters.cohort is not None:
        qs = qs.filter(answer__attempt__sitting__cohort=filters.cohort)
    qs = qs.annotate(delay=delay)
    agg = qs.aggregate(n=Count("pk"), avg=Avg("delay"))
    n = agg["n"] or 0
    if not n:
        return Turnaround(0, None, None)
    ordered = qs.order_by("delay", "pk").values_list("delay", flat=True)
    middle = list(ordered[(n - 1) // 2:(n // 2) + 1])
    median = sum(middle, datetime.timedelta()) / len(middle)

    def hours(value: datetime.timedelta | None) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value.total_seconds()) / 3600).quantize(Decimal("0.1"))

    return Turnaround(n, hours(agg["avg"]), hours(median))


# --- Practice records ---------------------------------------------------------------------------


@dataclass
class PracticeRow:
    region_code: str
    region_label: str
    month: datetime.date
    records: int
    amount: Decimal
    income: Decimal

    @property
    def drill(self) -> dict[str, str]:
        return {"region": self.region_code, "practice_month": self.month.strftime("%Y-%m")}


def _practice(filters: TalentFilters) -> QuerySet[PracticeRecord]:
    return (PracticeRecord.objects.filter(status=PracticeRecord.Status.APPROVED,
                                          broker_id__in=_broker_ids(filters))
            .filter(filters._in_period("contract_date")))


def practice_by_region_month(filters: TalentFilters) -> tuple[list[PracticeRow], dict[str, Any]]:
    """Approved practice records per region and month of the contract: count, contract
    amount, certified technical income; and the totals. Two queries."""
    qs = _practice(filters)
    rows = (qs.annotate(month=TruncMonth("contract_date"))
            .values("broker__broker_profile__region__code", "broker__broker_profile__region__name",
                    "broker__broker_profile__region__name_en", "month")
            .annotate(n=Count("pk"), amount=Sum("contract_amount"),
                      income=Coalesce(Sum("technical_income"), Value(ZERO),
                                      output_field=MONEY_FIELD))
            .order_by("month", "broker__broker_profile__region__code"))
    result = []
    for r in rows:
        month = r["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        region = Region(code=r["broker__broker_profile__region__code"],
                        name=r["broker__broker_profile__region__name"],
                        name_en=r["broker__broker_profile__region__name_en"])
        result.append(PracticeRow(region.code, region.display_name, month, r["n"],
                                  r["amount"] or ZERO, r["income"] or ZERO))
    totals = qs.aggregate(records=Count("pk"), amount=Coalesce(Sum("contract_amount"),
                                                               Value(ZERO),
                                                               output_field=MONEY_FIELD),
                          income=Coalesce(Sum("technical_income"), Value(ZERO),
                                          output_field=MONEY_FIELD),
                          brokers=Count("broker_id", distinct=True))
    return result, totals


# --- Certificates (when the certificates app issues them) --------------------------------------


def certificate_counts(filters: TalentFilters) -> dict[str, int]:
    """Valid, expiring within 90 days, expired and revoked certificates, in one query.

    A valid certificate whose ``valid_until`` has passed counts as expired even before the
    daily expiry task has marked it so.
    """
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=90)
    status = Certificate.Status
    in_date = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    valid = Q(status=status.VALID) & in_date
    return Certificate.objects.filter(broker_id__in=_broker_ids(filters)).aggregate(
        valid=Count("pk", filter=valid),
        expiring=Count("pk", filter=valid & Q(valid_until__lte=soon)),
        expired=Count("pk", filter=Q(status=status.EXPIRED)
                      | Q(status=status.VALID, valid_until__lt=today)),
        revoked=Count("pk", filter=Q(status=status.REVOKED)),
    )


# --- The whole dashboard -------------------------------------------------------------------------


FIGURES_CACHE_PREFIX = "talent:figures:v1:"
# Figures past their cache time are still served (with their own "as of") while one
# background task recomputes them; they are dropped from the cache after this long.
FIGURES_KEEP_SECONDS = 24 * 3600

logger = logging.getLogger(__name__)


def dashboard(filters: TalentFilters) -> dict[str, Any]:
    """Every figure of the dashboard (``dashboard_compute``) and ``as_of``, when they were
    computed: for the page, the API and the exports.

    ``ACADEMY_TALENT_FIGURES_CACHE_SECONDS`` (0: computed on every request) keeps the figures
    of each filter set and language that long in the shared cache: at a province's scale
    computing them takes seconds (bench/dashboard.py), and the page says "as of HH:MM".
    Past that time the previous figures are served, with their own time, while one Celery
    task (``figures_refresh``) recomputes them; beat keeps the unfiltered figures fresh.
    Only the very first request of a filter set computes them itself (the others asking
    meanwhile wait for it).
    """
    seconds = getattr(settings, "ACADEMY_TALENT_FIGURES_CACHE_SECONDS", 0)
    if seconds <= 0:
        as_of = timezone.now()
        return {**dashboard_compute(filters), "as_of": as_of}
    key = figures_cache_key(filters)
    cached = _cached_figures(filters, key=key, seconds=seconds)
    if cached is not None:
        return cached
    figures = figures_refresh(filters, older_than=0)
    if figures is not None:
        return figures
    for _attempt in range(150):  # another process is computing them: up to 30 s
        time.sleep(0.2)
        cached = cache.get(key)
        if cached is not None:
            return cached
    return {**dashboard_compute(filters), "as_of": timezone.now()}


def _cached_figures(filters: TalentFilters, *, key: str, seconds: int
                    ) -> dict[str, Any] | None:
    """The cached figures of ``filters`` (None when never computed); past their cache time
    they are still returned, and a worker is asked to recompute them."""
    cached = cache.get(key)
    if cached is not None and timezone.now() - cached["as_of"] >= datetime.timedelta(
            seconds=seconds):
        _figures_refresh_queue(filters, key=key, seconds=seconds)
    return cached


def figures_refresh(filters: TalentFilters, *, older_than: float) -> dict[str, Any] | None:
    """Compute and cache the figures of ``filters`` in the active language unless they are
    younger than ``older_than`` seconds or another process is computing them (a lock per
    filter set and language). Returns the new figures, or None when it left them alone."""
    seconds = getattr(settings, "ACADEMY_TALENT_FIGURES_CACHE_SECONDS", 0)
    key = figures_cache_key(filters)
    cached = cache.get(key)
    if cached is not None and timezone.now() - cached["as_of"] < datetime.timedelta(
            seconds=older_than):
        return None
    if not cache.add(key + ":computing", True, timeout=max(60, seconds)):
        return None
    try:
        figures = {**dashboard_compute(filters), "as_of": timezone.now()}
        cache.set(key, figures, timeout=max(FIGURES_KEEP_SECONDS, seconds))
    finally:
        cache.delete_many([key + ":computing", key + ":queued"])
    return figures


def _figures_refresh_queue(filters: TalentFilters, *, key: str, seconds: int) -> bool:
    """Ask a worker to recompute the figures, once per filter set until it has; False when
    the task could not be queued (the broker is down)."""
    if not cache.add(key + ":queued", time.time(), timeout=max(60, seconds)):
        return True  # asked already
    from .tasks import talent_figures_refresh

    try:
        talent_figures_refresh.delay(filters.as_query(), get_language() or settings.LANGUAGE_CODE,
                                     older_than=seconds)
    except Exception:  # the broker is down: the stale figures stay, the next request retries
        cache.delete(key + ":queued")
        logger.exception("talent: could not queue the refresh of the dashboard's figures")
        return False
    return True


# How long the dashboard waits for a worker to compute a filter set's first figures before
# the page's next poll computes them itself (no worker running, or all of them busy).
FIGURES_WORKER_WAIT_SECONDS = 15


def dashboard_if_ready(filters: TalentFilters) -> dict[str, Any] | None:
    """The dashboard page's figures: as ``dashboard()`` when they are cached (stale ones are
    served while a worker recomputes them), but None, rather than seconds of waiting, when
    this filter set was never computed: a worker is asked to compute them and the page polls
    ``figures_poll()`` until they are there. Computes them here when there is no cache time or
    the task cannot be queued; an eager task (tests, a demo) has them ready at once."""
    seconds = getattr(settings, "ACADEMY_TALENT_FIGURES_CACHE_SECONDS", 0)
    if seconds <= 0:
        return dashboard(filters)
    key = figures_cache_key(filters)
    cached = _cached_figures(filters, key=key, seconds=seconds)
    if cached is not None:
        return cached
    if not _figures_refresh_queue(filters, key=key, seconds=0):
        return dashboard(filters)
    return cache.get(key)


def figures_poll(filters: TalentFilters) -> bool:
    """Whether the figures of ``filters`` are ready (for the page waiting for them). Asks a
    worker again when the request was lost, and computes them here when no worker took it
    within ``FIGURES_WORKER_WAIT_SECONDS``."""
    seconds = getattr(settings, "ACADEMY_TALENT_FIGURES_CACHE_SECONDS", 0)
    key = figures_cache_key(filters)
    if seconds <= 0 or cache.get(key) is not None:
        return True
    queued_at = cache.get(key + ":queued")
    if queued_at is None:  # the request was lost (its mark expired): ask again
        if _figures_refresh_queue(filters, key=key, seconds=0):
            return False
        dashboard(filters)  # no task can be queued: compute them here
        return True
    if time.time() - float(queued_at) >= FIGURES_WORKER_WAIT_SECONDS:
        dashboard(filters)  # computes them (or waits for whoever is computing them)
        return True
    return False


def filters_from_query(query: dict[str, str]) -> TalentFilters:
    """The filters that ``TalentFilters.as_query()`` wrote (for a task: codes and ids only);
    a region, organisation, cohort or level deleted since is dropped."""
    def one(model, **lookup):
        return model.objects.filter(**lookup).first() if all(lookup.values()) else None

    def day(value: str | None) -> datetime.date | None:
        return datetime.date.fromisoformat(value) if value else None

    organisation = query.get("organisation")
    return TalentFilters(
        date_from=day(query.get("date_from")), date_to=day(query.get("date_to")),
        region=one(Region, code=query.get("region")),
        organisation=one(Organisation, pk=int(organisation)) if organisation else None,
        cohort=one(Cohort, code=query.get("cohort")),
        level=one(Level, code=query.get("level")),
    )


def figures_cache_key(filters: TalentFilters) -> str:
    """The cache key of the figures for ``filters`` in the active language."""
    return FIGURES_CACHE_PREFIX + hashlib.sha256(json.dumps(
        [sorted(filters.as_query().items()), get_language()]).encode()).hexdigest()


@reads_from_replica()
@without_jit()
def dashboard_compute(filters: TalentFilters) -> dict[str, Any]:
    """Every figure of the dashboard, computed now."""
    steps, req = funnel(filters)
    promotions = promotions_by_month(filters)
    cohorts = cohort_progress_summary(filters)
    practice_rows, practice_totals = practice_by_region_month(filters)
    by_level = brokers_by_level(filters)
    return {
        "total": sum(r.count for r in by_level),
        "by_level": by_level,
        "by_region": brokers_by_region(filters),
        "by_organisation": brokers_by_organisation(filters),
        "promotions": promotions,
        "promotions_by_year": promotions_by_year(promotions),
        "funnel": steps,
        "funnel_requirements": req,
        "cohorts": cohorts,
        "sittings": exam_results_by_sitting(filters),
        "turnaround": grading_turnaround(filters),
        "practice": practice_rows,
        "practice_totals": practice_totals,
        "practice_registered": _practice_registered(filters, practice_rows),
        "certificates": certificate_counts(filters),
    }


def _practice_registered(filters: TalentFilters, rows: list[PracticeRow]):
    from .registered import practice_comparison

    return practice_comparison(filters, rows)


# --- Drill-down ---------------------------------------------------------------------------------


DRILL_KEYS = ("step", "promoted", "promoted_level", "sitting", "passed", "practice_month")


def brokers_for(filters: TalentFilters, drill: dict[str, str] | None = None, *,
                now: datetime.datetime | None = None) -> QuerySet[BrokerProfile]:
    """The brokers behind a number: the filters plus one figure's own condition.

    ``drill``: ``step`` (a funnel step), ``promoted`` (YYYY-MM, and ``promoted_level``),
    ``sitting`` (+ ``passed=1``: brokers with a released attempt at the sitting, passed),
    ``practice_month`` (YYYY-MM: brokers with an approved record that month). Unknown keys
    are ignored.
    """
    drill = drill or {}
    qs = profiles(filters)
    step = drill.get("step")
    if step in dict(FUNNEL_STEPS):
        req = funnel_requirements()
        qs = qs.filter(user_id__in=_funnel_brokers(filters, req, step, now))
    month = _month(drill.get("promoted"))
    if month is not None:
        from .history import promoted_brokers

        qs = promoted_brokers(filters, month, drill.get("promoted_level"))
    sitting = drill.get("sitting")
    if sitting and sitting.isdigit():
        attempts = _attempts(filters).filter(sitting_id=int(sitting),
                                             max_score__gt=0, score__isnull=False)
        if drill.get("passed") == "1":
            attempts = attempts.filter(passed=True)
        qs = qs.filter(user_id__in=attempts.values("user_id"))
    practice_month = _month(drill.get("practice_month"))
    if practice_month is not None:
        records = _practice(filters).filter(contract_date__year=practice_month.year,
                                            contract_date__month=practice_month.month)
        qs = qs.filter(user_id__in=records.values("broker_id"))
    # Names in pinyin order (李 before 王), as a Chinese reader expects; indexed.
    return (qs.select_related("user", "level", "region", "organisation")
            .order_by("user__name_pinyin", "pk"))


def _month(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None


# --- A broker's dossier -------------------------------------------------------------------------


def dossier(profile: BrokerProfile) -> dict[str, Any]:
    """Everything on one broker's dossier but the profile itself: level history, transcript,
    enrolments, exams, certificates and readiness, practice records, the latest reminders
    received and the broker's audit trail (the latest 200 events). A fixed number of queries
    whatever the broker's record."""
    from .history import level_history  # history builds on this module

    subject = profile.user
    return {
        "level_history": level_history(profile),
        "transcript": transcript_for(user=subject),
        "enrolments": list(Enrolment.objects.filter(user=subject).select_related("cohort")
                           .order_by("-cohort__starts_on", "cohort__code")),
        "attempts": list(Attempt.objects.filter(user=subject)
                         .select_related("sitting", "sitting__paper")
                         .order_by("-started_at", "-pk")),
        "readiness": broker_readiness(subject),
        "certificates": list(Certificate.objects.filter(broker=subject).select_related("level")
                             .order_by("-issued_at", "-pk")),
        "practice": list(PracticeRecord.objects.filter(broker=subject)
                         .order_by("-contract_date", "-pk")),
        "reminders": list(Reminder.objects.filter(recipient=subject)
                          .order_by("-created_at", "-pk")[:100]),
        "trail": list(AuditEvent.objects.filter(person_id=subject.pk).order_by("-seq")[:200]),
    }
