"""The brokers behind a number: each figure's drill-down applies the figure's own condition
to the same population, so the list always matches its number."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from academy.people.models import BrokerProfile

from .funnel import FUNNEL_STEPS, funnel_brokers, funnel_requirements
from .population import TalentFilters, profiles
from .practice import approved_practice
from .promotions import promoted_brokers
from .results import released_attempts

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
        qs = qs.filter(user_id__in=funnel_brokers(filters, req, step, now))
    month = _month(drill.get("promoted"))
    if month is not None:
        qs = promoted_brokers(filters, month, drill.get("promoted_level"))
    sitting = drill.get("sitting")
    if sitting and sitting.isdigit():
        attempts = released_attempts(filters).filter(sitting_id=int(sitting),
                                             max_score__gt=0, score__isnull=False)
        if drill.get("passed") == "1":
            attempts = attempts.filter(passed=True)
        qs = qs.filter(user_id__in=attempts.values("user_id"))
    practice_month = _month(drill.get("practice_month"))
    if practice_month is not None:
        records = approved_practice(filters).filter(contract_date__year=practice_month.year,
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
