"""Issuing the certificates of many ready brokers in one transaction (``certificates/batch.py``)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.audit.selectors import audit_chain_verify
from academy.notifications.models import Notification, Reminder
from academy.people.models import BrokerProfile
from certificates.credentials.signing import credential_verify, published_jwks
from certificates.models import BrokerReadiness
from certificates.models.issued import Certificate, CertificatePolicy, SerialCounter
from certificates.services import batch
from certificates.services.batch import certificates_issue_collected, certificates_issue_ready
from certificates.services.issuance import certificate_revoke, certificates_ready_uncertified
from certificates.services.serials import serial_format
from tests.certificates.factories import requirement_set
from tests.certificates.issued_fixtures import issue, level, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ready(count: int) -> list:
    """``count`` junior brokers recorded as ready for intermediate."""
    rs = requirement_set(practice_records=1)
    now = timezone.now()
    brokers = [BrokerFactory() for _ in range(count)]
    for broker in brokers:
        BrokerReadiness.objects.update_or_create(
            broker=broker, level=level("intermediate"),
            defaults={"ready": True, "ready_since": now, "last_evaluated_at": now,
                      "requirement_set": rs})
    return brokers


def _year() -> int:
    return timezone.localdate().year


def test_a_batch_issues_each_ready_broker_everything_once(django_capture_on_commit_callbacks):
    CertificatePolicy.objects.create(level=level("intermediate"), validity_months=36)
    brokers = _ready(4)
    with django_capture_on_commit_callbacks(execute=True):
        issued = certificates_issue_ready(broker_ids=[b.pk for b in brokers])

    assert set(issued) == {b.pk for b in brokers}
    assert all(c.issued_now for c in issued.values())
    certificates = list(Certificate.objects.order_by("serial"))
    assert len(certificates) == 4
    # Gap-free serials of the level and year, one counter update for the batch.
    assert [c.serial for c in certificates] == [
        serial_format(level_code="intermediate", year=_year(), seq=n) for n in range(1, 5)]
    assert SerialCounter.objects.get(level=level("intermediate"), year=_year()).last == 4
    keys = published_jwks()
    for certificate in certificates:
        assert certificate.status == "valid" and certificate.source == "automatic"
        assert certificate.valid_until is not None
        assert certificate.requirement_set is not None
        # Issued means signed: the credential verifies with the published key.
        assert credential_verify(certificate.credential, jwks=keys).ok
        assert certificate.pdf and certificate.pdf_rendered_at  # the render task, after commit
    for broker in brokers:
        profile = BrokerProfile.objects.get(user=broker)
        assert profile.level.code == "intermediate"
        assert profile.level_since == timezone.localdate()
        assert AuditEvent.objects.filter(person_id=broker.pk,
                                         action="people.level_changed").count() == 1
        assert AuditEvent.objects.filter(person_id=broker.pk,
                                         action="certificates.issued").count() == 1
        assert Notification.objects.filter(recipient=broker,
                                           kind="certificate_issued").count() == 1
        assert Reminder.objects.filter(recipient=broker, kind="certificate_issued",
                                       channel="email").count() == 1
    # Each broker's level change comes just before their certificate's issuance.
    actions = list(AuditEvent.objects.filter(action__in=["people.level_changed",
                                                         "certificates.issued"])
                   .order_by("seq").values_list("action", "person_id"))
    assert actions == [(a, b.pk) for b in sorted(brokers, key=lambda x: x.pk)
                       for a in ("people.level_changed", "certificates.issued")]
    assert audit_chain_verify().ok
    # The promoted brokers' readiness for the next level was evaluated (one task, on commit).
    assert BrokerReadiness.objects.filter(level=level("senior"),
                                          broker__in=brokers).count() == 4


def test_running_a_batch_again_returns_the_same_certificates_and_changes_nothing():
    brokers = _ready(3)
    first = certificates_issue_ready(broker_ids=[b.pk for b in brokers])
    events, notes = AuditEvent.objects.count(), Notification.objects.count()
    again = certificates_issue_ready(broker_ids=[b.pk for b in brokers])
    assert again == {}  # promoted: nothing above their level is ready any more
    assert Certificate.objects.count() == 3
    assert (AuditEvent.objects.count(), Notification.objects.count()) == (events, notes)
    assert SerialCounter.objects.get(level=level("intermediate"), year=_year()).last == 3
    assert set(first) == {b.pk for b in brokers}


def test_a_broker_holding_the_certificate_gets_it_back_and_a_revoked_one_gets_nothing():
    brokers = _ready(3)
    holder, revoked, fresh = brokers
    held = issue(holder)
    BrokerProfile.objects.filter(user=holder).update(level=level("junior"))  # level set back
    gone = issue(revoked)
    certificate_revoke(certificate_id=gone.pk, actor=UserFactory(roles=["admin"]), reason="x")
    BrokerProfile.objects.filter(user=revoked).update(level=level("junior"))
    not_ready = BrokerFactory()

    issued = certificates_issue_ready(
        broker_ids=[holder.pk, revoked.pk, fresh.pk, not_ready.pk, 10**9])
    assert set(issued) == {holder.pk, fresh.pk}
    assert issued[holder.pk].pk == held.pk and not issued[holder.pk].issued_now
    assert issued[fresh.pk].issued_now
    assert Certificate.objects.filter(broker=revoked).count() == 1
    assert not Certificate.objects.filter(broker=not_ready).exists()
    assert audit_chain_verify().ok


def test_a_failure_inside_the_batch_leaves_nothing(monkeypatch):
    brokers = _ready(3)

    def fail(events):
        raise RuntimeError("killed while appending to the audit trail")

    monkeypatch.setattr(batch, "audit_record_many", fail)
    with pytest.raises(RuntimeError):
        certificates_issue_ready(broker_ids=[b.pk for b in brokers])
    assert not Certificate.objects.exists()
    assert not Reminder.objects.exists() and not Notification.objects.exists()
    assert BrokerProfile.objects.filter(user__in=brokers, level__code="junior").count() == 3
    assert not SerialCounter.objects.filter(last__gt=0).exists()
    monkeypatch.undo()
    assert len(certificates_issue_ready(broker_ids=[b.pk for b in brokers])) == 3
    assert SerialCounter.objects.get(level=level("intermediate"), year=_year()).last == 3


def test_a_batch_costs_the_same_queries_for_3_brokers_as_for_12():
    brokers = _ready(15)
    certificates_issue_ready(broker_ids=[brokers[0].pk])  # first serial counter, warm caches

    def queries(group) -> int:
        with CaptureQueriesContext(connection) as captured:
            issued = certificates_issue_ready(broker_ids=[b.pk for b in group])
        assert len(issued) == len(group)
        return len(captured.captured_queries)

    assert queries(brokers[1:4]) == queries(brokers[4:16])


def test_the_sweep_queues_ready_brokers_in_batches(settings, monkeypatch):
    from certificates import tasks as tasks_issued

    settings.ACADEMY_CERT_ISSUE_BATCH = 2
    brokers = _ready(5)
    sent: list[list[int]] = []
    real = tasks_issued.certificates_issue_batch.delay

    def spy(ids):
        sent.append(list(ids))
        return real(ids)

    monkeypatch.setattr(tasks_issued.certificates_issue_batch, "delay", spy)
    assert certificates_ready_uncertified(limit=2) == sorted(b.pk for b in brokers)[:2]
    assert certificates_ready_uncertified(after_id=sorted(b.pk for b in brokers)[3]) == \
        [sorted(b.pk for b in brokers)[4]]
    assert tasks_issued.certificates_issue_sweep.delay().get() == 5
    ids = sorted(b.pk for b in brokers)
    assert sent == [ids[0:2], ids[2:4], ids[4:5]]
    assert Certificate.objects.count() == 5
    assert certificates_ready_uncertified() == []


@pytest.mark.django_db(transaction=True)  # "ready" is announced when the evaluation commits
def test_brokers_found_ready_by_a_readiness_task_are_issued_in_one_batch(monkeypatch):
    from certificates import tasks as tasks_issued
    from certificates.tasks import readiness_evaluate
    from tests.certificates.factories import approved_record

    requirement_set(practice_records=1)
    brokers = [BrokerFactory() for _ in range(3)]
    for broker in brokers:
        approved_record(broker)
    batches, singles = [], []
    real_batch = tasks_issued.certificates_issue_batch.delay
    real_single = tasks_issued.certificate_issue_for_ready.delay
    monkeypatch.setattr(tasks_issued.certificates_issue_batch, "delay",
                        lambda ids: (batches.append(list(ids)), real_batch(ids))[1])
    monkeypatch.setattr(tasks_issued.certificate_issue_for_ready, "delay",
                        lambda pk: (singles.append(pk), real_single(pk))[1])

    readiness_evaluate.delay([b.pk for b in brokers])
    assert batches == [sorted(b.pk for b in brokers)] and singles == []
    assert Certificate.objects.filter(broker__in=brokers).count() == 3

    # One broker found ready goes through the single-broker task, as before.
    lone = BrokerFactory()
    approved_record(lone)
    readiness_evaluate.delay([lone.pk])
    assert singles == [lone.pk]
    assert Certificate.objects.filter(broker=lone).count() == 1


def test_collecting_left_by_an_error_queues_nothing(monkeypatch):
    queued = []
    monkeypatch.setattr(batch, "certificate_issue_queue", queued.append)
    with pytest.raises(RuntimeError), certificates_issue_collected() as collected:
        collected.append(1)
        raise RuntimeError
    assert queued == []
    with certificates_issue_collected() as collected:
        collected.extend([2, 3])
    assert queued == [[2, 3]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_overlapping_batches_at_once_issue_each_broker_once(postgres):
    brokers = _ready(12)
    ids = [b.pk for b in brokers]
    groups = [ids[0:8], ids[4:12], ids[::-1], ids[2:10]]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(groups))

    def run(group) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                certificates_issue_ready(broker_ids=group)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(g,)) for g in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert Certificate.objects.count() == 12
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == [
        serial_format(level_code="intermediate", year=_year(), seq=n) for n in range(1, 13)]
    assert AuditEvent.objects.filter(action="people.level_changed").count() == 12
    assert AuditEvent.objects.filter(action="certificates.issued").count() == 12
    assert Notification.objects.filter(kind="certificate_issued").count() == 12
    assert audit_chain_verify().ok
