"""Question import from XLSX and CSV: every row checked, nothing saved on any error."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from academy.audit.models import AuditEvent
from exams.models import Question, QuestionType, Scoring
from exams.services.importing import (
    COLUMNS,
    question_import,
    question_template_csv,
    question_template_xlsx,
)
from tests.exams.factories import QuestionFactory

pytestmark = pytest.mark.django_db

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "计分方式", "难度", "分值",
          "知识点", "解析", "评分标准"]


def xlsx(rows, header=HEADER, title=None):
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD = [
    ["单选", "技术合同登记机关是？", "市场监管局", "科技局", "税务局", "", "B", "", 2, 2, "技术合同",
     "科技行政部门", ""],
    ["多选", "属于技术合同的有？", "技术开发", "技术转让", "房屋租赁", "技术服务", "A,B,D", "部分得分",
     3, 3, "技术合同，政策法规", "", ""],
    ["判断", "技术合同应当书面订立。", "", "", "", "", "对", "", 1, 1, "tech-contract", "", ""],
    ["填空", "专利分为发明、实用新型和____。", "", "", "", "", "外观设计|外观设计专利", "", 2, 2,
     "知识产权", "", ""],
    ["填空", "__和__", "", "", "", "", "甲;乙|B", "全对得分", 2, 2, "知识产权", "", ""],
    ["简答", "简述技术经纪人的作用。", "", "", "", "", "", "", 3, 10, "公共知识", "参考答案……",
     "要点全面:6；表述清楚:4"],
    ["案例分析", "分析许可方式。", "", "", "", "", "", "", 4, 20, "商务谈判、知识产权", "",
     "识别许可方式:8\n谈判要点:8\n风险提示:4"],
]


def test_clean_file_imports_every_type(trainer):
    result = question_import(file_name="bank.xlsx", content=xlsx(GOOD, title="中级题库"),
                             actor=trainer)
    assert result.ok, result.errors
    assert len(result.created) == 7
    types = [q.type for q in result.created]
    assert types == ["single", "multiple", "truefalse", "fillin", "fillin", "short", "case"]
    multiple = result.created[1].current_version
    assert multiple.answer == ["A", "B", "D"] and multiple.scoring == Scoring.PARTIAL
    assert {t.code for t in result.created[1].tags.all()} == {"tech-contract", "policy"}
    assert result.created[2].current_version.answer is True
    assert result.created[3].current_version.answer == ["外观设计", "外观设计专利"]
    assert result.created[3].current_version.scoring == Scoring.PARTIAL
    assert result.created[4].current_version.answer == [["甲"], ["乙", "B"]]
    assert result.created[6].current_version.rubric == [
        {"criterion": "识别许可方式", "points": 8}, {"criterion": "谈判要点", "points": 8},
        {"criterion": "风险提示", "points": 4}]
    assert result.created[5].default_points == 10
    assert AuditEvent.objects.filter(action="exams.questions_imported").count() == 1


def test_bad_rows_are_all_reported_and_nothing_is_saved(trainer):
    QuestionFactory(code="dup-1")
    bad = GOOD[:2] + [
        ["问答", "题", "", "", "", "", "", "", 3, 1, "技术合同", "", ""],            # 4: type
        ["单选", "题", "甲", "乙", "", "", "C", "", 3, 1, "技术合同", "", ""],       # 5: answer
        ["多选", "题", "甲", "乙", "丙", "", "AE", "", 3, 1, "技术合同", "", ""],     # 6: answer
        ["判断", "题", "", "", "", "", "也许", "", 3, 1, "技术合同", "", ""],         # 7: answer
        ["单选", "题", "甲", "乙", "", "", "A", "", 7, 1, "技术合同", "", ""],        # 8: diff
        ["单选", "题", "甲", "乙", "", "", "A", "", 3, -2, "技术合同", "", ""],       # 9: points
        ["单选", "题", "甲", "乙", "", "", "A", "", 3, 1, "区块链", "", ""],          # 10: tag
        ["简答", "题", "", "", "", "", "", "", 3, 5, "公共知识", "", ""],             # 11: rubric
        ["单选", "", "甲", "乙", "", "", "A", "", 3, 1, "技术合同", "", ""],          # 12: stem
        ["单选", "题", "甲", "", "", "", "A", "", 3, 1, "技术合同", "", ""],          # 13: options
        ["判断", "题", "甲", "", "", "", "对", "", 3, 1, "技术合同", "", ""],         # 14: options
    ]
    header = ["编号", *HEADER]
    rows = [[f"imp-{n}", *row] for n, row in enumerate(bad)]
    rows.append(["dup-1", *GOOD[0]])                                               # 15: code
    rows.append(["imp-0", *GOOD[0]])                                               # 16: code
    result = question_import(file_name="bank.xlsx", content=xlsx(rows, header=header),
                             actor=trainer)
    assert not result.ok
    assert Question.objects.count() == 1
    by_row = {}
    for error in result.errors:
        by_row.setdefault(error.row, set()).add(error.column)
    assert by_row == {
        4: {"type"}, 5: {"answer"}, 6: {"answer"}, 7: {"answer"}, 8: {"difficulty"},
        9: {"points"}, 10: {"tags"}, 11: {"rubric"}, 12: {"stem"}, 13: {"option_A"},
        14: {"option_A"}, 15: {"code"}, 16: {"code"},
    }
    assert result.rows_with_errors == 13
    assert all(error.message for error in result.errors)
    assert not AuditEvent.objects.filter(action="exams.questions_imported").exists()


def test_csv_in_gbk_with_english_headers_imports(trainer):
    text = ("type,stem,option A,option B,answer,tags,points\n"
            "single,技术合同登记机关是？,市场监管局,科技局,B,tech-contract,2\n"
            "truefalse,技术合同应当书面订立。,,,错,技术合同,1\n")
    result = question_import(file_name="bank.csv", content=text.encode("gbk"), actor=trainer)
    assert result.ok, result.errors
    assert [q.type for q in result.created] == [QuestionType.SINGLE, QuestionType.TRUEFALSE]
    assert result.created[1].current_version.answer is False


def test_dry_run_saves_nothing(trainer):
    result = question_import(file_name="bank.xlsx", content=xlsx(GOOD), actor=trainer,
                             dry_run=True)
    assert result.ok and len(result.valid_rows) == 7
    assert not Question.objects.exists()


@pytest.mark.parametrize("name,content", [
    ("bank.xlsx", b""),
    ("bank.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"),
    ("bank.xlsx", b"not a zip"),
    ("bank.pdf", b"%PDF"),
    ("bank.csv", "名字,年龄\n张三,3\n".encode()),          # no header row
    ("bank.csv", "题型,题干\n".encode()),                   # required column missing (tags)
    ("bank.csv", "题型,题干,知识点\n".encode()),             # no data rows
])
def test_unreadable_files_give_one_file_error(trainer, name, content):
    result = question_import(file_name=name, content=content, actor=trainer)
    assert not result.ok
    assert len(result.errors) == 1 and result.errors[0].row is None


def test_templates_import_cleanly(trainer):
    workbook = load_workbook(io.BytesIO(question_template_xlsx()))
    assert workbook.sheetnames[0] == "试题"
    assert [c.value for c in workbook["试题"][1]] == [c.header_zh for c in COLUMNS]
    result = question_import(file_name="t.xlsx", content=question_template_xlsx(),
                             actor=trainer, dry_run=True)
    assert result.ok, result.errors
    assert len(result.valid_rows) == 6
    result = question_import(file_name="t.csv", content=question_template_csv(), actor=trainer)
    assert result.ok, result.errors
    assert len(result.created) == 6
