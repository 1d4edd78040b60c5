"""Concurrency on PostgreSQL: threads, each with its own database connection.

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/academy (skipped on SQLite, or a
failure with REQUIRE_SERVICES=1). The rows migrations seed (levels, regions, tags) come back
after each test's flush through post_migrate (``academy.seeding``).
"""

from __future__ import annotations

import datetime
import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from academy.audit.models import AuditEvent
from exams.models import Answer, Attempt, QuestionType, Sitting
from exams.services.attempts import (
    AttemptClosed,
    attempt_save_answer,
    attempt_submit,
    attempts_close_overdue,
)
from exams.services.scoring import score_objective
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    start,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def run_in_threads(n: int, target: Callable[[int], Any], timeout: float = 60) -> list[Any]:
    """Run ``target(i)`` in ``n`` threads released together; return results (or raise)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = target(index)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def objective_sitting(postgres):
    questions = [QuestionFactory(type=QuestionType.SINGLE),
                 QuestionFactory(type=QuestionType.MULTIPLE),
                 QuestionFactory(type=QuestionType.FILLIN)]
    return SittingFactory(paper=fixed_paper(questions, points=5),
                          release_policy=Sitting.ReleasePolicy.IMMEDIATE)


def test_concurrent_saves_of_one_answer_keep_the_newest(objective_sitting):
    broker = enrolled_broker(objective_sitting)
    attempt = start(objective_sitting, broker)
    item = attempt.items.get(position=2)
    for round_ in range(5):
        base = (round_ + 1) * 1_000_000
        stamps = list(range(base, base + 12))
        random.shuffle(stamps)

        def save(index: int, stamps=stamps) -> Any:
            return attempt_save_answer(attempt_id=attempt.pk, user=broker, item_id=item.pk,
                                       value=[f"answer {stamps[index]}"],
                                       client_ts=stamps[index])

        results = run_in_threads(len(stamps), save)
        stored = Answer.objects.get(attempt=attempt, item=item)
        assert stored.client_ts == max(stamps)
        assert stored.value == [f"answer {max(stamps)}"]
        # the newest was saved; the others either saved before it or were told stale
        assert results[stamps.index(max(stamps))].saved
        assert all(r.saved or r.stale for r in results)
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_concurrent_double_submit_submits_once(objective_sitting):
    for _ in range(3):
        broker = enrolled_broker(objective_sitting)
        attempt = start(objective_sitting, broker)
        attempt_save_answer(attempt_id=attempt.pk, user=broker,
                            item_id=attempt.items.get(position=0).pk, value="B", client_ts=1)
        results = run_in_threads(
            6, lambda _i, attempt=attempt, broker=broker: attempt_submit(
                attempt_id=attempt.pk, user=broker))
        assert len({r.submitted_at for r in results}) == 1
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.RELEASED
        assert attempt.score == 5
        assert attempt.answers.count() == 3
        assert AuditEvent.objects.filter(action="exams.result_released",
                                         subject_id=str(attempt.pk)).count() == 1
    assert Attempt.objects.filter(sitting=objective_sitting).count() == 3


def test_saves_racing_a_submit_are_either_graded_or_refused(objective_sitting):
    """No answer lands after the submit graded the attempt: what is stored is what was
    graded, and every refused save was told "closed"."""
    for _ in range(3):
        broker = enrolled_broker(objective_sitting)
        attempt = start(objective_sitting, broker)
        items = list(attempt.items.order_by("position"))

        def act(index: int, attempt=attempt, broker=broker, items=items) -> str:
            if index == 0:
                attempt_submit(attempt_id=attempt.pk, user=broker)
                return "submitted"
            try:
                for n in range(20):
                    attempt_save_answer(attempt_id=attempt.pk, user=broker,
                                        item_id=items[index % 2].pk,
                                        value="ABCD"[(index + n) % 4],
                                        client_ts=index * 1000 + n)
            except AttemptClosed:
                return "closed"
            return "all saved"

        run_in_threads(8, act)
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.RELEASED
        for answer in attempt.answers.select_related("item__question_version__question"):
            version = answer.item.question_version
            expected = score_objective(type=version.question.type, key=version.answer,
                                       scoring=version.scoring, value=answer.value,
                                       points=answer.item.points)
            assert answer.auto_score == expected, "an answer changed after grading"
            assert answer.saved_at <= attempt.submitted_at
        assert attempt.score == sum(a.final_score for a in attempt.answers.all())


def test_save_after_the_deadline_is_refused(objective_sitting):
    broker = enrolled_broker(objective_sitting)
    attempt = start(objective_sitting, broker)
    item = attempt.items.first()
    attempt_save_answer(attempt_id=attempt.pk, user=broker, item_id=item.pk, value="A",
                        client_ts=1)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(milliseconds=1))
    with pytest.raises(AttemptClosed):
        attempt_save_answer(attempt_id=attempt.pk, user=broker, item_id=item.pk, value="B",
                            client_ts=2)
    assert Answer.objects.get(attempt=attempt).value == "A"


def test_auto_submit_closes_overdue_attempts_exactly_once(objective_sitting):
    attempts = [start(objective_sitting, enrolled_broker(objective_sitting))
                for _ in range(12)]
    running = start(objective_sitting, enrolled_broker(objective_sitting))
    Attempt.objects.filter(pk__in=[a.pk for a in attempts]).update(
        deadline=timezone.now() - datetime.timedelta(seconds=5))

    closed = run_in_threads(4, lambda _i: attempts_close_overdue())
    assert sum(closed) == 12
    assert attempts_close_overdue() == 0  # and once more, later
    for attempt in attempts:
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.RELEASED
        assert attempt.auto_submitted
    running.refresh_from_db()
    assert running.status == Attempt.Status.IN_PROGRESS
    assert AuditEvent.objects.filter(action="exams.result_released").count() == 12


def test_the_task_run_twice_concurrently_closes_each_once(objective_sitting):
    from exams.tasks import attempts_close_overdue as task

    attempts = [start(objective_sitting, enrolled_broker(objective_sitting))
                for _ in range(6)]
    Attempt.objects.filter(pk__in=[a.pk for a in attempts]).update(
        deadline=timezone.now() - datetime.timedelta(seconds=5))
    closed = run_in_threads(2, lambda _i: task.apply().result)
    assert sum(closed) == 6
    assert Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).count() == 0


def test_one_offline_gap_seen_at_once_by_retried_saves_and_the_page_is_one_event(
        objective_sitting):
    """The answers queued offline, their retries and the page's report of the gap, all at the
    same moment: the attempt's row lock makes them one ``offline_save`` event."""
    from exams.models import AttemptEvent
    from exams.services.integrity import attempt_events_record

    broker = enrolled_broker(objective_sitting)
    attempt = start(objective_sitting, broker)
    began = timezone.now() - datetime.timedelta(minutes=20)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=began, deadline=began + datetime.timedelta(hours=1))
    items = list(attempt.items.order_by("position").values_list("pk", flat=True))
    now_ms = int(timezone.now().timestamp() * 1000)
    given = [now_ms - 300_000 + 1000 * n for n in range(len(items))]

    def act(index: int) -> Any:
        if index >= 2 * len(items):
            return attempt_events_record(attempt_id=attempt.pk, user=broker, events=[
                {"kind": "offline_save", "duration_ms": 310_000, "ago_ms": 0}])
        n = index % len(items)  # each answer sent twice (a retry)
        return attempt_save_answer(attempt_id=attempt.pk, user=broker, item_id=items[n],
                                   value="A" if n == 0 else ["A"], client_ts=given[n],
                                   sent_ts=now_ms)

    run_in_threads(2 * len(items) + 2, act)
    [event] = AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.OFFLINE_SAVE)
    assert event.detail["seen_by"] == ["page", "server"]
    assert 300 <= event.duration_seconds <= 320
