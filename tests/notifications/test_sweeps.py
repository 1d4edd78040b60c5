"""The sweeps: whom each reminds, twice changes nothing, queries do not grow with size."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from academy.notifications.models import Notification, Reminder
from academy.notifications.sweeps import all_sweeps, sweep_run, sweeps_run_all
from courses.reminders import deadline_band
from tests.notifications.conftest import local
from tests.notifications.world import build, expected_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _daytime(clock, settings):
    settings.ACADEMY_NOTIFY_BATCH_SIZE = 1000
    clock.go(local(2026, 3, 16, 10))


def _state() -> tuple[int, int, int, int]:
    return (Reminder.objects.count(), Notification.objects.count(),
            Reminder.objects.filter(status="sent").count(), len(mail.outbox))


@pytest.mark.parametrize(("days", "band"), [(8, None), (7, 7), (5, 7), (4, 7), (3, 3), (2, 3),
                                            (1, 1), (0, 1), (-1, None)])
def test_deadline_bands(days, band):
    assert deadline_band(days, [1, 3, 7]) == band


def test_every_registered_sweep_is_covered_here():
    assert {s.name for s in all_sweeps()} == set(expected_rows(1))


def test_each_sweep_reminds_whom_it_should(committed):
    build(4)
    for name, rows in expected_rows(4).items():
        report = committed(sweep_run, name)
        assert report.created == rows, name
    # Every e-mail went out once (daytime: nothing waits for the morning).
    assert len(mail.outbox) == Reminder.objects.filter(channel="email").count()
    assert not Reminder.objects.exclude(status="sent").exists()


def test_running_every_sweep_twice_changes_nothing(committed):
    build(3)
    committed(sweeps_run_all)
    after_first = _state()
    assert after_first[0] > 0
    reports = committed(sweeps_run_all)
    assert all(report.created == 0 for report in reports)
    assert _state() == after_first


@pytest.mark.parametrize("name", sorted(expected_rows(1)))
def test_a_sweeps_queries_do_not_grow_with_the_number_of_brokers(name, committed):
    counts = []
    for size in (2, 10):
        build(size)
        with CaptureQueriesContext(connection) as queries:
            report = sweep_run(name)
        # The earlier world's people were reminded already: only the new ones are.
        assert report.created == expected_rows(size)[name]
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{name}: {counts}"


def test_a_trainer_of_two_worlds_gets_one_digest_listing_both(committed):
    first, second = build(2), build(3)
    second.cohort.trainers.add(first.trainer)
    committed(sweep_run, "courses.trainer_overdue_digest")
    note = Notification.objects.get(recipient=first.trainer, kind="trainer_overdue_digest")
    assert "5" in note.title
    assert first.cohort.name in note.body and second.cohort.name in note.body
