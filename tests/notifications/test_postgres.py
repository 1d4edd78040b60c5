"""At most once under concurrency, on PostgreSQL: two sweeps at once, two senders at once."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection

from academy.notifications.models import Notification, Reminder
from academy.notifications.services import notify, reminder_send
from tests import services
from tests.factories import BrokerFactory
from tests.notifications.backends import outage

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]

CONTEXT = {"sitting": "结业考试", "closes_at": "2026-04-22 18:00", "started": False}


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        services.missing("PostgreSQL not configured (set DATABASE_URL=postgres://...)")


def _together(count: int, target) -> list:
    """Run ``target()`` in ``count`` threads released at the same moment; their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(index: int) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results[index] = target()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_two_sweeps_at_once_remind_each_person_once():
    brokers = [BrokerFactory() for _ in range(20)]
    ids = [b.pk for b in brokers]
    outage(0, delay=0.01)

    def sweep():
        return notify(recipients=ids, kind="exam_window_closing", subject=("exams.sitting", 7),
                      window="closes-2026-04-22T18:00", context=CONTEXT).created

    created = _together(4, sweep)
    assert sum(created) == 40  # 20 people × (e-mail, in-app), whoever inserted them
    assert Reminder.objects.count() == 40
    assert Notification.objects.count() == 20
    assert sorted(m.to[0] for m in mail.outbox) == sorted(b.email for b in brokers)
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}


def test_two_senders_of_one_reminder_send_it_once():
    broker = BrokerFactory()
    outage(1, delay=0.5)  # the first send fails slowly: a retry is scheduled
    notify(recipients=[broker], kind="exam_window_closing", subject=("exams.sitting", 8),
           window="w", context=CONTEXT)
    email = Reminder.objects.get(channel="email")
    assert email.status == "pending" and email.attempts == 1
    Reminder.objects.filter(pk=email.pk).update(scheduled_for=None)
    outage(0, delay=0.5)

    outcomes = _together(3, lambda: reminder_send(reminder_id=email.pk))
    assert sorted(outcomes).count("sent") == 1
    assert set(outcomes) <= {"sent", "busy", "done"}
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
