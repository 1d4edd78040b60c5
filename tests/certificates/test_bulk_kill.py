"""A Celery worker killed (SIGKILL) in the middle of a cohort's bulk issuance: the redelivered
task continues after the last broker whose issuance committed, and every broker ends with
exactly one certificate, one audit event and one notification.

The test holds the fourth broker's profile row in a session of its own, so the worker stops
inside that broker's issuing transaction (``certificate_issue`` locks the profile first);
the first three have committed. The worker is killed there: PostgreSQL rolls the open
transaction back. The run's lease (90 s) is then made to run out at once rather than waited
for, and a new worker takes the redelivered message (acks late; the test workers' visibility
timeout is a few seconds).
"""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.notifications.models import Notification
from academy.people.models import BrokerProfile
from certificates.models.bulk import BulkRun, BulkRunItem
from certificates.models.issued import Certificate
from certificates.services.bulk import bulk_cohort_issue_start
from tests.certificates.factories import approved_record, requirement_set
from tests.courses.factories import CohortFactory, enrol
from tests.factories import BrokerFactory, UserFactory
from tests.flows.conftest import wait_for
from tests.flows.workers import (  # noqa: F401 - fixtures
    killable_workers,
    pg_session,
    sessions_blocked_by,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]

BROKERS = 6


def test_a_worker_killed_mid_run_continues_where_it_stopped_and_issues_once(
        killable_workers, pg_session):  # noqa: F811
    requirement_set(practice_records=1)
    cohort = CohortFactory()
    brokers = sorted((BrokerFactory() for _ in range(BROKERS)), key=lambda b: b.pk)
    admin = UserFactory(roles=["admin"])
    worker = killable_workers.start("first")
    for broker in brokers:
        enrol(broker, cohort)  # the worker evaluates each: not ready yet
    killable_workers.wait_idle(worker)
    for broker in brokers:
        approved_record(broker)  # written without a review: no evaluation, no automatic issue

    holder = pg_session()
    holder.lock_rows(BrokerProfile, user_id=brokers[3].pk)
    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort.pk)

    blocked = wait_for(lambda: sessions_blocked_by(holder.pid), timeout=60, worker=worker,
                       what="the run to wait for the fourth broker's profile")
    assert "FOR UPDATE" in blocked[0][1].upper()
    run.refresh_from_db()
    assert (run.done, run.cursor) == (3, brokers[2].pk)
    assert Certificate.objects.filter(broker__in=brokers).count() == 3

    killable_workers.kill(worker)
    holder.release()
    assert BulkRun.objects.get(pk=run.pk).lease_token  # the dead worker's lease
    BulkRun.objects.filter(pk=run.pk).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1))

    second = killable_workers.start("second")
    wait_for(lambda: BulkRun.objects.get(pk=run.pk).status == BulkRun.Status.DONE,
             timeout=90, worker=second, what="the redelivered run to finish")
    killable_workers.wait_idle(second)

    run.refresh_from_db()
    assert (run.total, run.done, run.succeeded, run.skipped, run.failed) == (6, 6, 6, 0, 0)
    assert Counter(run.items.values_list("outcome", flat=True)) == \
        Counter({BulkRunItem.Outcome.ISSUED: BROKERS})
    ids = [b.pk for b in brokers]
    assert Counter(Certificate.objects.filter(broker_id__in=ids)
                   .values_list("broker_id", flat=True)) == Counter(ids)
    assert Counter(AuditEvent.objects.filter(action="certificates.issued", person_id__in=ids)
                   .values_list("person_id", flat=True)) == Counter(ids)
    assert Counter(Notification.objects.filter(kind="certificate_issued", recipient_id__in=ids)
                   .values_list("recipient_id", flat=True)) == Counter(ids)
    assert "bulk_run_process[" in second.log()
