"""Release of results, the result_released signal, regrades with audit, result selectors."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from academy.audit.models import AuditEvent
from academy.audit.selectors import audit_chain_verify
from academy.errors import ApplicationError
from exams.models import Attempt, QuestionType, ScoreChange, Sitting
from exams.selectors import attempt_breakdown, attempt_review, best_results, results_for_user
from exams.services import result_released
from exams.services.grading import answer_regrade, mark_submit
from exams.services.release import attempt_release, sitting_release
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    sat,
    trainer_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def receiver(sender, attempt, regraded=False, **kwargs):
        calls.append((attempt.pk, regraded))

    result_released.connect(receiver, weak=False)
    yield calls
    result_released.disconnect(receiver)


@pytest.fixture
def objective_sitting(questions, grader):
    paper = fixed_paper([questions[t] for t in ("single", "multiple", "truefalse", "fillin")],
                        points=5)
    sitting = SittingFactory(paper=paper, release_policy=Sitting.ReleasePolicy.IMMEDIATE)
    sitting.cohort.trainers.add(grader)
    return sitting


def test_objective_paper_with_immediate_policy_is_released_at_submit(
        objective_sitting, received, django_capture_on_commit_callbacks):
    broker = enrolled_broker(objective_sitting)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = sat(objective_sitting, broker, ["B", ["A", "B", "D"], True, ["错"]])
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.RELEASED
    assert attempt.released_at is not None
    assert attempt.score == 15 and attempt.percent == Decimal("75.00") and attempt.passed
    assert received == [(attempt.pk, False)]
    assert AuditEvent.objects.filter(action="exams.result_released",
                                     subject_id=str(attempt.pk)).count() == 1


def test_after_grading_policy_waits_for_a_trainer(objective_sitting, grader, received,
                                                  django_capture_on_commit_callbacks):
    objective_sitting.release_policy = Sitting.ReleasePolicy.AFTER_GRADING
    objective_sitting.save()
    broker = enrolled_broker(objective_sitting)
    attempt = sat(objective_sitting, broker, ["B"])
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert list(results_for_user(broker)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert sitting_release(sitting=objective_sitting, actor=grader) == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.RELEASED
    assert received == [(attempt.pk, False)]
    assert list(results_for_user(broker)) == [attempt]
    # releasing again changes nothing
    assert sitting_release(sitting=objective_sitting, actor=grader) == 0
    assert attempt_release(attempt_id=attempt.pk, actor=grader).released_at == \
        attempt.released_at


def test_only_graders_and_admins_release(objective_sitting, admin_user):
    objective_sitting.release_policy = Sitting.ReleasePolicy.AFTER_GRADING
    objective_sitting.save()
    attempt = sat(objective_sitting, enrolled_broker(objective_sitting), ["B"])
    with pytest.raises(PermissionDenied):
        attempt_release(attempt_id=attempt.pk, actor=trainer_user())
    with pytest.raises(PermissionDenied):
        sitting_release(sitting=objective_sitting, actor=attempt.user)
    assert attempt_release(attempt_id=attempt.pk, actor=admin_user).status == "released"


def test_an_attempt_waiting_for_marks_cannot_be_released(sitting, candidate, grader):
    attempt = sat(sitting, candidate, {4: "答案"})
    with pytest.raises(ApplicationError):
        attempt_release(attempt_id=attempt.pk, actor=grader)
    assert sitting_release(sitting=sitting, actor=grader) == 0


def test_immediate_policy_releases_when_the_last_mark_is_in(sitting, candidate, grader,
                                                             received,
                                                             django_capture_on_commit_callbacks):
    sitting.release_policy = Sitting.ReleasePolicy.IMMEDIATE
    sitting.save()
    attempt = sat(sitting, candidate, {0: "B", 4: "答案"})
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED
    essay = attempt.answers.get(item__position=4)
    with django_capture_on_commit_callbacks(execute=True):
        mark_submit(answer_id=essay.pk, grader=grader, criteria=[4, 3, 3])
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.RELEASED
    assert attempt.score == 4
    assert received == [(attempt.pk, False)]


# --- regrade -------------------------------------------------------------------------------------


@pytest.fixture
def released(objective_sitting):
    broker = enrolled_broker(objective_sitting)
    attempt = sat(objective_sitting, broker, ["B", ["A"], True, ["错"]])  # 5+0+5+0 = 10/20
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.RELEASED and attempt.passed is False
    return attempt


def test_regrade_of_a_released_score_needs_a_reason(released, grader):
    answer = released.answers.get(item__position=3)
    with pytest.raises(ApplicationError):
        answer_regrade(answer_id=answer.pk, score=5, reason="  ", actor=grader)
    assert not ScoreChange.objects.exists()


def test_regrade_writes_score_change_and_audit_and_resends_signal(
        released, grader, received, django_capture_on_commit_callbacks):
    answer = released.answers.get(item__position=3)
    with django_capture_on_commit_callbacks(execute=True):
        answer_regrade(answer_id=answer.pk, score=5, reason="“外观设计”的同义表述应得分",
                       actor=grader)
    released.refresh_from_db()
    assert released.score == 15 and released.passed is True
    assert released.status == Attempt.Status.RELEASED
    change = ScoreChange.objects.get()
    assert (change.old, change.new, change.changed_by, change.answer) == (
        Decimal("0"), Decimal("5"), grader, answer)
    event = AuditEvent.objects.get(action="exams.score_changed")
    assert event.person_id == released.user_id
    assert event.actor_id == grader.pk
    assert event.before["score"] == "10.00" and event.before["passed"] is False
    assert event.after["score"] == "15.00" and event.after["passed"] is True
    assert event.after["reason"] == "“外观设计”的同义表述应得分"
    assert received == [(released.pk, True)]
    assert audit_chain_verify().ok


def test_regrade_outside_the_points_is_refused(released, grader):
    answer = released.answers.get(item__position=0)
    with pytest.raises(ApplicationError):
        answer_regrade(answer_id=answer.pk, score=6, reason="x", actor=grader)


def test_regrade_by_someone_not_grading_is_refused(released):
    answer = released.answers.get(item__position=0)
    with pytest.raises(PermissionDenied):
        answer_regrade(answer_id=answer.pk, score=0, reason="x", actor=trainer_user())


# --- selectors -----------------------------------------------------------------------------------


def test_best_results_gives_the_best_released_percent_per_paper(objective_sitting,
                                                                django_assert_num_queries):
    objective_sitting.attempts_allowed = 3
    objective_sitting.save()
    broker = enrolled_broker(objective_sitting)
    other = enrolled_broker(objective_sitting)
    sat(objective_sitting, broker, ["A"])                               # 0%
    best = sat(objective_sitting, broker, ["B", ["A", "B", "D"], True])  # 75%
    sat(objective_sitting, broker, ["B"])                               # 25%
    with django_assert_num_queries(1):
        results = best_results([broker.pk, other.pk])
    paper_id = objective_sitting.paper_id
    assert results == {broker.pk: {paper_id: {
        "percent": Decimal("75.00"), "passed": True, "attempt_id": best.pk,
        "sitting_id": objective_sitting.pk,
        "released_at": Attempt.objects.get(pk=best.pk).released_at}}}


def test_best_results_ignores_unreleased_attempts(objective_sitting):
    objective_sitting.release_policy = Sitting.ReleasePolicy.AFTER_GRADING
    objective_sitting.save()
    broker = enrolled_broker(objective_sitting)
    sat(objective_sitting, broker, ["B"])
    assert best_results([broker.pk]) == {}


def test_breakdown_per_course_area(questions):
    contract = QuestionFactory(type=QuestionType.SINGLE, tags=["tech-contract"])  # policy
    ip = QuestionFactory(type=QuestionType.SINGLE, tags=["ip"])                   # general
    finance = QuestionFactory(type=QuestionType.SINGLE, tags=["tech-finance"])    # advanced
    sitting = SittingFactory(paper=fixed_paper([contract, ip, finance], points=10))
    attempt = sat(sitting, enrolled_broker(sitting), ["B", "A", "B"])
    rows = {row.area_name: (row.score, row.max_score, row.percent)
            for row in attempt_breakdown(attempt)}
    assert rows == {
        "公共知识": (Decimal("0"), Decimal("10"), Decimal("0.00")),
        "政策法规": (Decimal("10"), Decimal("10"), Decimal("100.00")),
        "能力提升": (Decimal("10"), Decimal("10"), Decimal("100.00")),
    }
    assert [row.area_name for row in attempt_breakdown(attempt)] == ["公共知识", "政策法规",
                                                                      "能力提升"]


def test_review_shows_answers_only_after_release_and_if_allowed(objective_sitting):
    broker = enrolled_broker(objective_sitting)
    objective_sitting.release_policy = Sitting.ReleasePolicy.AFTER_GRADING
    objective_sitting.save()
    attempt = sat(objective_sitting, broker, ["B"])
    attempt.refresh_from_db()
    assert attempt_review(attempt, viewer=broker) == []          # not released yet
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.RELEASED)
    attempt.refresh_from_db()
    review = attempt_review(attempt, viewer=broker)
    assert review[0]["value"] == "B" and review[0]["score"] == 5
    assert "answer" not in review[0]                           # sitting hides the key
    assert attempt_review(attempt, viewer=enrolled_broker(objective_sitting)) == []
    objective_sitting.show_answers = True
    objective_sitting.save()
    attempt.refresh_from_db()
    review = attempt_review(attempt, viewer=broker)
    assert review[0]["answer"] == "B" and "explanation" in review[0]
