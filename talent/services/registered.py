"""The city's registered totals, entered and corrected by administrators (audited)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError

from ..models import RegisteredTotal


def _total_summary(total: RegisteredTotal) -> dict[str, Any]:
    return {"region": total.region.code, "month": total.month.strftime("%Y-%m"),
            "deal_count": total.deal_count, "contract_amount": str(total.contract_amount),
            "technical_income": (None if total.technical_income is None
                                 else str(total.technical_income)),
            "note": total.note}


def registered_total_save(*, actor: Any, region: Any, month: datetime.date, deal_count: int,
                          contract_amount: Decimal, technical_income: Decimal | None,
                          note: str = "", total_id: int | None = None) -> RegisteredTotal:
    """Enter (or correct, with ``total_id``) the city's registered totals of a region and
    month; audited with before and after. One row per region and month (a constraint)."""
    month = month.replace(day=1)
    try:
        with transaction.atomic():
            if total_id is not None:
                total = RegisteredTotal.objects.select_for_update().select_related(
                    "region").get(pk=total_id)
                before: dict[str, Any] | None = _total_summary(total)
            else:
                total, before = RegisteredTotal(), None
            total.region, total.month = region, month
            total.deal_count, total.contract_amount = deal_count, contract_amount
            total.technical_income, total.note = technical_income, note
            total.updated_by = actor
            total.save()
            audit_record(action="talent.registered_total_saved", actor=actor, subject=total,
                         before=before, after=_total_summary(total))
    except IntegrityError:
        raise ApplicationError(_("Totals for this region and month are already entered: "
                                 "correct those instead.")) from None
    return total


def registered_total_delete(*, actor: Any, total_id: int) -> None:
    """Remove a wrongly entered row of registered totals (audited)."""
    with transaction.atomic():
        total = RegisteredTotal.objects.select_for_update().select_related("region").get(
            pk=total_id)
        before = _total_summary(total)
        audit_record(action="talent.registered_total_deleted", actor=actor, subject=total,
                     before=before)
        total.delete()
