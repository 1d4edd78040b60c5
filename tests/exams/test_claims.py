"""Grading claims: the queue hands an answer to one grader at a time (two under double
marking, one per round), so two graders never mark the same thing at once."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from academy.errors import ApplicationError
from exams.models import Answer, GradingClaim, QuestionType
from exams.selectors import grading_queue
from exams.services.grading import answer_claim, grading_claim_next, mark_submit
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    sat,
    trainer_user,
)
from tests.exams.test_concurrency import run_in_threads
from tests.factories import totp_enrol

pytestmark = pytest.mark.django_db

FULL = [4, 3, 3]  # the factory's rubric, every point
LOW = [1, 0, 0]


def essay_sitting(*, graders: int, essays: int, double_marking: bool = False):
    """A submitted attempt per essay, each with one case answer; ``graders`` listed graders."""
    people = [trainer_user() for _ in range(graders)]
    question = QuestionFactory(type=QuestionType.CASE)
    sitting = SittingFactory(paper=fixed_paper([question], points=10), graders=people,
                             double_marking=double_marking,
                             moderation_threshold=Decimal("2"))
    answers = []
    for _ in range(essays):
        attempt = sat(sitting, enrolled_broker(sitting), {0: "案例分析的回答"})
        answers.append(attempt.answers.get())
    return sitting, people, answers


def test_two_graders_asking_for_the_next_answer_get_different_ones():
    _sitting, (first, second), answers = essay_sitting(graders=2, essays=2)
    mine = grading_claim_next(grader=first)
    theirs = grading_claim_next(grader=second)
    assert len(mine) == len(theirs) == 1
    assert mine != theirs
    assert {mine[0], theirs[0]} == {a.pk for a in answers}
    # Each sees only what they hold: the other's answer has left their queue.
    assert [e.answer_id for e in grading_queue(grader=first)] == mine
    assert [e.answer_id for e in grading_queue(grader=second)] == theirs


def test_asking_again_returns_the_answer_one_already_holds():
    _sitting, (first, _second), _answers = essay_sitting(graders=2, essays=3)
    held = grading_claim_next(grader=first)
    assert grading_claim_next(grader=first) == held
    batch = grading_claim_next(grader=first, count=5)
    assert batch[0] == held[0] and len(batch) == 3


def test_an_answer_someone_holds_cannot_be_marked_by_another():
    _sitting, (first, second), answers = essay_sitting(graders=2, essays=1)
    assert grading_claim_next(grader=first) == [answers[0].pk]
    assert not answer_claim(answer_id=answers[0].pk, grader=second)
    with pytest.raises(ApplicationError):
        mark_submit(answer_id=answers[0].pk, grader=second, criteria=FULL)
    mark_submit(answer_id=answers[0].pk, grader=first, criteria=FULL)
    assert not GradingClaim.objects.exists()  # marking ends the claim
    answers[0].refresh_from_db()
    assert answers[0].grading_status == Answer.GradingStatus.GRADED


def test_an_expired_claim_frees_the_answer():
    _sitting, (first, second), answers = essay_sitting(graders=2, essays=1)
    grading_claim_next(grader=first)
    GradingClaim.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert grading_claim_next(grader=second) == [answers[0].pk]
    mark_submit(answer_id=answers[0].pk, grader=second, criteria=FULL)


def test_double_marking_gives_one_answer_to_two_graders_and_no_third():
    _sitting, (first, second, third), answers = essay_sitting(graders=3, essays=1,
                                                              double_marking=True)
    essay = answers[0].pk
    assert grading_claim_next(grader=first) == [essay]
    assert grading_claim_next(grader=second) == [essay]
    assert grading_claim_next(grader=third) == []
    assert grading_queue(grader=third) == []
    with pytest.raises(ApplicationError):
        mark_submit(answer_id=essay, grader=third, criteria=FULL)
    mark_submit(answer_id=essay, grader=first, criteria=LOW)
    mark_submit(answer_id=essay, grader=second, criteria=FULL)  # far apart: moderation
    assert Answer.objects.get(pk=essay).grading_status == Answer.GradingStatus.MODERATION
    assert grading_claim_next(grader=third, moderation=True) == [essay]


@pytest.mark.parametrize("count", [0, 51])
def test_a_batch_must_be_between_1_and_50(count):
    _sitting, (first, _second), _answers = essay_sitting(graders=2, essays=1)
    with pytest.raises(ApplicationError):
        grading_claim_next(grader=first, count=count)


def test_the_api_claims_a_batch_as_queue_entries(client):
    _sitting, (first, second), answers = essay_sitting(graders=2, essays=3)
    totp_enrol(first)
    client.force_login(first)
    url = reverse("api-exams-grading-claim")
    response = client.post(url, data=json.dumps({"count": 2}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    entries = response.json()
    assert [e["answer"] for e in entries] == [a.pk for a in answers[:2]]
    assert {"attempt_code", "rubric", "round", "stem"} <= set(entries[0])
    assert client.post(url, data=json.dumps({"count": 0}),
                       content_type="application/json").status_code == 400
    # The second grader gets the third answer only.
    assert grading_claim_next(grader=second, count=3) == [answers[2].pk]


def test_a_colleague_opening_a_held_answer_may_read_but_not_mark_it(client):
    _sitting, (first, second), answers = essay_sitting(graders=2, essays=1)
    totp_enrol(first)
    totp_enrol(second)
    client.force_login(first)
    opened = client.get(reverse("exams:grading_next"))
    url = reverse("exams:grading_answer", args=[answers[0].pk])
    assert opened.status_code == 302 and opened["Location"].startswith(url)
    client.force_login(second)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["held_by_others"] and not page.context["waiting"]
    client.post(url, data={"comment": "x"})
    assert not answers[0].marks.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_graders_claiming_at_the_same_moment_never_share_an_answer():
    _sitting, graders, answers = essay_sitting(graders=6, essays=4)

    def claim(i: int) -> list[int]:
        try:
            return grading_claim_next(grader=graders[i], count=1)
        finally:
            connections.close_all()

    results = run_in_threads(len(graders), claim)
    taken = [pk for claimed in results for pk in claimed]
    assert len(taken) == len(set(taken))  # nobody holds what another holds
    assert all(len(r) <= 1 for r in results)
    assert 1 <= len(taken) <= len(answers)
    assert GradingClaim.objects.count() == len(taken)
