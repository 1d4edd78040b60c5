"""The funnel toward intermediate.

The readiness engine (``certificates.readiness_sets``) defines the steps by requirement kinds
and judges each broker by their own requirement set; the funnel only adds who entered it
(enrolled, in the period and cohort filtered on) and counts, in one set-based query.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connections
from django.db.models.expressions import RawSQL

from academy.db import read_alias
from academy.people.models import Level
from certificates import selectors as readiness_sets
from courses.models import Enrolment

from .population import TalentFilters, compiled_sql, narrowed, profiles

INTERMEDIATE = "intermediate"


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



def _funnel_with(filters: TalentFilters, req: FunnelRequirements,
                 now: datetime.datetime | None = None) -> tuple[str, tuple]:
    """A ``WITH`` clause ending in ``talent_funnel``: the readiness engine's row for each
    broker of the pool (``rd_ready``) and ``t_enrolled``, whether they entered the funnel."""
    with_sql, params = readiness_sets.readiness_with(
        profiles(filters), narrow=narrowed(filters), now=now, using=read_alias())
    enrolments = Enrolment.objects.exclude(status=Enrolment.Status.WITHDRAWN)
    if req.level is not None:
        enrolments = enrolments.filter(cohort__programme__to_level=req.level)
    if filters.cohort is not None:
        enrolments = enrolments.filter(cohort=filters.cohort)
    enrolments = enrolments.filter(filters._in_period("enrolled_at", is_datetime=True))
    enrolled_sql, more = compiled_sql(enrolments.values("user_id").order_by())
    # Only compiled querysets are interpolated; values are parameters.
    return (f"{with_sql}, talent_funnel AS (SELECT rd_ready.*, "  # noqa: S608
            f"CASE WHEN rd_ready.user_id IN ({enrolled_sql}) THEN 1 ELSE 0 END AS t_enrolled "
            "FROM rd_ready)"), params + more


def funnel_conditions(req: FunnelRequirements) -> dict[str, tuple[str, tuple]]:
    """Each step's condition on ``talent_funnel``, as the readiness engine defines it."""
    return readiness_sets.funnel_step_conditions(req.level)


def funnel_brokers(filters: TalentFilters, req: FunnelRequirements, step: str,
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
