"""The class-hour transcript as a PDF (ReportLab), to print, sign and stamp.

Chinese text needs a CJK font: the TrueType font at ``ACADEMY_PDF_FONT_PATH`` is embedded
(a subset); if the file is missing, ReportLab's built-in STSong-Light CID font is used (not
embedded, so viewers substitute a local font) and a warning is logged.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..conf import app_settings
from ..selectors import Transcript
from ..templatetags.courses_tags import hours as fmt_hours

logger = logging.getLogger(__name__)
_registered: dict[str, str] = {}
FALLBACK_FONT = "STSong-Light"


def pdf_font() -> str:
    """Register and return the name of the CJK font to use (cached per font path)."""
    path = app_settings.PDF_FONT_PATH
    if path in _registered:
        return _registered[path]
    name = FALLBACK_FONT
    if path and os.path.exists(path):
        try:
            name = "AcademyCJK-" + os.path.basename(path).split(".")[0]
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
        except Exception:  # a broken or CFF font file: fall back rather than fail
            logger.warning("Cannot use PDF font %s; falling back to %s", path, FALLBACK_FONT,
                           exc_info=True)
            name = FALLBACK_FONT
    else:
        logger.warning(
            "PDF font %s not found (ACADEMY_PDF_FONT_PATH); falling back to the built-in %s "
            "CID font, which is not embedded.", path, FALLBACK_FONT,
        )
    if name == FALLBACK_FONT:
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    _registered[path] = name
    return name


def _h(value: Decimal) -> str:
    return fmt_hours(value)


@dataclass(frozen=True)
class _Styles:
    """The paragraph styles of the transcript, all in the CJK ``font``."""

    font: str
    base: ParagraphStyle
    small: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    cell: ParagraphStyle

    @classmethod
    def for_font(cls, font: str) -> _Styles:
        base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
        return cls(
            font=font,
            base=base,
            small=ParagraphStyle("small", parent=base, fontSize=8.5, leading=12,
                                 textColor=colors.HexColor("#555555")),
            title=ParagraphStyle("title", parent=base, fontSize=18, leading=26,
                                 alignment=TA_CENTER, spaceAfter=4 * mm),
            heading=ParagraphStyle("heading", parent=base, fontSize=12, leading=18,
                                   spaceBefore=5 * mm, spaceAfter=2 * mm),
            cell=ParagraphStyle("cell", parent=base, fontSize=9, leading=13),
        )

    def p(self, text: object, style: ParagraphStyle | None = None) -> Paragraph:
        """``text`` as a paragraph (escaped: names and titles are not markup)."""
        return Paragraph(escape(str(text)), style or self.cell)

    def grid(self) -> TableStyle:
        """The ruled grid of the hours and sessions tables (header row shaded)."""
        return TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.font),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (-3, 1), (-1, -1), "RIGHT"),
        ])


def _generated(transcript: Transcript) -> str:
    return formats.date_format(timezone.localtime(transcript.generated_at), "Y-m-d H:i")


def _title(st: _Styles, issuer: str) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(_("Class-hour transcript"), st.title)]
    if issuer:
        story.append(Paragraph(issuer, ParagraphStyle("issuer", parent=st.base,
                                                      alignment=TA_CENTER)))
        story.append(Spacer(1, 3 * mm))
    return story


def _holder(st: _Styles, transcript: Transcript) -> list[Flowable]:
    """The holder's particulars: name, level, region, masked national ID, date issued."""
    p = st.p
    user, profile = transcript.user, transcript.profile
    info = [
        [p(_("Name")), p(user.get_full_name()), p(_("E-mail")), p(user.email)],
        [p(_("Level")), p(profile.level.name if profile else "—"),
         p(_("Level reached on")),
         p(profile.level_since.isoformat() if profile and profile.level_since else "—")],
        [p(_("Region")), p(profile.region.name if profile else "—"),
         p(_("Organisation")), p(profile.organisation.name
                                 if profile and profile.organisation else "—")],
        [p(_("National ID")), p(profile.national_id_masked if profile else "—"),
         p(_("Issued")), p(_generated(transcript))],
    ]
    table = Table(info, colWidths=[24 * mm, 60 * mm, 28 * mm, 58 * mm])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st.font),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3")),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f3f3f3")),
    ]))
    return [table]


def _hours_by_course(st: _Styles, transcript: Transcript) -> list[Flowable]:
    """Hours per course area and course, with subtotals and the total row."""
    p = st.p
    rows = [[p(_("Area")), p(_("Course")), p(_("Lessons completed")), p(_("Online hours")),
             p(_("Offline hours")), p(_("Total hours"))]]
    for block in transcript.areas:
        area_name = block.area.name if block.area else _("Offline sessions outside courses")
        if not block.lines:
            rows.append([p(area_name), p("—"), p("0"), p("0"), p("0"), p("0")])
            continue
        for line in block.lines:
            rows.append([
                p(area_name),
                p(f"{line.course.code} {line.course.title}" if line.course else "—"),
                p(line.lessons_completed),
                p(_h(line.online_hours)), p(_h(line.offline_hours)), p(_h(line.total)),
            ])
        if len(block.lines) > 1:
            rows.append([p(area_name), p(_("Subtotal")), p(""), p(""), p(""), p(_h(block.total))])
    rows.append([p(_("Total")), p(""), p(transcript.hours.lessons_completed),
                 p(_h(transcript.online)), p(_h(transcript.offline)), p(_h(transcript.total))])
    table = Table(rows, colWidths=[24 * mm, 62 * mm, 20 * mm, 20 * mm, 20 * mm, 24 * mm],
                  repeatRows=1)
    table.setStyle(st.grid())
    table.setStyle(TableStyle([("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#e8eef5"))]))
    return [Paragraph(_("Hours by course area and course"), st.heading), table]


def _sessions(st: _Styles, transcript: Transcript) -> list[Flowable]:
    """The offline sessions attended, or "None."."""
    p = st.p
    heading = Paragraph(_("Offline sessions attended"), st.heading)
    if not transcript.attendances:
        return [heading, Paragraph(_("None."), st.base)]
    rows = [[p(_("Date")), p(_("Session")), p(_("Place")), p(_("How recorded")),
             p(_("Hours"))]]
    for a in transcript.attendances:
        rows.append([
            p(formats.date_format(timezone.localtime(a.session.starts_at), "Y-m-d")),
            p(a.session.title), p(a.session.place), p(a.get_method_display()),
            p(_h(a.credited_hours)),
        ])
    table = Table(rows, colWidths=[24 * mm, 60 * mm, 44 * mm, 26 * mm, 16 * mm], repeatRows=1)
    table.setStyle(st.grid())
    return [heading, table]


def _totals(st: _Styles, transcript: Transcript) -> list[Flowable]:
    p = st.p
    totals = Table([
        [p(_("Online hours")), p(_h(transcript.online)),
         p(_("Offline hours")), p(_h(transcript.offline)),
         p(_("Total class hours")), p(_h(transcript.total))],
    ], colWidths=[24 * mm, 20 * mm, 24 * mm, 20 * mm, 30 * mm, 24 * mm])
    totals.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st.font),
        ("BOX", (0, 0), (-1, -1), 1, colors.black),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f7f7f7")),
    ]))
    return [Spacer(1, 5 * mm), totals]


def _signature(st: _Styles) -> list[Flowable]:
    """The checker's signature and the training organisation's stamp box, and the note on how
    hours are credited."""
    p = st.p
    stamp = Table(
        [[p(_("Checked by (signature):")), p(_("Stamp of the training organisation"))],
         [p(_("Date:")), p("")]],
        colWidths=[85 * mm, 60 * mm], rowHeights=[12 * mm, 30 * mm],
    )
    stamp.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st.font),
        ("BOX", (1, 0), (1, -1), 1, colors.black),
        ("SPAN", (1, 0), (1, -1)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 0), (1, 0), "CENTER"),
    ]))
    return [
        Spacer(1, 10 * mm), KeepTogether([stamp]), Spacer(1, 4 * mm),
        Paragraph(_(
            "Class hours are those credited when each lesson was completed or each session "
            "attended; later changes to a lesson do not alter them."), st.small),
    ]


def _footer(font: str, transcript: Transcript) -> Callable[[Canvas, SimpleDocTemplate], None]:
    """Every page's footer: the holder, the date issued and the page number."""
    line = f"{transcript.user.get_full_name()} · {_generated(transcript)}"

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(18 * mm, 10 * mm, line)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm,
                               _("Page %(page)s") % {"page": doc.page})
        canvas.restoreState()

    return footer


def transcript_pdf(transcript: Transcript, *, issuer: str = "") -> bytes:
    """Render ``transcript`` to PDF bytes (A4 portrait)."""
    st = _Styles.for_font(pdf_font())
    story = [
        *_title(st, issuer),
        *_holder(st, transcript),
        *_hours_by_course(st, transcript),
        *_sessions(st, transcript),
        *_totals(st, transcript),
        *_signature(st),
    ]
    footer = _footer(st.font, transcript)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
        bottomMargin=18 * mm, title=_("Class-hour transcript"), author=issuer or "",
        subject=transcript.user.get_full_name(),
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
