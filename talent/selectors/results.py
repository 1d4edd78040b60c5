"""Exam results by sitting (pass rates, score distribution, awaiting release) and the
grading turnaround."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from exams.models import Attempt, Mark

from .population import TalentFilters, broker_ids

PERCENT_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=9, decimal_places=2)


BUCKETS = tuple(range(0, 100, 10))  # 0-9, 10-19, ... 90-100


def released_attempts(filters: TalentFilters) -> QuerySet[Attempt]:
    qs = Attempt.objects.filter(status=Attempt.Status.RELEASED, user_id__in=broker_ids(filters))
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
    return ExpressionWrapper(F("score") * 100 / F("max_score"), output_field=PERCENT_FIELD)


def exam_results_by_sitting(filters: TalentFilters) -> list[SittingRow]:
    """Per sitting: released attempts, brokers, brokers who passed, pass rate (of brokers),
    average score (%), the distribution of scores in ten bands, and the submitted attempts
    still awaiting grading or release (a sitting with nothing released yet is listed too).
    Three queries."""
    from exams.selectors import AWAITING_STATUSES

    qs = released_attempts(filters).filter(max_score__gt=0, score__isnull=False).annotate(
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
                                     user_id__in=broker_ids(filters))
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
    qs = (Mark.objects.filter(answer__attempt__user_id__in=broker_ids(filters),
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
