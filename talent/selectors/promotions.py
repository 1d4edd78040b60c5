"""Promotions over time: from the broker profiles' level dates and the level-change events.

What the system records: a broker's profile holds their level and the date they reached it
(``level_since``, from the roster import or set at promotion); every promotion the system
makes (``certificates.issuance``: the certificate of the next level issued) writes a
``people.level_changed`` event to the audit trail with the level before and after. The
profile alone shows only each broker's *last* promotion, so a broker promoted twice would
lose the first one; the events alone miss promotions made before the system (imported
levels). Together they give every promotion:

* each broker's current level, reached on ``level_since`` (above the first level);
* plus every level-change event to a level the broker has since left (a superseded step).

The event that brought a broker to their current level is the profile's date already, so it
is not counted twice. Months of events are taken in the local time zone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.people.models import BrokerProfile, Level

from .counts import with_percent
from .population import TalentFilters, profiles

LEVEL_CHANGED = "people.level_changed"


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


def promoted_profiles(filters: TalentFilters) -> QuerySet[BrokerProfile]:
    """Brokers above the first level, by the date they reached their level."""
    first_rank = Level.objects.order_by("rank").values("rank")[:1]
    return (profiles(filters).filter(level_since__isnull=False)
            .filter(level__rank__gt=Subquery(first_rank))
            .filter(filters._in_period("level_since")))


def promotions_by_month(filters: TalentFilters) -> list[PromotionRow]:
    """Promotions (to a level above the first) per month and level.

    Each broker's current level by ``BrokerProfile.level_since``, plus the earlier steps the
    ``people.level_changed`` events record (``promotions_with_history``). Two queries.
    """
    rows = (promoted_profiles(filters).annotate(month=TruncMonth("level_since"))
            .values("month", "level__code", "level__name", "level__name_en")
            .annotate(n=Count("pk")).order_by("month", "level__rank"))
    result = []
    for r in rows:
        month = r["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        level = Level(code=r["level__code"], name=r["level__name"], name_en=r["level__name_en"])
        result.append(PromotionRow(month, r["level__code"], level.display_name, r["n"]))
    return promotions_with_history(filters, result)


def promotions_by_year(rows: list[PromotionRow]) -> list[tuple[int, int]]:
    """Totals per year from the monthly rows (loops over months, not brokers)."""
    totals: dict[int, int] = {}
    for row in rows:
        totals[row.month.year] = totals.get(row.month.year, 0) + row.count
    return sorted(totals.items())


def _rank(code_expression) -> Subquery:
    return Subquery(Level.objects.filter(code=code_expression).values("rank")[:1],
                    output_field=IntegerField())


def _local_day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime,
                                                                        datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(end, datetime.time.min, tzinfo=tz))


def superseded_promotions(filters: TalentFilters) -> QuerySet[AuditEvent]:
    """Level-change events, upward, of the filters' brokers, to a level they have left since;
    annotated with ``to_level`` (the code reached). The period applies to the event's time."""
    current_level = BrokerProfile.objects.filter(user_id=OuterRef("person_id")).values(
        "level__code")[:1]
    qs = (AuditEvent.objects.filter(action=LEVEL_CHANGED,
                                    person_id__in=profiles(filters).values("user_id"))
          .annotate(to_level=KeyTextTransform("level", "after"),
                    from_level=KeyTextTransform("level", "before"))
          .annotate(to_rank=_rank(OuterRef("to_level")),
                    from_rank=Coalesce(_rank(OuterRef("from_level")), Value(0)))
          .filter(to_rank__gt=F("from_rank"))
          .exclude(to_level=Subquery(current_level)))
    if filters.date_from or filters.date_to:
        start = filters.date_from or datetime.date(1900, 1, 1)
        end = (filters.date_to or datetime.date(9999, 12, 30)) + datetime.timedelta(days=1)
        low, high = _local_day_bounds(start, end)
        qs = qs.filter(occurred_at__gte=low, occurred_at__lt=high)
    return qs


def promotions_with_history(filters: TalentFilters,
                            current: list[PromotionRow]) -> list[PromotionRow]:
    """The profile-based monthly rows (``current``) with the superseded promotions added, by
    month and level. One query."""
    counts: dict[tuple[datetime.date, str], PromotionRow] = {
        (r.month, r.level_code): r for r in current}
    rows = (superseded_promotions(filters).annotate(month=TruncMonth("occurred_at"))
            .values("month", "to_level").annotate(n=Count("pk")).order_by())
    levels: dict[str, Level] | None = None
    for r in rows:
        month = r["month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        key = (month, r["to_level"])
        if key in counts:
            counts[key].count += r["n"]
            continue
        if levels is None:
            levels = {lv.code: lv for lv in Level.objects.all()}
        level = levels.get(r["to_level"])
        counts[key] = PromotionRow(month, r["to_level"],
                                   level.display_name if level else r["to_level"], r["n"])
    rank = {code: lv.rank for code, lv in (levels or {}).items()}
    ordered = sorted(counts.values(), key=lambda p: (p.month, rank.get(p.level_code, 0),
                                                     p.level_code))
    return with_percent(ordered)


def promoted_brokers(filters: TalentFilters, month: datetime.date,
                     level_code: str | None) -> QuerySet[BrokerProfile]:
    """The brokers behind a promotions figure: promoted in ``month`` (to ``level_code``)."""
    current = promoted_profiles(filters).filter(level_since__year=month.year,
                                        level_since__month=month.month)
    next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    low, high = _local_day_bounds(month.replace(day=1), next_month)
    past = superseded_promotions(filters).filter(occurred_at__gte=low, occurred_at__lt=high)
    if level_code:
        current = current.filter(level__code=level_code)
        past = past.filter(after__level=level_code)
    return profiles(filters).filter(Q(pk__in=current.values("pk"))
                                    | Q(user_id__in=past.values("person_id")))

