"""Question interchange: Moodle XML and GIFT round trips over the demo bank, files written by
Moodle, the Word template, and the row-level error report shared with the XLSX import."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from exams.demo import _bank, _tags
from exams.models import Question
from exams.services import interchange
from exams.services.importing import question_import
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, tuple]:
    """What both sides express, per question code."""
    out = {}
    for q in Question.objects.select_related("current_version").prefetch_related("tags"):
        v = q.current_version
        out[q.code] = (
            q.type, v.stem, [o["text"] for o in v.options], v.answer,
            v.scoring if q.type in ("multiple", "fillin") else "-", v.explanation,
            [(r["criterion"], Decimal(str(r["points"]))) for r in v.rubric],
            q.difficulty, q.default_points, sorted(t.code for t in q.tags.all()))
    return out


@pytest.fixture
def demo_bank():
    _bank(_tags(), None)
    return _snapshot()


@pytest.mark.parametrize("fmt,name", [("moodle", "bank.xml"), ("gift", "bank.gift")])
def test_demo_bank_round_trip_is_lossless(demo_bank, fmt, name):
    admin = UserFactory(roles=["admin"])
    exported = (interchange.moodle_export if fmt == "moodle" else interchange.gift_export)(
        Question.objects.all())
    assert exported.count == len(demo_bank)
    assert {q.type for q in Question.objects.all()} == {
        "single", "multiple", "truefalse", "fillin", "short", "case"}
    # A fresh bank: the same codes may not exist twice.
    from exams.models import QuestionVersion

    Question.objects.update(current_version=None)
    QuestionVersion.objects.all().delete()
    Question.objects.all().delete()

    result = question_import(file_name=name, content=exported.content, actor=admin)
    assert result.errors == []
    assert len(result.created) == len(demo_bank)
    assert _snapshot() == demo_bank


def test_a_moodle_file_with_what_has_no_counterpart_reports_it():
    admin = UserFactory(roles=["admin"])
    _tags()
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Default</text></category></question>
  <question type="multichoice">
    <name><text>Q1</text></name>
    <questiontext format="html"><text><![CDATA[<p>哪个是<b>专利</b>类型？<img src="@@PLUGINFILE@@/a.png"></p>]]></text>
      <file name="a.png" path="/" encoding="base64">iVBORw0KGgo=</file></questiontext>
    <generalfeedback format="html"><text>发明专利</text></generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <single>true</single>
    <answer fraction="100" format="html"><text>发明</text></answer>
    <answer fraction="0" format="html"><text>商标</text></answer>
    <tags><tag><text>ip</text></tag></tags>
  </question>
  <question type="matching"><name><text>M1</text></name>
    <questiontext format="html"><text>配对</text></questiontext></question>
  <question type="truefalse"><name><text>T1</text></name>
    <questiontext format="html"><text>技术合同应当采用书面形式。</text></questiontext>
    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
  </question>
</quiz>""".encode()
    result = question_import(file_name="moodle.xml", content=xml, actor=admin)

    # The true/false question has no tag: that row is refused, nothing is saved; the image of
    # Q1 is only a PNG's first bytes (damaged): its row is refused on the stem.
    # Rows are numbered by the question's place in the file (the matching question is 2).
    assert [(e.row, e.column) for e in result.errors] == [(1, "stem"), (3, "tags")]
    assert "a.png" in result.errors[0].message
    assert not Question.objects.exists()
    # Reported: the matching question and the formatting reduced to text.
    assert len(result.notes) == 2
    assert any("matching" in note for note in result.notes)
    assert result.rows_total == 2


def test_gift_questions_written_by_hand_import():
    admin = UserFactory(roles=["admin"])
    _tags()
    gift = """// [tag:ip]
::Q1::我国专利分为发明、实用新型和{=外观设计 =外观设计专利}三种。

// [tag:tech-contract]
技术合同应当采用书面形式订立。{T####见《民法典》第851条}

// [tag:tech-contract]
下列属于技术合同的有？{~%50%技术开发合同 ~%50%技术转让合同 ~%-100%房屋租赁合同}

// [tag:negotiation] [academy-rubric:作用要点全面:6;表述清楚:4]
简述技术经纪人的作用。{}
""".encode()
    result = question_import(file_name="hand.gift", content=gift, actor=admin)
    assert result.errors == []
    types = sorted(q.type for q in result.created)
    assert types == ["fillin", "multiple", "short", "truefalse"]
    fillin = next(q for q in result.created if q.type == "fillin")
    assert fillin.current_version.answer == ["外观设计", "外观设计专利"]
    assert "____" in fillin.current_version.stem
    truefalse = next(q for q in result.created if q.type == "truefalse")
    assert truefalse.current_version.explanation == "见《民法典》第851条"


def _docx(rows: list[list[str]]) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("试题")
    table = document.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_template_imports_and_bad_rows_are_reported_like_xlsx():
    admin = UserFactory(roles=["admin"])
    _tags()
    template = interchange.question_template_docx()
    result = question_import(file_name="template.docx", content=template, actor=admin)
    assert result.errors == []
    assert len(result.created) == 6

    bad = _docx([["题型", "题干", "选项A", "选项B", "答案", "知识点"],
                 ["单选", "主管部门是？", "市场监管局", "科技局", "B", "技术合同"],
                 ["单选", "缺答案的题", "甲", "乙", "", "技术合同"],
                 ["判断", "技术合同应当采用书面形式。", "", "", "也许", "不存在的标签"]])
    result = question_import(file_name="bad.docx", content=bad, actor=admin, dry_run=True)
    assert {(e.row, e.column) for e in result.errors} >= {(3, "answer"), (4, "answer"),
                                                          (4, "tags")}
    assert 2 not in {e.row for e in result.errors}


def test_export_and_docx_template_pages(client, demo_bank, mfa_enrolled):
    trainer = UserFactory(roles=["trainer"])
    mfa_enrolled(trainer)
    client.force_login(trainer)
    page = client.get(reverse("exams:question_export"))
    assert page.status_code == 200
    xml = client.get(reverse("exams:question_export") + "?format=moodle&download=1")
    assert xml.status_code == 200 and xml.content.startswith(b"<?xml")
    gift = client.get(reverse("exams:question_export") + "?format=gift&download=1")
    assert b"::" in gift.content
    template = client.get(reverse("exams:question_import_template") + "?format=docx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    broker = UserFactory(roles=["broker"])
    client.force_login(broker)
    assert client.get(reverse("exams:question_export")).status_code in (302, 403)
