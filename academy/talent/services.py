"""What the talent pool changes: only the audit trail, when someone exports."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from academy.audit.services import audit_record


def export_record(*, actor: Any, kind: str, file_format: str, filters: dict[str, Any],
                  rows: int, personal: bool) -> None:
    """Write an export to the audit trail (``talent.exported``): who, what, which filters,
    how many rows, and whether it held personal data."""
    with transaction.atomic():
        audit_record(
            action="talent.exported", actor=actor,
            after={"kind": kind, "format": file_format, "filters": filters, "rows": rows,
                   "personal_data": personal},
        )
