"""Starting, resuming, saving answers and submitting attempts (SQLite or PostgreSQL)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from academy.errors import ApplicationError
from exams.models import Answer, Attempt, Sitting
from exams.selectors import attempt_items_for_examinee, attempt_saved_answers
from exams.services.attempts import (
    AttemptClosed,
    attempt_save_answer,
    attempt_start,
    attempt_submit,
    attempts_close_overdue,
)
from tests.exams.factories import (
    SittingFactory,
    answer,
    enrolled_broker,
    fixed_paper,
    start,
    submit,
)
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


def test_start_fixes_deadline_at_start_plus_duration(sitting, candidate):
    attempt = start(sitting, candidate)
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert attempt.deadline == attempt.started_at + datetime.timedelta(minutes=60)
    assert attempt.items.count() == 6
    assert attempt.max_score == Decimal("12")
    assert attempt.code and len(attempt.code) == 9


def test_deadline_is_capped_by_the_window_close(sitting, candidate):
    sitting.closes_at = timezone.now() + datetime.timedelta(minutes=10)
    sitting.save()
    attempt = start(sitting, candidate)
    assert attempt.deadline == sitting.closes_at


def test_start_twice_resumes_the_same_attempt(sitting, candidate):
    first = start(sitting, candidate)
    assert start(sitting, candidate).pk == first.pk
    assert Attempt.objects.count() == 1


def test_broker_outside_cohort_cannot_start(sitting):
    with pytest.raises(PermissionDenied):
        attempt_start(sitting=sitting, user=BrokerFactory())


def test_broker_on_the_list_may_start(questions):
    broker = BrokerFactory()
    sitting = SittingFactory(paper=fixed_paper(questions.values()), cohort=None,
                             brokers=[broker])
    assert start(sitting, broker).user == broker


@pytest.mark.parametrize("opens,closes", [(1, 2), (-3, -1)])
def test_start_refused_outside_the_window(sitting, candidate, opens, closes):
    now = timezone.now()
    Sitting.objects.filter(pk=sitting.pk).update(
        opens_at=now + datetime.timedelta(hours=opens),
        closes_at=now + datetime.timedelta(hours=closes))
    sitting.refresh_from_db()
    with pytest.raises(ApplicationError):
        start(sitting, candidate)


def test_attempts_allowed_is_enforced(sitting, candidate):
    submit(start(sitting, candidate))
    with pytest.raises(ApplicationError):
        start(sitting, candidate)
    sitting.attempts_allowed = 2
    sitting.save()
    second = start(sitting, candidate)
    assert second.number == 2


def test_save_stores_the_answer_in_one_query(sitting, candidate):
    attempt = start(sitting, candidate)
    item = attempt.items.get(position=0)
    with CaptureQueriesContext(connection) as queries:
        result = attempt_save_answer(attempt_id=attempt.pk, user=candidate, item_id=item.pk,
                                     value="B", client_ts=1000)
    assert result.saved and not result.stale
    assert len(queries) == 1
    assert attempt_saved_answers(attempt) == {str(item.pk): {"value": "B", "client_ts": 1000}}


def test_older_client_ts_never_overwrites_newer(sitting, candidate):
    attempt = start(sitting, candidate)
    assert answer(attempt, 0, "C", client_ts=2000).saved
    result = answer(attempt, 0, "A", client_ts=1000)
    assert result.stale and not result.saved
    assert Answer.objects.get(attempt=attempt).value == "C"
    assert answer(attempt, 0, "B", client_ts=3000).saved
    assert Answer.objects.get(attempt=attempt).value == "B"


def test_retried_save_with_same_timestamp_is_saved_not_stale(sitting, candidate):
    attempt = start(sitting, candidate)
    answer(attempt, 1, ["A", "B"], client_ts=5000)
    again = answer(attempt, 1, ["A", "B"], client_ts=5000)
    assert again.saved and not again.stale


def test_save_after_deadline_is_refused(sitting, candidate):
    attempt = start(sitting, candidate)
    answer(attempt, 0, "A", client_ts=1)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(AttemptClosed) as error:
        answer(attempt, 0, "B", client_ts=2)
    assert error.value.extra == {"code": "closed"}
    assert Answer.objects.get(attempt=attempt).value == "A"


def test_save_after_submit_is_refused(sitting, candidate):
    attempt = start(sitting, candidate)
    submit(attempt)
    with pytest.raises(AttemptClosed):
        answer(attempt, 0, "B")


def test_cannot_save_into_another_brokers_attempt(sitting, candidate):
    attempt = start(sitting, candidate)
    intruder = enrolled_broker(sitting)
    item = attempt.items.first()
    with pytest.raises(Http404):
        attempt_save_answer(attempt_id=attempt.pk, user=intruder, item_id=item.pk,
                            value="A", client_ts=1)
    assert not Answer.objects.exists()


def test_cannot_save_an_item_of_another_attempt(sitting, candidate):
    mine = start(sitting, candidate)
    other = start(sitting, enrolled_broker(sitting))
    with pytest.raises(Http404):
        attempt_save_answer(attempt_id=mine.pk, user=candidate,
                            item_id=other.items.first().pk, value="A", client_ts=1)


@pytest.mark.parametrize("client_ts", [-1, "12", 1.5, True, None])
def test_bad_client_ts_is_refused(sitting, candidate, client_ts):
    attempt = start(sitting, candidate)
    with pytest.raises(ApplicationError):
        attempt_save_answer(attempt_id=attempt.pk, user=candidate,
                            item_id=attempt.items.first().pk, value="A", client_ts=client_ts)


def test_oversized_answer_is_refused(sitting, candidate, settings):
    settings.EXAMS_ANSWER_MAX_CHARS = 100
    attempt = start(sitting, candidate)
    with pytest.raises(ApplicationError):
        answer(attempt, 4, "长" * 200)


def test_submit_twice_counts_once(sitting, candidate):
    attempt = start(sitting, candidate)
    first = submit(attempt)
    submitted_at = first.submitted_at
    second = attempt_submit(attempt_id=attempt.pk, user=candidate)
    assert second.submitted_at == submitted_at
    assert Attempt.objects.get(pk=attempt.pk).submitted_at == submitted_at


def test_submit_after_the_deadline_counts_as_automatic(sitting, candidate):
    # The exam page submits by itself when time runs out, through the ordinary endpoint.
    attempt = start(sitting, candidate)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1))
    assert attempt_submit(attempt_id=attempt.pk, user=candidate).auto_submitted is True
    on_time = start(SittingFactory(paper=sitting.paper, cohort=sitting.cohort), candidate)
    assert submit(on_time).auto_submitted is False


def test_submit_of_another_brokers_attempt_is_404(sitting, candidate):
    attempt = start(sitting, candidate)
    with pytest.raises(Http404):
        attempt_submit(attempt_id=attempt.pk, user=enrolled_broker(sitting))


def test_submit_creates_blank_answers_for_unanswered_items(sitting, candidate):
    attempt = submit(start(sitting, candidate))
    assert attempt.answers.count() == 6
    # nothing to grade by people: blank essays score 0, so the attempt is graded
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == 0
    assert attempt.passed is False


def test_items_for_examinee_never_include_the_key(sitting, candidate):
    attempt = start(sitting, candidate)
    items = attempt_items_for_examinee(attempt)
    assert [i["type"] for i in items] == ["single", "multiple", "truefalse", "fillin", "short",
                                          "case"]
    for entry in items:
        assert set(entry) <= {"id", "position", "type", "stem", "options", "points", "blanks",
                              "images"}  # the stem's images only (never the explanation's)
    assert items[3]["blanks"] == 1


def test_resume_after_deadline_auto_submits(sitting, candidate):
    attempt = start(sitting, candidate)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1))
    resumed = attempt_start(sitting=sitting, user=candidate)
    assert resumed.pk == attempt.pk
    assert resumed.status != Attempt.Status.IN_PROGRESS
    assert resumed.auto_submitted


def test_close_overdue_submits_each_overdue_attempt_once(sitting, candidate):
    overdue = start(sitting, candidate)
    running = start(sitting, enrolled_broker(sitting))
    Attempt.objects.filter(pk=overdue.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1))
    assert attempts_close_overdue() == 1
    assert attempts_close_overdue() == 0
    overdue.refresh_from_db()
    running.refresh_from_db()
    assert overdue.auto_submitted and overdue.status != Attempt.Status.IN_PROGRESS
    assert running.status == Attempt.Status.IN_PROGRESS


def test_task_closes_overdue_attempts(sitting, candidate):
    from exams.tasks import attempts_close_overdue as task

    attempt = start(sitting, candidate)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1))
    assert task.delay().get() == 1
    assert task.delay().get() == 0


def test_one_failing_attempt_does_not_keep_the_others_open(sitting, candidate, monkeypatch):
    from exams.services import attempts as module

    broken = start(sitting, candidate)
    fine = start(sitting, enrolled_broker(sitting))
    Attempt.objects.filter(pk__in=[broken.pk, fine.pk]).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1))
    real = module._attempt_submit

    def flaky(*, attempt_id, user, auto):
        if attempt_id == broken.pk:
            raise ValueError("corrupt attempt")
        return real(attempt_id=attempt_id, user=user, auto=auto)

    monkeypatch.setattr(module, "_attempt_submit", flaky)
    assert attempts_close_overdue() == 1
    fine.refresh_from_db()
    assert fine.status != Attempt.Status.IN_PROGRESS
