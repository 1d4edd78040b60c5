"""A level's certificate policy decides who issues it: automatically when the broker is
ready (the default), or an administrator from the ready-for-promotion list. Tasks run eagerly
here, as a worker would run them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from academy.audit.models import AuditEvent
from academy.people.models import Level
from certificates.models import BrokerReadiness
from certificates.models.issued import Certificate, CertificatePolicy
from certificates.selectors.readiness_sets import ready_for_promotion
from certificates.services import certificate_policy_changed, certificate_policy_summary
from certificates.tasks import certificate_issue_for_ready, certificates_issue_sweep
from tests.certificates.factories import requirement_set, submitted_record
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(roles=["admin"])


@pytest.fixture
def issued_by_admin():
    return CertificatePolicy.objects.create(level=Level.objects.get(code="intermediate"),
                                            issue_automatically=False)


def _becomes_ready(broker, admin, capture) -> None:
    from academy.people.services import practice_record_review

    requirement_set(practice_records=1)
    record = submitted_record(broker)
    with capture(execute=True):
        practice_record_review(record_id=record.pk, reviewer=admin, approve=True)


def test_a_ready_broker_waits_for_the_admin_when_the_level_is_issued_by_hand(
        admin, issued_by_admin, django_capture_on_commit_callbacks):
    broker = BrokerFactory()
    _becomes_ready(broker, admin, django_capture_on_commit_callbacks)

    assert BrokerReadiness.objects.get(broker=broker).ready
    assert not Certificate.objects.filter(broker=broker).exists()
    # The event's task and the safety-net sweep, run again as a worker would, issue nothing.
    assert certificate_issue_for_ready.apply(args=[broker.pk]).get(disable_sync_subtasks=False) is None
    certificates_issue_sweep.apply(kwargs={"after_id": 0}).get(disable_sync_subtasks=False)
    assert not Certificate.objects.filter(broker=broker).exists()
    assert [pk for pk, _level in ready_for_promotion()] == [broker.pk]


def test_the_admin_issues_the_waiting_broker_from_the_ready_list(
        client, admin, mfa_enrolled, issued_by_admin, django_capture_on_commit_callbacks):
    broker = BrokerFactory()
    _becomes_ready(broker, admin, django_capture_on_commit_callbacks)
    mfa_enrolled(admin)
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:ready_list"), {"broker": broker.pk})

    assert response.status_code == 302
    certificate = Certificate.objects.get(broker=broker)
    assert certificate.level.code == "intermediate"
    assert ready_for_promotion() == []


def test_without_a_policy_the_ready_broker_is_issued_automatically(
        admin, django_capture_on_commit_callbacks):
    broker = BrokerFactory()
    _becomes_ready(broker, admin, django_capture_on_commit_callbacks)

    assert Certificate.objects.filter(broker=broker).count() == 1
    assert ready_for_promotion() == []


def test_turning_automatic_issuance_on_issues_the_waiting_brokers_and_is_audited(
        admin, issued_by_admin, django_capture_on_commit_callbacks):
    broker = BrokerFactory()
    _becomes_ready(broker, admin, django_capture_on_commit_callbacks)
    before = certificate_policy_summary(issued_by_admin)

    issued_by_admin.issue_automatically = True
    issued_by_admin.save(update_fields=["issue_automatically"])
    with django_capture_on_commit_callbacks(execute=True):
        certificate_policy_changed(policy=issued_by_admin, actor=admin, before=before)

    assert Certificate.objects.filter(broker=broker).count() == 1
    event = AuditEvent.objects.get(action="certificates.policy_changed")
    assert event.before["issue_automatically"] is False
    assert event.after["issue_automatically"] is True


def test_the_path_page_says_who_issues_the_certificate(
        client, admin, issued_by_admin, django_capture_on_commit_callbacks):
    broker = BrokerFactory()
    _becomes_ready(broker, admin, django_capture_on_commit_callbacks)
    client.force_login(broker)

    body = client.get(reverse("certificates:my_path")).content.decode()

    assert "An administrator of the bureau issues your certificate" in body
    assert "will be issued automatically" not in body
