"""The certificate as a PDF (ReportLab): A4 landscape, Chinese (or English on request).

The holder's name, the level (e.g. 中级技术经纪人), the issuing body, the dates, the serial (and
the Torch Centre's unified number when recorded), and a QR code to the public verification
page. What it says and how it looks (title, heading, body sentence, issuing body, signatory,
colours, border, seal and logo, QR corner) come from the design in use
(``designs.CertificateDesign``, edited by administrators); each stored PDF records the design
version that rendered it. The CJK TrueType font is the transcript's (``courses.services.pdf_font``:
embedded as a subset, with the STSong-Light fallback). Rendered by a Celery task and stored
through the storage API; downloads serve the stored file and never render on the request path.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from courses.services import pdf_font

from ..models.designs import CertificateDesign, CertificateRendering, design_active, text_fill
from ..models.issued import Certificate
from .serials import verify_url

logger = logging.getLogger(__name__)

GREY = colors.HexColor("#555555")
QR_SIZE = 34 * mm
IMAGE_PIXELS = 400  # the seal is 38 mm wide: 400 px is about 270 dpi
_images: dict[str, ImageReader] = {}


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


def _image(field) -> ImageReader | None:
    """The design's image, prepared once per process (an uploaded image gets a new name, so
    the name is the cache key): scaled to about 270 dpi at its printed size, laid on white
    and kept as JPEG, which ReportLab embeds as it is. A PNG with transparency would instead
    be compressed into every PDF again with its mask: tens of milliseconds per certificate.
    The page is white, so the image is drawn under the text it sits behind."""
    if not field:
        return None
    reader = _images.get(field.name)
    if reader is None:
        try:
            with field.storage.open(field.name, "rb") as handle:
                image = PILImage.open(io.BytesIO(handle.read()))
                image.load()
        except (OSError, ValueError):
            logger.warning("Certificate design image %s is missing or unreadable", field.name,
                           exc_info=True)
            return None
        image.thumbnail((IMAGE_PIXELS, IMAGE_PIXELS))
        rgba = image.convert("RGBA")
        flat = PILImage.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        jpeg = io.BytesIO()
        flat.save(jpeg, format="JPEG", quality=92, subsampling=0)
        reader = ImageReader(io.BytesIO(jpeg.getvalue()))
        if len(_images) > 32:
            _images.clear()
        _images[field.name] = reader
    return reader


def _draw_image(c: canvas.Canvas, reader: ImageReader, cx: float, cy: float,
                box_w: float, box_h: float) -> None:
    """Draw ``reader`` centred on (cx, cy), scaled to fit the box."""
    width, height = reader.getSize()
    scale = min(box_w / width, box_h / height)
    w, h = width * scale, height * scale
    c.drawImage(reader, cx - w / 2, cy - h / 2, w, h)


def _fitted(text: str, font: str, size: float, max_width: float, minimum: float = 9) -> float:
    """The largest font size from ``size`` down at which ``text`` fits ``max_width``."""
    width = pdfmetrics.stringWidth(text, font, size)
    if width <= max_width:
        return size
    return max(minimum, size * max_width / width)


def _border(c: canvas.Canvas, style: str, colour, width: float, height: float) -> None:
    if style == CertificateDesign.Border.NONE:
        return
    c.setStrokeColor(colour)
    c.setLineWidth(3 if style != CertificateDesign.Border.SINGLE else 1.6)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    if style == CertificateDesign.Border.DOUBLE:
        c.setLineWidth(0.8)
        c.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)
    elif style == CertificateDesign.Border.CORNERS:
        # An L-shaped ornament with a small square inside each corner of the frame.
        arm, inset = 14 * mm, 16 * mm
        c.setFillColor(colour)
        c.setLineWidth(1.2)
        for px, dx in ((inset, 1), (width - inset, -1)):
            for py, dy in ((inset, 1), (height - inset, -1)):
                c.line(px, py, px + dx * arm, py)
                c.line(px, py, px, py + dy * arm)
                c.rect(px + dx * 2 * mm - 1.5 * mm, py + dy * 2 * mm - 1.5 * mm,
                       3 * mm, 3 * mm, stroke=0, fill=1)


@dataclass
class _Page:
    """What every drawing step of one certificate's page needs."""

    c: canvas.Canvas
    certificate: Certificate
    design: CertificateDesign
    language: str
    font: str
    width: float
    height: float
    values: dict[str, str]
    labels: dict[str, str]

    @property
    def english(self) -> bool:
        return self.language.startswith("en")

    @property
    def ink(self) -> colors.Color:
        return colors.HexColor(self.design.ink_colour)

    @property
    def accent(self) -> colors.Color:
        return colors.HexColor(self.design.accent_colour)

    @property
    def qr_top(self) -> bool:
        return self.design.qr_position in (CertificateDesign.QrPosition.TOP_LEFT,
                                           CertificateDesign.QrPosition.TOP_RIGHT)

    @property
    def qr_left(self) -> bool:
        return self.design.qr_position in (CertificateDesign.QrPosition.TOP_LEFT,
                                           CertificateDesign.QrPosition.BOTTOM_LEFT)

    @property
    def column(self) -> float:
        """The width of the centred block (narrower when the QR code sits at the top)."""
        return self.width - 2 * ((30 * mm + QR_SIZE + 6 * mm) if self.qr_top else 40 * mm)


def _page_texts(certificate: Certificate, design: CertificateDesign,
                language: str) -> tuple[dict[str, str], dict[str, str]]:
    """The values a design's texts may name (``{name}``, ``{level}``…) and the labels of the
    page, in ``language``."""
    level = certificate.level
    english = language.startswith("en")
    with translation.override(language):
        labels = {
            "serial": _("Serial number"),
            "torch": _("Unified number"),
            "issued": _("Date of issue"),
            "until": _("Valid until"),
            "verify": _("Verify this certificate"),
        }
        no_expiry = _("no expiry")
    values = {
        "name": certificate.holder_name,
        "level": (level.name_en or level.name) if english else level.name,
        "valid_from": _date(certificate.valid_from, language),
        "valid_until": _date(certificate.valid_until, language) or no_expiry,
        "serial": certificate.serial,
        "issuing_body": design.text("issuing_body", language),
    }
    return values, labels


def _draw_heading(page: _Page) -> float:
    """The logo, title, heading, holder's name and the rule under it, centred; returns the
    top the rest of the upper block is measured from (a logo pushes it down a little)."""
    c, font, width, height = page.c, page.font, page.width, page.height
    top = height
    logo = _image(page.design.logo)
    if logo is not None:
        _draw_image(c, logo, width / 2, height - 30 * mm, 40 * mm, 18 * mm)
        top -= 12 * mm
    title = page.design.text("title", page.language)
    c.setFillColor(page.ink)
    c.setFont(font, _fitted(title, font, 26 if page.english else 30, page.column))
    c.drawCentredString(width / 2, top - 45 * mm, title)
    heading = page.design.text("heading", page.language)
    if heading:
        c.setFont(font, 13)
        c.setFillColor(GREY)
        c.drawCentredString(width / 2, top - 62 * mm, heading)
    name = page.certificate.holder_name
    c.setFillColor(page.ink)
    c.setFont(font, _fitted(name, font, 28, page.column))
    c.drawCentredString(width / 2, top - 80 * mm, name)
    c.setStrokeColor(page.accent)
    c.setLineWidth(0.6)
    c.line(width / 2 - 60 * mm, top - 84 * mm, width / 2 + 60 * mm, top - 84 * mm)
    return top


def _draw_body_and_level(page: _Page, top: float) -> None:
    """The design's body text (at most three lines: the size shrinks to fit) and the level."""
    c, font, width = page.c, page.font, page.width
    y = top - 92 * mm
    body = text_fill(page.design.text("body", page.language), page.values)
    if body:
        box = min(page.column, 210 * mm)
        for body_size in (13, 12, 11, 10):
            style = ParagraphStyle(
                "body", fontName=font, fontSize=body_size, leading=body_size * 1.5,
                alignment=TA_CENTER, textColor=page.ink,
                wordWrap=None if page.english else "CJK",
            )
            paragraph = Paragraph(escape(body), style)
            _w, used = paragraph.wrap(box, page.height)
            if used <= 3 * body_size * 1.5:
                break
        paragraph.drawOn(c, width / 2 - box / 2, y - used)
        y -= used
    level_name = page.values["level"]
    c.setFont(font, _fitted(level_name, font, 24, page.column))
    c.setFillColor(page.accent)
    c.drawCentredString(width / 2, y - 14 * mm, level_name)


def _draw_details(page: _Page) -> None:
    """Serial, unified number and dates: bottom left, beside a QR code placed there."""
    c, font, certificate, labels = page.c, page.font, page.certificate, page.labels
    c.setFont(font, 11)
    rows = [(labels["serial"], certificate.serial)]
    if certificate.torch_number:
        rows.append((labels["torch"], certificate.torch_number))
    rows.append((labels["issued"], page.values["valid_from"]))
    if certificate.valid_until:
        rows.append((labels["until"], page.values["valid_until"]))
    x = 30 * mm + (QR_SIZE + 8 * mm if page.qr_left and not page.qr_top else 0)
    label_width = max(pdfmetrics.stringWidth(f"{label}:", font, 11) for label, _v in rows)
    row_y = 52 * mm
    for label, value in rows:
        c.setFillColor(GREY)
        c.drawString(x, row_y, f"{label}:")
        c.setFillColor(page.ink)
        c.drawString(x + label_width + 3 * mm, row_y, value)
        row_y -= 7 * mm


def _draw_issuer(page: _Page) -> None:
    """Issuing body, signatory and date: bottom right, over the seal."""
    c, font = page.c, page.font
    issuer = page.values["issuing_body"]
    bottom_right = page.design.qr_position == CertificateDesign.QrPosition.BOTTOM_RIGHT
    right = page.width - (75 * mm if bottom_right else 30 * mm)
    seal = _image(page.design.seal)
    if seal is not None:
        centre = right - pdfmetrics.stringWidth(issuer, font, 13) / 2
        _draw_image(c, seal, centre, 47 * mm, 38 * mm, 38 * mm)
    c.setFillColor(page.ink)
    c.setFont(font, 13)
    c.drawRightString(right, 52 * mm, issuer)
    line_y = 45 * mm
    signatory = text_fill(page.design.text("signatory", page.language), page.values)
    if signatory:
        c.setFont(font, 11)
        c.drawRightString(right, line_y, signatory)
        line_y -= 7 * mm
    c.setFont(font, 11)
    c.drawRightString(right, line_y, page.values["valid_from"])


def _draw_verify_qr(page: _Page) -> None:
    """The QR code to the verification page, in the design's corner, captioned."""
    c = page.c
    qr_x = 30 * mm if page.qr_left else page.width - 30 * mm - QR_SIZE
    qr_y = page.height - 26 * mm - QR_SIZE if page.qr_top else 26 * mm
    _qr(c, verify_url(page.certificate.serial), qr_x, qr_y, QR_SIZE)
    c.setFont(page.font, 7.5)
    c.setFillColor(GREY)
    c.drawCentredString(qr_x + QR_SIZE / 2, qr_y - 3 * mm, page.labels["verify"])


def certificate_pdf(certificate: Certificate, *, language: str = "zh-hans",
                    design: CertificateDesign | None = None) -> bytes:
    """Render ``certificate`` to PDF bytes (A4 landscape) in ``language``, in ``design``
    (default: the design in use, ``design_active()``)."""
    design = design if design is not None else design_active()
    font = pdf_font()
    width, height = landscape(A4)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1,
                      initialFontName=font, initialFontSize=12)
    values, labels = _page_texts(certificate, design, language)
    page = _Page(c=c, certificate=certificate, design=design, language=language, font=font,
                 width=width, height=height, values=values, labels=labels)
    c.setTitle(f"{design.text('title', language)} {certificate.serial}")
    c.setAuthor(values["issuing_body"])
    c.setSubject(certificate.serial)
    _border(c, design.border_style, page.accent, width, height)
    top = _draw_heading(page)
    _draw_body_and_level(page, top)
    _draw_details(page)
    _draw_issuer(page)
    _draw_verify_qr(page)
    c.showPage()
    c.save()
    return buffer.getvalue()


def certificate_pdf_store(*, certificate_id: int, language: str | None = None,
                          design: CertificateDesign | None = None) -> Certificate:
    """Render the certificate's PDF in ``design`` (default: the design in use) and store it,
    replacing an earlier one, and record which design version rendered it. Renders outside
    any transaction; the row is then locked only to swap the file in."""
    certificate = Certificate.objects.select_related("level").get(pk=certificate_id)
    language = language or settings.LANGUAGE_CODE
    english = language.startswith("en")
    design = design if design is not None else design_active()
    content = certificate_pdf(certificate, language=language, design=design)
    field = "pdf_en" if english else "pdf"
    name = f"{certificate.serial}{'-en' if english else ''}.pdf"
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate_id)
        old = getattr(locked, field)
        old_name = old.name if old else ""
        getattr(locked, field).save(name, ContentFile(content), save=False)
        now = timezone.now()
        locked.pdf_rendered_at = now
        update_fields = [field, "pdf_rendered_at"]
        if not english:
            locked.pdf_language = language
            update_fields.append("pdf_language")
        locked.save(update_fields=update_fields)
        CertificateRendering.objects.update_or_create(
            certificate_id=certificate_id, language="en" if english else "zh-hans",
            defaults={"design_id": design.pk, "rendered_at": now},
        )
        if old_name and old_name != getattr(locked, field).name:
            storage = getattr(locked, field).storage
            transaction.on_commit(lambda: storage.delete(old_name), robust=True)
    return locked
