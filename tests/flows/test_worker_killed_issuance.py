"""A Celery worker killed (SIGKILL) in the middle of certificate issuance, and the issuance
task run twice at the same moment, still leave exactly one certificate, one level change, one
notification and one audit event.

Real workers on Redis and the test's PostgreSQL database (``tests/flows/workers.py``). Each
worker is stopped at a chosen statement by a lock a session of the test holds, and killed
there:

- inside the issuing transaction, after it created the certificate and promoted the broker,
  while it waits to append to the audit trail (the chain head row): nothing may remain, and
  the task, redelivered (acks late) to a new worker, issues the certificate once;
- after that transaction committed, while the PDF is rendered (the render task waits to
  store it): the certificate stays as it is, and the redelivered render and signing tasks
  complete it.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from academy.audit.models import AuditChainHead, AuditEvent
from academy.audit.selectors import audit_chain_verify
from academy.notifications.models import Notification, Reminder
from academy.people.models import BrokerProfile
from certificates.models import BrokerReadiness
from certificates.models.issued import Certificate, SerialCounter
from certificates.services.serials import serial_format
from certificates.tasks import certificate_issue_for_ready
from tests.certificates.factories import approved_record, requirement_set
from tests.factories import BrokerFactory, level
from tests.flows.conftest import wait_for
from tests.flows.workers import (  # noqa: F401 - fixtures
    killable_workers,
    pg_session,
    relation_waited_for,
    relations_locked_by,
    wait_blocked_by,
    wait_session_gone,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]

CHAIN_HEAD = AuditChainHead._meta.db_table
CERTIFICATES = Certificate._meta.db_table
PROFILES = BrokerProfile._meta.db_table


def _ready_broker():
    """A junior broker recorded as ready for intermediate (one approved practice record)."""
    requirement_set(practice_records=1)
    broker = BrokerFactory()
    approved_record(broker)
    now = timezone.now()
    BrokerReadiness.objects.update_or_create(
        broker=broker, level=level("intermediate"),
        defaults={"ready": True, "ready_since": now, "last_evaluated_at": now})
    AuditChainHead.objects.get_or_create(pk=1)  # the row the issuance locks to append
    return broker


def _completed(broker, worker) -> Certificate:
    """Wait for the certificate, its PDF and its signed credential."""
    return wait_for(
        lambda: Certificate.objects.filter(broker=broker, pdf_rendered_at__isnull=False)
        .exclude(credential="").exclude(pdf="").first(),
        timeout=90, worker=worker, what="the certificate with its PDF and credential")


def _assert_issued_once(broker, workers) -> Certificate:
    certificate = Certificate.objects.get(broker=broker)
    year = certificate.valid_from.year
    # Gap-free: the killed transaction's serial was rolled back with it.
    assert certificate.serial == serial_format(level_code="intermediate", year=year, seq=1)
    assert SerialCounter.objects.get(level=certificate.level, year=year).last == 1
    profile = BrokerProfile.objects.get(user=broker)
    assert profile.level.code == "intermediate"
    assert AuditEvent.objects.filter(action="people.level_changed",
                                     person_id=broker.pk).count() == 1
    assert AuditEvent.objects.filter(action="certificates.issued",
                                     person_id=broker.pk).count() == 1
    assert Notification.objects.filter(recipient=broker, kind="certificate_issued").count() == 1
    assert Reminder.objects.filter(recipient=broker, kind="certificate_issued",
                                   channel="inapp").count() == 1
    assert audit_chain_verify().ok
    pdf = (workers.media_root / certificate.pdf.name).read_bytes()
    assert pdf.startswith(b"%PDF-")
    return certificate


def test_a_worker_killed_inside_the_issuing_transaction_leaves_nothing_and_the_task_is_redone(
        killable_workers, pg_session):  # noqa: F811
    broker = _ready_broker()
    worker = killable_workers.start("first")
    holder = pg_session()
    holder.lock_rows(AuditChainHead, id=1)

    certificate_issue_for_ready.delay(broker.pk)

    [(issuer, statement)] = wait_blocked_by(holder.pid, worker=worker,
                                            what="the issuing transaction to wait for the "
                                                 "audit trail")
    assert CHAIN_HEAD in statement
    # It is inside the transaction, past the certificate's insert and the level change.
    locked = relations_locked_by(issuer)
    assert (CERTIFICATES, "RowExclusiveLock") in locked
    assert (PROFILES, "RowExclusiveLock") in locked

    killable_workers.kill(worker)
    holder.release()
    wait_session_gone(issuer)  # its transaction was rolled back, never committed

    assert not Certificate.objects.filter(broker=broker).exists()
    assert BrokerProfile.objects.get(user=broker).level.code == "junior"
    assert not AuditEvent.objects.filter(
        person_id=broker.pk, action__in=["people.level_changed", "certificates.issued"]).exists()
    assert not Reminder.objects.filter(recipient=broker).exists()
    assert not SerialCounter.objects.filter(last__gt=0).exists()

    second = killable_workers.start("second")  # the message comes back to it (acks late)
    _completed(broker, second)
    killable_workers.wait_idle(second)
    _assert_issued_once(broker, killable_workers)
    assert "certificate_issue_for_ready" in second.log()


def test_a_worker_killed_while_the_pdf_renders_keeps_the_certificate_and_finishes_it(
        killable_workers, pg_session):  # noqa: F811
    broker = _ready_broker()
    worker = killable_workers.start("first")
    audit = pg_session()
    audit.lock_rows(AuditChainHead, id=1)
    certificate_issue_for_ready.delay(broker.pk)
    [(issuer, _)] = wait_blocked_by(audit.pid, worker=worker,
                                    what="the issuing transaction to wait for the audit trail")

    # Queue, behind the issuing transaction, for a lock that lets the certificate be read but
    # not locked or changed: granted the moment the issuance commits, before the render task
    # (queued on commit) reaches the statement that stores the PDF.
    table = pg_session()
    table.lock_table_waiting(Certificate, "EXCLUSIVE")
    wait_blocked_by(issuer, worker=worker, what="the table lock to queue behind the issuance")
    audit.release()
    wait_for(table.done, timeout=30, worker=worker, what="the issuance to commit")
    [(renderer, _)] = wait_blocked_by(table.pid, worker=worker,
                                      what="the render task to wait to store the PDF")
    # SELECT ... FOR UPDATE of the certificate, the PDF drawn and about to be stored.
    assert relation_waited_for(renderer) == (CERTIFICATES, "RowShareLock")

    killable_workers.kill(worker)
    table.release()
    wait_session_gone(renderer)

    certificate = Certificate.objects.get(broker=broker)  # committed before the kill
    assert not certificate.pdf and certificate.pdf_rendered_at is None
    # The credential was signed inside the issuing transaction: issued means signed.
    assert certificate.credential.count(".") == 2 and certificate.credential_kid

    second = killable_workers.start("second")
    _completed(broker, second)
    killable_workers.wait_idle(second)
    assert _assert_issued_once(broker, killable_workers).pk == certificate.pk
    assert "certificate_render_pdf" in second.log()


def test_the_issuance_task_run_twice_at_once_issues_once(
        killable_workers, pg_session):  # noqa: F811
    broker = _ready_broker()
    one = killable_workers.start("one")
    two = killable_workers.start("two")
    holder = pg_session()
    holder.lock_rows(BrokerProfile, user_id=broker.pk)

    certificate_issue_for_ready.delay(broker.pk)
    certificate_issue_for_ready.delay(broker.pk)
    # Both workers wait at the same statement (locking the broker's profile), then race.
    wait_blocked_by(holder.pid, worker=one, count=2,
                    what="both issuing transactions to wait for the broker's profile")
    holder.release()

    certificate = _completed(broker, one)
    killable_workers.wait_idle(one)
    _assert_issued_once(broker, killable_workers)
    # Each worker ran the task and returned the same certificate. (A worker idle while the
    # other still waited may also have been handed the other's message again, the visibility
    # timeout being seconds here: that run returns the same certificate too.)
    done = re.compile(r"certificate_issue_for_ready\[[^\]]+\] succeeded in [\d.]+s: (\w+)")
    for worker in (one, two):
        returned = done.findall(worker.log())
        assert returned and set(returned) == {str(certificate.pk)}, worker.log()
