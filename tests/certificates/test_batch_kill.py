"""A worker killed (SIGKILL) in the middle of a batch issuance, and the batch task run twice at
once, still leave each broker exactly one certificate, level change, notification and audit
event, with gap-free serials (real workers on Redis and PostgreSQL, ``tests/flows/workers.py``).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from academy.audit.models import AuditChainHead, AuditEvent
from academy.audit.selectors import audit_chain_verify
from academy.notifications.models import Notification, Reminder
from academy.people.models import BrokerProfile
from certificates.models import BrokerReadiness
from certificates.models.issued import Certificate, SerialCounter
from certificates.services.serials import serial_format
from certificates.tasks import certificates_issue_batch
from tests.certificates.factories import approved_record, requirement_set
from tests.factories import BrokerFactory, level
from tests.flows.conftest import wait_for
from tests.flows.workers import (  # noqa: F401 - fixtures
    killable_workers,
    pg_session,
    relations_locked_by,
    wait_blocked_by,
    wait_session_gone,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]

COUNT = 5


def _ready_brokers() -> list:
    rs = requirement_set(practice_records=1)
    now = timezone.now()
    brokers = [BrokerFactory() for _ in range(COUNT)]
    for broker in brokers:
        approved_record(broker)  # what the worker's re-evaluation finds: still ready
        BrokerReadiness.objects.update_or_create(
            broker=broker, level=level("intermediate"),
            defaults={"ready": True, "ready_since": now, "last_evaluated_at": now,
                      "requirement_set": rs})
    AuditChainHead.objects.get_or_create(pk=1)
    return brokers


def _completed(worker) -> None:
    wait_for(lambda: Certificate.objects.exclude(credential="").exclude(pdf="")
             .count() == COUNT or None,
             timeout=90, worker=worker, what="the certificates with their PDFs")


def _assert_issued_once(brokers, workers) -> None:
    year = timezone.localdate().year
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == [
        serial_format(level_code="intermediate", year=year, seq=n) for n in range(1, COUNT + 1)]
    assert SerialCounter.objects.get(level=level("intermediate"), year=year).last == COUNT
    for broker in brokers:
        assert Certificate.objects.filter(broker=broker).count() == 1
        assert BrokerProfile.objects.get(user=broker).level.code == "intermediate"
        for action in ("people.level_changed", "certificates.issued"):
            assert AuditEvent.objects.filter(action=action, person_id=broker.pk).count() == 1
        assert Notification.objects.filter(recipient=broker,
                                           kind="certificate_issued").count() == 1
    assert audit_chain_verify().ok
    for certificate in Certificate.objects.all():
        assert certificate.credential.count(".") == 2
        assert (workers.media_root / certificate.pdf.name).read_bytes().startswith(b"%PDF-")


def test_a_worker_killed_inside_the_batch_transaction_leaves_nothing_and_the_batch_is_redone(
        killable_workers, pg_session):  # noqa: F811
    brokers = _ready_brokers()
    worker = killable_workers.start("first")
    holder = pg_session()
    holder.lock_rows(AuditChainHead, id=1)

    certificates_issue_batch.delay([b.pk for b in brokers])

    [(issuer, statement)] = wait_blocked_by(holder.pid, worker=worker,
                                            what="the batch to wait for the audit trail")
    assert AuditChainHead._meta.db_table in statement
    # Past the certificates' insert, their signatures and the promotions.
    locked = relations_locked_by(issuer)
    assert (Certificate._meta.db_table, "RowExclusiveLock") in locked
    assert (BrokerProfile._meta.db_table, "RowExclusiveLock") in locked
    killable_workers.kill(worker)
    holder.release()
    wait_session_gone(issuer)

    assert not Certificate.objects.exists()
    assert not BrokerProfile.objects.filter(user__in=brokers, level__code="intermediate").exists()
    assert not AuditEvent.objects.filter(action="certificates.issued").exists()
    assert not Reminder.objects.exists()
    assert not SerialCounter.objects.filter(last__gt=0).exists()

    second = killable_workers.start("second")  # the message comes back (acks late)
    _completed(second)
    killable_workers.wait_idle(second)
    _assert_issued_once(brokers, killable_workers)
    assert "certificates_issue_batch" in second.log()


def test_the_batch_task_run_twice_at_once_issues_once(killable_workers, pg_session):  # noqa: F811
    brokers = _ready_brokers()
    one = killable_workers.start("one")
    two = killable_workers.start("two")
    holder = pg_session()
    holder.lock_rows(BrokerProfile, user_id=brokers[0].pk)

    certificates_issue_batch.delay([b.pk for b in brokers])
    certificates_issue_batch.delay([b.pk for b in reversed(brokers)])
    wait_blocked_by(holder.pid, worker=one, count=2,
                    what="both batches to wait for the first broker's profile")
    holder.release()

    _completed(one)
    killable_workers.wait_idle(one)
    killable_workers.wait_idle(two)
    _assert_issued_once(brokers, killable_workers)
