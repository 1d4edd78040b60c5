"""The certificate as a PDF (ReportLab): A4 landscape, Chinese (or English on request).

The holder's name, the level (e.g. 中级技术经纪人), the issuing body, the dates, the serial (and
the Torch Centre's unified number when recorded), and a QR code to the public verification
page. The CJK TrueType font is the transcript's (``courses.pdf.pdf_font``: embedded as a
subset, with the STSong-Light fallback). Rendered by a Celery task and stored through the
storage API; downloads serve the stored file and never render on the request path.
"""

from __future__ import annotations

import io
import logging

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from courses.pdf import pdf_font

from .issued import Certificate

logger = logging.getLogger(__name__)

GOLD = colors.HexColor("#9a7b2f")
INK = colors.HexColor("#1f2a44")
GREY = colors.HexColor("#555555")


def verify_url(serial: str) -> str:
    """The public verification page of ``serial`` (what the QR code holds)."""
    return f"{settings.ACADEMY_SITE_URL.rstrip('/')}/verify/{serial}/"


def issuing_body(language: str = "zh-hans") -> str:
    if language.startswith("en"):
        return getattr(settings, "ACADEMY_CERT_ISSUING_BODY_EN", "") or \
            settings.ACADEMY_CERT_ISSUING_BODY
    return getattr(settings, "ACADEMY_CERT_ISSUING_BODY", "")


def _title(language: str) -> str:
    if language.startswith("en"):
        return getattr(settings, "ACADEMY_CERT_TITLE_EN", "") or "Certificate"
    return getattr(settings, "ACADEMY_CERT_TITLE", "") or "证书"


def _date(value, language: str) -> str:
    if value is None:
        return ""
    if language.startswith("en"):
        return value.strftime("%d %B %Y").lstrip("0")
    return f"{value.year}年{value.month}月{value.day}日"


def _qr(c: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code of ``data`` as filled squares (segno computes the matrix; drawing it
    ourselves keeps fonts out of the page: only the embedded CJK font is used)."""
    matrix = segno.make(data, error="m", micro=False).matrix
    count = len(matrix) + 8  # the quiet zone: four modules on each side
    module = size / count
    c.saveState()
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(colors.black)
    path = c.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 4 + 1) * module
        for col_index, dark in enumerate(row):
            if dark:
                path.rect(x + (col_index + 4) * module, top, module, module)
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def certificate_pdf(certificate: Certificate, *, language: str = "zh-hans") -> bytes:
    """Render ``certificate`` to PDF bytes (A4 landscape) in ``language``."""
    font = pdf_font()
    english = language.startswith("en")
    width, height = landscape(A4)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1,
                      initialFontName=font, initialFontSize=12)
    c.setTitle(f"{_title(language)} {certificate.serial}")
    c.setAuthor(issuing_body(language))
    c.setSubject(certificate.serial)

    # Frame: a double gold border.
    c.setStrokeColor(GOLD)
    c.setLineWidth(3)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setLineWidth(0.8)
    c.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)

    level = certificate.level
    level_name = (level.name_en or level.name) if english else level.name
    with translation.override(language):
        statement = _("has met every requirement and is certified at the level of")
        labels = {
            "serial": _("Serial number"),
            "torch": _("Unified number"),
            "issued": _("Date of issue"),
            "until": _("Valid until"),
            "verify": _("Verify this certificate"),
        }
        holder_line = certificate.holder_name

    c.setFillColor(INK)
    c.setFont(font, 30 if not english else 26)
    c.drawCentredString(width / 2, height - 45 * mm, _title(language))
    c.setFont(font, 12)
    c.setFillColor(GREY)
    c.drawCentredString(width / 2, height - 54 * mm, issuing_body(language))

    c.setFillColor(INK)
    c.setFont(font, 28)
    c.drawCentredString(width / 2, height - 85 * mm, holder_line)
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.6)
    c.line(width / 2 - 60 * mm, height - 89 * mm, width / 2 + 60 * mm, height - 89 * mm)
    c.setFont(font, 13)
    c.drawCentredString(width / 2, height - 102 * mm, statement)
    c.setFont(font, 24)
    c.setFillColor(GOLD)
    c.drawCentredString(width / 2, height - 118 * mm, level_name)

    # Details, bottom left.
    c.setFillColor(INK)
    c.setFont(font, 11)
    rows = [(labels["serial"], certificate.serial)]
    if certificate.torch_number:
        rows.append((labels["torch"], certificate.torch_number))
    rows.append((labels["issued"], _date(certificate.valid_from, language)))
    if certificate.valid_until:
        rows.append((labels["until"], _date(certificate.valid_until, language)))
    y = 52 * mm
    for label, value in rows:
        c.setFillColor(GREY)
        c.drawString(30 * mm, y, f"{label}:")
        c.setFillColor(INK)
        c.drawString(30 * mm + (34 * mm if english else 26 * mm), y, value)
        y -= 7 * mm

    # Issuing body and date, bottom centre-right (where the seal is stamped).
    c.setFont(font, 13)
    c.drawRightString(width - 75 * mm, 52 * mm, issuing_body(language))
    c.setFont(font, 11)
    c.drawRightString(width - 75 * mm, 45 * mm, _date(certificate.valid_from, language))

    # QR code to the verification page, bottom right.
    size = 34 * mm
    _qr(c, verify_url(certificate.serial), width - 30 * mm - size, 26 * mm, size)
    c.setFont(font, 7.5)
    c.setFillColor(GREY)
    c.drawCentredString(width - 30 * mm - size / 2, 23 * mm, labels["verify"])

    c.showPage()
    c.save()
    return buffer.getvalue()


def certificate_pdf_store(*, certificate_id: int, language: str | None = None) -> Certificate:
    """Render the certificate's PDF and store it (replacing an earlier one). Renders outside
    any transaction; the row is then locked only to swap the file in."""
    certificate = Certificate.objects.select_related("level").get(pk=certificate_id)
    language = language or settings.LANGUAGE_CODE
    english = language.startswith("en")
    content = certificate_pdf(certificate, language=language)
    field = "pdf_en" if english else "pdf"
    name = f"{certificate.serial}{'-en' if english else ''}.pdf"
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate_id)
        old = getattr(locked, field)
        old_name = old.name if old else ""
        getattr(locked, field).save(name, ContentFile(content), save=False)
        locked.pdf_rendered_at = timezone.now()
        locked.pdf_language = settings.LANGUAGE_CODE
        locked.save(update_fields=[field, "pdf_rendered_at", "pdf_language"])
        if old_name and old_name != getattr(locked, field).name:
            storage = getattr(locked, field).storage
            transaction.on_commit(lambda: storage.delete(old_name), robust=True)
    return locked
