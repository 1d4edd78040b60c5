"""Practice records against the city's registered totals (技术合同登记), region by month.

The bureau enters, per region and month, the technology contracts the city registered: their
number, contract amount and certified technical income (``RegisteredTotal``). The dashboard
sets the approved practice records its brokers logged (``practice.practice_by_region_month``)
beside them, with the gap (registered minus recorded: deals of the region the academy has
no record of) and the share recorded.

The registered totals are the whole region's, so the comparison is made only when the
population is not narrowed by organisation, cohort or level (it would compare a part with a
whole). The period selects the months that overlap it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from ..models import RegisteredTotal
from .population import TalentFilters
from .practice import PracticeRow

ZERO = Decimal("0.00")


def registered_totals(filters: TalentFilters) -> QuerySet[RegisteredTotal]:
    """The registered totals of the filters' region and months (all of them without)."""
    qs = RegisteredTotal.objects.select_related("region")
    if filters.region is not None:
        qs = qs.filter(region=filters.region)
    if filters.date_from:
        qs = qs.filter(month__gte=filters.date_from.replace(day=1))
    if filters.date_to:
        qs = qs.filter(month__lte=filters.date_to)
    return qs.order_by("month", "region__sort_order", "region__code")


def comparable(filters: TalentFilters) -> bool:
    """Whether recorded figures may be set against the region's registered totals."""
    return filters.organisation is None and filters.cohort is None and filters.level is None


def _share(part: Decimal | int, whole: Decimal | int | None) -> int | None:
    if not whole:
        return None
    return round(Decimal(part) * 100 / Decimal(whole))


@dataclass
class ComparisonRow:
    month: datetime.date
    region_code: str
    region_label: str
    records: int = 0
    amount: Decimal = ZERO
    income: Decimal = ZERO
    registered: RegisteredTotal | None = None

    @property
    def drill(self) -> dict[str, str]:
        return {"region": self.region_code, "practice_month": self.month.strftime("%Y-%m")}

    @property
    def gap_count(self) -> int | None:
        return None if self.registered is None else self.registered.deal_count - self.records

    @property
    def gap_amount(self) -> Decimal | None:
        return None if self.registered is None else self.registered.contract_amount - self.amount

    @property
    def gap_income(self) -> Decimal | None:
        if self.registered is None or self.registered.technical_income is None:
            return None
        return self.registered.technical_income - self.income

    @property
    def count_share(self) -> int | None:
        """Recorded deals as a percentage of the registered ones."""
        return None if self.registered is None else _share(self.records,
                                                           self.registered.deal_count)

    @property
    def amount_share(self) -> int | None:
        return None if self.registered is None else _share(self.amount,
                                                           self.registered.contract_amount)


@dataclass
class Comparison:
    comparable: bool
    rows: list[ComparisonRow] = field(default_factory=list)
    # Over the months and regions with registered totals only (the gap is meaningful there).
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def entered(self) -> bool:
        return any(r.registered is not None for r in self.rows)


def practice_comparison(filters: TalentFilters, practice: list[PracticeRow]) -> Comparison:
    """The recorded practice rows beside the registered totals, per month and region.

    Every month and region with either figure is listed. One query (none when the filters
    make the comparison meaningless).
    """
    if not comparable(filters):
        return Comparison(comparable=False)
    rows: dict[tuple[datetime.date, str], ComparisonRow] = {}
    for p in practice:
        rows[(p.month, p.region_code)] = ComparisonRow(p.month, p.region_code, p.region_label,
                                                       p.records, p.amount, p.income)
    for total in registered_totals(filters):
        key = (total.month, total.region.code)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ComparisonRow(total.month, total.region.code,
                                            total.region.display_name)
        row.registered = total
    ordered = [rows[k] for k in sorted(rows)]
    return Comparison(comparable=True, rows=ordered, totals=_matched_totals(ordered))


def _matched_totals(rows: list[ComparisonRow]) -> dict[str, Any]:
    """The totals over the rows with registered totals, recorded and registered, with the gaps
    and shares."""
    matched = [(r, r.registered) for r in rows if r.registered is not None]
    reg_income = [total.technical_income for _r, total in matched
                  if total.technical_income is not None]
    records = sum(r.records for r, _total in matched)
    amount = sum((r.amount for r, _total in matched), ZERO)
    income = sum((r.income for r, total in matched if total.technical_income is not None), ZERO)
    registered_count = sum(total.deal_count for _r, total in matched)
    registered_amount = sum((total.contract_amount for _r, total in matched), ZERO)
    registered_income = sum(reg_income, ZERO) if reg_income else None
    return {
        "records": records, "amount": amount, "income": income,
        "registered_count": registered_count, "registered_amount": registered_amount,
        "registered_income": registered_income,
        "gap_count": registered_count - records,
        "gap_amount": registered_amount - amount,
        "gap_income": None if registered_income is None else registered_income - income,
        "count_share": _share(records, registered_count),
        "amount_share": _share(amount, registered_amount),
    }
