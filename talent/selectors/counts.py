"""Brokers by level, region and organisation: the pool as it is now (the period does not
apply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from django.db.models import Count

from academy.people.models import Level, Region

from .population import TalentFilters, profiles


@dataclass
class CountRow:
    key: str
    label: str
    count: int
    percent: int = 0
    drill: dict[str, str] = field(default_factory=dict)


class _Counted(Protocol):
    count: int
    percent: int


Counted = TypeVar("Counted", bound=_Counted)


def with_percent(rows: list[Counted]) -> list[Counted]:
    """The rows with ``percent`` set: each count as a share of the largest (for the bars)."""
    top = max((r.count for r in rows), default=0)
    for row in rows:
        row.percent = round(row.count * 100 / top) if top else 0
    return rows


def brokers_by_level(filters: TalentFilters) -> list[CountRow]:
    """Brokers at each level (every level listed, zeros included). Two queries."""
    counts = dict(profiles(filters).values("level_id").annotate(n=Count("pk"))
                  .values_list("level_id", "n").order_by())
    return with_percent([
        CountRow(level.code, level.display_name, counts.get(level.pk, 0),
                 drill={"level": level.code})
        for level in Level.objects.order_by("rank")
    ])


def brokers_by_region(filters: TalentFilters) -> list[CountRow]:
    """Brokers in each region (every region listed). Two queries."""
    counts = dict(profiles(filters).values("region_id").annotate(n=Count("pk"))
                  .values_list("region_id", "n").order_by())
    return with_percent([
        CountRow(region.code, region.display_name, counts.get(region.pk, 0),
                 drill={"region": region.code})
        for region in Region.objects.all()
    ])


def brokers_by_organisation(filters: TalentFilters, *, limit: int = 20) -> list[CountRow]:
    """The organisations with most brokers (``limit`` of them). One query."""
    rows = (profiles(filters).filter(organisation__isnull=False)
            .values("organisation_id", "organisation__name")
            .annotate(n=Count("pk")).order_by("-n", "organisation__name")[:limit])
    return with_percent([
        CountRow(str(r["organisation_id"]), r["organisation__name"], r["n"],
                 drill={"organisation": str(r["organisation_id"])})
        for r in rows
    ])
