"""Question import from an XLSX or CSV file: every row checked, all rows or none saved.

Modelled on the roster import (``academy.people.roster``): ``question_import_parse`` reads
the file into raw rows (the header row may sit under a title row; Chinese or English
headers), ``question_import_validate`` checks every row and reports every problem as
``(row, column, message)`` with the row numbered as the spreadsheet numbers it, and
``question_import`` saves a clean file in one transaction with one audit event. A file with
any error saves nothing. The downloadable template (``question_template_xlsx`` /
``question_template_csv``) uses the same column definitions, so a filled-in template imports.

Cell formats: type 单选/多选/判断/填空/简答/案例分析 (or single, multiple, truefalse, fillin,
short, case); options in columns A-H; answer: single ``B``, multiple ``ACD`` or ``A,C,D``,
true/false 对/错 (正确/错误, T/F, true/false, √/×), fill-in alternatives separated by ``|``
and blanks by ``;`` (``外观设计|外观设计专利;发明``); rubric ``criterion:points`` separated
by ``;`` or new lines; tags by code or name separated by ``,`` ``，`` ``、``.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import transaction
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.people.selectors import Column, SpreadsheetError, SpreadsheetErrors, spreadsheet_rows
from exams.models import Question, QuestionType, Scoring, Tag

from ..conf import exams_settings
from .bank import QuestionContent, question_content_check, question_create
from .images import ImageUpload

_HEADER_SEARCH_ROWS = 10
_MAX_COLUMNS = 40
OPTION_KEYS = "ABCDEFGH"


def import_max_bytes() -> int:
    """The largest question file accepted (``EXAMS_IMPORT_MAX_BYTES``)."""
    return exams_settings.IMPORT_MAX_BYTES


def import_max_rows() -> int:
    """The most question rows one file may have (``EXAMS_IMPORT_MAX_ROWS``)."""
    return exams_settings.IMPORT_MAX_ROWS


def _option_label(key: str) -> Promise:
    """The lazy label of option column ``key`` ("Option A"), translated when shown."""
    # format_lazy returns a lazy Promise; django-stubs types it as ``str | Promise``.
    return cast(Promise, format_lazy(gettext_lazy("Option {}"), key))


COLUMNS: tuple[Column, ...] = (
    Column("code", "编号", "code", gettext_lazy("Code"), False,
           gettext_lazy("Optional unique code; one is made up when empty."),
           ("题号", "试题编号")),
    Column("type", "题型", "type", gettext_lazy("Type"), True,
           gettext_lazy("单选/多选/判断/填空/简答/案例分析 (or single, multiple, truefalse, "
                        "fillin, short, case)."), ("类型", "试题类型", "question type")),
    Column("stem", "题干", "stem", gettext_lazy("Question"), True,
           gettext_lazy("The question text."), ("题目", "试题内容", "question", "text")),
    *(Column(f"option_{k}", f"选项{k}", f"option {k}", _option_label(k),
             False,
             gettext_lazy("Choice questions: the option's text (at least A and B)."),
             (k, f"选项 {k}", f"option_{k}", f"option{k}"))
      for k in OPTION_KEYS),
    Column("answer", "答案", "answer", gettext_lazy("Answer"), False,
           gettext_lazy("Single: B. Multiple: ACD. True/false: 对 or 错. Fill-in: accepted "
                        "answers separated by |, blanks by ; (外观设计|外观设计专利). Empty for "
                        "short-answer and case questions."),
           ("正确答案", "参考答案", "标准答案", "key", "correct answer")),
    Column("scoring", "计分方式", "scoring", gettext_lazy("Scoring"), False,
           gettext_lazy("Multiple choice and fill-in: 全对得分 (all or nothing, default for "
                        "multiple) or 部分得分 (partial credit, default for fill-in)."),
           ("评分方式",)),
    Column("difficulty", "难度", "difficulty", gettext_lazy("Difficulty"), False,
           gettext_lazy("1 (easiest) to 5 (hardest); 3 when empty."), ("难度系数",)),
    Column("points", "分值", "points", gettext_lazy("Points"), False,
           gettext_lazy("Default points on a paper; 1 when empty."), ("分数", "score")),
    Column("tags", "知识点", "tags", gettext_lazy("Tags"), True,
           gettext_lazy("Tag codes or names (see the list), separated by commas."),
           ("标签", "知识点标签", "知识领域", "tag")),
    Column("explanation", "解析", "explanation", gettext_lazy("Explanation"), False,
           gettext_lazy("Shown with the correct answer after release, if the sitting allows."),
           ("答案解析", "试题解析")),
    Column("rubric", "评分标准", "rubric", gettext_lazy("Rubric"), False,
           gettext_lazy("Short-answer and case questions: criterion:points, separated by ; "
                        "(识别关键问题:4;引用相关法规:3)."), ("评分细则", "评分要点")),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

TYPE_NAMES = {
    "单选": QuestionType.SINGLE, "单选题": QuestionType.SINGLE, "单项选择题": QuestionType.SINGLE,
    "多选": QuestionType.MULTIPLE, "多选题": QuestionType.MULTIPLE,
    "多项选择题": QuestionType.MULTIPLE, "不定项选择题": QuestionType.MULTIPLE,
    "判断": QuestionType.TRUEFALSE, "判断题": QuestionType.TRUEFALSE,
    "填空": QuestionType.FILLIN, "填空题": QuestionType.FILLIN,
    "简答": QuestionType.SHORT, "简答题": QuestionType.SHORT, "问答题": QuestionType.SHORT,
    "案例分析": QuestionType.CASE, "案例分析题": QuestionType.CASE, "案例": QuestionType.CASE,
    "single choice": QuestionType.SINGLE, "multiple choice": QuestionType.MULTIPLE,
    "true or false": QuestionType.TRUEFALSE, "true/false": QuestionType.TRUEFALSE,
    "fill in the blank": QuestionType.FILLIN, "short answer": QuestionType.SHORT,
    "case analysis": QuestionType.CASE,
    **{value: value for value in QuestionType.values},
}
SCORING_NAMES = {
    "全对得分": Scoring.ALL_OR_NOTHING, "全部正确得分": Scoring.ALL_OR_NOTHING,
    "all or nothing": Scoring.ALL_OR_NOTHING, "all_or_nothing": Scoring.ALL_OR_NOTHING,
    "部分得分": Scoring.PARTIAL, "按比例得分": Scoring.PARTIAL, "partial": Scoring.PARTIAL,
    "partial credit": Scoring.PARTIAL,
}
TRUE_NAMES = {"对", "正确", "是", "√", "✓", "t", "true", "y", "yes", "1"}
FALSE_NAMES = {"错", "错误", "否", "×", "✗", "x", "f", "false", "n", "no", "0"}


# --- Results ---------------------------------------------------------------------------------------


class QuestionImportError(SpreadsheetError):
    """One problem of a question file (see ``SpreadsheetError``), in its template's columns."""

    columns = COLUMN_BY_KEY


@dataclass
class RawRow:
    number: int
    values: dict[str, Any]


@dataclass
class ParsedQuestions:
    file_name: str
    rows: list[RawRow]
    ignored_headers: list[str] = field(default_factory=list)
    # Moodle XML, GIFT: what could not be carried, and problems found while reading.
    notes: list[str] = field(default_factory=list)
    errors: list[QuestionImportError] = field(default_factory=list)
    # Moodle XML: the checked images of each row (by row number).
    images: dict[int, list[ImageUpload]] = field(default_factory=dict)


@dataclass
class CleanQuestion:
    number: int
    code: str
    content: QuestionContent
    difficulty: int
    points: Decimal
    tags: list[Tag]
    images: list[ImageUpload] = field(default_factory=list)


@dataclass
class QuestionValidation(SpreadsheetErrors):
    rows: list[CleanQuestion]
    errors: list[QuestionImportError]


@dataclass
class QuestionImportResult(SpreadsheetErrors):
    file_name: str
    rows_total: int = 0
    created: list[Question] = field(default_factory=list)
    valid_rows: list[CleanQuestion] = field(default_factory=list)
    errors: list[QuestionImportError] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False


# --- Cells and headers -----------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as trimmed text (numbers without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).replace("\ufeff", "").replace("\u200b", "").strip(" \t\r\n\u3000\xa0")


def header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[\s*:：_]+", " ", text).strip()


_HEADERS: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.key, _column.header_zh, _column.header_en, *_column.aliases):
        _HEADERS[header_key(_alias)] = _column.key
        _HEADERS[header_key(_alias).replace(" ", "")] = _column.key


def column_for_header(header: Any) -> str | None:
    key = header_key(cell_text(header))
    return _HEADERS.get(key) or _HEADERS.get(key.replace(" ", "")) if key else None


# --- Reading ---------------------------------------------------------------------------------------


def question_import_parse(*, file_name: str, content: bytes) -> ParsedQuestions:
    """Read the first sheet of an XLSX, or a CSV, into raw rows keyed by column.

    Raises ApplicationError for problems with the file as a whole (too large, unreadable, no
    header row, a required column missing or twice, too many rows, no data).
    """
    if len(content) > import_max_bytes():
        raise ApplicationError(_("The file is larger than %(limit)s MB.")
                               % {"limit": f"{import_max_bytes() / 1048576:g}"})
    if not content.strip():
        raise ApplicationError(_("The file is empty."))
    from . import interchange

    extension = os.path.splitext(file_name or "")[1].lower()
    if extension == ".xml" or extension == ".gift" or (
            extension == ".txt" and b"{" in content and b"}" in content):
        read = (interchange.moodle_read(content) if extension == ".xml"
                else interchange.gift_read(content))
        if not read.rows and not read.errors:
            raise ApplicationError(_("The file holds no question that can be imported.")
                                   + (" " + " ".join(read.notes) if read.notes else ""))
        if len(read.rows) > import_max_rows():
            raise ApplicationError(_("The file has more than %(limit)s questions; split it.")
                                   % {"limit": import_max_rows()})
        return ParsedQuestions(
            file_name=file_name, rows=[RawRow(number=n, values=v) for n, v in read.rows],
            notes=read.notes, images=read.images,
            errors=[QuestionImportError(row=n, column=c, message=m) for n, c, m in read.errors])
    if extension == ".docx":
        source: Any = interchange.docx_rows(content)
    else:
        source = spreadsheet_rows(file_name=file_name, content=content,
                                  max_columns=_MAX_COLUMNS)
    positions: dict[int, str] = {}
    ignored: list[str] = []
    rows: list[RawRow] = []
    header_row = 0
    for number, cells in enumerate(source, start=1):
        cells = tuple(cells)
        if not header_row:
            if number > _HEADER_SEARCH_ROWS:
                break
            found = {i: column_for_header(c) for i, c in enumerate(cells)}
            if sum(1 for k in found.values() if k) >= 2:
                header_row = number
                for index, key in found.items():
                    if key is None:
                        if cell_text(cells[index]):
                            ignored.append(cell_text(cells[index]))
                        continue
                    if key in positions.values():
                        raise ApplicationError(
                            _("The column “%(column)s” appears twice in the header row.")
                            % {"column": COLUMN_BY_KEY[key].label})
                    positions[index] = key
                missing = [c for c in COLUMNS if c.required and c.key not in positions.values()]
                if missing:
                    raise ApplicationError(
                        _("Required columns are missing: %(columns)s.")
                        % {"columns": ", ".join(f"{c.header_zh} / {c.header_en}"
                                                for c in missing)})
            continue
        if all(cell_text(cells[i]) == "" for i in positions if i < len(cells)):
            continue
        if len(rows) >= import_max_rows():
            raise ApplicationError(_("The file has more than %(limit)s questions; split it.")
                                   % {"limit": import_max_rows()})
        rows.append(RawRow(number=number, values={
            key: cells[i] if i < len(cells) else None for i, key in positions.items()}))
    if not header_row:
        raise ApplicationError(
            _("No header row was found. The first row must name the columns, e.g. "
              "%(headers)s.") % {"headers": ", ".join(c.header_zh for c in COLUMNS[:4])})
    if not rows:
        raise ApplicationError(_("The file has a header row but no data rows."))
    return ParsedQuestions(file_name=file_name, rows=rows, ignored_headers=ignored)


# --- Validation ------------------------------------------------------------------------------------

_SPLIT_TAGS = re.compile(r"[,，、;；\n]+")
_SPLIT_BLANKS = re.compile(r"[;；\n]+")
_SPLIT_RUBRIC = re.compile(r"[;；\n]+")


def _tag_lookup() -> dict[str, Tag]:
    lookup: dict[str, Tag] = {}
    for tag in Tag.objects.all():
        for name in (tag.code, tag.name, tag.name_en):
            if name:
                lookup[header_key(name)] = tag
    return lookup


def _parse_answer(qtype: str, text: str) -> tuple[Any, str | None]:
    """The answer key from its cell text, or (None, error message)."""
    if qtype == QuestionType.SINGLE:
        key = unicodedata.normalize("NFKC", text).strip().upper()
        return key, None
    if qtype == QuestionType.MULTIPLE:
        raw = unicodedata.normalize("NFKC", text).upper()
        keys = [k for k in re.split(r"[\s,;、|]+", raw) if k]
        if len(keys) == 1 and len(keys[0]) > 1:
            keys = list(keys[0])
        return keys, None
    if qtype == QuestionType.TRUEFALSE:
        word = unicodedata.normalize("NFKC", text).strip().casefold()
        if word in TRUE_NAMES:
            return True, None
        if word in FALSE_NAMES:
            return False, None
        return None, _("Write 对 or 错 (true or false).")
    if qtype == QuestionType.FILLIN:
        blanks = [[a.strip() for a in blank.split("|") if a.strip()]
                  for blank in _SPLIT_BLANKS.split(text) if blank.strip()]
        return (blanks[0] if len(blanks) == 1 else blanks), None
    return None, None


def _parse_rubric(text: str) -> tuple[list[dict[str, Any]], str | None]:
    rubric = []
    for part in _SPLIT_RUBRIC.split(text):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(.+?)\s*[:：]\s*([0-9.]+)\s*分?", part)
        if not match:
            return [], _("Write each criterion as criterion:points, e.g. 识别关键问题:4.")
        rubric.append({"criterion": match.group(1).strip(), "points": match.group(2)})
    return rubric, None


def question_import_validate(parsed: ParsedQuestions) -> QuestionValidation:
    """Check every row: type, options, answer consistent with the options, tags exist,
    difficulty 1-5, points positive, codes unique in the file and the bank."""
    errors: list[QuestionImportError] = []
    clean: list[CleanQuestion] = []
    tags = _tag_lookup()
    codes_in_file: dict[str, int] = {}
    codes = [cell_text(r.values.get("code")) for r in parsed.rows]
    existing = set(Question.objects.filter(code__in=[c for c in codes if c]).values_list(
        "code", flat=True))
    for row in parsed.rows:
        problems: list[tuple[str, str]] = []
        values = {k: cell_text(v) for k, v in row.values.items()}

        code = values.get("code", "")
        if code:
            if not re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", code):
                problems.append(("code", _("A code has up to 40 letters, digits, - or _.")))
            elif code in existing:
                problems.append(("code", _("A question with code “%(code)s” exists already.")
                                 % {"code": code}))
            elif code in codes_in_file:
                problems.append(("code", _("Code “%(code)s” is also used in row %(row)s.")
                                 % {"code": code, "row": codes_in_file[code]}))
            else:
                codes_in_file[code] = row.number

        type_text = header_key(values.get("type", ""))
        qtype = TYPE_NAMES.get(type_text) or TYPE_NAMES.get(type_text.replace(" ", ""))
        if not qtype:
            problems.append(("type", _("Unknown question type “%(type)s”; use 单选, 多选, 判断, "
                                       "填空, 简答 or 案例分析.") % {"type": values.get("type", "")}))

        difficulty = 3
        if values.get("difficulty"):
            try:
                difficulty = int(Decimal(values["difficulty"]))
                if Decimal(values["difficulty"]) != difficulty or not 1 <= difficulty <= 5:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                problems.append(("difficulty", _("Difficulty is a whole number from 1 to 5.")))

        points = Decimal("1")
        if values.get("points"):
            try:
                points = Decimal(values["points"])
                if not points.is_finite() or points <= 0 or points >= 10000:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                problems.append(("points", _("Points must be a positive number.")))

        row_tags: list[Tag] = []
        tag_names = [t.strip() for t in _SPLIT_TAGS.split(values.get("tags", "")) if t.strip()]
        if not tag_names:
            problems.append(("tags", _("Give at least one tag.")))
        for name in tag_names:
            tag = tags.get(header_key(name))
            if tag is None:
                problems.append(("tags", _("Unknown tag “%(tag)s”.") % {"tag": name}))
            elif tag not in row_tags:
                row_tags.append(tag)

        scoring = None
        if values.get("scoring"):
            scoring = SCORING_NAMES.get(header_key(values["scoring"]))
            if scoring is None:
                problems.append(("scoring", _("Scoring is 全对得分 or 部分得分.")))
        content = None
        if qtype:
            if scoring is None:
                scoring = Scoring.PARTIAL if qtype == QuestionType.FILLIN \
                    else Scoring.ALL_OR_NOTHING
            options = [{"key": k, "text": values.get(f"option_{k}", "")}
                       for k in OPTION_KEYS if values.get(f"option_{k}")]
            if qtype not in QuestionType.with_options() and options:
                problems.append(("option_A", _("Only choice questions have options.")))
            answer, answer_error = _parse_answer(qtype, values.get("answer", ""))
            if answer_error:
                problems.append(("answer", answer_error))
            rubric, rubric_error = _parse_rubric(values.get("rubric", ""))
            if rubric_error:
                problems.append(("rubric", rubric_error))
            if qtype in QuestionType.subjective() and values.get("answer"):
                problems.append(("answer", _("Short-answer and case questions have no answer "
                                             "key; put the model answer in the explanation.")))
            if not answer_error and not rubric_error:
                content, messages = question_content_check(
                    type=qtype, stem=values.get("stem", ""), options=options, answer=answer,
                    scoring=scoring, explanation=values.get("explanation", ""),
                    rubric=rubric)
                for field_name, message in messages:
                    problems.append((_FIELD_COLUMNS.get(field_name, "answer"), message))
        for column, message in problems:
            errors.append(QuestionImportError(row=row.number, column=column, message=message))
        if not problems and content is not None:
            clean.append(CleanQuestion(number=row.number, code=code, content=content,
                                       difficulty=difficulty, points=points, tags=row_tags,
                                       images=parsed.images.get(row.number, [])))
    return QuestionValidation(rows=clean, errors=errors)


_FIELD_COLUMNS = {"type": "type", "stem": "stem", "scoring": "scoring", "options": "option_A",
                  "answer": "answer", "rubric": "rubric"}


def question_import(*, file_name: str, content: bytes, actor: Any,
                    dry_run: bool = False) -> QuestionImportResult:
    """Import questions from a file; all or nothing.

    Problems with the file as a whole come back as one error with ``row=None``; otherwise
    every row's problems are listed. With ``dry_run`` (the "check" button) nothing is saved
    even when the file is clean.
    """
    result = QuestionImportResult(file_name=file_name, dry_run=dry_run)
    try:
        parsed = question_import_parse(file_name=file_name, content=content)
    except ApplicationError as error:
        result.errors = [QuestionImportError(row=None, column="", message=str(error))]
        return result
    result.rows_total = len(parsed.rows)
    result.ignored_headers = parsed.ignored_headers
    result.notes = parsed.notes
    validation = question_import_validate(parsed)
    result.errors = sorted(parsed.errors + validation.errors,
                           key=lambda e: (e.row or 0, e.column))
    result.valid_rows = validation.rows
    # Problems found while reading (a bad image, an unsupported cloze part) refuse the file
    # too: all or nothing.
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        for row in validation.rows:
            c = row.content
            result.created.append(question_create(
                type=c.type, stem=c.stem, options=c.options, answer=c.answer,
                scoring=c.scoring, explanation=c.explanation, rubric=c.rubric,
                difficulty=row.difficulty, tags=row.tags, default_points=row.points,
                code=row.code or None, created_by=actor, audit=False, images=row.images,
            ))
        audit_record(action="exams.questions_imported", actor=actor,
                     after={"file": file_name, "count": len(result.created),
                            "notes": result.notes[:50],
                            "codes": [q.code for q in result.created][:200]})
    return result


# --- Template --------------------------------------------------------------------------------------

EXAMPLES: list[dict[str, str]] = [
    {"type": "单选", "stem": "技术合同认定登记的主管部门是？", "option_A": "市场监督管理局",
     "option_B": "科学技术局", "option_C": "税务局", "option_D": "财政局", "answer": "B",
     "difficulty": "2", "points": "2", "tags": "技术合同",
     "explanation": "技术合同认定登记由科技行政部门负责。"},
    {"type": "多选", "stem": "下列属于技术合同的有？", "option_A": "技术开发合同",
     "option_B": "技术转让合同", "option_C": "房屋租赁合同", "option_D": "技术服务合同",
     "answer": "ABD", "scoring": "部分得分", "difficulty": "3", "points": "3",
     "tags": "技术合同, 政策法规"},
    {"type": "判断", "stem": "技术合同应当采用书面形式订立。", "answer": "对", "difficulty": "1",
     "points": "1", "tags": "技术合同"},
    {"type": "填空", "stem": "我国专利分为发明、实用新型和____三种。",
     "answer": "外观设计|外观设计专利", "difficulty": "2", "points": "2", "tags": "知识产权"},
    {"type": "简答", "stem": "简述技术经纪人在技术转移中的作用。", "difficulty": "3",
     "points": "10", "tags": "公共知识", "rubric": "作用要点全面:6;表述清楚:4",
     "explanation": "参考答案：供需对接、价值评估、交易撮合……"},
    {"type": "案例分析", "stem": "某高校拟将一项发明专利许可给企业，请分析许可方式并提出谈判要点。",
     "difficulty": "4", "points": "20", "tags": "商务谈判, 知识产权",
     "rubric": "识别许可方式:8;谈判要点:8;风险提示:4"},
]


def question_template_csv() -> bytes:
    """The template as CSV (UTF-8 with BOM so Excel opens it correctly)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header_zh for c in COLUMNS])
    for example in EXAMPLES:
        writer.writerow([example.get(c.key, "") for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def question_template_xlsx() -> bytes:
    """The template as XLSX: the questions sheet with examples, and an instructions sheet
    describing each column and listing the tags."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "试题"
    sheet.append([c.header_zh for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for example in EXAMPLES:
        sheet.append([example.get(c.key, "") for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 40 if column.key in ("stem", "explanation",
                                                                      "rubric") else 14
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("说明 Instructions")
    guide.append([_("Column"), _("Required"), _("What to write")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        guide.append([f"{column.header_zh} / {column.header_en}",
                      _("yes") if column.required else _("no"), str(column.description)])
    guide.append([])
    guide.append([_("Tags"), "", ""])
    for tag in Tag.objects.select_related("area").order_by("area__order", "code"):
        guide.append([tag.name, tag.code, tag.name_en])
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 14
    guide.column_dimensions["C"].width = 90
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
