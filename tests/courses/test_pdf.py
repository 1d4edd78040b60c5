"""The transcript PDF: right hours, Chinese text, printable; the font falls back when missing."""

import logging
import shutil
import subprocess
from decimal import Decimal

import pytest

from courses.rendering import pdf
from courses.selectors import transcript_for
from tests.courses.factories import OfflineSessionFactory, attended, completed


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "transcript.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture
def record(enrolled, cohort, lessons):
    lessons[0].class_hours = Decimal("1.5")
    lessons[0].save()
    completed(enrolled, lessons[0])  # 1.5 h
    completed(enrolled, lessons[4])  # 2 h
    session = OfflineSessionFactory(cohort=cohort, title="线下集中授课：技术合同认定登记实务",
                                    class_hours=Decimal("4"))
    attended(enrolled, session)
    return enrolled


def test_transcript_pdf_contains_the_hours_and_chinese_text(record, lessons, tmp_path):
    content = pdf.transcript_pdf(transcript_for(user=record), issuer="三门峡市科学技术局")
    text = pdf_text(content, tmp_path)
    assert lessons[0].module.course.title in text
    assert "线下集中授课：技术合同认定登记实务" in text
    assert "三门峡市科学技术局" in text
    assert record.full_name in text
    # Online 3.5, offline 4, total 7.5 on the totals line.
    totals = [line for line in text.splitlines() if "7.5" in line]
    assert totals and any("3.5" in line and "4" in line for line in totals)
    assert "1.5" in text


def test_transcript_pdf_embeds_the_truetype_font(record, tmp_path):
    content = pdf.transcript_pdf(transcript_for(user=record))
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "t.pdf"
    path.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                           text=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk and all("TrueType" in line and "yes yes yes" in line for line in cjk)


def test_missing_font_falls_back_to_cid_font_with_warning(record, settings, caplog, tmp_path):
    settings.ACADEMY_PDF_FONT_PATH = str(tmp_path / "no-such-font.ttf")
    with caplog.at_level(logging.WARNING, logger="courses.rendering.pdf"):
        content = pdf.transcript_pdf(transcript_for(user=record))
    assert content.startswith(b"%PDF")
    assert b"STSong-Light" in content
    assert [r.levelno for r in caplog.records if r.name == "courses.rendering.pdf"] == [logging.WARNING]


def test_pdf_download_of_a_broker_by_staff_is_audited(client, record, mfa_enrolled, auditor):
    from django.urls import reverse

    from academy.audit.models import AuditEvent

    mfa_enrolled(auditor)
    client.force_login(auditor)
    response = client.get(reverse("courses:broker_transcript_pdf", args=[record.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="courses.transcript_exported")
    assert event.person_id == record.pk and event.actor_id == auditor.pk
