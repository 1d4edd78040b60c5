"""Becoming ready: re-evaluation after commit when an input changes, the event sent once, the
periodic sweep."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from academy.people.models import Level
from academy.people.services import practice_record_review
from certificates import tasks
from certificates.models import BrokerReadiness
from certificates.services import readiness_evaluate, readiness_sweep_batch
from certificates.signals import broker_became_ready
from tests.certificates.conftest import course_of, earn
from tests.certificates.factories import (
    approved_record,
    ready_event_isolated,
    requirement_set,
    submitted_record,
)
from tests.courses.factories import OfflineSessionFactory, attended, enrol
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    """The brokers announced ready, in order."""
    calls = []

    def receiver(sender, broker, level, readiness, **kwargs):
        calls.append((broker.pk, level.code, readiness.ready_since))

    with ready_event_isolated():
        broker_became_ready.connect(receiver, dispatch_uid="test-announced")
        yield calls
        broker_became_ready.disconnect(dispatch_uid="test-announced")


def state_of(broker, level: str = "intermediate") -> BrokerReadiness:
    # By level: once ready, certificate issuance may promote the broker, who then works
    # toward the next level (a second row).
    return BrokerReadiness.objects.get(broker=broker, level__code=level)


def test_evaluation_records_the_figures(enrolled, programme):
    requirement_set(total_hours=Decimal("10"), practice_records=1)
    earn(enrolled, course_of(programme, "policy"), "4")
    readiness_evaluate(broker_ids=[enrolled.pk])
    state = state_of(enrolled)
    assert not state.ready and state.ready_since is None
    assert (state.met_count, state.total_count) == (0, 2)
    assert state.level.code == "intermediate" and state.requirement_set is not None
    assert state.snapshot[0] == {"kind": "total_hours", "key": "total_hours", "met": False,
                                 "state": "in_progress", "current": "4.00",
                                 "required": "10.00", "unit": "hours"}


def test_becoming_ready_is_announced_once_after_commit(
    enrolled, programme, announced, django_capture_on_commit_callbacks
):
    requirement_set(total_hours=Decimal("4"))
    earn(enrolled, course_of(programme, "policy"), "4")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        readiness_evaluate(broker_ids=[enrolled.pk])
    assert announced == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert [(pk, code) for pk, code, _ in announced] == [(enrolled.pk, "intermediate")]
    since = state_of(enrolled).ready_since
    assert since is not None and announced[0][2] == since
    with django_capture_on_commit_callbacks(execute=True):
        readiness_evaluate(broker_ids=[enrolled.pk])
        readiness_evaluate(broker_ids=[enrolled.pk])
    assert len(announced) == 1
    assert state_of(enrolled).ready_since == since


def test_no_longer_ready_clears_ready_since_and_a_new_transition_is_announced(
    enrolled, programme, announced, django_capture_on_commit_callbacks
):
    rs = requirement_set(total_hours=Decimal("4"))
    earn(enrolled, course_of(programme, "policy"), "4")
    with django_capture_on_commit_callbacks(execute=True):
        readiness_evaluate(broker_ids=[enrolled.pk])
    rs.total_hours = Decimal("8")
    rs.save()
    with django_capture_on_commit_callbacks(execute=True):
        readiness_evaluate(broker_ids=[enrolled.pk])
    state = state_of(enrolled)
    assert not state.ready and state.ready_since is None
    earn(enrolled, course_of(programme, "practice"), "4")
    with django_capture_on_commit_callbacks(execute=True):
        readiness_evaluate(broker_ids=[enrolled.pk])
    assert state_of(enrolled).ready and len(announced) == 2


# --- Inputs that change trigger an evaluation after commit ---------------------------------------


def test_a_completed_lesson_triggers_evaluation(
    enrolled, programme, django_capture_on_commit_callbacks
):
    requirement_set(total_hours=Decimal("2"))
    with django_capture_on_commit_callbacks(execute=True):
        earn(enrolled, course_of(programme, "policy"), "2")
    assert state_of(enrolled).ready


def test_completing_a_lesson_through_the_courses_service_triggers_evaluation(
    broker, django_capture_on_commit_callbacks
):
    from courses.models import Lesson
    from courses.services import lesson_complete, lesson_open
    from tests.courses.factories import CohortFactory, programme_with_lessons, study

    programme = programme_with_lessons(courses=1, modules=1, lessons=1)
    enrol(broker, CohortFactory(programme=programme))
    lesson = Lesson.objects.get(module__course__programmes=programme)
    requirement_set(total_hours=lesson.class_hours)
    lesson_open(user=broker, lesson=lesson)
    with django_capture_on_commit_callbacks(execute=False) as nothing:
        lesson_open(user=broker, lesson=lesson, seconds=30)  # a time ping: no evaluation
    assert nothing == []
    study(broker, lesson)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_complete(user=broker, lesson=lesson)
    assert state_of(broker).ready


def test_recorded_attendance_triggers_evaluation(
    enrolled, cohort, django_capture_on_commit_callbacks
):
    requirement_set(total_hours=Decimal("4"))
    session = OfflineSessionFactory(cohort=cohort, class_hours=Decimal("4"))
    with django_capture_on_commit_callbacks(execute=True):
        attended(enrolled, session)
    assert state_of(enrolled).ready


def test_an_approved_practice_record_triggers_evaluation(
    enrolled, admin_user, django_capture_on_commit_callbacks
):
    requirement_set(practice_records=1)
    record = submitted_record(enrolled)
    with django_capture_on_commit_callbacks(execute=True):
        practice_record_review(record_id=record.pk, reviewer=admin_user, approve=True)
    assert state_of(enrolled).ready


def test_a_released_exam_result_triggers_evaluation(
    enrolled, django_capture_on_commit_callbacks
):
    from exams.models import Attempt
    from exams.services import result_released
    from tests.certificates.test_readiness import released
    from tests.exams.factories import PaperFactory

    paper = PaperFactory()
    requirement_set(exams={paper: None})
    attempt = released(enrolled, paper, percent="75", passed=True)
    with django_capture_on_commit_callbacks(execute=True):
        result_released.send(sender=Attempt, attempt=attempt, regraded=False)
    assert state_of(enrolled).ready


def test_a_level_change_re_evaluates_toward_the_next_level(
    enrolled, django_capture_on_commit_callbacks
):
    requirement_set(level=Level.objects.get(code="senior"), practice_records=1)
    profile = enrolled.broker_profile
    profile.level = Level.objects.get(code="intermediate")
    profile.level_since = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        profile.save(update_fields=["level", "level_since"])
    assert state_of(enrolled, "senior").total_count == 1


def test_a_failing_queue_never_breaks_the_change_that_triggered_it(
    enrolled, programme, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.readiness_evaluate, "delay", broken)
    with django_capture_on_commit_callbacks(execute=True):
        progress = earn(enrolled, course_of(programme, "policy"), "2")
    assert progress.pk is not None
    assert not BrokerReadiness.objects.filter(broker=enrolled).exists()


# --- The sweep --------------------------------------------------------------------------------


def test_the_sweep_evaluates_everyone_in_batches(settings):
    settings.ACADEMY_READINESS_SWEEP_BATCH = 2
    requirement_set(practice_records=1)
    brokers = [BrokerFactory() for _ in range(5)]
    approved_record(brokers[3])
    tasks.readiness_sweep.delay()
    states = {s.broker_id: s for s in BrokerReadiness.objects.all()}
    assert set(states) == {b.pk for b in brokers}
    assert [states[b.pk].ready for b in brokers] == [False, False, False, True, False]


def test_the_sweep_of_a_level_takes_only_brokers_working_toward_it():
    requirement_set(practice_records=1)
    junior = BrokerFactory()
    BrokerFactory(level=Level.objects.get(code="intermediate"))
    intermediate = Level.objects.get(code="intermediate")
    assert readiness_sweep_batch(level_id=intermediate.pk) is None
    assert list(BrokerReadiness.objects.values_list("broker_id", flat=True)) == [junior.pk]


def test_the_sweep_is_on_the_beat_schedule():
    from academy.schedules import schedules_registered

    entry = schedules_registered()["certificates-readiness-sweep"]
    assert entry.task == tasks.readiness_sweep.name
    assert 60 <= entry.interval() <= 24 * 3600


def test_evaluating_twice_records_the_same_answer(enrolled):
    requirement_set(total_hours=Decimal("4"))
    when = timezone.now()
    readiness_evaluate(broker_ids=[enrolled.pk], now=when)
    first = BrokerReadiness.objects.values().get()
    readiness_evaluate(broker_ids=[enrolled.pk], now=when + datetime.timedelta(minutes=5))
    second = BrokerReadiness.objects.values().get()
    first.pop("last_evaluated_at"), second.pop("last_evaluated_at")
    assert first == second

