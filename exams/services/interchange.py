"""Question interchange: Moodle XML and GIFT (import and export) and the Word (.docx) table
template (import), beside the XLSX/CSV import of ``importing``.

Imports do not save anything themselves: each format is read into the same raw rows as a
spreadsheet (one row per question, the cells as the XLSX template writes them), so the same
validation checks every question and the same row-by-row error report comes back, with the
row numbered as the question's place in the file (the table row for .docx).

What the two sides both express round-trips losslessly: type, text, options, answer key,
explanation (Moodle's general feedback, GIFT's ``####``), points (Moodle's default grade) and
knowledge tags. What Moodle or GIFT have no field for travels as tags in an ``academy-``
namespace (difficulty, scoring, case analysis vs short answer) or, in GIFT, as comment
lines (points, rubric, the blanks after the first): Moodle keeps tags and ignores comments, and
this importer reads both back. Anything that cannot be carried (a Moodle question type with no
counterpart, HTML formatting, an image in an answer, any image in GIFT) is listed in the
import's notes or the export's report, never dropped silently.

Images: Moodle XML embeds the files of the question text and the general feedback as
``<file name=".." path="/" encoding="base64">`` beside the ``<text>``, which refers to them as
``<img src="@@PLUGINFILE@@/name">`` (qformat_xml's ``write_files`` and
``import_text_with_files``). They are imported as the version's images, the ``<img>`` becoming
``[[image:name|alt]]`` in our text, and exported back the same way (HTML text, embedded files),
so a round trip keeps them. An image that is missing from the file, unreadable, of another
type than PNG, JPEG, GIF or WebP, or too large refuses its question's row.

Moodle XML: docs.moodle.org/en/Moodle_XML_format. GIFT: docs.moodle.org/en/GIFT_format.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from exams.models import Question, QuestionType, Scoring
from exams.selectors import image_marker, image_names, text_without_images

from .images import ImageUpload, question_image_check, question_images_read

OPTION_KEYS = "ABCDEFGH"
NS = "academy-"  # the tag namespace of what Moodle and GIFT have no field for
TRUE_TEXT, FALSE_TEXT = "对", "错"
_BLANK = re.compile(r"_{3,}|（\s*）|\(\s*\)")


@dataclass
class ReadQuestions:
    """Questions read from a file: raw rows for the validator, and notes on what could not
    be carried (a skipped question type, an image, formatting)."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, message)
    images: dict[int, list[ImageUpload]] = field(default_factory=dict)  # by row


@dataclass
class Exported:
    content: bytes
    count: int
    notes: list[str] = field(default_factory=list)


# --- From our questions to cells and back ---------------------------------------------------------


@dataclass
class Item:
    """A question's content in plain terms, the common ground of every format."""

    code: str
    type: str
    stem: str
    options: list[str] = field(default_factory=list)
    answer: Any = None  # single: index; multiple: indexes; truefalse: bool; fillin: blanks
    scoring: str = Scoring.ALL_OR_NOTHING
    explanation: str = ""
    rubric: list[tuple[str, str]] = field(default_factory=list)
    difficulty: int = 3
    points: str = "1"
    tags: list[str] = field(default_factory=list)
    images: list[ImageUpload] = field(default_factory=list)  # those the texts refer to

    def cells(self) -> dict[str, str]:
        """As the rows of the XLSX template (what the validator reads)."""
        values = {"code": self.code, "type": self.type, "stem": self.stem,
                  "scoring": self.scoring, "difficulty": str(self.difficulty),
                  "points": self.points, "tags": ",".join(self.tags),
                  "explanation": self.explanation,
                  "rubric": "\n".join(f"{c}:{p}" for c, p in self.rubric)}
        for key, text in zip(OPTION_KEYS, self.options, strict=False):
            values[f"option_{key}"] = text
        if self.type == QuestionType.SINGLE and self.answer is not None:
            values["answer"] = OPTION_KEYS[self.answer]
        elif self.type == QuestionType.MULTIPLE:
            values["answer"] = "".join(OPTION_KEYS[i] for i in sorted(self.answer or []))
        elif self.type == QuestionType.TRUEFALSE and self.answer is not None:
            values["answer"] = TRUE_TEXT if self.answer else FALSE_TEXT
        elif self.type == QuestionType.FILLIN:
            values["answer"] = ";".join("|".join(b) for b in self.answer or [])
        return values


def _points(value: Any) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def item_of(question: Question) -> Item:
    """A bank question (its current version) as an ``Item``."""
    version = question.current_version
    assert version is not None  # a bank question always has a current version
    keys = [o["key"] for o in version.options or []]
    answer: Any = None
    if question.type == QuestionType.SINGLE:
        answer = keys.index(version.answer) if version.answer in keys else None
    elif question.type == QuestionType.MULTIPLE:
        answer = [keys.index(k) for k in version.answer or [] if k in keys]
    elif question.type == QuestionType.TRUEFALSE:
        answer = bool(version.answer)
    elif question.type == QuestionType.FILLIN:
        raw = version.answer or []
        answer = [list(b) for b in raw] if raw and isinstance(raw[0], list) else [list(raw)]
    return Item(
        code=question.code, type=question.type, stem=version.stem,
        options=[o["text"] for o in version.options or []], answer=answer,
        scoring=version.scoring, explanation=version.explanation or "",
        rubric=[(str(c["criterion"]), _points(c["points"])) for c in version.rubric or []],
        difficulty=question.difficulty, points=_points(question.default_points),
        tags=[t.code for t in question.tags.all()],
        images=[image for image in question_images_read(version)
                if image.name in image_names(version.stem) + image_names(version.explanation)],
    )


def _bank_items(questions: Iterable[Question]) -> list[Item]:
    return [item_of(q) for q in questions if q.current_version_id]


def _meta_tags(item: Item) -> list[str]:
    tags = [f"{NS}difficulty:{item.difficulty}", f"{NS}scoring:{item.scoring}"]
    if item.type == QuestionType.CASE:
        tags.append(f"{NS}type:case")
    return tags


def _apply_meta(item: Item, tags: list[str]) -> None:
    """Take the ``academy-`` tags into ``item``; the rest are knowledge tags."""
    plain = []
    for tag in tags:
        if not tag.startswith(NS):
            plain.append(tag)
            continue
        name, _sep, value = tag[len(NS):].partition(":")
        if name == "difficulty" and value.isdigit():
            item.difficulty = int(value)
        elif name == "scoring" and value in Scoring.values:
            item.scoring = value
        elif name == "type" and value == QuestionType.CASE and item.type == QuestionType.SHORT:
            item.type = QuestionType.CASE
        elif name == "points":
            item.points = value
    item.tags = plain


# --- Moodle XML ------------------------------------------------------------------------------------


def _fraction(value: Decimal) -> str:
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return text or "0"


def moodle_export(questions: Iterable[Question], *, category: str = "Broker Academy"
                  ) -> Exported:
    """The questions as a Moodle XML quiz file (one category)."""
    from xml.etree import ElementTree as ET  # noqa: S405 - writing, not parsing

    notes: list[str] = []
    quiz = ET.Element("quiz")
    cat = ET.SubElement(quiz, "question", type="category")
    ET.SubElement(ET.SubElement(cat, "category"), "text").text = f"$course$/top/{category}"

    def text_el(parent: Any, tag: str, value: str, fmt: str = "plain_text") -> Any:
        element = ET.SubElement(parent, tag, format=fmt)
        ET.SubElement(element, "text").text = value
        return element

    def text_with_files(parent: Any, tag: str, value: str, images: list[ImageUpload]) -> Any:
        """Plain text as it is; a text showing images as HTML with the files embedded."""
        shown = [image for image in images if image.name in image_names(value)]
        if not shown:
            return text_el(parent, tag, value)
        element = text_el(parent, tag, _text_to_html(value, {i.name for i in shown}), "html")
        for image in shown:
            folder, _sep, name = image.name.rpartition("/")
            ET.SubElement(element, "file", name=name, path=f"/{folder}/" if folder else "/",
                          encoding="base64").text = base64.b64encode(image.content).decode()
        return element

    moodle_types: dict[str, str] = {
        QuestionType.SINGLE: "multichoice", QuestionType.MULTIPLE: "multichoice",
        QuestionType.TRUEFALSE: "truefalse", QuestionType.SHORT: "essay",
        QuestionType.CASE: "essay"}
    items = _bank_items(questions)
    for item in items:
        stem = item.stem
        if item.type != QuestionType.FILLIN:
            qtype = moodle_types[item.type]
        elif len(item.answer) == 1:
            qtype = "shortanswer"
        else:
            qtype = "cloze"
            stem = _cloze_text(item.stem, item.answer)
        q = ET.SubElement(quiz, "question", type=qtype)
        ET.SubElement(ET.SubElement(q, "name"), "text").text = item.code
        text_with_files(q, "questiontext", stem, item.images)
        text_with_files(q, "generalfeedback", item.explanation, item.images)
        ET.SubElement(q, "defaultgrade").text = item.points
        ET.SubElement(q, "penalty").text = "0"
        ET.SubElement(q, "hidden").text = "0"
        ET.SubElement(q, "idnumber").text = item.code
        if qtype == "multichoice":
            single = item.type == QuestionType.SINGLE
            ET.SubElement(q, "single").text = "true" if single else "false"
            ET.SubElement(q, "shuffleanswers").text = "true"
            ET.SubElement(q, "answernumbering").text = "ABCD"
            right = [item.answer] if single else list(item.answer)
            wrong = [i for i in range(len(item.options)) if i not in right]
            for index, option in enumerate(item.options):
                if index in right:
                    fraction = Decimal(100) / len(right)
                else:
                    fraction = Decimal(0) if single or not wrong else Decimal(-100) / len(wrong)
                answer = text_el(q, "answer", option)
                answer.set("fraction", _fraction(fraction))
                text_el(answer, "feedback", "")
        elif qtype == "truefalse":
            for value in (True, False):
                answer = text_el(q, "answer", "true" if value else "false", "moodle_auto_format")
                answer.set("fraction", "100" if item.answer is value else "0")
                text_el(answer, "feedback", "")
        elif qtype == "shortanswer":
            ET.SubElement(q, "usecase").text = "0"
            for accepted in item.answer[0]:
                answer = text_el(q, "answer", accepted, "moodle_auto_format")
                answer.set("fraction", "100")
                text_el(answer, "feedback", "")
        elif qtype == "essay":
            ET.SubElement(q, "responseformat").text = "editor"
            ET.SubElement(q, "responserequired").text = "1"
            ET.SubElement(q, "responsefieldlines").text = "15" if item.type == "case" else "5"
            text_el(q, "graderinfo", "\n".join(f"{c}:{p}" for c, p in item.rubric))
            text_el(q, "responsetemplate", "")
        tags = ET.SubElement(q, "tags")
        for tag in item.tags + _meta_tags(item):
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag
    ET.indent(quiz)
    content = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8")
    return Exported(content=content, count=len(items), notes=notes)


def _cloze_escape(text: str) -> str:
    return re.sub(r"([}#~/\"\\=])", r"\\\1", text)


def _cloze_text(stem: str, blanks: list[list[str]]) -> str:
    """The stem with each blank replaced by a SHORTANSWER cloze part (appended where the
    stem has fewer blank marks than blanks)."""
    parts = ["{1:SHORTANSWER:" + "~".join(f"={_cloze_escape(a)}" for a in blank) + "}"
             for blank in blanks]
    out, count = [], 0

    def replace(match: re.Match) -> str:
        nonlocal count
        count += 1
        return parts[count - 1] if count <= len(parts) else match.group(0)

    out.append(_BLANK.sub(replace, stem))
    if count < len(parts):
        out.append(" " + " ".join(parts[count:]))
    return "".join(out)


_CLOZE_PART = re.compile(r"\{(\d*):(SHORTANSWER|SA|MW|SHORTANSWER_C|SAC|MWC):((?:\\.|[^}])*)\}")
_CLOZE_ANY = re.compile(r"\{\d*:[A-Z_]+:(?:\\.|[^}])*\}")


def _cloze_read(text: str) -> tuple[str, list[list[str]], bool]:
    """A cloze question's stem with ____ for each short-answer part, the accepted answers of
    each, and whether it had parts of other kinds (not supported)."""
    blanks: list[list[str]] = []

    def replace(match: re.Match) -> str:
        answers = []
        for alternative in re.split(r"(?<!\\)~", match.group(3)):
            m = re.match(r"\s*(?:=|%100%)(.*?)(?:(?<!\\)#.*)?$", alternative, re.S)
            if m:
                answers.append(re.sub(r"\\(.)", r"\1", m.group(1)).strip())
        blanks.append([a for a in answers if a])
        return "____"

    stem = _CLOZE_PART.sub(replace, text)
    return stem, blanks, bool(_CLOZE_ANY.search(stem))


PLUGINFILE = "@@PLUGINFILE@@/"
_IMG = re.compile(r"<img\b([^>]*)>", re.I)
_ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _text_to_html(text: str, names: set[str]) -> str:
    """Our text as Moodle HTML: escaped, new lines as ``<br>``, each ``[[image:name]]`` of
    ``names`` as an ``<img>`` of the embedded file (the reverse of ``_html_to_text``)."""
    from urllib.parse import quote

    from exams.selectors import IMAGE_MARKER

    out, position = [], 0
    for match in IMAGE_MARKER.finditer(text):
        name = match.group(1).strip()
        if name not in names:
            continue
        out.append(html.escape(text[position:match.start()], quote=False))
        out.append(f'<img src="{PLUGINFILE}{quote(name, safe="/")}" '
                   f'alt="{html.escape((match.group(2) or "").strip())}">')
        position = match.end()
    out.append(html.escape(text[position:], quote=False))
    return "".join(out).replace("\r\n", "\n").replace("\n", "<br>")


def _images_to_markers(value: str) -> tuple[str, bool, list[str]]:
    """Each ``<img>`` of an embedded file (``@@PLUGINFILE@@/name``) as ``[[image:name|alt]]``;
    other images (a web address, data) are dropped. Returns the text, whether anything was
    lost (an image not embedded, an image's size or style) and the embedded names used."""
    from urllib.parse import unquote

    lost = False
    names: list[str] = []

    def replace(match: re.Match) -> str:
        nonlocal lost
        attributes = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4)
                                                         or "")
                      for m in _ATTRIBUTE.finditer(match.group(1))}
        src = attributes.get("src", "")
        if not src.startswith(PLUGINFILE):
            lost = True
            return ""
        if set(attributes) - {"src", "alt", "role", "class"}:
            lost = True  # width, height, style: the image is shown at its own size here
        name = unquote(src[len(PLUGINFILE):]).strip().lstrip("/")
        names.append(name)
        return image_marker(name, attributes.get("alt", ""))

    return _IMG.sub(replace, value), lost, names


def _html_to_text(value: str, fmt: str, *, images: bool = False) -> tuple[str, bool]:
    """Moodle text as plain text; True if formatting or images were lost on the way. With
    ``images``, embedded images become ``[[image:name]]`` markers (see ``_images_to_markers``)
    instead of being lost."""
    if fmt not in ("html", "moodle_auto_format", "") and "<" not in value:
        return value.strip(), False
    lost_images = False
    if images:
        value, lost_images, _names = _images_to_markers(value)
    lost = lost_images or bool(
        re.search(r"<(img|table|b|strong|i|em|u|sup|sub|span|font)\b", value, re.I))
    text = re.sub(r"<br\s*/?>|</p>\s*<p[^>]*>|</div>\s*<div[^>]*>", "\n", value, flags=re.I)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip(), lost


def _xml_text(element: Any, tag: str) -> tuple[str, str]:
    node = element.find(tag)
    if node is None:
        return "", ""
    inner = node.find("text")
    value = inner.text if inner is not None and inner.text is not None else (node.text or "")
    return value, node.get("format", "")


def _moodle_files(element: Any) -> dict[str, str]:
    """The embedded files of a Moodle text element: ``{path/name: base64}``."""
    if element is None:
        return {}
    files = {}
    for file in element.findall("file"):
        folder = (file.get("path") or "/").strip("/")
        name = (file.get("name") or "").strip()
        if name:
            files[f"{folder}/{name}" if folder else name] = "".join((file.text or "").split())
    return files


def _moodle_images(q: Any, *, number: int, label: str, stem: str, explanation: str,
                   read: ReadQuestions) -> list[ImageUpload]:
    """The images the question's text and general feedback show, checked; a missing or bad
    one is an error of the row (column stem or explanation), a file nothing shows a note,
    and a file elsewhere (an answer, a hint) a note too: those are not imported."""
    areas = {"stem": (_moodle_files(q.find("questiontext")), image_names(stem)),
             "explanation": (_moodle_files(q.find("generalfeedback")),
                             image_names(explanation))}
    images: dict[str, ImageUpload] = {}
    for column, (files, names) in areas.items():
        for name in names:
            encoded = files.get(name)
            if encoded is None:
                read.errors.append((number, column, _(
                    "The image “%(file)s” is shown but not embedded in the file.")
                    % {"file": name}))
                continue
            try:
                data = base64.b64decode(encoded, validate=True)
                content_type = question_image_check(name=name, content=data)
            except (binascii.Error, ValueError):
                read.errors.append((number, column, _("The image “%(file)s” is not valid "
                                                      "base64.") % {"file": name}))
                continue
            except ApplicationError as error:
                read.errors.append((number, column, str(error)))
                continue
            if name in images and images[name].content != data:
                read.errors.append((number, column, _(
                    "Two different images are both named “%(file)s”.") % {"file": name}))
                continue
            images[name] = ImageUpload(name=name, content=data, content_type=content_type)
        for name in sorted(set(files) - set(names)):
            read.notes.append(_("Question %(n)s (%(name)s): the file “%(file)s” is embedded "
                                "but not shown in the text; not imported.")
                              % {"n": number, "name": label, "file": name})
    for area in q:
        if area.tag in ("questiontext", "generalfeedback"):
            continue
        for file in area.iter("file"):
            read.notes.append(_("Question %(n)s (%(name)s): the image “%(file)s” is not "
                                "imported (only the question text and the general feedback "
                                "may hold images here).")
                              % {"n": number, "name": label, "file": file.get("name", "")})
    return list(images.values())


def moodle_read(content: bytes) -> ReadQuestions:
    """Questions of a Moodle XML file as raw rows (see the module docstring)."""
    from defusedxml import ElementTree as SafeET

    try:
        root = SafeET.fromstring(content)
    except Exception as exc:  # noqa: BLE001 - any parse error: one message for the file
        raise ApplicationError(_("This is not a readable Moodle XML file (%(error)s).")
                               % {"error": exc}) from None
    if root.tag != "quiz":
        raise ApplicationError(_("This is not a Moodle XML file: it has no <quiz> element."))
    read = ReadQuestions()
    number = 0
    for q in root.findall("question"):
        qtype = q.get("type", "")
        if qtype == "category":
            continue
        number += 1
        name, _fmt = _xml_text(q, "name")
        idnumber = (q.findtext("idnumber") or "").strip()
        stem_raw, stem_fmt = _xml_text(q, "questiontext")
        stem, lost = _html_to_text(stem_raw, stem_fmt, images=True)
        explanation, lost_fb = _html_to_text(*_xml_text(q, "generalfeedback"), images=True)
        label = idnumber or name or str(number)
        if lost or lost_fb:
            read.notes.append(_("Question %(n)s (%(name)s): formatting was reduced to plain "
                                "text.") % {"n": number, "name": label})
        images = _moodle_images(q, number=number, label=label, stem=stem,
                                explanation=explanation, read=read)
        if images:
            read.images[number] = images
        item = Item(code=idnumber if re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", idnumber) else "",
                    type="", stem=stem, explanation=explanation)
        grade = (q.findtext("defaultgrade") or "").strip()
        if grade:
            item.points = _points(grade)
        answers = []
        for a in q.findall("answer"):
            text = a.findtext("text") or ""
            answers.append((_html_to_text(text, a.get("format", ""))[0],
                            Decimal(a.get("fraction", "0") or "0")))
        if qtype == "multichoice":
            single = (q.findtext("single") or "true").strip().lower() in ("true", "1")
            item.type = QuestionType.SINGLE if single else QuestionType.MULTIPLE
            item.options = [text for text, _f in answers]
            right = [i for i, (_t, f) in enumerate(answers) if f > 0]
            if single:
                best = max(range(len(answers)), key=lambda i: answers[i][1]) if answers else None
                item.answer = best
            else:
                item.answer = right
                item.scoring = Scoring.PARTIAL
            if len(answers) > len(OPTION_KEYS):
                read.errors.append((number, "option_A", _("More than %(n)s options.")
                                    % {"n": len(OPTION_KEYS)}))
        elif qtype == "truefalse":
            item.type = QuestionType.TRUEFALSE
            true_texts = [t for t, f in answers if f > 0]
            item.answer = bool(true_texts) and true_texts[0].strip().lower() in (
                "true", "对", "正确")
        elif qtype == "shortanswer":
            item.type = QuestionType.FILLIN
            item.scoring = Scoring.PARTIAL
            item.answer = [[t for t, f in answers if f >= 100]]
            partial = [t for t, f in answers if 0 < f < 100]
            if partial:
                read.notes.append(_("Question %(n)s (%(name)s): answers worth part of the "
                                    "marks (%(answers)s) are not accepted answers here.")
                                  % {"n": number, "name": label, "answers": ", ".join(partial)})
        elif qtype in ("cloze", "multianswer"):
            item.type = QuestionType.FILLIN
            item.scoring = Scoring.PARTIAL
            item.stem, item.answer, other = _cloze_read(stem)
            if other:
                read.errors.append((number, "type", _("Only short-answer gaps of a cloze "
                                                      "question can be imported.")))
        elif qtype == "essay":
            item.type = QuestionType.SHORT
            item.scoring = Scoring.PARTIAL
            info, info_fmt = _xml_text(q, "graderinfo")
            info, _lost = _html_to_text(info, info_fmt)
            for line in info.splitlines():
                m = re.fullmatch(r"\s*(.+?)\s*[:：]\s*([0-9.]+)\s*分?\s*", line)
                if m:
                    item.rubric.append((m.group(1), m.group(2)))
                elif line.strip():
                    read.notes.append(_("Question %(n)s (%(name)s): the grader information "
                                        "line “%(line)s” is not a criterion:points rubric "
                                        "line.") % {"n": number, "name": label,
                                                     "line": line.strip()})
        else:
            read.notes.append(_("Question %(n)s (%(name)s): Moodle's “%(type)s” questions have "
                                "no counterpart here and were not imported.")
                              % {"n": number, "name": label, "type": qtype})
            continue
        tags = [t.findtext("text") or "" for t in q.findall("tags/tag")]
        _apply_meta(item, [t.strip() for t in tags if t and t.strip()])
        read.rows.append((number, item.cells()))
    return read


# --- GIFT ----------------------------------------------------------------------------------------

_GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")


def _gift_escape(text: str) -> str:
    return _GIFT_SPECIAL.sub(r"\\\1", text).replace("\n", "\\n")


def _gift_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def gift_export(questions: Iterable[Question]) -> Exported:
    """The questions in GIFT. Comment lines carry what GIFT has no syntax for."""
    notes: list[str] = []
    blocks = []
    items = _bank_items(questions)
    for item in items:
        shown = image_names(item.stem) + image_names(item.explanation)
        if shown:
            item.stem = text_without_images(item.stem)
            item.explanation = text_without_images(item.explanation)
            notes.append(_("%(code)s: GIFT cannot carry images; left out: %(files)s.")
                         % {"code": item.code, "files": ", ".join(dict.fromkeys(shown))})
        head = [f"// [id:{item.code}]" + "".join(f" [tag:{t}]" for t in
                                                 item.tags + _meta_tags(item)),
                f"// [{NS}points:{item.points}]"]
        if item.rubric:
            head.append(f"// [{NS}rubric:" + ";".join(
                f"{c.replace(';', '；')}:{p}" for c, p in item.rubric) + "]")
        feedback = f"####{_gift_escape(item.explanation)}" if item.explanation else ""
        if item.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            if item.type == QuestionType.SINGLE:
                body = " ".join(("=" if i == item.answer else "~") + _gift_escape(o)
                                for i, o in enumerate(item.options))
            else:
                right = set(item.answer)
                wrong = len(item.options) - len(right)
                body = " ".join(
                    f"~%{_fraction(Decimal(100) / len(right))}%{_gift_escape(o)}" if i in right
                    else f"~%{_fraction(Decimal(-100) / wrong if wrong else Decimal(0))}%"
                         f"{_gift_escape(o)}"
                    for i, o in enumerate(item.options))
        elif item.type == QuestionType.TRUEFALSE:
            body = "TRUE" if item.answer else "FALSE"
        elif item.type == QuestionType.FILLIN:
            body = " ".join(f"={_gift_escape(a)}" for a in item.answer[0])
            if len(item.answer) > 1:
                head.append(f"// [{NS}blanks:" + ";".join(
                    "|".join(b) for b in item.answer) + "]")
                notes.append(_("%(code)s has %(n)s blanks; GIFT holds the answers of one, the "
                               "others travel in a comment line that Moodle ignores.")
                             % {"code": item.code, "n": len(item.answer)})
        else:
            body = ""
        blocks.append("\n".join(head) + f"\n::{_gift_escape(item.code)}::"
                      f"{_gift_escape(item.stem)}{{{body}{feedback}}}")
        if item.rubric:
            notes.append(_("%(code)s: GIFT has no rubric; it travels in a comment line that "
                           "Moodle ignores.") % {"code": item.code})
    return Exported(content=("\n\n".join(blocks) + "\n").encode("utf-8"), count=len(items),
                    notes=notes)


def _split_unescaped(text: str, char: str) -> int:
    """Index of the first ``char`` not escaped by a backslash, or -1."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def gift_read(content: bytes) -> ReadQuestions:
    """Questions of a GIFT file as raw rows."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError(_("A GIFT file must be UTF-8 text.")) from None
    read = ReadQuestions()
    number = 0
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        comments = [line.strip()[2:].strip() for line in block.split("\n")
                    if line.strip().startswith("//")]
        body = "\n".join(line for line in block.split("\n")
                         if line.strip() and not line.strip().startswith("//")).strip()
        if not body or body.startswith("$CATEGORY:"):
            continue
        number += 1
        meta = " ".join(comments)
        idnumber = (re.search(r"\[id:([^\]]+)\]", meta) or [None, ""])[1]
        tags = re.findall(r"\[tag:([^\]]+)\]", meta)
        name = ""
        if body.startswith("::"):
            end = body.find("::", 2)
            name, body = _gift_unescape(body[2:end]), body[end + 2:]
        body = re.sub(r"^\[(html|markdown|plain|moodle)\]", "", body.strip())
        start = _split_unescaped(body, "{")
        label = idnumber or name or str(number)
        if start < 0:
            read.notes.append(_("Question %(n)s (%(name)s): a description without answers; "
                                "not imported.") % {"n": number, "name": label})
            continue
        stop = _split_unescaped(body[start:], "}") + start
        answer_part, after = body[start + 1:stop], body[stop + 1:]
        stem = _gift_unescape((body[:start] + (" ____ " + after if after.strip() else ""))
                              .strip())
        item = Item(code=idnumber or (name if re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", name)
                                      else ""), type="", stem=stem)
        feedback_at = answer_part.find("####")
        if feedback_at >= 0:
            item.explanation = _gift_unescape(answer_part[feedback_at + 4:]).strip()
            answer_part = answer_part[:feedback_at]
        answer_part = answer_part.strip()
        if re.fullmatch(r"(?i)T|TRUE|F|FALSE", answer_part.split("#")[0].strip()):
            item.type = QuestionType.TRUEFALSE
            item.answer = answer_part.split("#")[0].strip().upper().startswith("T")
        elif not answer_part:
            item.type = QuestionType.SHORT
            item.scoring = Scoring.PARTIAL
        elif answer_part.startswith("#"):
            read.notes.append(_("Question %(n)s (%(name)s): numerical questions have no "
                                "counterpart here; not imported.") % {"n": number,
                                                                      "name": label})
            continue
        else:
            choices = re.findall(r"([=~])((?:\\.|[^=~\\])*)", answer_part)
            parsed: list[tuple[str, Decimal]] = []
            matching = False  # a matching question: no counterpart here
            for sign, raw in choices:
                m = re.match(r"%(-?[0-9.]+)%(.*)", raw.strip(), re.S)
                weight = Decimal(m.group(1)) if m else (Decimal(100) if sign == "=" else 0)
                value = m.group(2) if m else raw
                value = value.split("#")[0] if _split_unescaped(value, "#") >= 0 else value
                if "->" in value:
                    read.notes.append(_("Question %(n)s (%(name)s): matching questions have "
                                        "no counterpart here; not imported.")
                                      % {"n": number, "name": label})
                    matching = True
                    break
                parsed.append((_gift_unescape(value).strip(), Decimal(weight)))
            if matching:
                continue
            if all(sign == "=" for sign, _raw in choices):
                item.type = QuestionType.FILLIN
                item.scoring = Scoring.PARTIAL
                item.answer = [[v for v, _w in parsed]]
            elif any(sign == "=" for sign, _raw in choices):
                item.type = QuestionType.SINGLE
                item.options = [v for v, _w in parsed]
                item.answer = next(i for i, (s, _r) in enumerate(choices) if s == "=")
            else:
                item.type = QuestionType.MULTIPLE
                item.scoring = Scoring.PARTIAL
                item.options = [v for v, _w in parsed]
                item.answer = [i for i, (_v, w) in enumerate(parsed) if w > 0]
        points = re.search(rf"\[{NS}points:([0-9.]+)\]", meta)
        if points:
            item.points = points.group(1)
        rubric = re.search(rf"\[{NS}rubric:([^\]]*)\]", meta)
        if rubric:
            for part in rubric.group(1).split(";"):
                m = re.fullmatch(r"\s*(.+?)\s*[:：]\s*([0-9.]+)\s*", part)
                if m:
                    item.rubric.append((m.group(1), m.group(2)))
        blanks = re.search(rf"\[{NS}blanks:([^\]]*)\]", meta)
        if blanks and item.type == QuestionType.FILLIN:
            item.answer = [b.split("|") for b in blanks.group(1).split(";")]
        _apply_meta(item, tags)
        read.rows.append((number, item.cells()))
    return read


# --- Word (.docx) --------------------------------------------------------------------------------


def docx_rows(content: bytes) -> list[list[str]]:
    """The rows of the first table of a Word document with a header row like the XLSX
    template's (cells as text, paragraphs joined by new lines)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(content))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise ApplicationError(_("This is not a readable Word (.docx) file (%(error)s).")
                               % {"error": exc}) from None
    for table in document.tables:
        rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]
        if rows:
            return rows
    raise ApplicationError(_("The Word file has no table. Use the template: one question "
                             "per table row, the first row naming the columns."))


def question_template_docx() -> bytes:
    """The Word template: a short guide and the question table with the XLSX's columns and
    examples (Chinese headers)."""
    import docx

    from .importing import COLUMNS, EXAMPLES

    document = docx.Document()
    document.add_heading("试题导入模板 Question import template", level=1)
    document.add_paragraph(
        "每行一题，第一行为列名（中文或英文均可）。题型：单选、多选、判断、填空、简答、案例分析。"
        "One question per row; the first row names the columns.")
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, column in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = column.header_zh
    for example in EXAMPLES:
        for cell, column in zip(table.add_row().cells, COLUMNS, strict=True):
            cell.text = example.get(column.key, "")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def question_bank_export(*, fmt: str, actor: Any, audit: bool = True) -> Exported:
    """The active questions of the bank in ``fmt`` (``moodle`` or ``gift``); a download
    (``audit``) is recorded in the audit trail, as exam content leaving the system."""
    from django.db import transaction

    from academy.audit.services import audit_record

    questions = (Question.objects.filter(is_active=True, current_version__isnull=False)
                 .select_related("current_version")
                 .prefetch_related("tags", "current_version__images").order_by("code"))
    exported = moodle_export(questions) if fmt == "moodle" else gift_export(questions)
    if audit:
        with transaction.atomic():
            audit_record(action="exams.questions_exported", actor=actor,
                         after={"format": fmt, "count": exported.count})
    return exported
