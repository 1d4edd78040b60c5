"""The Torch Centre filing export (火炬中心备案): intermediate and senior holders as XLSX.

One row per active certificate of a level above the first (the levels the Torch Centre
files), in the columns of the filing form with Chinese headers whatever the exporter's
language: name, national ID (masked; in full only for administrators who ask for it), level,
serial, unified number, dates, issuing body, organisation, region. Every export is written to
the audit trail (``certificates.filing_exported``) with its filters, its row count and whether
the national IDs were in full.

Cells are written as typed values (dates as dates); text is always a string cell, never a
formula, so a name typed as ``=HYPERLINK(...)`` is shown and never run. The workbook is
written in openpyxl's write-only mode from a streamed query: memory stays flat with the
number of holders.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from academy.audit.services import audit_record
from academy.people.models import Level
from academy.people.selectors import Role, mask_national_id, user_has_role

from ..conf import app_settings
from ..models.issued import Certificate

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def filed_levels() -> QuerySet[Level]:
    """The levels whose holders are filed: every level above the first."""
    lowest = Level.objects.order_by("rank").values_list("rank", flat=True).first()
    return Level.objects.filter(rank__gt=lowest or 0).order_by("rank")


@dataclass(frozen=True)
class FilingFilters:
    level: str = ""  # a filed level's code; empty: all filed levels
    include_expired: bool = False
    missing_number_only: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, "include_expired": self.include_expired,
                "missing_number_only": self.missing_number_only}


def filing_certificates(filters: FilingFilters) -> QuerySet[Certificate]:
    """The certificates a filing lists, by level then serial."""
    statuses = list(Certificate.ACTIVE) if filters.include_expired \
        else [Certificate.Status.VALID]
    queryset = Certificate.objects.filter(status__in=statuses,
                                          level__in=filed_levels())
    if filters.level:
        queryset = queryset.filter(level__code=filters.level)
    if filters.missing_number_only:
        queryset = queryset.filter(torch_number="")
    return queryset.order_by("level__rank", "serial")


def filing_summary() -> list[dict[str, Any]]:
    """Per filed level (``level``, a Level): valid certificates and how many still lack a
    unified number (two queries: the levels, one aggregate)."""
    valid = Q(status=Certificate.Status.VALID)
    levels = list(filed_levels())
    counts = {row["level_id"]: row for row in (
        Certificate.objects.filter(level__in=levels).values("level_id")
        .annotate(valid=Count("pk", filter=valid),
                  missing=Count("pk", filter=valid & Q(torch_number=""))).order_by())}
    return [{"level": level, "valid": counts.get(level.pk, {}).get("valid", 0),
             "missing": counts.get(level.pk, {}).get("missing", 0)} for level in levels]


def filing_headers() -> list[str]:
    return [_("No."), _("Name"), _("National ID number"), _("Level"), _("Serial number"),
            _("Torch Centre unified number"), _("Date of issue"), _("Valid from"),
            _("Valid until"), _("Issuing body"), _("Organisation"), _("Region"),
            _("Status")]


def _text_cell(sheet: Any, value: Any) -> Any:
    """Text as a string cell that no spreadsheet evaluates, whatever it starts with (openpyxl
    would store text starting with "=" as a formula: such text gets an explicit string cell;
    other text stays a plain value, which is cheaper)."""
    text = "" if value is None else str(value)
    if not text.startswith(FORMULA_PREFIXES):
        return text
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=None)
    cell.value = text
    cell.data_type = "s"
    return cell


def filing_workbook(filters: FilingFilters, *, full_id: bool) -> tuple[bytes, int]:
    """The filing XLSX and its number of holders (headers in Chinese)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    issuing_body = app_settings.CERT_ISSUING_BODY
    rows = 0
    with translation.override(settings.LANGUAGE_CODE):
        sheet = workbook.create_sheet(_("Torch Centre filing")[:31])
        headers = filing_headers()
        for index, width in enumerate((6, 12, 22, 16, 22, 22, 12, 12, 12, 24, 28, 14, 10)):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        sheet.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        statuses = dict(Certificate.Status.choices)
        queryset = (filing_certificates(filters)
                    .select_related("level", "broker__broker_profile__organisation",
                                    "broker__broker_profile__region"))
        for certificate in queryset.iterator(chunk_size=2000):
            profile = getattr(certificate.broker, "broker_profile", None)
            national_id = profile.national_id if profile is not None else ""
            rows += 1
            sheet.append([
                rows,
                _text_cell(sheet, certificate.holder_name),
                _text_cell(sheet, national_id if full_id else mask_national_id(national_id)),
                _text_cell(sheet, certificate.level.name),
                _text_cell(sheet, certificate.serial),
                _text_cell(sheet, certificate.torch_number),
                timezone.localdate(certificate.issued_at),  # dates: yyyy-mm-dd cells
                certificate.valid_from,
                certificate.valid_until or "",
                _text_cell(sheet, issuing_body),
                _text_cell(sheet, profile.organisation.name
                           if profile is not None and profile.organisation_id else ""),
                _text_cell(sheet, profile.region.name if profile is not None else ""),
                _text_cell(sheet, str(statuses[certificate.status])),
            ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), rows


def filing_export(*, actor: Any, filters: FilingFilters, full_id: bool = False) -> tuple[bytes, int]:
    """The filing workbook for ``actor`` (administrators and auditors), audited.

    National IDs are masked unless ``full_id`` — which only an administrator may ask for.
    """
    if not user_has_role(actor, Role.ADMIN, Role.AUDITOR):
        raise PermissionDenied
    if full_id and not user_has_role(actor, Role.ADMIN):
        raise PermissionDenied
    body, rows = filing_workbook(filters, full_id=full_id)
    with transaction.atomic():
        audit_record(action="certificates.filing_exported", actor=actor,
                     after={**filters.as_json(), "rows": rows, "format": "xlsx",
                            "full_national_id": full_id})
    return body, rows
