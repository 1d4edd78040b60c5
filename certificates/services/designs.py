"""Editing, previewing and putting in use the certificate's design (administrators only).

Only the draft changes: ``design_draft_save`` creates it from the design in use on the first
save and updates it afterwards; ``design_activate`` puts the draft in use and retires the
previous version, which stays in the history; ``design_copy_to_draft`` starts a draft from any
version (to go back to an earlier design); ``design_draft_discard`` drops the draft. Every
change is audited. Activation does not re-render stored PDFs by itself: the administrator
starts that as a bulk run (``services.bulk.bulk_rerender_start``), with a progress bar.

The preview renders a sample certificate (holder 张三, a sample serial) with the same code as
the real PDFs (``pdf.certificate_pdf``), plus a PNG thumbnail when poppler's ``pdftoppm`` is
installed.
"""

from __future__ import annotations

import datetime
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.people.models import Level
from academy.people.selectors import Role, user_has_role

from ..models.designs import (
    EDITABLE_FIELDS,
    IMAGE_FIELDS,
    CertificateDesign,
    CertificateRendering,
    design_active,
)
from ..models.issued import Certificate
from .serials import serial_format

logger = logging.getLogger(__name__)

SAMPLE_NAME = {"zh-hans": "张三", "en": "Zhang San"}
THUMBNAIL_DPI = 40


def _require_admin(actor: Any) -> None:
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionDenied


def design_summary(design: CertificateDesign) -> dict[str, Any]:
    """What the audit trail records of a design version."""
    summary: dict[str, Any] = {"version": design.version, "status": design.status}
    for name in EDITABLE_FIELDS:
        value = getattr(design, name)
        summary[name] = value.name if name in IMAGE_FIELDS else value
    return summary


def design_draft() -> CertificateDesign | None:
    """The draft being prepared, if any."""
    return CertificateDesign.objects.filter(status=CertificateDesign.Status.DRAFT).first()


def design_draft_or_template() -> CertificateDesign:
    """The draft; else an unsaved copy of the design in use, to start editing from."""
    draft = design_draft()
    if draft is not None:
        return draft
    return CertificateDesign(status=CertificateDesign.Status.DRAFT,
                             **{**design_active().values(), "note": ""})


def design_pdfs_behind(design: CertificateDesign) -> int:
    """How many valid or expired certificates keep a stored PDF not rendered in ``design``
    (an earlier version, or rendered before versions were recorded): what a re-rendering run
    would bring up to date. One query."""
    rendered = CertificateRendering.objects.filter(certificate=OuterRef("pk"),
                                                   language="zh-hans")
    rendered = (rendered.filter(design_id=design.pk) if design.pk
                else rendered.filter(design__isnull=True))
    return (Certificate.objects.filter(status__in=Certificate.ACTIVE).exclude(pdf="")
            .exclude(Exists(rendered)).count())


def _next_version() -> int:
    return (CertificateDesign.objects.aggregate(last=Max("version"))["last"] or 0) + 1


def _draft_locked_or_new(actor: Any) -> tuple[CertificateDesign, bool]:
    """The draft row locked, or a new unsaved draft copied from the design in use."""
    draft = (CertificateDesign.objects.select_for_update()
             .filter(status=CertificateDesign.Status.DRAFT).first())
    if draft is not None:
        return draft, False
    return CertificateDesign(status=CertificateDesign.Status.DRAFT, version=_next_version(),
                             created_by=actor, **{**design_active().values(), "note": ""}), True


def _save_new_draft(draft: CertificateDesign) -> None:
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError as exc:  # another administrator created the draft meanwhile
        raise ApplicationError(_("Someone else has just started a draft; open the design "
                                 "page again.")) from exc


def design_draft_save(*, actor: Any, values: dict[str, Any]) -> CertificateDesign:
    """Save the administrator's edit of the draft (creating it from the design in use).

    ``values`` are a form's cleaned data: the editable fields; for an image, an uploaded
    file replaces it, ``False`` clears it and ``None`` keeps it. The model's validators run
    again here (placeholders, colours, images) whatever called the service.
    """
    _require_admin(actor)
    with transaction.atomic(durable=True):
        draft, created = _draft_locked_or_new(actor)
        before = None if created else design_summary(draft)
        for name in EDITABLE_FIELDS:
            if name not in values:
                continue
            value = values[name]
            if name in IMAGE_FIELDS:
                if value is False:
                    setattr(draft, name, "")
                elif isinstance(value, UploadedFile):
                    getattr(draft, name).save(value.name, value, save=False)
                continue
            setattr(draft, name, value if value is not None else "")
        draft.full_clean(exclude=["version", "created_by", "activated_by"])
        if created:
            _save_new_draft(draft)
        else:
            draft.save()
        audit_record(action="certificates.design_saved", subject=draft, actor=actor,
                     before=before, after=design_summary(draft))
    return draft


def design_copy_to_draft(*, actor: Any, design_id: int) -> CertificateDesign:
    """Make the draft a copy of version ``design_id`` (e.g. to go back to an earlier design);
    the images are shared, not copied (stored files of designs are never deleted while a
    version refers to them)."""
    _require_admin(actor)
    with transaction.atomic(durable=True):
        source = CertificateDesign.objects.get(pk=design_id)
        draft, created = _draft_locked_or_new(actor)
        before = None if created else design_summary(draft)
        for name, value in source.values().items():
            setattr(draft, name, value)
        draft.note = str(_("Copy of version %(version)s") % {"version": source.version})[:200]
        if created:
            _save_new_draft(draft)
        else:
            draft.save()
        audit_record(action="certificates.design_saved", subject=draft, actor=actor,
                     before=before, after={**design_summary(draft),
                                           "copied_from": source.version})
    return draft


def design_draft_discard(*, actor: Any) -> None:
    """Drop the draft (the design in use does not change)."""
    _require_admin(actor)
    with transaction.atomic(durable=True):
        draft = (CertificateDesign.objects.select_for_update()
                 .filter(status=CertificateDesign.Status.DRAFT).first())
        if draft is None:
            raise ApplicationError(_("There is no draft to discard."))
        summary = design_summary(draft)
        audit_record(action="certificates.design_discarded", subject=draft, actor=actor,
                     before=summary)
        draft.delete()


def design_activate(*, actor: Any, design_id: int) -> CertificateDesign:
    """Put draft ``design_id`` in use: new renderings use it at once; the design used until
    now is retired (kept in the history). Stored PDFs are re-rendered by a bulk run."""
    _require_admin(actor)
    with transaction.atomic(durable=True):
        designs = {d.pk: d for d in CertificateDesign.objects.select_for_update().filter(
            status__in=[CertificateDesign.Status.DRAFT, CertificateDesign.Status.ACTIVE])}
        draft = designs.get(design_id)
        if draft is None or draft.status != CertificateDesign.Status.DRAFT:
            raise ApplicationError(_("Only the draft can be put in use."))
        now = timezone.now()
        previous = next((d for d in designs.values()
                         if d.status == CertificateDesign.Status.ACTIVE), None)
        if previous is not None:
            previous.status = CertificateDesign.Status.RETIRED
            previous.save(update_fields=["status", "updated_at"])
        draft.status = CertificateDesign.Status.ACTIVE
        draft.activated_at = now
        draft.activated_by = actor
        draft.save(update_fields=["status", "activated_at", "activated_by", "updated_at"])
        audit_record(action="certificates.design_activated", subject=draft, actor=actor,
                     before={"version": previous.version if previous else None},
                     after=design_summary(draft))
    return draft


# --- Preview ---------------------------------------------------------------------------------


def design_sample_certificate(*, language: str = "zh-hans") -> Certificate:
    """An unsaved certificate to preview a design with: 张三, the intermediate level (or the
    second level), a sample serial of this year, valid for three years from today."""
    levels = list(Level.objects.order_by("rank"))
    level = next((lv for lv in levels if lv.code == "intermediate"), None) or \
        (levels[1] if len(levels) > 1 else levels[0])
    today = timezone.localdate()
    return Certificate(
        level=level, holder_name=SAMPLE_NAME["en" if language.startswith("en") else "zh-hans"],
        serial=serial_format(level_code=level.code, year=today.year, seq=1),
        issued_at=timezone.now(), valid_from=today,
        valid_until=today.replace(year=today.year + 3) - datetime.timedelta(days=1),
    )


def design_preview_pdf(*, design: CertificateDesign, language: str = "zh-hans") -> bytes:
    """The sample certificate rendered in ``design`` (the real renderer, not a mock-up)."""
    from .pdf import certificate_pdf

    return certificate_pdf(design_sample_certificate(language=language), language=language,
                           design=design)


def thumbnails_available() -> bool:
    return shutil.which("pdftoppm") is not None


def design_preview_png(*, design: CertificateDesign, language: str = "zh-hans",
                       dpi: int = THUMBNAIL_DPI) -> bytes | None:
    """A PNG thumbnail of the preview, or None when ``pdftoppm`` is not installed (or fails:
    the PDF preview is always there)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return None
    content = design_preview_pdf(design=design, language=language)
    with tempfile.TemporaryDirectory(prefix="design-preview-") as folder:
        source = Path(folder) / "preview.pdf"
        source.write_bytes(content)
        try:
            command = [tool, "-png", "-r", str(dpi), "-singlefile", str(source),
                       str(Path(folder) / "preview")]
            subprocess.run(command, check=True, timeout=20, capture_output=True)  # noqa: S603
        except (subprocess.SubprocessError, OSError):
            logger.warning("pdftoppm could not draw the design preview", exc_info=True)
            return None
        return (Path(folder) / "preview.png").read_bytes()
