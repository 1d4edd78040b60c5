"""Answer keys a broker has seen never reach that broker in a certifying sitting."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.errors import ApplicationError
from exams.models import QuestionExposure, QuestionType, Sitting
from exams.selectors import attempt_review
from exams.services.exposure import sitting_question_exposure
from exams.services.papers import paper_draw, sitting_create
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

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def bank(db):
    return [QuestionFactory(type=QuestionType.SINGLE) for _ in range(12)]


@pytest.fixture
def practice(bank):
    """A practice quiz of the first six questions, released at once with its keys."""
    return SittingFactory(paper=fixed_paper(bank[:6]), purpose=Sitting.Purpose.PRACTICE,
                          release_policy=Sitting.ReleasePolicy.IMMEDIATE, show_answers=True,
                          attempts_allowed=2)


def _certifying(practice, **kwargs):
    paper = rules_paper([{"tag": "tech-contract", "count": 6,
                          "type": QuestionType.SINGLE}])
    return sitting_create(
        paper=paper, title="结业考试", cohort=practice.cohort, created_by=trainer_user(),
        opens_at=practice.closes_at + datetime.timedelta(minutes=1),
        closes_at=practice.closes_at + datetime.timedelta(days=1), duration_minutes=60,
        purpose=Sitting.Purpose.CERTIFYING, **kwargs)


def test_a_released_practice_result_with_keys_records_the_exposure(practice, bank):
    broker = enrolled_broker(practice)
    attempt = sat(practice, broker, ["A"] * 6)
    assert attempt.status == "released"
    exposed = set(QuestionExposure.objects.filter(user=broker)
                  .values_list("question_id", flat=True))
    assert exposed == {q.pk for q in bank[:6]}


def test_a_broker_who_saw_a_practice_key_never_gets_that_question_in_a_certifying_draw(
        practice, bank):
    seen, fresh = enrolled_broker(practice), enrolled_broker(practice)
    sat(practice, seen, ["A"] * 6)
    final = _certifying(practice)
    final.opens_at = timezone.now() - datetime.timedelta(minutes=1)
    final.save(update_fields=["opens_at"])
    exposed = {q.pk for q in bank[:6]}
    attempt = start(final, seen)
    drawn = set(attempt.items.values_list("question_version__question_id", flat=True))
    assert len(drawn) == 6 and not drawn & exposed  # only the six it has not seen are left
    # Whatever the seed: the exclusion is in the draw itself.
    from exams.services.exposure import exposed_question_ids

    for seed in range(40):
        items = paper_draw(paper=final.paper, seed=seed, exclude=exposed_question_ids(seen))
        assert not {d.question_version.question_id for d in items} & exposed
    # Another broker, who saw nothing, can be given any of the twelve.
    other = {d.question_version.question_id for seed in range(40)
             for d in paper_draw(paper=final.paper, seed=seed,
                                 exclude=exposed_question_ids(fresh))}
    assert other & exposed


def test_a_practice_sitting_never_excludes(practice, bank):
    broker = enrolled_broker(practice)
    sat(practice, broker, ["A"] * 6)
    second = start(practice, broker)  # the second practice attempt shows the same questions
    assert second.items.count() == 6


def test_overlapping_sittings_are_refused_with_the_overlap_counted(practice, bank):
    enrolled_broker(practice)
    paper = rules_paper([{"tag": "tech-contract", "count": 6, "type": QuestionType.SINGLE}])
    with pytest.raises(ApplicationError, match="6 questions") as refused:
        sitting_create(paper=paper, title="结业考试", cohort=practice.cohort,
                       created_by=trainer_user(), opens_at=timezone.now(),
                       closes_at=timezone.now() + datetime.timedelta(days=2),
                       duration_minutes=60, purpose=Sitting.Purpose.CERTIFYING)
    assert refused.value.extra["code"] == "exposure_overlap"
    assert refused.value.extra["overlap"][0]["questions"] == 6
    assert not Sitting.objects.filter(title="结业考试").exists()


def test_a_key_revealing_practice_is_refused_beside_an_open_certifying_sitting(bank):
    final = SittingFactory(paper=fixed_paper(bank), purpose=Sitting.Purpose.CERTIFYING)
    enrolled_broker(final)
    with pytest.raises(ApplicationError, match="12 questions"):
        sitting_create(paper=fixed_paper(bank), title="练习", cohort=final.cohort,
                       created_by=trainer_user(), opens_at=timezone.now(),
                       closes_at=timezone.now() + datetime.timedelta(days=2),
                       duration_minutes=30, purpose=Sitting.Purpose.PRACTICE,
                       show_answers=True)
    held = sitting_create(paper=fixed_paper(bank), title="练习", cohort=final.cohort,
                          created_by=trainer_user(), opens_at=timezone.now(),
                          closes_at=timezone.now() + datetime.timedelta(days=2),
                          duration_minutes=30, purpose=Sitting.Purpose.PRACTICE,
                          show_answers=True, keys_after_certifying=True)
    assert held.pk


def test_held_keys_show_only_after_the_certifying_sitting_closes(bank):
    final = SittingFactory(paper=fixed_paper(bank), purpose=Sitting.Purpose.CERTIFYING)
    broker = enrolled_broker(final)
    quiz = SittingFactory(paper=fixed_paper(bank[:6]), cohort=final.cohort,
                          purpose=Sitting.Purpose.PRACTICE, show_answers=True,
                          keys_after_certifying=True,
                          release_policy=Sitting.ReleasePolicy.IMMEDIATE)
    attempt = sat(quiz, broker, ["A"] * 6)
    review = attempt_review(attempt, viewer=broker)
    assert review and not any("answer" in entry for entry in review)
    assert not QuestionExposure.objects.filter(user=broker).exists()
    final.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    final.opens_at = timezone.now() - datetime.timedelta(hours=2)
    final.save()
    review = attempt_review(attempt, viewer=broker)
    assert all("answer" in entry for entry in review)
    assert QuestionExposure.objects.filter(user=broker).count() == 6


def test_the_sitting_dashboard_shows_each_questions_exposure(practice, bank, client,
                                                             mfa_enrolled):
    brokers = [enrolled_broker(practice) for _ in range(3)]
    for broker in brokers[:2]:
        sat(practice, broker, ["A"] * 6)
    final = SittingFactory(paper=fixed_paper(bank), cohort=practice.cohort,
                           purpose=Sitting.Purpose.CERTIFYING,
                           opens_at=practice.closes_at,
                           closes_at=practice.closes_at + datetime.timedelta(days=1))
    rows = {r.question.pk: r for r in sitting_question_exposure(final)}
    assert [rows[q.pk].exposed_to for q in bank] == [2] * 6 + [0] * 6
    trainer = trainer_user()
    final.cohort.trainers.add(trainer)
    mfa_enrolled(trainer)
    client.force_login(trainer)
    html = client.get(reverse("exams:sitting_dashboard", args=[final.pk])).content.decode()
    assert 'data-testid="question-exposure"' in html
    assert f'data-question="{bank[0].code}"' in html


def test_fixed_certifying_paper_leaves_out_seen_questions(practice, bank):
    broker = enrolled_broker(practice)
    sat(practice, broker, ["A"] * 6)
    final = SittingFactory(paper=fixed_paper(bank[4:10], points=Decimal("5")),
                           cohort=practice.cohort, purpose=Sitting.Purpose.CERTIFYING,
                           opens_at=timezone.now() - datetime.timedelta(minutes=5))
    attempt = start(final, broker)
    drawn = set(attempt.items.values_list("question_version__question_id", flat=True))
    assert drawn == {q.pk for q in bank[6:10]}
    assert attempt.max_score == Decimal("20")
