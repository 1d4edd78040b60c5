"""A Celery worker killed (SIGKILL) in the middle of a reminder sweep: after a new worker
takes the redelivered task, every reminder exists and none twice.

The sweep (``courses.session_tomorrow``: the brokers of a cohort whose offline session is
tomorrow) delivers in batches of four, each batch one transaction. The test locks every
broker's account, each in a session of its own: a batch waits at its commit (the reminder
log's deferred foreign-key check) for the first locked account it refers to. The test lets
the first batch through, one account at a time, until it has committed and the second batch
waits; the worker is killed there. That batch commits anyway (its COMMIT had reached the
server), the third never started. The redelivered sweep inserts only what is missing: the
reminder log's unique constraint (person, kind, subject, window, channel) turns the rest
into no-ops.
"""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from academy.notifications.kinds import INAPP, get_kind
from academy.notifications.models import Notification, Reminder
from academy.notifications.tasks import reminders_sweep
from tests.courses.factories import CohortFactory, OfflineSessionFactory, enrol
from tests.factories import BrokerFactory
from tests.flows.conftest import wait_for
from tests.flows.workers import (  # noqa: F401 - fixtures
    killable_workers,
    pg_session,
    sessions_blocked_by,
    wait_session_gone,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]

BROKERS = 12
BATCH = 4
SWEEP = "courses.session_tomorrow"
KIND = "session_tomorrow"


def _session_tomorrow_for(brokers):
    cohort = CohortFactory()
    for broker in brokers:
        enrol(broker, cohort)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    starts_at = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10)))
    return OfflineSessionFactory(cohort=cohort, starts_at=starts_at)


def test_a_worker_killed_mid_sweep_loses_no_reminder_and_doubles_none(
        killable_workers, pg_session):  # noqa: F811
    channels = sorted(get_kind(KIND).channels(None))
    brokers = [BrokerFactory() for _ in range(BROKERS)]
    session = _session_tomorrow_for(brokers)
    expected = BROKERS * len(channels)
    reminders = Reminder.objects.filter(kind=KIND, subject_id=session.pk)

    killable_workers.env["ACADEMY_TEST_NOTIFY_BATCH_SIZE"] = str(BATCH)
    worker = killable_workers.start("first")
    # Let it finish what the set-up queued (readiness evaluations): the sweep is then the only
    # task that can wait for the accounts' locks.
    killable_workers.wait_idle(worker)
    holders = {}
    for broker in brokers:
        holders[broker.pk] = pg_session()
        holders[broker.pk].lock_rows(get_user_model(), id=broker.pk)

    reminders_sweep.delay(SWEEP)

    def waiting_batch():
        """(holder, blocked session, its statement) if the sweep waits for a held account."""
        for holder in holders.values():
            for pid, statement in sessions_blocked_by(holder.pid):
                return holder, pid, statement
        return None

    while True:
        holder, batch, statement = wait_for(waiting_batch, timeout=60, worker=worker,
                                            what="a batch of the sweep to wait at its commit")
        assert statement.strip().upper() == "COMMIT"
        if reminders.exists():
            break  # the first batch committed; the second one waits
        holder.release()
        holders = {pk: h for pk, h in holders.items() if h is not holder}
    before = reminders.count()
    assert before == BATCH * len(channels)

    killable_workers.kill(worker)
    for holder in holders.values():
        holder.release()
    wait_session_gone(batch)
    # The waiting batch had sent its COMMIT: PostgreSQL completes it though the worker is gone
    # (the transaction is whole: all its rows, with their in-app notifications).
    assert reminders.count() == before + BATCH * len(channels) < expected

    second = killable_workers.start("second")  # the sweep comes back to it (acks late)
    wait_for(lambda: reminders.count() >= expected, timeout=60, worker=second,
             what="the redelivered sweep to create the missing reminders")
    killable_workers.wait_idle(second)

    per_person = Counter(reminders.values_list("recipient_id", "channel"))
    assert per_person == Counter({(b.pk, channel): 1 for b in brokers for channel in channels})
    if INAPP in channels:
        notifications = Counter(Notification.objects.filter(kind=KIND)
                                .values_list("recipient_id", flat=True))
        assert notifications == Counter({b.pk: 1 for b in brokers})
    assert "reminders_sweep[" in second.log()
