"""Through a real Celery worker on Redis: passing the last requirement issues one
certificate; the issuance task sent twice still issues once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.notifications.models import Notification
from certificates.models import BrokerReadiness
from certificates.models.issued import Certificate
from certificates.tasks import certificate_issue_for_ready
from tests.certificates.factories import approved_record, requirement_set, submitted_record
from tests.certificates.issued_fixtures import level
from tests.factories import BrokerFactory, UserFactory
from tests.flows.conftest import (  # noqa: F401 - fixtures
    _worker_process,
    celery_worker,
    wait_drained,
    wait_for,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]


def test_passing_the_last_requirement_issues_one_certificate_through_the_worker(
        celery_worker):  # noqa: F811
    from academy.people.services import practice_record_review

    broker = BrokerFactory()
    admin = UserFactory(roles=["admin"])
    requirement_set(practice_records=1)
    record = submitted_record(broker)
    practice_record_review(record_id=record.pk, reviewer=admin, approve=True)

    certificate = wait_for(
        lambda: Certificate.objects.filter(broker=broker).first(), timeout=60,
        worker=celery_worker, what="the certificate to be issued by the worker")
    wait_for(lambda: Certificate.objects.filter(pk=certificate.pk).exclude(credential="")
             .exists(), timeout=30, worker=celery_worker, what="the credential to be signed")
    wait_drained(celery_worker)
    assert Certificate.objects.filter(broker=broker).count() == 1
    assert Notification.objects.filter(recipient=broker, kind="certificate_issued").count() == 1
    broker.broker_profile.refresh_from_db()
    assert broker.broker_profile.level.code == "intermediate"


def test_the_task_sent_twice_issues_once(celery_worker):  # noqa: F811
    requirement_set(practice_records=1)
    broker = BrokerFactory()
    approved_record(broker)  # any evaluation by the worker also finds them ready
    now = timezone.now()
    BrokerReadiness.objects.update_or_create(
        broker=broker, level=level("intermediate"),
        defaults={"ready": True, "ready_since": now, "last_evaluated_at": now})
    certificate_issue_for_ready.delay(broker.pk)
    certificate_issue_for_ready.delay(broker.pk)
    wait_for(lambda: Certificate.objects.filter(broker=broker).exists(), timeout=60,
             worker=celery_worker, what="the certificate")
    wait_drained(celery_worker)
    assert Certificate.objects.filter(broker=broker).count() == 1
    assert AuditEvent.objects.filter(action="people.level_changed",
                                     person_id=broker.pk).count() == 1
    assert Notification.objects.filter(recipient=broker, kind="certificate_issued").count() == 1
