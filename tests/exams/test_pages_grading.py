"""The grading pages: backlog, one answer at a time (anonymous), moderation, release, regrade.

Fixtures from tests/exams/conftest.py: ``sitting`` (open, one question of each type at 2
points, anonymous grading, released by a trainer, for a cohort taught by ``grader``) and
``candidate`` (a broker of that cohort).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from academy.audit.models import AuditEvent
from exams.demo import FINAL_SITTING
from exams.models import Answer, Attempt, Mark, QuestionType, ScoreChange, Sitting
from tests.exams.factories import (
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    sat,
    trainer_user,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ESSAYS = {4: "技术经纪人促成供需对接，提供评估与谈判服务。", 5: "建议采用普通许可：入门费加销售提成。"}
RIGHT = {0: "B", 1: ["A", "B", "D"], 2: True, 3: ["外观设计"], **ESSAYS}
FULL = {"c0": "4", "c1": "3", "c2": "3"}  # the factories' rubric: 4 + 3 + 3 points


@pytest.fixture
def login(client, mfa_enrolled):
    def as_user(user):
        if not user.groups.filter(name="broker").exists():
            mfa_enrolled(user)
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def grader_client(login, grader):
    return login(grader)


@pytest.fixture
def submitted(sitting, candidate):
    return sat(sitting, candidate, RIGHT)


def essays(attempt) -> list[Answer]:
    return list(attempt.answers.filter(
        item__question_version__question__type__in=list(QuestionType.subjective()))
        .order_by("item__position"))


# --- The queue ---------------------------------------------------------------------------------

def test_backlog_lists_my_sittings_with_progress(grader_client, sitting, submitted):
    response = grader_client.get(reverse("exams:grading_queue"))
    assert response.status_code == 200
    assert response.context["total_waiting"] == 2
    row = next(r for r in response.context["rows"] if r["sitting"] == sitting)
    assert row["waiting"] == 2
    assert row["progress"] == {"total": 2, "graded": 0, "moderation": 0, "percent": 0}
    page = response.content.decode()
    assert submitted.code in page and 'data-progress="0"' in page


def test_backlog_of_a_trainer_with_nothing_to_grade(login):
    response = login(trainer_user()).get(reverse("exams:grading_queue"))
    assert response.status_code == 200
    assert response.context["rows"] == [] and response.context["entries"] == []


def test_next_opens_the_oldest_waiting_answer(grader_client, submitted):
    response = grader_client.get(reverse("exams:grading_next"))
    first = essays(submitted)[0]
    assert response.status_code == 302
    assert response.url == reverse("exams:grading_answer", args=[first.pk])


def test_next_with_nothing_left_goes_back_to_the_queue(grader_client, sitting):
    response = grader_client.get(reverse("exams:grading_next"))
    assert response.url == reverse("exams:grading_queue")
    response = grader_client.get(reverse("exams:grading_next"), {"sitting": sitting.pk})
    assert response.url == reverse("exams:sitting_dashboard", args=[sitting.pk])


# --- One answer --------------------------------------------------------------------------------

def test_grading_page_shows_the_answer_code_and_never_the_broker(grader_client, submitted,
                                                                 candidate):
    essay = essays(submitted)[1]
    response = grader_client.get(reverse("exams:grading_answer", args=[essay.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert submitted.code in page and ESSAYS[5] in page
    assert candidate.full_name not in page
    assert candidate.email not in page
    assert candidate.email.split("@")[0] not in page
    assert "识别关键问题" in page  # the rubric
    assert 'max="4"' in page and "data-criterion-input" in page


def test_named_grading_shows_the_broker(grader_client, sitting, submitted, candidate):
    Sitting.objects.filter(pk=sitting.pk).update(anonymous_grading=False)
    essay = essays(submitted)[0]
    page = grader_client.get(reverse("exams:grading_answer", args=[essay.pk])).content.decode()
    assert candidate.full_name in page


def test_save_and_next_records_the_mark_and_moves_on(grader_client, grader, sitting,
                                                     submitted):
    first, second = essays(submitted)
    url = reverse("exams:grading_answer", args=[first.pk]) + f"?sitting={sitting.pk}"
    response = grader_client.post(url, {"c0": "3", "c1": "2.5", "c2": "1", "comment": "要点基本齐全"})
    assert response.status_code == 302
    assert response.url == reverse("exams:grading_next") + f"?sitting={sitting.pk}"
    mark = Mark.objects.get(answer=first)
    assert (mark.grader, mark.score, mark.comment) == (grader, Decimal("1.30"), "要点基本齐全")
    assert [c["score"] for c in mark.criteria] == [3, 2.5, 1]
    follow = grader_client.get(response.url)
    assert follow.url.startswith(reverse("exams:grading_answer", args=[second.pk]))


def test_a_criterion_above_its_points_is_refused_inline(grader_client, submitted):
    essay = essays(submitted)[0]
    response = grader_client.post(reverse("exams:grading_answer", args=[essay.pk]),
                                  {"c0": "5", "c1": "3", "c2": "-1"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"c0", "c2"}
    assert "is-invalid" in response.content.decode()
    assert not Mark.objects.filter(answer=essay).exists()


def test_a_marked_answer_cannot_be_marked_twice(grader_client, submitted):
    essay = essays(submitted)[0]
    url = reverse("exams:grading_answer", args=[essay.pk])
    grader_client.post(url, FULL)
    response = grader_client.get(url)
    assert response.context["waiting"] is False
    grader_client.post(url, {"c0": "0", "c1": "0", "c2": "0"})
    assert Mark.objects.filter(answer=essay).count() == 1
    assert Answer.objects.get(pk=essay.pk).final_score == Decimal("2.00")


def test_a_trainer_who_does_not_grade_the_sitting_is_refused(login, submitted):
    essay = essays(submitted)[0]
    client = login(trainer_user())
    assert client.get(reverse("exams:grading_answer", args=[essay.pk])).status_code == 403
    assert client.post(reverse("exams:grading_answer", args=[essay.pk]), FULL
                       ).status_code == 403
    assert not Mark.objects.exists()


def test_an_objective_answer_has_no_grading_page(grader_client, submitted):
    objective = submitted.answers.get(item__position=0)
    assert grader_client.get(reverse("exams:grading_answer", args=[objective.pk])
                             ).status_code == 404


# --- Release and results -----------------------------------------------------------------------

def _grade_all(client, attempt):
    for essay in essays(attempt):
        response = client.post(reverse("exams:grading_answer", args=[essay.pk]), FULL)
        assert response.status_code == 302


def test_grading_then_release_shows_the_broker_the_result(grader_client, login, sitting,
                                                          submitted, candidate):
    _grade_all(grader_client, submitted)
    submitted.refresh_from_db()
    assert submitted.status == Attempt.Status.GRADED
    dashboard = grader_client.get(reverse("exams:sitting_dashboard", args=[sitting.pk]))
    assert dashboard.context["progress"]["attempts_graded"] == 1
    response = grader_client.post(reverse("exams:sitting_release", args=[sitting.pk]))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Attempt.Status.RELEASED
    assert (submitted.score, submitted.max_score, submitted.passed) == (
        Decimal("12.00"), Decimal("12.00"), True)

    broker = login(candidate)
    results = broker.get(reverse("api-exams-my-results")).json()
    rows = results["results"] if isinstance(results, dict) and "results" in results else results
    assert any(Decimal(str(r["score"])) == Decimal("12") for r in rows)
    page = broker.get(reverse("exams:result", args=[submitted.pk]))
    assert page.status_code == 200
    assert "12" in page.content.decode()


def test_release_waits_for_grading(grader_client, sitting, submitted):
    grader_client.post(reverse("exams:sitting_release", args=[sitting.pk]))
    submitted.refresh_from_db()
    assert submitted.status == Attempt.Status.SUBMITTED


def test_release_needs_post(grader_client, sitting):
    assert grader_client.get(reverse("exams:sitting_release", args=[sitting.pk])
                             ).status_code == 405


# --- Double marking and moderation -------------------------------------------------------------

@pytest.fixture
def double_marked(questions):
    first, second, third = trainer_user(), trainer_user(), trainer_user()
    sitting = SittingFactory(paper=fixed_paper(questions.values(), points=2),
                             double_marking=True, moderation_threshold=Decimal("0.5"),
                             graders=[first, second, third])
    attempt = sat(sitting, enrolled_broker(sitting), RIGHT)
    return sitting, attempt, (first, second, third)


def test_far_apart_marks_go_to_the_moderation_queue(login, double_marked):
    sitting, attempt, (first, second, third) = double_marked
    essay = essays(attempt)[0]
    url = reverse("exams:grading_answer", args=[essay.pk])
    assert login(first).post(url, FULL).status_code == 302
    assert login(second).post(url, {"c0": "0", "c1": "0", "c2": "0"}).status_code == 302
    essay.refresh_from_db()
    assert essay.grading_status == Answer.GradingStatus.MODERATION

    client = login(third)
    queue = client.get(reverse("exams:moderation_queue"))
    assert [e.answer_id for e in queue.context["entries"]] == [essay.pk]
    shown = client.get(url).context["entry"].marks
    assert sorted(m["score"] for m in shown) == [Decimal("0.00"), Decimal("2.00")]
    client.post(url, {"c0": "2", "c1": "1", "c2": "1"})
    essay.refresh_from_db()
    assert essay.grading_status == Answer.GradingStatus.GRADED
    assert essay.final_score == Decimal("0.80")
    assert Mark.objects.get(answer=essay, grader=third).round == Mark.Round.MODERATION
    assert client.get(reverse("exams:moderation_queue")).context["entries"] == []


def test_moderation_page_never_shows_the_broker(login, double_marked):
    sitting, attempt, (first, second, third) = double_marked
    essay = essays(attempt)[0]
    url = reverse("exams:grading_answer", args=[essay.pk])
    login(first).post(url, FULL)
    login(second).post(url, {"c0": "0", "c1": "0", "c2": "0"})
    page = login(third).get(url).content.decode()
    assert attempt.code in page
    assert attempt.user.full_name not in page and attempt.user.email not in page


# --- Regrade -----------------------------------------------------------------------------------

@pytest.fixture
def released(grader_client, sitting, submitted):
    _grade_all(grader_client, submitted)
    grader_client.post(reverse("exams:sitting_release", args=[sitting.pk]))
    submitted.refresh_from_db()
    assert submitted.status == Attempt.Status.RELEASED
    return submitted


def test_regrade_after_release_needs_a_reason_and_is_audited(grader_client, grader,
                                                             released):
    essay = essays(released)[0]
    url = reverse("exams:answer_regrade", args=[essay.pk])
    page = grader_client.get(url)
    assert page.status_code == 200
    response = grader_client.post(url, {"score": "1", "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert not ScoreChange.objects.exists()

    response = grader_client.post(url, {"score": "1", "reason": "复核：第二要点未答到"})
    assert response.status_code == 302
    change = ScoreChange.objects.get()
    assert (change.old, change.new, change.changed_by) == (Decimal("2.00"), Decimal("1.00"),
                                                           grader)
    assert change.reason == "复核：第二要点未答到"
    released.refresh_from_db()
    assert released.score == Decimal("11.00")
    assert AuditEvent.objects.filter(action="exams.score_changed").exists()
    detail = grader_client.get(reverse("exams:staff_attempt", args=[released.pk]))
    assert "复核：第二要点未答到" in detail.content.decode()


def test_regrade_above_the_points_is_refused(grader_client, released):
    essay = essays(released)[0]
    response = grader_client.post(reverse("exams:answer_regrade", args=[essay.pk]),
                                  {"score": "3", "reason": "多给一分"})
    assert response.status_code == 200 and "score" in response.context["form"].errors
    assert not ScoreChange.objects.exists()


def test_regrade_by_an_admin_and_not_by_an_auditor(login, released, auditor):
    objective = released.answers.get(item__position=0)
    url = reverse("exams:answer_regrade", args=[objective.pk])
    assert login(auditor).post(url, {"score": "0", "reason": "审计不可改分"}).status_code == 403
    admin = UserFactory(roles=["admin"])
    assert login(admin).post(url, {"score": "0", "reason": "答案键有误，统一改判"}
                             ).status_code == 302
    assert ScoreChange.objects.get().changed_by == admin


def test_regrade_of_an_answer_waiting_for_marks_is_refused_inline(grader_client, submitted):
    essay = essays(submitted)[0]
    response = grader_client.post(reverse("exams:answer_regrade", args=[essay.pk]),
                                  {"score": "1", "reason": "阅卷未完成前改分"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


# --- Demo data ---------------------------------------------------------------------------------

def test_demo_seed_fills_the_bank_and_trainer1s_queue(login):
    from io import StringIO

    from django.core.management import call_command

    from academy.people.models import User
    from exams.models import Question

    call_command("seed_demo", "--force", stdout=StringIO())
    assert Question.objects.filter(code__startswith="ZJ-").count() >= 60
    assert set(Question.objects.values_list("type", flat=True)) == set(QuestionType.values)
    for area in ("general", "policy", "practice", "advanced"):
        assert Question.objects.filter(tags__code=area).exists()
    final = Sitting.objects.get(title=FINAL_SITTING)
    assert final.cohort is not None and final.attempts.filter(status="submitted").count() >= 5
    trainer1 = User.objects.get(email="trainer1@demo.local")
    response = login(trainer1).get(reverse("exams:grading_queue"))
    assert response.context["total_waiting"] >= 5
    counts = {m: m.objects.count() for m in (Question, Sitting, Attempt, Answer, Mark)}
    call_command("seed_demo", "--force", stdout=StringIO())
    assert counts == {m: m.objects.count() for m in counts}


def test_demo_final_draws_from_questions_the_quiz_does_not_reveal(login):
    """The demo's practice quiz and certifying final are open together and share questions:
    the quiz holds its keys until the final closes, so no quiz taker has seen a key the
    final could draw, and the final's dashboard says so."""
    from io import StringIO

    from django.core.management import call_command

    from exams.models import QuestionExposure
    from exams.selectors import attempt_review
    from exams.services.exposure import paper_pool_ids, sitting_question_exposure

    call_command("seed_demo", "--force", stdout=StringIO())
    final = Sitting.objects.get(title=FINAL_SITTING)
    quiz = Sitting.objects.get(paper__kind="fixed", purpose=Sitting.Purpose.PRACTICE)
    assert final.purpose == Sitting.Purpose.CERTIFYING and quiz.keys_after_certifying
    quiz_questions = paper_pool_ids(quiz.paper)
    assert quiz_questions <= paper_pool_ids(final.paper)  # the same pool, as in real life
    taker_attempt = quiz.attempts.filter(status="released").first()
    review = attempt_review(taker_attempt, viewer=taker_attempt.user)
    assert review and not any("answer" in entry for entry in review)
    assert not QuestionExposure.objects.filter(question_id__in=quiz_questions).exists()
    assert all(row.exposed_to == 0 for row in sitting_question_exposure(final))
