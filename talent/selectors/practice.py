"""Approved practice records by region and month, and their totals."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from academy.people.models import PracticeRecord, Region

from .population import TalentFilters, broker_ids

ZERO = Decimal("0")
MONEY_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=16, decimal_places=2)


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


def approved_practice(filters: TalentFilters) -> QuerySet[PracticeRecord]:
    return (PracticeRecord.objects.filter(status=PracticeRecord.Status.APPROVED,
                                          broker_id__in=broker_ids(filters))
            .filter(filters._in_period("contract_date")))


def practice_by_region_month(filters: TalentFilters) -> tuple[list[PracticeRow], dict[str, Any]]:
    """Approved practice records per region and month of the contract: count, contract
    amount, certified technical income; and the totals. Two queries."""
    qs = approved_practice(filters)
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
