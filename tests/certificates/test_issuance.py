"""Issuing a certificate: once, with everything that goes with it, or not at all."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from academy.notifications.models import Notification, Reminder
from academy.people.models import BrokerProfile
from certificates.models import BrokerReadiness
from certificates.models.issued import Certificate, CertificatePolicy
from certificates.services.issuance import (
    certificate_issue_for_ready,
    certificate_reinstate,
    certificate_revoke,
    certificates_expire_due,
    certificates_ready_uncertified,
)
from certificates.services.serials import serial_valid
from tests.certificates.factories import approved_record, requirement_set, submitted_record
from tests.certificates.issued_fixtures import issue, level, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_passing_the_last_requirement_issues_one_certificate_with_everything(
        django_capture_on_commit_callbacks):
    broker = BrokerFactory()
    admin = UserFactory(roles=["admin"])
    requirement_set(practice_records=1)
    record = submitted_record(broker)
    from academy.people.services import practice_record_review

    with django_capture_on_commit_callbacks(execute=True):
        practice_record_review(record_id=record.pk, reviewer=admin, approve=True)

    certificate = Certificate.objects.get(broker=broker)
    assert certificate.level.code == "intermediate"
    assert certificate.status == Certificate.Status.VALID
    assert serial_valid(certificate.serial)
    assert certificate.serial.startswith(f"4112-M-{timezone.localdate().year}-00001")
    profile = BrokerProfile.objects.get(user=broker)
    assert profile.level.code == "intermediate"
    assert profile.level_since == timezone.localdate()
    actions = list(AuditEvent.objects.filter(person_id=broker.pk)
                   .values_list("action", flat=True))
    assert actions.count("certificates.issued") == 1
    assert actions.count("people.level_changed") == 1
    assert Notification.objects.filter(recipient=broker, kind="certificate_issued").count() == 1
    assert Reminder.objects.filter(recipient=broker, kind="certificate_issued",
                                   channel="email").count() == 1
    certificate.refresh_from_db()
    assert certificate.pdf and certificate.pdf_rendered_at
    assert certificate.credential.count(".") == 2 and certificate.credential_kid


def test_issuing_again_returns_the_same_certificate_and_changes_nothing():
    broker = BrokerFactory()
    first = issue(broker)
    events = AuditEvent.objects.count()
    again = issue(broker)
    assert again.pk == first.pk and first.issued_now and not again.issued_now
    assert Certificate.objects.filter(broker=broker).count() == 1
    assert AuditEvent.objects.count() == events
    assert Notification.objects.filter(recipient=broker).count() == 1


def test_the_database_refuses_a_second_active_certificate_of_a_level():
    broker = BrokerFactory()
    first = issue(broker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            broker=broker, level=first.level, serial="X", holder_name="x",
            issued_at=timezone.now(), valid_from=timezone.localdate(), subject_salt="s")


def test_a_broker_already_at_the_level_keeps_level_and_date():
    broker = BrokerFactory()
    profile = broker.broker_profile
    profile.level = level("intermediate")
    profile.level_since = datetime.date(2024, 5, 1)
    profile.save()
    issue(broker, source=Certificate.Source.DEMO)
    profile.refresh_from_db()
    assert profile.level_since == datetime.date(2024, 5, 1)
    assert not AuditEvent.objects.filter(action="people.level_changed").exists()


def test_serials_are_sequential_per_level_and_year():
    serials = [issue(BrokerFactory()).serial for _ in range(3)]
    assert [s.split("-")[3][:5] for s in serials] == ["00001", "00002", "00003"]
    assert issue(BrokerFactory(), "senior").serial.split("-")[1] == "S"


def test_a_failure_inside_issuance_leaves_nothing_and_gives_the_serial_back(monkeypatch):
    broker = BrokerFactory()
    import certificates.services.batch as batch

    def boom(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(batch, "audit_record_many", boom)
    with pytest.raises(RuntimeError):
        issue(broker)
    assert not Certificate.objects.exists()
    assert BrokerProfile.objects.get(user=broker).level.code == "junior"
    assert not Notification.objects.exists()
    monkeypatch.undo()
    assert issue(broker).serial.split("-")[3][:5] == "00001"


def test_validity_comes_from_the_level_policy():
    CertificatePolicy.objects.create(level=level("intermediate"), validity_months=36)
    certificate = issue(BrokerFactory())
    today = timezone.localdate()
    assert certificate.valid_until == today.replace(year=today.year + 3) \
        - datetime.timedelta(days=1)


def test_manual_issue_needs_an_admin_and_a_reason():
    broker = BrokerFactory()
    with pytest.raises(PermissionDenied):
        issue(broker, source=Certificate.Source.MANUAL, actor=UserFactory(roles=["auditor"]),
              reason="x")
    with pytest.raises(ApplicationError):
        issue(broker, source=Certificate.Source.MANUAL, actor=UserFactory(roles=["admin"]))
    certificate = issue(broker, source=Certificate.Source.MANUAL,
                        actor=UserFactory(roles=["admin"]), reason="补发：原证书遗失")
    assert certificate.source == "manual"
    event = AuditEvent.objects.get(action="certificates.issued")
    assert event.after["reason"] == "补发：原证书遗失"


def test_revocation_is_never_undone_automatically_only_by_an_admin():
    broker = BrokerFactory()
    admin = UserFactory(roles=["admin"])
    certificate = issue(broker)
    certificate_revoke(certificate_id=certificate.pk, actor=admin, reason="材料造假")
    with pytest.raises(ApplicationError):
        issue(broker)
    BrokerReadiness.objects.create(broker=broker, level=level("senior"), ready=False,
                                   last_evaluated_at=timezone.now())
    assert certificate_issue_for_ready(broker_id=broker.pk) is None
    again = issue(broker, source=Certificate.Source.MANUAL, actor=admin, reason="复核通过")
    assert again.pk != certificate.pk
    assert Certificate.objects.filter(broker=broker).count() == 2


def test_revoke_and_reinstate_are_audited_and_notified():
    broker = BrokerFactory()
    admin = UserFactory(roles=["admin"])
    certificate = issue(broker)
    with pytest.raises(ApplicationError):
        certificate_revoke(certificate_id=certificate.pk, actor=admin, reason=" ")
    with pytest.raises(PermissionDenied):
        certificate_revoke(certificate_id=certificate.pk, actor=UserFactory(roles=["auditor"]),
                           reason="x")
    revoked = certificate_revoke(certificate_id=certificate.pk, actor=admin, reason="材料造假")
    assert revoked.status == "revoked" and revoked.revoked_by == admin
    reinstated = certificate_reinstate(certificate_id=certificate.pk, actor=admin,
                                       reason="复核无误")
    assert reinstated.status == "valid" and reinstated.revoked_at is None
    actions = list(AuditEvent.objects.filter(subject_type="certificates.certificate",
                                             subject_id=str(certificate.pk))
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["certificates.issued", "certificates.revoked", "certificates.reinstated"]
    kinds = set(Notification.objects.filter(recipient=broker).values_list("kind", flat=True))
    assert kinds == {"certificate_issued", "certificate_revoked", "certificate_reinstated"}


def test_the_daily_task_expires_certificates_past_their_last_day():
    CertificatePolicy.objects.create(level=level("intermediate"), validity_months=12)
    certificate = issue(BrokerFactory())
    assert certificates_expire_due() == 0
    later = certificate.valid_until + datetime.timedelta(days=1)
    assert certificates_expire_due(today=later) == 1
    assert certificates_expire_due(today=later) == 0
    certificate.refresh_from_db()
    assert certificate.status == "expired"
    assert AuditEvent.objects.filter(action="certificates.expired").count() == 1


def test_the_sweep_finds_ready_brokers_whose_message_was_lost():
    from certificates.services import readiness_evaluate
    from tests.certificates.factories import ready_event_isolated

    broker = BrokerFactory()
    requirement_set(practice_records=1)
    approved_record(broker)
    with ready_event_isolated():  # the "ready" message is lost
        readiness_evaluate(broker_ids=[broker.pk])
    assert not Certificate.objects.exists()
    assert certificates_ready_uncertified() == [broker.pk]
    from certificates.tasks import certificates_issue_sweep

    assert certificates_issue_sweep.delay().get() == 1
    assert Certificate.objects.filter(broker=broker).count() == 1
    assert certificates_ready_uncertified() == []
