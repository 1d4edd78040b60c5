"""Images in Moodle XML: a file as Moodle exports it imports with its images (the stem shows
them on the exam page and in the bank, served only to whoever may see the question), the
export embeds them the way Moodle's importer reads them, a round trip keeps them, bad images
refuse their row, and GIFT says which images it left out."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET  # noqa: S405 - our own export, in a test

import pytest
from django.urls import reverse

from exams.demo import _tags
from exams.models import Question, QuestionImage, QuestionVersion
from exams.services import interchange, question_update
from exams.services.importing import question_import
from tests.exams.factories import PaperFactory, SittingFactory, enrolled_broker, start
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "files" / "moodle_images.xml"


def _png(width: int = 8, height: int = 8, color=(10, 120, 200)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def admin():
    _tags()
    return UserFactory(roles=["admin"])


@pytest.fixture
def imported(admin):
    result = question_import(file_name="moodle.xml", content=FIXTURE.read_bytes(), actor=admin)
    assert result.errors == [], result.errors
    return {q.code: q for q in result.created}


def _fixture_files() -> dict[str, bytes]:
    """The embedded files of the fixture, read the way Moodle's importer reads them."""
    root = ET.fromstring(FIXTURE.read_bytes())  # noqa: S314 - our own test file
    return {f.get("path", "/").strip("/") + f.get("name"): base64.b64decode(f.text)
            for f in root.iter("file")}


def test_a_moodle_file_with_images_imports_them(imported):
    question = imported["ip-cert-1"]
    version = question.current_version
    # <br></p><p>: a blank line, as the importer reads Moodle's paragraphs.
    assert version.stem == "下图是哪一类专利的证书？\n\n[[image:专利证书.png|专利证书样张]]"
    assert version.explanation == "证书上印有“发明专利证书”字样。[[image:mark.gif|国徽标记]]"
    images = {i.name: i for i in version.images.all()}
    files = _fixture_files()
    assert set(images) == {"专利证书.png", "mark.gif"}
    for name, image in images.items():
        with image.file.open("rb") as handle:
            assert handle.read() == files[name]
        assert image.sha256 == hashlib.sha256(files[name]).hexdigest()
        assert image.file.name.startswith("exams/images/") and name not in image.file.name
    assert images["mark.gif"].content_type == "image/gif"
    # A name with a space, URL-encoded in the text as Moodle writes it.
    essay = imported["contract-risk-1"].current_version
    assert "[[image:contract page.jpg|合同节选]]" in essay.stem
    assert essay.images.get().content_type == "image/jpeg"
    assert [(c["criterion"], c["points"]) for c in essay.rubric] == [("识别风险条款", 6),
                                                                      ("提出修改建议", 4)]


def test_the_import_reports_the_image_size_it_dropped(admin):
    result = question_import(file_name="moodle.xml", content=FIXTURE.read_bytes(), actor=admin,
                             dry_run=True)
    # The essay's <img width height>: shown at its own size here, and said so.
    assert any("合同条款分析" in note or "contract-risk-1" in note for note in result.notes)


def _moodle(questiontext: str, files: str = "", feedback: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>T1</text></name>
    <questiontext format="html"><text><![CDATA[{questiontext}]]></text>{files}</questiontext>
    <generalfeedback format="html"><text><![CDATA[{feedback}]]></text></generalfeedback>
    <idnumber>t-1</idnumber>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
    <tags><tag><text>tech-contract</text></tag></tags>
  </question>
</quiz>""".encode()


def _file(name: str, content: bytes) -> str:
    return f'<file name="{name}" path="/" encoding="base64">{base64.b64encode(content).decode()}</file>'


@pytest.mark.parametrize("case,expected", [
    ("missing", "not embedded"),
    ("not_an_image", "not a PNG, JPEG, GIF or WebP"),
    ("damaged", "damaged"),
    ("too_large", "larger than"),
    ("bad_base64", "base64"),
])
def test_a_bad_image_refuses_its_row_and_nothing_is_saved(admin, settings, case, expected,
                                                          english):
    settings.EXAMS_IMAGE_MAX_BYTES = 4096
    stem = '<p>合同首页<img src="@@PLUGINFILE@@/a.png" alt=""></p>'
    files = {
        "missing": "",
        "not_an_image": _file("a.png", b"<?php echo 'hello'; ?>"),
        "damaged": _file("a.png", _png()[:40]),
        "too_large": _file("a.png", _png(400, 400) + b"\0" * 5000),
        "bad_base64": '<file name="a.png" path="/" encoding="base64">@@@not base64@@@</file>',
    }[case]
    result = question_import(file_name="bad.xml", content=_moodle(stem, files), actor=admin)
    assert [(e.row, e.column) for e in result.errors] == [(1, "stem")]
    assert expected in result.errors[0].message
    assert not Question.objects.exists() and not QuestionImage.objects.exists()


def test_an_image_of_the_explanation_is_checked_on_its_column(admin):
    result = question_import(
        file_name="bad.xml", actor=admin,
        content=_moodle("<p>文字</p>", feedback='<img src="@@PLUGINFILE@@/b.png">'))
    assert [(e.row, e.column) for e in result.errors] == [(1, "explanation")]


def test_files_nothing_shows_and_web_images_are_reported_not_imported(admin):
    result = question_import(file_name="x.xml", actor=admin, content=_moodle(
        '<p>文字<img src="https://example.test/x.png"></p>', _file("unused.png", _png())))
    assert result.errors == []
    # Two notes: the file nothing shows, and the web image (formatting reduced).
    assert len(result.notes) == 2
    assert any("unused.png" in note for note in result.notes)
    assert not QuestionImage.objects.exists()


def _snapshot() -> dict[str, tuple]:
    out = {}
    for q in Question.objects.select_related("current_version").prefetch_related(
            "tags", "current_version__images"):
        v = q.current_version
        out[q.code] = (q.type, v.stem, [o["text"] for o in v.options], v.answer, v.explanation,
                       v.rubric, q.difficulty, q.default_points,
                       sorted(t.code for t in q.tags.all()),
                       sorted((i.name, i.content_type, i.sha256) for i in v.images.all()))
    return out


def _empty_bank() -> None:
    Question.objects.update(current_version=None)
    QuestionVersion.objects.all().delete()
    Question.objects.all().delete()


def test_export_embeds_the_images_as_moodles_importer_reads_them(imported):
    exported = interchange.moodle_export(Question.objects.all())
    root = ET.fromstring(exported.content)  # noqa: S314 - our own export
    by_id = {q.findtext("idnumber"): q for q in root.findall("question")}
    # qformat_xml::import_text_with_files: the files are <file> children of the text's
    # element, beside <text>; the HTML refers to each as @@PLUGINFILE@@/ + the encoded name.
    text = by_id["ip-cert-1"].find("questiontext")
    assert text.get("format") == "html"
    files = {f.get("path") + f.get("name"): (f.get("encoding"), f.text)
             for f in text.findall("file")}
    assert set(files) == {"/专利证书.png"}
    encoding, data = files["/专利证书.png"]
    assert encoding == "base64" and base64.b64decode(data) == _fixture_files()["专利证书.png"]
    html = text.findtext("text")
    assert f'src="@@PLUGINFILE@@/{quote("专利证书.png")}"' in html
    assert 'alt="专利证书样张"' in html
    feedback = by_id["ip-cert-1"].find("generalfeedback")
    assert [f.get("name") for f in feedback.findall("file")] == ["mark.gif"]
    assert "@@PLUGINFILE@@/mark.gif" in feedback.findtext("text")
    essay = by_id["contract-risk-1"].find("questiontext")
    assert "@@PLUGINFILE@@/contract%20page.jpg" in essay.findtext("text")
    # A question without images stays plain text, as before.
    assert by_id["written-form-1"].find("questiontext").get("format") == "plain_text"
    assert by_id["written-form-1"].find("questiontext").find("file") is None


def test_export_then_import_is_lossless_with_images(imported, admin):
    before = _snapshot()
    exported = interchange.question_bank_export(fmt="moodle", actor=admin, audit=False)
    _empty_bank()
    result = question_import(file_name="again.xml", content=exported.content, actor=admin)
    assert result.errors == [] and result.notes == []
    assert _snapshot() == before


def test_gift_export_reports_the_images_it_left_out(imported, english):
    exported = interchange.gift_export(Question.objects.order_by("code"))
    text = exported.content.decode()
    assert "[[image:" not in text and "专利证书.png" not in text
    assert "下图是哪一类专利的证书？" in text
    notes = [n for n in exported.notes if "GIFT cannot carry images" in n]
    assert len(notes) == 2
    assert any("ip-cert-1" in n and "专利证书.png" in n and "mark.gif" in n for n in notes)
    assert any("contract-risk-1" in n and "contract page.jpg" in n for n in notes)


def test_a_new_version_keeps_its_images(imported, admin):
    question = imported["ip-cert-1"]
    sitting = SittingFactory(paper=PaperFactory())
    from exams.models import PaperItem

    PaperItem.objects.create(paper=sitting.paper, question=question, order=1, points=2)
    start(sitting, enrolled_broker(sitting))  # the version is now in use
    question_update(question=question, actor=admin,
                    stem=question.current_version.stem + "（请仔细辨认）")
    question.refresh_from_db()
    assert question.current_version.number == 2
    assert {i.name for i in question.current_version.images.all()} == {"专利证书.png",
                                                                         "mark.gif"}


@pytest.fixture
def sitting_with_image(imported):
    from exams.models import PaperItem

    question = imported["ip-cert-1"]
    sitting = SittingFactory(paper=PaperFactory())
    PaperItem.objects.create(paper=sitting.paper, question=question, order=1, points=2)
    return sitting, question.current_version


def _image(version, name) -> QuestionImage:
    return version.images.get(name=name)


def test_the_exam_page_shows_the_image_and_only_the_examinee_gets_it(client,
                                                                       sitting_with_image):
    sitting, version = sitting_with_image
    broker = enrolled_broker(sitting)
    attempt = start(sitting, broker)
    stem_image = _image(version, "专利证书.png")
    url = reverse("exams:question_image", args=[stem_image.pk])

    client.force_login(broker)
    page = client.get(reverse("exams:take_attempt", args=[attempt.pk])).content.decode()
    assert f'<img class="question-image" src="{url}" alt="专利证书样张"' in page
    assert "[[image:" not in page
    assert "mark.gif" not in page  # the explanation's image is not on the exam page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == _fixture_files()["专利证书.png"]
    # The explanation's image: not before the result shows the explanations.
    explanation_url = reverse("exams:question_image", args=[_image(version, "mark.gif").pk])
    assert client.get(explanation_url).status_code == 403
    # The start/resume API gives the stem's images too.
    payload = client.post(reverse("api-exams-attempt-start", args=[sitting.pk]),
                          content_type="application/json").json()
    assert payload["items"][0]["images"] == {"专利证书.png": url}

    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    client.force_login(enrolled_broker(sitting))  # of the sitting, but no attempt drew it
    assert client.get(url).status_code == 403


def test_the_bank_shows_the_images_to_trainers(client, imported, mfa_enrolled):
    trainer = UserFactory(roles=["trainer"])
    mfa_enrolled(trainer)
    client.force_login(trainer)
    question = imported["ip-cert-1"]
    page = client.get(reverse("exams:question_history", args=[question.pk])).content.decode()
    urls = {i.name: reverse("exams:question_image", args=[i.pk])
            for i in question.current_version.images.all()}
    assert re.search(rf'<img class="question-image" src="{urls["专利证书.png"]}"', page)
    assert f'src="{urls["mark.gif"]}"' in page  # the explanation, with the key
    assert client.get(urls["mark.gif"]).status_code == 200


def test_a_png_written_by_pillow_passes_the_check():
    from exams.services import question_image_check

    assert question_image_check(name="x.png", content=_png()) == "image/png"


def test_the_grader_sees_the_case_questions_image(client, imported, mfa_enrolled):
    from exams.models import Answer, PaperItem
    from tests.exams.factories import sat

    grader = UserFactory(roles=["trainer"])
    mfa_enrolled(grader)
    essay = imported["contract-risk-1"]
    sitting = SittingFactory(paper=PaperFactory(), graders=[grader])
    PaperItem.objects.create(paper=sitting.paper, question=essay, order=1, points=10)
    attempt = sat(sitting, enrolled_broker(sitting), {0: "第三条的违约责任过重。"})
    answer = Answer.objects.get(attempt=attempt)
    client.force_login(grader)
    page = client.get(reverse("exams:grading_answer", args=[answer.pk])).content.decode()
    url = reverse("exams:question_image", args=[essay.current_version.images.get().pk])
    assert f'<img class="question-image" src="{url}" alt="合同节选"' in page
