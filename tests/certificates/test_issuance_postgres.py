"""On PostgreSQL: issuing concurrently leaves one certificate, one level change, one
notification; serials stay gap-free under concurrent issuance of different brokers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from academy.audit.models import AuditEvent
from academy.notifications.models import Notification, Reminder
from certificates.models.issued import Certificate
from certificates.services.issuance import certificate_issue
from tests.certificates.issued_fixtures import level, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]


def _race(functions) -> list[BaseException | None]:
    barrier = threading.Barrier(len(functions))
    outcomes: list[BaseException | None] = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            function()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_concurrent_issuance_leaves_one_certificate_level_change_and_notification(
        postgres, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    broker = BrokerFactory()
    intermediate = level("intermediate")
    outcomes = _race([lambda: certificate_issue(broker_id=broker.pk,
                                                level_id=intermediate.pk)] * 6)
    assert outcomes == [None] * 6
    assert Certificate.objects.filter(broker=broker).count() == 1
    assert AuditEvent.objects.filter(action="people.level_changed",
                                     person_id=broker.pk).count() == 1
    assert AuditEvent.objects.filter(action="certificates.issued").count() == 1
    assert Notification.objects.filter(recipient=broker, kind="certificate_issued").count() == 1
    assert Reminder.objects.filter(recipient=broker, kind="certificate_issued").count() == 2
    broker.broker_profile.refresh_from_db()
    assert broker.broker_profile.level == intermediate


def test_concurrent_issuance_to_many_brokers_gives_gap_free_serials(postgres):
    brokers = [BrokerFactory() for _ in range(8)]
    intermediate = level("intermediate")
    outcomes = _race([
        (lambda pk=b.pk: certificate_issue(broker_id=pk, level_id=intermediate.pk))
        for b in brokers
    ])
    assert outcomes == [None] * 8
    sequences = sorted(int(s.split("-")[3][:5])
                       for s in Certificate.objects.values_list("serial", flat=True))
    assert sequences == list(range(1, 9))
