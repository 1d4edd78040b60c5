"""With the Celery broker unreachable, a request that queues background work still succeeds.

Each service below queues a task after its transaction commits. When Redis is down, queuing
fails; the change itself is committed, so the request must not answer 500 for it: the failure
is logged, and the work is caught up later (a sweep, or an admin's resend). The broker here is
a real Redis URL on a port where nothing listens, and tasks are not run eagerly.
"""

from __future__ import annotations

import logging

import pytest

from academy.people.models import Invitation, PracticeRecord
from tests.certificates.factories import requirement_set, submitted_record
from tests.factories import BrokerFactory, UserFactory
from tests.faults.processes import free_port
from tests.flows.workers import celery_sending_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    """Celery sends to a Redis that is not there (and runs nothing eagerly)."""
    with celery_sending_to(f"redis://127.0.0.1:{free_port()}/0", "celery"):
        yield


def _errors(caplog, logger: str) -> list[logging.LogRecord]:
    """The errors ``logger`` reported: an operator hears of the failure, once."""
    return [r for r in caplog.records if r.name == logger and r.levelno >= logging.ERROR]


def test_invitations_are_created_when_their_emails_cannot_be_queued(
        broker_down, django_capture_on_commit_callbacks, caplog):
    from academy.people.services.invitations import invitation_create_many

    admin = UserFactory(roles=["admin"])
    users = [UserFactory() for _ in range(3)]
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        invitations = invitation_create_many(users=users, created_by=admin)

    assert Invitation.objects.filter(pk__in=[i.pk for i in invitations],
                                     sent_at__isnull=True).count() == 3
    # One failure reported for the batch, not one slow retry per invitation.
    assert len(_errors(caplog, "academy.people.invitations")) == 1


def test_a_review_is_saved_and_readiness_scheduled_when_the_email_cannot_be_queued(
        broker_down, django_capture_on_commit_callbacks, caplog, monkeypatch):
    from academy.people.services import practice_record_review
    from academy.people.signals import practice_record_reviewed

    requirement_set(practice_records=1)
    broker = BrokerFactory()
    record = submitted_record(broker)
    heard = []

    def listener(sender, record, approved, **kwargs):
        heard.append((record.pk, approved))

    practice_record_reviewed.connect(listener)
    try:
        with caplog.at_level(logging.ERROR), \
                django_capture_on_commit_callbacks(execute=True):
            practice_record_review(record_id=record.pk, reviewer=UserFactory(roles=["admin"]),
                                   approve=True)
    finally:
        practice_record_reviewed.disconnect(listener)

    record.refresh_from_db()
    assert record.status == PracticeRecord.Status.APPROVED
    assert heard == [(record.pk, True)]  # the certification rules still hear of it
    assert len(_errors(caplog, "academy.people.practice")) == 1


def test_an_export_that_cannot_be_queued_is_marked_failed_not_a_500(
        broker_down, django_capture_on_commit_callbacks, caplog):
    from talent.models import TalentExport
    from talent.selectors.export_kinds import export_kind
    from talent.services.exports import export_request

    auditor = UserFactory(roles=["auditor"])
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        export = export_request(user=auditor, kind=export_kind("brokers"), file_format="xlsx",
                                spec={})

    export.refresh_from_db()
    assert export.status == TalentExport.Status.FAILED  # the page says so; no endless wait
    assert "broker was unreachable" in export.error
    assert len(_errors(caplog, "talent.services.exports")) == 1
