"""Answer keys a broker has seen never reach that broker in a certifying sitting."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.errors import ApplicationError
from exams.models import Paper, PaperItem, QuestionExposure, QuestionType, Sitting
from exams.selectors import attempt_review
from exams.services.exposure import sitting_exposure_conflicts, sitting_question_exposure
from exams.services.papers import (
    paper_draw,
    paper_items_set,
    paper_rules_set,
    paper_update,
    sitting_create,
)
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    rules_paper,
    sat,
    start,
    tag,
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
        assert not {d.question_id for d in items} & exposed
    # Another broker, who saw nothing, can be given any of the twelve.
    other = {d.question_id for seed in range(40)
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


# --- Editing a paper a sitting offers ----------------------------------------------------------

def _item_codes(paper):
    return list(paper.items.order_by("order").values_list("question__code", flat=True))


@pytest.fixture
def beside_final(practice, bank):
    """The practice quiz (keys shown, first six questions) beside an open certifying sitting
    of the other six for the same cohort: no overlap, as both were created."""
    broker = enrolled_broker(practice)
    final = sitting_create(
        paper=fixed_paper(bank[6:]), title="结业考试", cohort=practice.cohort,
        created_by=trainer_user(), opens_at=practice.opens_at, closes_at=practice.closes_at,
        duration_minutes=60, purpose=Sitting.Purpose.CERTIFYING)
    return final, broker


def test_giving_the_practice_paper_the_finals_questions_is_refused_with_the_overlap_counted(
        practice, bank, beside_final):
    final, _broker = beside_final
    before = _item_codes(practice.paper)
    with pytest.raises(ApplicationError, match="6 questions") as refused:
        paper_items_set(paper=practice.paper, items=[(q, None) for q in bank[6:]])
    assert refused.value.extra["code"] == "exposure_overlap"
    assert refused.value.extra["sitting"] == practice.pk
    assert refused.value.extra["overlap"] == [
        {"sitting": final.pk, "questions": 6, "brokers": 1}]
    assert _item_codes(practice.paper) == before
    assert sitting_exposure_conflicts(practice) == []


def test_adding_one_practice_question_to_the_final_paper_is_refused(practice, bank,
                                                                    beside_final):
    final, _broker = beside_final
    with pytest.raises(ApplicationError, match="1 questions") as refused:
        paper_items_set(paper=final.paper, items=[(q, None) for q in [*bank[6:], bank[0]]])
    assert refused.value.extra["overlap"] == [
        {"sitting": practice.pk, "questions": 1, "brokers": 1}]
    assert PaperItem.objects.filter(paper=final.paper).count() == 6


def test_rules_that_would_draw_the_practice_questions_are_refused(practice, bank):
    enrolled_broker(practice)
    for _ in range(3):
        QuestionFactory(type=QuestionType.TRUEFALSE)
    paper = rules_paper([{"tag": "tech-contract", "count": 3, "type": QuestionType.TRUEFALSE}])
    final = sitting_create(paper=paper, title="结业考试", cohort=practice.cohort,
                           created_by=trainer_user(), opens_at=practice.opens_at,
                           closes_at=practice.closes_at, duration_minutes=60,
                           purpose=Sitting.Purpose.CERTIFYING)
    with pytest.raises(ApplicationError, match="6 questions") as refused:
        paper_rules_set(paper=paper, rules=[{"tag": tag("tech-contract"), "count": 6,
                                             "points_each": 2, "type": QuestionType.SINGLE}])
    assert refused.value.extra["code"] == "exposure_overlap"
    assert refused.value.extra["sitting"] == final.pk
    assert list(paper.rules.values_list("type", "count")) == [(QuestionType.TRUEFALSE, 3)]


def test_changing_the_papers_kind_to_overlapping_questions_is_refused(practice, bank):
    enrolled_broker(practice)
    for _ in range(3):
        QuestionFactory(type=QuestionType.TRUEFALSE)
    paper = rules_paper([{"tag": "tech-contract", "count": 3, "type": QuestionType.TRUEFALSE}])
    for order, question in enumerate(bank[:6]):  # kept from when the paper was fixed
        PaperItem.objects.create(paper=paper, question=question, order=order, points=2)
    SittingFactory(paper=paper, cohort=practice.cohort, purpose=Sitting.Purpose.CERTIFYING,
                   opens_at=practice.opens_at, closes_at=practice.closes_at)
    with pytest.raises(ApplicationError, match="6 questions"):
        paper_update(paper=paper, kind=Paper.Kind.FIXED)
    assert paper.kind == Paper.Kind.RULES
    paper.refresh_from_db()
    assert paper.kind == Paper.Kind.RULES


def test_a_practice_that_holds_its_keys_back_may_take_the_finals_questions(practice, bank,
                                                                           beside_final):
    practice.keys_after_certifying = True
    practice.save(update_fields=["keys_after_certifying"])
    paper_items_set(paper=practice.paper, items=[(q, None) for q in bank[6:]])
    assert _item_codes(practice.paper) == [q.code for q in bank[6:]]


def test_a_closed_sitting_does_not_hold_its_paper_back(practice, bank, beside_final):
    final, _broker = beside_final
    practice.opens_at = timezone.now() - datetime.timedelta(days=3)
    practice.closes_at = timezone.now() - datetime.timedelta(days=2)
    practice.save(update_fields=["opens_at", "closes_at"])
    paper_items_set(paper=practice.paper, items=[(q, None) for q in bank[6:]])
    assert _item_codes(practice.paper) == [q.code for q in bank[6:]]


@pytest.fixture
def trainer_client(client, mfa_enrolled, practice):
    trainer = trainer_user()
    practice.cohort.trainers.add(trainer)
    mfa_enrolled(trainer)
    client.force_login(trainer)
    return client


def test_the_paper_page_shows_the_overlap_refusal_beside_the_questions(
        practice, bank, beside_final, trainer_client):
    final, _broker = beside_final
    url = reverse("exams:paper_detail", args=[practice.paper.pk])
    response = trainer_client.post(url, {"action": "add",
                                         "add-questions": [q.pk for q in bank[6:8]]})
    assert response.status_code == 200
    assert response.context["edit_error"]["action"] == "add"
    html = response.content.decode()
    assert 'data-testid="paper-edit-error"' in html
    assert "2 questions" in html and final.title in html
    assert _item_codes(practice.paper) == [q.code for q in bank[:6]]


def test_the_paper_page_refuses_overlapping_rules_and_keeps_them_unsaved(practice, bank,
                                                                        trainer_client):
    for _ in range(3):
        QuestionFactory(type=QuestionType.TRUEFALSE)
    paper = rules_paper([{"tag": "tech-contract", "count": 3, "type": QuestionType.TRUEFALSE}])
    SittingFactory(paper=paper, cohort=practice.cohort, purpose=Sitting.Purpose.CERTIFYING,
                   opens_at=practice.opens_at, closes_at=practice.closes_at)
    enrolled_broker(practice)
    response = trainer_client.post(reverse("exams:paper_detail", args=[paper.pk]), {
        "action": "rules", "rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "1",
        "rules-0-tag": tag("tech-contract").pk, "rules-0-type": QuestionType.SINGLE,
        "rules-0-count": "6", "rules-0-points_each": "2"})
    assert response.status_code == 200
    assert response.context["edit_error"]["action"] == "rules"
    assert "6 questions" in response.content.decode()
    assert list(paper.rules.values_list("type", "count")) == [(QuestionType.TRUEFALSE, 3)]


def test_the_admin_shows_a_papers_questions_without_changing_them(practice, client,
                                                                  admin_user, mfa_enrolled):
    mfa_enrolled(admin_user)
    client.force_login(admin_user)
    url = reverse("admin:exams_paper_change", args=[practice.paper.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("exams:paper_detail", args=[practice.paper.pk]) in html
    assert 'name="items-0-question"' not in html and 'name="kind"' not in html


def test_the_admin_shows_a_sittings_paper_brokers_and_keys_without_changing_them(
        practice, client, admin_user, mfa_enrolled):
    mfa_enrolled(admin_user)
    client.force_login(admin_user)
    assert client.get(reverse("admin:exams_sitting_add")).status_code == 403
    url = reverse("admin:exams_sitting_change", args=[practice.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("exams:sitting_edit", args=[practice.pk]) in html
    for field in ("paper", "brokers", "opens_at_0", "purpose", "show_answers",
                  "keys_after_certifying"):
        assert f'name="{field}"' not in html, field
    assert 'name="title"' in html


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
