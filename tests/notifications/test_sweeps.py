"""The sweeps: whom each reminds, twice changes nothing, queries do not grow with size."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from academy.notifications.models import Notification, Reminder
from academy.notifications.sweeps import all_sweeps, sweep_run, sweeps_run_all
from courses.reminders import deadline_band
from tests.notices import shown
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
    # Eight, not more: on SQLite Django splits a bulk insert at 999 parameters (some forty
    # reminder rows), a statement more per forty rows; PostgreSQL's insert is one statement
    # whatever the size.
    for size in (2, 8):
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
    note = shown(Notification.objects.get(recipient=first.trainer,
                                          kind="trainer_overdue_digest"))
    assert "5" in note.title
    assert first.cohort.name in note.body and second.cohort.name in note.body


def test_certificate_expiry_reminds_at_each_band_only_while_hours_are_missing(clock, committed):
    import datetime
    from decimal import Decimal

    from certificates.models.issued import Certificate, CertificatePolicy
    from tests.courses.factories import LessonFactory, completed
    from tests.factories import BrokerFactory, level

    CertificatePolicy.objects.update_or_create(
        level=level("junior"), defaults={"validity_months": 36, "renewal_hours": Decimal("4")})
    behind, done = BrokerFactory(), BrokerFactory()
    clock.go(local(2026, 1, 1, 10))
    for broker in (behind, done):
        Certificate.objects.create(
            broker=broker, level=level("junior"), serial=f"E-{broker.pk}",
            holder_name=broker.full_name, issued_at=local(2025, 1, 1, 10),
            valid_from=datetime.date(2025, 1, 1), valid_until=datetime.date(2026, 4, 30),
            subject_salt="s")
    completed(done, LessonFactory(class_hours=Decimal("4")), when=local(2025, 6, 1, 10))
    completed(behind, LessonFactory(class_hours=Decimal("1")), when=local(2025, 6, 1, 10))
    completed(behind, LessonFactory(class_hours=Decimal("9")), when=local(2024, 6, 1, 10))

    sent = []
    for day in (datetime.date(2026, 1, 30), datetime.date(2026, 1, 31),
                datetime.date(2026, 3, 31), datetime.date(2026, 4, 23),
                datetime.date(2026, 4, 30), datetime.date(2026, 5, 1)):
        clock.go(local(day.year, day.month, day.day, 10))
        sent.append(committed(sweep_run, "certificates.expiring").created)
    # 90 days before, nothing the next day, 30 days, 7 days; never after; never for `done`.
    assert sent == [2, 0, 2, 2, 0, 0]
    windows = sorted(Reminder.objects.filter(channel="email").values_list("window", flat=True))
    assert windows == ["expires-2026-04-30:30d", "expires-2026-04-30:7d",
                       "expires-2026-04-30:90d"]
    assert set(Reminder.objects.values_list("recipient_id", flat=True)) == {behind.pk}
    note = shown(Notification.objects.filter(recipient=behind).order_by("pk").first())
    assert "3.00" in note.body  # 4 required, 1 earned while valid (the 9 were before)
