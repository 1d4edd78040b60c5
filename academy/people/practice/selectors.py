"""Reading practice records: who may see and review them, the review queue, a broker's
records, and the rules a record's fields and evidence files must meet (shared by the forms, the
API serializers and the services)."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError

from ..conf import app_settings
from ..models import PracticeRecord
from ..roles import Role, user_has_role
from ..scoping import broker_users_visible_to

# The fields a broker fills in; everything else is set by the services.
RECORD_FIELDS = (
    "contract_name",
    "contract_kind",
    "registration_number",
    "registry",
    "party_a",
    "party_b",
    "contract_amount",
    "technical_income",
    "contract_date",
    "broker_role",
    "description",
)

# (magic bytes, content type, extension)
_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
ALLOWED_EXTENSIONS = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                      "png": "image/png"}


def registration_number_normalise(value: str) -> str:
    """Registration numbers compare without spaces and case: ``" 2025 4112a" → "20254112A"``."""
    return "".join((value or "").split()).upper()



def evidence_content_type(upload: UploadedFile) -> str:
    """The file's real type from its first bytes, or ApplicationError with the reason.

    The name's extension must agree with the content (a PNG named ``.pdf`` is refused too), so
    that what the reviewer downloads opens as what it claims to be.
    """
    name = upload.name or ""
    max_bytes = app_settings.PRACTICE_EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise ApplicationError(
            _("“%(name)s” is larger than %(limit)s MB.")
            % {"name": name, "limit": f"{max_bytes / 1048576:g}"}
        )
    if not upload.size:
        raise ApplicationError(_("“%(name)s” is empty.") % {"name": name})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    detected = next(((ctype, ext) for magic, ctype, ext in _SIGNATURES
                     if head.startswith(magic)), None)
    if detected is None:
        raise ApplicationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file.") % {"name": name}
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ALLOWED_EXTENSIONS.get(extension) != detected[0]:
        raise ApplicationError(
            _("“%(name)s” does not contain what its name says (expected a .%(ext)s file).")
            % {"name": name, "ext": detected[1]}
        )
    return detected[0]


def practice_records_visible_to(viewer: Any) -> QuerySet[PracticeRecord]:
    """Practice records ``viewer`` may read: their own; the brokers they may see otherwise
    (trainers their cohorts' brokers, auditors and admins everyone's)."""
    if not getattr(viewer, "is_authenticated", False):
        return PracticeRecord.objects.none()
    visible = broker_users_visible_to(viewer).values("pk")
    return PracticeRecord.objects.filter(broker_id__in=visible)


def can_view_practice_record(viewer: Any, record: PracticeRecord) -> bool:
    if not getattr(viewer, "is_authenticated", False):
        return False
    if record.broker_id == viewer.pk:
        return True
    return practice_records_visible_to(viewer).filter(pk=record.pk).exists()


def can_review_practice(viewer: Any) -> bool:
    return user_has_role(viewer, Role.ADMIN)


def revision_content(record: PracticeRecord) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """The record's fields and evidence as a revision stores them, and the SHA-256 of both
    (canonical JSON: sorted keys, figures as strings)."""
    fields: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        value = getattr(record, name)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            value = f"{Decimal(value).quantize(Decimal('0.01'))}"
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        fields[name] = None if value is None else str(value)
    evidence = [{"id": item.pk, "name": item.original_name, "sha256": item.sha256,
                 "size": item.size} for item in record.evidence.order_by("pk")]
    digest = hashlib.sha256(json.dumps(
        {"fields": fields, "evidence": sorted(e["sha256"] for e in evidence)},
        sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return fields, evidence, digest


# --- Reading -----------------------------------------------------------------------------------


def practice_review_queue() -> QuerySet[PracticeRecord]:
    """Records awaiting review, oldest submission first."""
    return (
        PracticeRecord.objects.filter(status=PracticeRecord.Status.SUBMITTED)
        .select_related("broker", "broker__broker_profile__region")
        .prefetch_related("evidence")
        .order_by("submitted_at", "pk")
    )


def practice_records_of(broker: Any) -> QuerySet[PracticeRecord]:
    """A broker's records, newest first, with their evidence files."""
    return (
        PracticeRecord.objects.filter(broker=broker)
        .select_related("reviewed_by")
        .prefetch_related("evidence")
        .order_by("-created_at", "-pk")
    )


def practice_days_waiting(record: PracticeRecord, today: datetime.date | None = None) -> int:
    if record.submitted_at is None:
        return 0
    today = today or timezone.localdate()
    return max(0, (today - timezone.localdate(record.submitted_at)).days)


@dataclass
class PracticeTotals:
    """A broker's practice records: approved, awaiting review, and the approved ones' contract
    amount and certified technical income (yuan)."""

    approved: int = 0
    pending: int = 0
    amount: Decimal = Decimal("0")
    income: Decimal = Decimal("0")


def practice_totals(user_ids: Iterable[int]) -> dict[int, PracticeTotals]:
    """``PracticeTotals`` of each of ``user_ids`` (zeros for none), in one query."""
    ids = list(user_ids)
    approved = Q(status=PracticeRecord.Status.APPROVED)
    rows = (
        PracticeRecord.objects.filter(broker_id__in=ids)
        .values("broker_id")
        .annotate(
            approved=Count("pk", filter=approved),
            pending=Count("pk", filter=Q(status=PracticeRecord.Status.SUBMITTED)),
            amount=Sum("contract_amount", filter=approved),
            income=Sum("technical_income", filter=approved),
        )
        .order_by()
    )
    cent = Decimal("0.01")
    totals = {pk: PracticeTotals() for pk in ids}
    for row in rows:
        totals[row["broker_id"]] = PracticeTotals(
            approved=row["approved"],
            pending=row["pending"],
            amount=Decimal(row["amount"] or 0).quantize(cent),
            income=Decimal(row["income"] or 0).quantize(cent),
        )
    return totals
