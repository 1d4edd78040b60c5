"""The trainers' and admins' exam pages: bank, import, papers, sittings, statistics.

The role grid of every page (anonymous, broker, trainer, auditor, admin) is in
``permission_rows_staff.py`` and runs in tests/ui/test_permission_matrix.py; this module
checks the other side (a trainer and someone else's sitting; auditors posting) and what the
pages do. Fixtures from tests/exams/conftest.py: ``sitting`` (open, one question of each
type at 2 points, for a cohort taught by ``grader``) and ``candidate``.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.models import (
    Attempt,
    Paper,
    PaperRule,
    Question,
    QuestionType,
    QuestionVersion,
    Sitting,
    Tag,
)
from tests.courses.factories import CohortFactory, enrol
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    rules_paper,
    sat,
    start,
    trainer_user,
)
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db

ESSAYS = {4: "技术经纪人促成供需对接。", 5: "建议采用普通许可，入门费加提成。"}
RIGHT = {0: "B", 1: ["A", "B", "D"], 2: True, 3: ["外观设计"], **ESSAYS}


@pytest.fixture
def login(client, mfa_enrolled):
    """``login(user)``: the test client signed in as ``user`` (staff get a TOTP first)."""

    def as_user(user):
        if not user.groups.filter(name="broker").exists():
            mfa_enrolled(user)
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def admin_client(login, admin_user):
    return login(admin_user)


@pytest.fixture
def grader_client(login, grader):
    return login(grader)


@pytest.fixture
def submitted(sitting, candidate):
    return sat(sitting, candidate, RIGHT)


def tag(code: str) -> Tag:
    return Tag.objects.get(code=code)


# --- Trainers see only their sittings; auditors only look ------------------------------------

def _other_sitting(questions):
    """A sitting of a cohort the ``grader`` does not teach, with a submitted attempt."""
    sitting = SittingFactory(paper=fixed_paper(questions.values(), points=2))
    sitting.cohort.trainers.add(trainer_user())
    attempt = sat(sitting, enrolled_broker(sitting), RIGHT)
    return sitting, attempt


def test_trainer_lists_only_their_sittings(grader_client, sitting, questions):
    other, _ = _other_sitting(questions)
    page = grader_client.get(reverse("exams:sitting_list")).content.decode()
    assert sitting.title in page
    assert other.title not in page


@pytest.mark.parametrize("name", ["exams:sitting_dashboard", "exams:sitting_statistics",
                                  "exams:sitting_edit"])
def test_trainer_cannot_open_another_cohorts_sitting(grader_client, questions, name):
    other, _ = _other_sitting(questions)
    assert grader_client.get(reverse(name, args=[other.pk])).status_code == 403


def test_trainer_cannot_open_or_release_another_cohorts_attempts(grader_client, questions):
    other, attempt = _other_sitting(questions)
    assert grader_client.get(reverse("exams:staff_attempt", args=[attempt.pk])
                             ).status_code == 403
    assert grader_client.post(reverse("exams:sitting_release", args=[other.pk])
                              ).status_code == 403
    essay = attempt.answers.get(item__position=5)
    assert grader_client.get(reverse("exams:grading_answer", args=[essay.pk])
                             ).status_code == 403


def test_a_listed_grader_sees_the_sitting_without_teaching_the_cohort(login, sitting):
    outsider = trainer_user()
    sitting.graders.add(outsider)
    client = login(outsider)
    assert sitting.title in client.get(reverse("exams:sitting_list")).content.decode()
    assert client.get(reverse("exams:sitting_dashboard", args=[sitting.pk])).status_code == 200


def test_admin_and_auditor_see_every_sitting(login, admin_user, auditor, sitting, questions):
    other, _ = _other_sitting(questions)
    for user in (admin_user, auditor):
        page = login(user).get(reverse("exams:sitting_list")).content.decode()
        assert sitting.title in page and other.title in page


def _auditor_posts(sitting, submitted):
    question = QuestionFactory()
    paper = fixed_paper([question])
    objective = submitted.answers.get(item__position=0)
    essay = submitted.answers.get(item__position=4)
    return [
        reverse("exams:question_create", args=["single"]),
        reverse("exams:question_edit", args=[question.pk]),
        reverse("exams:question_archive", args=[question.pk]),
        reverse("exams:question_import"),
        reverse("exams:paper_create"),
        reverse("exams:paper_detail", args=[paper.pk]),
        reverse("exams:sitting_create"),
        reverse("exams:sitting_edit", args=[sitting.pk]),
        reverse("exams:sitting_release", args=[sitting.pk]),
        reverse("exams:sitting_dashboard", args=[sitting.pk]),
        reverse("exams:sitting_statistics", args=[sitting.pk]),
        reverse("exams:answer_regrade", args=[objective.pk]),
        reverse("exams:grading_answer", args=[essay.pk]),
    ]


def test_auditor_can_read_but_every_post_is_refused(login, auditor, sitting, submitted):
    client = login(auditor)
    assert client.get(reverse("exams:sitting_dashboard", args=[sitting.pk])).status_code == 200
    assert client.get(reverse("exams:staff_attempt", args=[submitted.pk])).status_code == 200
    for url in _auditor_posts(sitting, submitted):
        assert client.post(url, {"title": "x"}).status_code in (403, 405), url
    sitting.refresh_from_db()
    assert Attempt.objects.filter(status=Attempt.Status.RELEASED).count() == 0


def test_auditor_dashboard_has_no_change_buttons(login, auditor, sitting, submitted):
    page = login(auditor).get(reverse("exams:sitting_dashboard", args=[sitting.pk])
                              ).content.decode()
    assert reverse("exams:sitting_release", args=[sitting.pk]) not in page
    assert reverse("exams:sitting_edit", args=[sitting.pk]) not in page


# --- Question bank -----------------------------------------------------------------------------

def _question_post(qtype: str, **extra) -> dict:
    data = {"code": f"T-{qtype}", "difficulty": "2", "default_points": "3",
            "tags": [str(tag("tech-contract").pk), str(tag("policy").pk)],
            "stem": f"题干 {qtype}", "explanation": "解析文字"}
    data.update(extra)
    return data


AUTHORING = {
    "single": ({"option_0": "甲", "option_1": "乙", "option_2": "丙", "correct": ["1"]},
               {"options": ["A", "B", "C"], "answer": "B"}),
    "multiple": ({"option_0": "甲", "option_1": "乙", "option_2": "丙", "correct": ["0", "2"],
                  "scoring": "partial"},
                 {"options": ["A", "B", "C"], "answer": ["A", "C"], "scoring": "partial"}),
    "truefalse": ({"truefalse_answer": "false"}, {"answer": False}),
    "fillin": ({"fillin_answers": "外观设计 | 外观设计专利\n发明", "scoring": "partial"},
               {"answer": [["外观设计", "外观设计专利"], ["发明"]], "scoring": "partial"}),
    "short": ({"criterion_0": "要点完整", "points_0": "6", "criterion_1": "表述清楚",
               "points_1": "4"},
              {"rubric": [{"criterion": "要点完整", "points": 6},
                          {"criterion": "表述清楚", "points": 4}]}),
    "case": ({"criterion_0": "识别问题", "points_0": "10"},
             {"rubric": [{"criterion": "识别问题", "points": 10}]}),
}


@pytest.mark.parametrize("qtype", list(AUTHORING))
def test_trainer_authors_a_question_of_each_type(grader_client, grader, qtype):
    form, expected = AUTHORING[qtype]
    response = grader_client.post(reverse("exams:question_create", args=[qtype]),
                                  _question_post(qtype, **form))
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(code=f"T-{qtype}")
    version = question.current_version
    assert (question.type, question.difficulty, question.default_points) == (
        qtype, 2, Decimal("3"))
    assert set(question.tags.values_list("code", flat=True)) == {"tech-contract", "policy"}
    assert version.number == 1 and version.stem == f"题干 {qtype}"
    assert version.explanation == "解析文字" and version.created_by == grader
    if "options" in expected:
        assert [o["key"] for o in version.options] == expected["options"]
    for field in ("answer", "scoring", "rubric"):
        if field in expected:
            assert getattr(version, field) == expected[field]


def test_fillin_blanks_may_be_separated_like_the_import(grader_client):
    data = _question_post("fillin", fillin_answers="500｜五百；减半")
    assert grader_client.post(reverse("exams:question_create", args=["fillin"]), data
                              ).status_code == 302
    version = Question.objects.get(code="T-fillin").current_version
    assert version.answer == [["500", "五百"], ["减半"]]


def test_question_editor_has_a_preview_and_no_inline_script(grader_client):
    page = grader_client.get(reverse("exams:question_create", args=["multiple"])
                             ).content.decode()
    assert 'data-question-editor' in page and 'id="question-preview"' in page
    assert "exams/staff.js" in page
    assert "<script>" not in page and 'style="' not in page


@pytest.mark.parametrize("qtype,form,message", [
    ("single", {"option_0": "甲", "option_1": "乙"}, "Mark exactly one option as correct."),
    ("single", {"option_0": "甲", "correct": ["0"]}, "Give at least two options."),
    ("truefalse", {}, "Choose whether the statement is true."),
    ("fillin", {"fillin_answers": " \n "}, "Give at least one accepted answer."),
    ("case", {"criterion_0": "识别问题"}, "Give the points of this criterion."),
])
def test_bad_question_shows_errors_inline_and_saves_nothing(grader_client, qtype, form,
                                                             message):
    response = grader_client.post("/en" + reverse("exams:question_create", args=[qtype]),
                                  _question_post(qtype, **form))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Question.objects.filter(code=f"T-{qtype}").exists()


def test_editing_an_answered_question_creates_a_version(grader_client, sitting, submitted):
    question = Question.objects.get(type="single", paper_items__paper=sitting.paper)
    old = question.current_version
    data = _question_post("single", option_0="市场监督管理局", option_1="科学技术局",
                          option_2="税务局", correct=["1"], stem="修订后的题干")
    response = grader_client.post(reverse("exams:question_edit", args=[question.pk]), data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.current_version.number == 2
    assert question.current_version.stem == "修订后的题干"
    old.refresh_from_db()
    assert old.stem != "修订后的题干"
    item = submitted.items.get(question_version__question=question)
    assert item.question_version_id == old.pk

    history = grader_client.get(reverse("exams:question_history", args=[question.pk])
                                ).content.decode()
    assert "修订后的题干" in history and old.stem in history
    assert history.count("version-card") == 2


def test_editing_an_unused_question_keeps_one_version(grader_client):
    question = QuestionFactory(type="truefalse")
    data = _question_post("truefalse", truefalse_answer="false", stem="新题干")
    grader_client.post(reverse("exams:question_edit", args=[question.pk]), data)
    assert QuestionVersion.objects.filter(question=question).count() == 1
    question.refresh_from_db()
    assert question.current_version.answer is False
    assert question.code != "T-truefalse"  # the code cannot change


def test_edit_form_is_filled_from_the_current_version(grader_client):
    question = QuestionFactory(type="fillin", version__answer=[["甲", "乙"], ["丙"]])
    page = grader_client.get(reverse("exams:question_edit", args=[question.pk])
                             ).content.decode()
    assert "甲 | 乙\n丙" in page


def test_question_list_filters(grader_client):
    QuestionFactory(type="single", code="find-me", version__stem="技术评估收益法", difficulty=4,
                    tags=["tech-assessment"])
    QuestionFactory(type="truefalse", code="not-me", difficulty=1, tags=["ip"])
    url = reverse("exams:question_list")

    def codes(**params):
        page = grader_client.get(url, params).content.decode()
        return {c for c in ("find-me", "not-me") if c in page}

    assert codes() == {"find-me", "not-me"}
    assert codes(type="single") == {"find-me"}
    assert codes(difficulty=1) == {"not-me"}
    assert codes(q="收益法") == {"find-me"}
    assert codes(tag=tag("practice").pk) == {"find-me"}  # a topic's parent area finds it


def test_question_list_is_paginated_with_constant_queries(grader_client,
                                                          django_assert_max_num_queries):
    for _ in range(30):
        QuestionFactory()
    with django_assert_max_num_queries(15):
        response = grader_client.get(reverse("exams:question_list"))
    assert response.context["page"].paginator.num_pages == 2


def test_archive_and_restore(grader_client):
    question = QuestionFactory()
    url = reverse("exams:question_archive", args=[question.pk])
    assert grader_client.post(url).status_code == 302
    question.refresh_from_db()
    assert not question.is_active
    listed = grader_client.get(reverse("exams:question_list")).context["questions"]
    assert question not in listed
    grader_client.post(url, {"restore": "1"})
    question.refresh_from_db()
    assert question.is_active


def test_archive_needs_post(grader_client):
    question = QuestionFactory()
    assert grader_client.get(reverse("exams:question_archive", args=[question.pk])
                             ).status_code == 405


# --- Import ------------------------------------------------------------------------------------

def _csv(rows: list[list[str]]) -> io.BytesIO:
    header = ["题型", "题干", "选项A", "选项B", "选项C", "答案", "难度", "分值", "知识点", "评分标准"]
    lines = [",".join(header)] + [",".join(r) for r in rows]
    upload = io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))
    upload.name = "questions.csv"
    return upload


def test_import_with_bad_rows_lists_them_and_saves_nothing(grader_client):
    before = Question.objects.count()
    upload = _csv([
        ["单选", "技术合同认定登记实行？", "按地域一次登记", "分别登记", "", "A", "2", "2",
         "技术合同", ""],
        ["单选", "缺少正确答案的题", "甲", "乙", "", "", "2", "2", "技术合同", ""],
        ["判断", "专利权期限为二十年。", "", "", "", "也许", "2", "1", "知识产权", ""],
        ["案例分析", "没有评分标准的案例", "", "", "", "", "3", "10", "不存在的标签", ""],
    ])
    response = grader_client.post(reverse("exams:question_import"), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "import-errors" in page
    rows = {e.row for e in response.context["row_errors"]}
    assert rows == {3, 4, 5}
    assert Question.objects.count() == before


def test_import_of_a_correct_file_creates_every_question(grader_client, grader):
    upload = _csv([
        ["单选", "技术合同认定登记实行？", "按地域一次登记", "分别登记", "", "A", "2", "2",
         "技术合同", ""],
        ["多选", "属于技术合同的有？", "技术开发", "技术转让", "房屋租赁", "AB", "3", "3",
         "技术合同", ""],
        ["简答", "简述技术经纪人的作用。", "", "", "", "", "3", "10", "公共知识",
         "要点完整:6;表述清楚:4"],
    ])
    response = grader_client.post(reverse("exams:question_import"), {"file": upload})
    assert response.status_code == 302
    created = Question.objects.filter(created_by=grader)
    assert sorted(created.values_list("type", flat=True)) == ["multiple", "short", "single"]


def test_import_check_only_saves_nothing(grader_client):
    upload = _csv([["判断", "技术合同应当采用书面形式。", "", "", "", "对", "1", "1", "技术合同",
                    ""]])
    response = grader_client.post(reverse("exams:question_import"),
                                  {"file": upload, "check": "1"})
    assert response.status_code == 200
    assert response.context["result"].ok
    assert not Question.objects.filter(current_version__stem="技术合同应当采用书面形式。").exists()


def test_import_refuses_other_files_inline(grader_client):
    upload = io.BytesIO(b"hello")
    upload.name = "notes.txt"
    response = grader_client.post(reverse("exams:question_import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize("fmt,content_type", [
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("csv", "text/csv; charset=utf-8"),
])
def test_import_template_downloads(grader_client, fmt, content_type):
    response = grader_client.get(reverse("exams:question_import_template"), {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f"question-import-template.{fmt}" in response["Content-Disposition"]


# --- Papers ------------------------------------------------------------------------------------

def test_fixed_paper_pick_questions_set_points_and_order(grader_client, grader):
    response = grader_client.post(reverse("exams:paper_create"),
                                  {"title": "中级结业考试（A卷）", "kind": "fixed"})
    paper = Paper.objects.get(title="中级结业考试（A卷）")
    assert response.status_code == 302 and paper.created_by == grader
    url = reverse("exams:paper_detail", args=[paper.pk])
    first, second = QuestionFactory(code="pick-1"), QuestionFactory(code="pick-2")
    page = grader_client.get(url, {"q": "pick-"}).content.decode()
    assert "pick-1" in page and "pick-2" in page
    grader_client.post(url, {"action": "add", "add-questions": [first.pk, second.pk],
                             "add-points": "5"})
    items = list(paper.items.order_by("order"))
    assert [(i.question.code, i.points) for i in items] == [("pick-1", 5), ("pick-2", 5)]
    # Reorder, change points, remove one.
    a, b = items
    grader_client.post(url, {"action": "items",
                             f"items-points_{a.pk}": "4", f"items-order_{a.pk}": "2",
                             f"items-points_{b.pk}": "6", f"items-order_{b.pk}": "1"})
    assert [(i.question.code, i.points) for i in paper.items.order_by("order")] == [
        ("pick-2", 6), ("pick-1", 4)]
    b = paper.items.get(question=second)
    a = paper.items.get(question=first)
    grader_client.post(url, {"action": "items",
                             f"items-points_{a.pk}": "4", f"items-order_{a.pk}": "0",
                             f"items-points_{b.pk}": "6", f"items-order_{b.pk}": "1",
                             f"items-remove_{b.pk}": "on"})
    assert list(paper.items.values_list("question__code", flat=True)) == ["pick-1"]


def test_rule_paper_shows_available_questions_per_rule(grader_client):
    for _ in range(3):
        QuestionFactory(type="single", difficulty=2, tags=["tech-contract"])
    QuestionFactory(type="case", difficulty=4, tags=["negotiation"])
    paper = rules_paper([])
    url = reverse("exams:paper_detail", args=[paper.pk])
    response = grader_client.post(url, {
        "action": "rules", "rules-TOTAL_FORMS": "3", "rules-INITIAL_FORMS": "0",
        "rules-0-tag": tag("policy").pk, "rules-0-type": "single", "rules-0-difficulty": "2",
        "rules-0-count": "2", "rules-0-points_each": "2",
        "rules-1-tag": tag("practice").pk, "rules-1-type": "case", "rules-1-count": "1",
        "rules-1-points_each": "20",
        "rules-2-tag": "", "rules-2-count": "", "rules-2-points_each": "",
    })
    assert response.status_code == 302
    rules = list(PaperRule.objects.filter(paper=paper).order_by("order"))
    assert [(r.tag.code, r.type, r.difficulty, r.count) for r in rules] == [
        ("policy", "single", 2, 2), ("practice", "case", None, 1)]
    response = grader_client.get(url)
    available = [row["available"] for row in response.context["rule_rows"][:2]]
    assert available == [3, 1]
    assert response.context["problem"] is None


def test_rule_paper_warns_when_the_bank_is_short(grader_client):
    QuestionFactory(type="single", tags=["tech-contract"])
    paper = rules_paper([{"tag": "policy", "count": 3}])
    response = grader_client.get(reverse("exams:paper_detail", args=[paper.pk]))
    assert response.context["problem"]
    assert response.context["rule_rows"][0]["short"]


def test_rule_paper_preview_draws_a_sample(grader_client):
    for n in range(6):
        QuestionFactory(type="single", tags=["tech-contract"], version__stem=f"样题{n}")
    paper = rules_paper([{"tag": "policy", "count": 3}])
    url = reverse("exams:paper_preview", args=[paper.pk])
    first = grader_client.get(url, {"seed": 1})
    again = grader_client.get(url, {"seed": 1})
    assert len(first.context["rows"]) == 3
    assert [r["code"] for r in first.context["rows"]] == [r["code"] for r in again.context["rows"]]
    assert f'href="?seed={first.context["next_seed"]}"' in first.content.decode()


def test_a_sat_paper_cannot_change(grader_client, sitting, submitted):
    url = reverse("exams:paper_detail", args=[sitting.paper.pk])
    item = sitting.paper.items.first()
    response = grader_client.post(url, {"action": "items", f"items-points_{item.pk}": "9",
                                        f"items-order_{item.pk}": "0"}, follow=True)
    item.refresh_from_db()
    assert item.points == 2
    assert response.context["in_use"]


# --- Sittings ----------------------------------------------------------------------------------

def _sitting_post(paper, **extra):
    now = timezone.localtime()
    data = {"title": "2026年中级技术经纪人结业考试", "paper": paper.pk,
            "opens_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "90", "attempts_allowed": "1", "pass_mark": "60",
            "release_policy": "after_grading", "anonymous_grading": "on",
            "moderation_threshold": "2"}
    data.update(extra)
    return data


def test_trainer_schedules_a_sitting_for_their_cohort(grader_client, grader, questions):
    cohort = CohortFactory(trainers=[grader])
    paper = fixed_paper(questions.values())
    response = grader_client.post(reverse("exams:sitting_create"),
                                  _sitting_post(paper, cohort=cohort.pk))
    assert response.status_code == 302
    sitting = Sitting.objects.get(title="2026年中级技术经纪人结业考试")
    assert sitting.cohort == cohort and sitting.created_by == grader
    assert sitting.anonymous_grading and sitting.duration_minutes == 90
    assert list(sitting.graders.all()) == []  # the cohort's trainers grade


def test_trainer_cannot_schedule_for_another_cohort(grader_client, questions):
    other = CohortFactory()
    paper = fixed_paper(questions.values())
    response = grader_client.post(reverse("exams:sitting_create"),
                                  _sitting_post(paper, cohort=other.pk))
    assert response.status_code == 200
    assert "cohort" in response.context["form"].errors
    assert not Sitting.objects.filter(title="2026年中级技术经纪人结业考试").exists()


def test_sitting_for_a_list_of_brokers(admin_client, questions):
    brokers = [BrokerFactory(user__full_name=name) for name in ("曾国藩", "钱亚楠", "孙悦")]
    paper = fixed_paper(questions.values())
    listed = f"{brokers[0].email.upper()}\n钱亚楠, sy\n{brokers[0].full_name}"
    response = admin_client.post(reverse("exams:sitting_create"),
                                 _sitting_post(paper, further_brokers=listed))
    assert response.status_code == 302
    sitting = Sitting.objects.get(title="2026年中级技术经纪人结业考试")
    assert set(sitting.brokers.all()) == set(brokers) and sitting.cohort is None
    edit = admin_client.get(reverse("exams:sitting_edit", args=[sitting.pk]))
    assert set(edit.context["form"]["further_brokers"].value().split("\n")) \
        == {b.email for b in brokers}


def test_a_list_of_brokers_reports_each_bad_line_inline(admin_client, questions):
    BrokerFactory(user__full_name="王芳")
    BrokerFactory(user__full_name="王强")
    paper = fixed_paper(questions.values())
    response = admin_client.post(reverse("exams:sitting_create"), _sitting_post(
        paper, further_brokers="王\n赵六"))
    assert response.status_code == 200
    errors = response.context["form"].errors["further_brokers"]
    assert len(errors) == 2
    assert "王芳" in errors[0] and "王强" in errors[0] and "赵六" in errors[1]
    assert "cohort" not in response.context["form"].errors
    assert not Sitting.objects.exists()


def test_a_trainer_lists_only_brokers_of_their_cohorts(grader_client, grader, questions):
    cohort = CohortFactory(trainers=[grader])
    mine = BrokerFactory(user__full_name="李强")
    enrol(mine, cohort)
    BrokerFactory(user__full_name="李四")
    paper = fixed_paper(questions.values())
    response = grader_client.post(reverse("exams:sitting_create"), _sitting_post(
        paper, cohort=cohort.pk, further_brokers="李四"))
    assert response.status_code == 200
    assert "李四" in response.context["form"].errors["further_brokers"][0]
    response = grader_client.post(reverse("exams:sitting_create"), _sitting_post(
        paper, cohort=cohort.pk, further_brokers="李"))
    assert response.status_code == 302
    assert list(Sitting.objects.get().brokers.all()) == [mine]


def test_sitting_form_errors_are_inline(admin_client, questions):
    paper = fixed_paper(questions.values())
    data = _sitting_post(paper, further_brokers="nobody@example.test",
                         closes_at="2020-01-01T00:00", double_marking="on")
    response = admin_client.post(reverse("exams:sitting_create"), data)
    errors = response.context["form"].errors
    assert {"further_brokers", "closes_at", "graders"} <= set(errors)


def test_double_marking_with_chosen_graders(admin_client, questions):
    graders = [trainer_user(), trainer_user()]
    cohort = CohortFactory()
    paper = fixed_paper(questions.values())
    response = admin_client.post(reverse("exams:sitting_create"), _sitting_post(
        paper, cohort=cohort.pk, double_marking="on", moderation_threshold="3",
        graders=[g.pk for g in graders]))
    assert response.status_code == 302
    sitting = Sitting.objects.get(title="2026年中级技术经纪人结业考试")
    assert sitting.double_marking and sitting.moderation_threshold == 3
    assert set(sitting.graders.all()) == set(graders)


def test_edit_a_sitting(grader_client, sitting):
    url = reverse("exams:sitting_edit", args=[sitting.pk])
    page = grader_client.get(url)
    assert page.status_code == 200
    data = _sitting_post(sitting.paper, cohort=sitting.cohort.pk, title="改名后的考试",
                         pass_mark="70")
    assert grader_client.post(url, data).status_code == 302
    sitting.refresh_from_db()
    assert sitting.title == "改名后的考试" and sitting.pass_mark == 70


def test_a_listed_grader_edits_a_sitting_of_a_cohort_they_do_not_teach(login, sitting):
    outsider = trainer_user()
    sitting.graders.add(outsider)
    client = login(outsider)
    data = _sitting_post(sitting.paper, cohort=sitting.cohort.pk, graders=[outsider.pk],
                         title="外聘阅卷教师修改")
    response = client.post(reverse("exams:sitting_edit", args=[sitting.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    sitting.refresh_from_db()
    assert sitting.title == "外聘阅卷教师修改"


def test_dashboard_shows_progress_and_hides_names_until_release(grader_client, sitting,
                                                                 candidate, submitted):
    url = reverse("exams:sitting_dashboard", args=[sitting.pk])
    page = grader_client.get(url).content.decode()
    assert 'data-progress="' in page
    assert submitted.code in page
    assert candidate.full_name not in page and candidate.email not in page
    assert 'data-confirm="' in page  # release asks first
    Attempt.objects.filter(pk=submitted.pk).update(status=Attempt.Status.RELEASED,
                                                   released_at=timezone.now())
    assert candidate.full_name in grader_client.get(url).content.decode()


def test_dashboard_shows_names_when_grading_is_not_anonymous(grader_client, sitting,
                                                             candidate, submitted):
    Sitting.objects.filter(pk=sitting.pk).update(anonymous_grading=False)
    page = grader_client.get(reverse("exams:sitting_dashboard", args=[sitting.pk])
                             ).content.decode()
    assert candidate.full_name in page


def test_dashboard_counts_attempts(grader_client, sitting, submitted):
    late = enrolled_broker(sitting)
    start(sitting, late)
    response = grader_client.get(reverse("exams:sitting_dashboard", args=[sitting.pk]))
    context = response.context
    assert (context["candidates"], context["started"], context["submitted"]) == (2, 2, 1)
    assert context["progress"]["answers_pending"] == 2


def test_dashboard_is_a_constant_number_of_queries(grader_client, sitting,
                                                   django_assert_max_num_queries):
    for _ in range(6):
        sat(sitting, enrolled_broker(sitting), RIGHT)
    with django_assert_max_num_queries(25):
        assert grader_client.get(reverse("exams:sitting_dashboard", args=[sitting.pk])
                                 ).status_code == 200


def test_attempt_page_of_an_anonymous_sitting_shows_the_code(grader_client, sitting,
                                                             candidate, submitted):
    page = grader_client.get(reverse("exams:staff_attempt", args=[submitted.pk])
                             ).content.decode()
    assert submitted.code in page and ESSAYS[5] in page
    assert candidate.full_name not in page and candidate.email not in page


# --- Item statistics ---------------------------------------------------------------------------

def test_statistics_flag_questions_nobody_got_right(grader_client, sitting):
    for _ in range(5):
        sat(sitting, enrolled_broker(sitting), {0: "A", 1: ["A", "B", "D"], 2: True,
                                                3: ["外观设计"]})
    response = grader_client.get(reverse("exams:sitting_statistics", args=[sitting.pk]))
    assert response.status_code == 200
    rows = {r["stat"].type: r for r in response.context["rows"]}
    assert rows["single"]["nobody_right"]
    assert not rows["truefalse"]["nobody_right"]
    bars = {b["key"]: b for b in rows["single"]["distractors"]}
    assert bars["A"]["count"] == 5 and bars["A"]["percent"] == 100
    assert bars["B"]["correct"] and bars["B"]["count"] == 0
    page = response.content.decode()
    assert 'data-flagged="nobody_right"' in page and 'data-progress="100"' in page


def test_statistics_flag_negative_discrimination(grader_client, questions):
    single = questions[QuestionType.SINGLE]
    other = QuestionFactory(type="truefalse")
    sitting = SittingFactory(paper=fixed_paper([single, other, *[
        QuestionFactory(type="truefalse") for _ in range(3)]], points=2))
    sitting.cohort.trainers.add(UserFactory(roles=["trainer"]))
    # Strong examinees get the single-choice question wrong, weak ones right.
    for strong in (True,) * 3 + (False,) * 3:
        values = {0: "A" if strong else "B", **{p: strong for p in range(1, 5)}}
        sat(sitting, enrolled_broker(sitting), values)
    admin = UserFactory(roles=["admin"])
    from tests.factories import totp_enrol

    totp_enrol(admin)
    grader_client.force_login(admin)
    response = grader_client.get(reverse("exams:sitting_statistics", args=[sitting.pk]))
    row = next(r for r in response.context["rows"] if r["stat"].question_id == single.pk)
    assert row["negative"]
    assert "stat-flag-danger" in response.content.decode()


def test_statistics_of_a_sitting_nobody_sat(grader_client, sitting):
    response = grader_client.get(reverse("exams:sitting_statistics", args=[sitting.pk]))
    assert response.status_code == 200 and response.context["rows"] == []


def test_broker_is_refused_everywhere(login, sitting, candidate, submitted):
    client = login(candidate)
    for url in (reverse("exams:question_list"), reverse("exams:sitting_list"),
                reverse("exams:sitting_dashboard", args=[sitting.pk]),
                reverse("exams:grading_queue")):
        assert client.get(url).status_code == 403
