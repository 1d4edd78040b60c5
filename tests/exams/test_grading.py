"""Grading: every objective type, fill-in normalisation, marks, double marking, anonymity."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from academy.errors import ApplicationError
from exams.models import Answer, Attempt, Mark, QuestionType, Scoring
from exams.selectors import grader_backlog, grading_entry, grading_queue
from exams.services.grading import mark_submit
from exams.services.scoring import fillin_normalise, score_objective
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    sat,
    trainer_user,
)

pytestmark = pytest.mark.django_db

P = Decimal("4")


def score(type, key, value, scoring=Scoring.ALL_OR_NOTHING, points=P):
    return score_objective(type=type, key=key, scoring=scoring, value=value, points=points)


# --- objective types --------------------------------------------------------------------------


@pytest.mark.parametrize("value,expected", [
    ("B", P), (["B"], P), ("A", 0), (["A", "B"], 0), (None, 0), ("", 0), (7, 0),
])
def test_single_choice(value, expected):
    assert score(QuestionType.SINGLE, "B", value) == expected


@pytest.mark.parametrize("value,expected", [
    (["A", "B", "D"], P), (["D", "A", "B"], P), (["A", "B"], 0), (["A", "B", "C", "D"], 0),
    ([], 0), (None, 0),
])
def test_multiple_choice_all_or_nothing(value, expected):
    assert score(QuestionType.MULTIPLE, ["A", "B", "D"], value) == expected


@pytest.mark.parametrize("value,expected", [
    (["A", "B", "D"], Decimal("4")),          # all right
    (["A", "B"], Decimal("2.67")),            # 2 of 3 right, none wrong
    (["A"], Decimal("1.33")),
    (["A", "B", "C"], Decimal("1.33")),       # 2 right − 1 wrong = 1 of 3
    (["A", "B", "C", "D"], Decimal("2.67")),  # 3 right − 1 wrong = 2 of 3
    (["A", "C"], Decimal("0")),               # 1 − 1 = 0
    (["C"], Decimal("0")),                    # floored at 0, never negative
    ([], Decimal("0")),
])
def test_multiple_choice_partial_credit_is_right_minus_wrong_floored(value, expected):
    assert score(QuestionType.MULTIPLE, ["A", "B", "D"], value, Scoring.PARTIAL) == expected


@pytest.mark.parametrize("value,expected", [
    (True, P), (False, 0), ("true", P), (None, 0), ("maybe", 0),
])
def test_true_false(value, expected):
    assert score(QuestionType.TRUEFALSE, True, value) == expected


@pytest.mark.parametrize("text,expected", [
    ("ＡＢＣ１２３", "abc123"),                 # full-width letters and digits
    ("  外观设计。 ", "外观设计"),               # spaces and Chinese full stop at the end
    ("“外观设计”", "外观设计"),                  # Chinese quotation marks
    ("(Patent)!", "patent"),
    ("外观 设计", "外观设计"),                   # space between Chinese characters
    ("New   York", "new york"),
    ("Straße", "strasse"),                      # casefold
    ("　外观设计　", "外观设计"),                  # ideographic spaces
])
def test_fillin_normalisation(text, expected):
    assert fillin_normalise(text) == expected


@pytest.mark.parametrize("value,expected", [
    (["外观设计"], P), ("外观设计", P), (["外观设计专利。"], P), (["ＷＡＩＧＵＡＮ"], 0),
    ([" 外观 设计 "], P), (["实用新型"], 0), ([""], 0), (None, 0),
])
def test_fillin_single_blank_accepts_alternatives(value, expected):
    assert score(QuestionType.FILLIN, ["外观设计", "外观设计专利"], value) == expected


def test_fillin_full_width_latin_matches():
    assert score(QuestionType.FILLIN, ["ABC"], ["ａｂｃ"]) == P


def test_fillin_several_blanks_partial_and_all_or_nothing():
    key = [["甲"], ["乙", "B"], ["丙"], ["丁"]]
    assert score(QuestionType.FILLIN, key, ["甲", "ｂ", "x", "丁"], Scoring.PARTIAL) == 3
    assert score(QuestionType.FILLIN, key, ["甲", "ｂ", "x", "丁"]) == 0
    assert score(QuestionType.FILLIN, key, ["甲", "乙", "丙", "丁"]) == P
    assert score(QuestionType.FILLIN, key, ["甲"], Scoring.PARTIAL) == 1  # missing blanks


def test_submit_grades_every_objective_type(sitting, candidate):
    attempt = sat(sitting, candidate, ["B", ["A", "B", "D"], True, ["外观设计专利"]])
    answers = {a.item.position: a for a in attempt.answers.select_related("item")}
    assert [answers[i].auto_score for i in range(4)] == [2, 2, 2, 2]
    assert answers[4].grading_status == Answer.GradingStatus.GRADED  # blank essay: 0
    assert answers[4].final_score == 0
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == 8 and attempt.max_score == 12
    assert attempt.passed is True  # 66.67% ≥ 60


def test_wrong_answers_score_zero_and_fail(sitting, candidate):
    attempt = sat(sitting, candidate, ["A", ["C"], False, ["实用新型"]])
    attempt.refresh_from_db()
    assert attempt.score == 0
    assert attempt.passed is False


# --- people's marks ------------------------------------------------------------------------------


@pytest.fixture
def essay_attempt(sitting, candidate):
    """A submitted attempt with answered short and case questions (positions 4 and 5)."""
    return sat(sitting, candidate, {0: "B", 4: "技术经纪人连接供需双方……", 5: "采用普通许可……"})


def essays(attempt):
    return list(attempt.answers.filter(item__position__in=[4, 5]).order_by("item__position"))


def test_answered_essays_wait_in_the_cohort_trainers_queue(essay_attempt, grader):
    attempt = Attempt.objects.get(pk=essay_attempt.pk)
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score is None
    queue = grading_queue(grader=grader)
    assert [e.position for e in queue] == [4, 5]
    assert all(e.round == 1 for e in queue)
    assert grader_backlog(grader=grader)[0]["waiting"] == 2


def test_other_trainers_do_not_see_the_queue(essay_attempt):
    stranger = trainer_user()
    assert grading_queue(grader=stranger) == []
    with pytest.raises(PermissionDenied):
        mark_submit(answer_id=essays(essay_attempt)[0].pk, grader=stranger, criteria=[4, 3, 3])


def test_listed_graders_replace_the_cohort_trainers(sitting, candidate, grader):
    listed = trainer_user()
    sitting.graders.set([listed])
    attempt = sat(sitting, candidate, {4: "答案"})
    assert grading_queue(grader=grader) == []
    assert len(grading_queue(grader=listed)) == 1
    assert attempt


def test_rubric_marks_give_the_score_and_finish_grading(essay_attempt, grader):
    short, case = essays(essay_attempt)
    mark = mark_submit(answer_id=short.pk, grader=grader, criteria=[4, 2, 1],
                       comment="要点基本齐全")
    # rubric total 10, item worth 2 points: 7/10 × 2
    assert mark.score == Decimal("1.40")
    assert mark.round == Mark.Round.FIRST
    assert mark.criteria[1] == {"criterion": "引用相关法规", "points": 3.0, "score": 2.0}
    short.refresh_from_db()
    assert short.final_score == Decimal("1.40")
    mark_submit(answer_id=case.pk, grader=grader,
                criteria=[{"criterion": "识别关键问题", "score": 4},
                          {"criterion": "提出可行方案", "score": 3},
                          {"criterion": "引用相关法规", "score": 3}])
    attempt = Attempt.objects.get(pk=essay_attempt.pk)
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == Decimal("2") + Decimal("1.40") + Decimal("2")
    assert grading_queue(grader=grader) == []


@pytest.mark.parametrize("criteria", [[5, 0, 0], [4, 3], [-1, 0, 0], ["x", 1, 1], None])
def test_criterion_scores_must_fit_the_rubric(essay_attempt, grader, criteria):
    with pytest.raises(ApplicationError):
        mark_submit(answer_id=essays(essay_attempt)[0].pk, grader=grader, criteria=criteria)
    assert not Mark.objects.exists()


def test_marking_twice_is_refused(essay_attempt, grader):
    answer = essays(essay_attempt)[0]
    mark_submit(answer_id=answer.pk, grader=grader, criteria=[1, 1, 1])
    with pytest.raises(ApplicationError):
        mark_submit(answer_id=answer.pk, grader=grader, criteria=[4, 3, 3])


def test_objective_answers_cannot_be_marked(essay_attempt, grader):
    objective = essay_attempt.answers.get(item__position=0)
    with pytest.raises(ApplicationError):
        mark_submit(answer_id=objective.pk, grader=grader, criteria=[1, 1, 1])


# --- anonymity -----------------------------------------------------------------------------------


def _text_of(entry):
    return repr(entry.__dict__)


def test_anonymous_grading_shows_only_the_answer_code(essay_attempt, grader, candidate):
    for entry in grading_queue(grader=grader) + [
            grading_entry(answer_id=essays(essay_attempt)[0].pk, grader=grader)]:
        assert entry.attempt_code == essay_attempt.code
        assert entry.broker_name is None
        text = _text_of(entry)
        assert candidate.full_name not in text
        assert candidate.email not in text
        assert "user" not in {k.lower() for k in entry.__dict__}
        assert not hasattr(entry, "attempt_id")


def test_named_grading_shows_the_broker(sitting, candidate, grader):
    sitting.anonymous_grading = False
    sitting.save()
    sat(sitting, candidate, {4: "答案"})
    assert grading_queue(grader=grader)[0].broker_name == candidate.full_name


# --- double marking and moderation --------------------------------------------------------------


@pytest.fixture
def double_marked(questions):
    graders = [trainer_user() for _ in range(3)]
    essay = QuestionFactory(type=QuestionType.CASE)
    sitting = SittingFactory(paper=fixed_paper([questions["single"], essay], points=10),
                             double_marking=True, moderation_threshold=Decimal("2"),
                             graders=graders)
    broker = enrolled_broker(sitting)
    attempt = sat(sitting, broker, {0: "B", 1: "案例分析答案"})
    answer = attempt.answers.get(item__position=1)
    return sitting, attempt, answer, graders


def test_two_close_marks_give_the_mean(double_marked):
    _sitting, attempt, answer, (first, second, third) = double_marked
    mark_submit(answer_id=answer.pk, grader=first, criteria=[4, 3, 3])   # 10
    answer.refresh_from_db()
    assert answer.grading_status == Answer.GradingStatus.PENDING
    assert answer.final_score is None
    # the first grader no longer sees it; the others do, as round 2
    assert grading_queue(grader=first) == []
    assert grading_queue(grader=second)[0].round == 2
    mark_submit(answer_id=answer.pk, grader=second, criteria=[4, 2, 3])  # 9
    answer.refresh_from_db()
    assert answer.grading_status == Answer.GradingStatus.GRADED
    assert answer.final_score == Decimal("9.50")
    assert grading_queue(grader=third) == []
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == Decimal("19.50")


def test_marks_apart_by_more_than_the_threshold_go_to_moderation(double_marked):
    _sitting, attempt, answer, (first, second, third) = double_marked
    mark_submit(answer_id=answer.pk, grader=first, criteria=[4, 3, 3])   # 10
    mark_submit(answer_id=answer.pk, grader=second, criteria=[2, 1, 2])  # 5
    answer.refresh_from_db()
    assert answer.grading_status == Answer.GradingStatus.MODERATION
    assert answer.final_score is None
    assert grading_queue(grader=first) == [] and grading_queue(grader=second) == []
    entry = grading_queue(grader=third)[0]
    assert entry.round == 3
    assert sorted(m["score"] for m in entry.marks) == [Decimal("5"), Decimal("10")]
    mark = mark_submit(answer_id=answer.pk, grader=third, criteria=[3, 2, 2])  # 7
    assert mark.round == Mark.Round.MODERATION
    answer.refresh_from_db()
    assert answer.final_score == Decimal("7")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == Decimal("17")


def test_difference_equal_to_threshold_is_not_moderated(double_marked):
    _sitting, _attempt, answer, (first, second, _third) = double_marked
    mark_submit(answer_id=answer.pk, grader=first, criteria=[4, 3, 3])   # 10
    mark_submit(answer_id=answer.pk, grader=second, criteria=[4, 3, 1])  # 8
    answer.refresh_from_db()
    assert answer.final_score == Decimal("9")


def test_double_marking_needs_two_graders(questions):
    from exams.services.papers import sitting_create

    sitting = SittingFactory.build(paper=fixed_paper([questions["short"]]))
    with pytest.raises(ApplicationError):
        sitting_create(paper=sitting.paper, title="t", opens_at=sitting.opens_at,
                       closes_at=sitting.closes_at, duration_minutes=30, created_by=None,
                       cohort=SittingFactory().cohort, graders=[trainer_user()],
                       double_marking=True)


def test_a_cohort_trainer_who_lost_the_trainer_role_no_longer_grades(essay_attempt, grader):
    from academy.people.services import user_set_roles

    user_set_roles(user=grader, roles=[])
    grader.refresh_from_db()
    assert grading_queue(grader=grader) == []
    with pytest.raises(PermissionDenied):
        mark_submit(answer_id=essays(essay_attempt)[0].pk, grader=grader, criteria=[1, 1, 1])
