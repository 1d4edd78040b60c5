"""A Celery worker killed (SIGKILL) in the middle of a reminder sweep: after a new worker
takes the redelivered task, every reminder exists and none twice.

The sweep (``courses.session_tomorrow``: the brokers of a cohort whose offline session is
tomorrow) delivers in batches of four, each batch one transaction; the first batch has
committed when the worker is killed in the second:

- at its commit: the test locks every broker's account, each in a session of its own; a batch
  waits at its commit (the reminder log's deferred foreign-key check) for the first locked
  account it refers to, and the test lets the first batch through one account at a time. The
  second batch commits anyway (its COMMIT had reached the server);
- inside it, its reminder rows inserted but not committed (a lock on the notifications
  table): the batch rolls back.

Either way the redelivered sweep inserts only what is missing: the reminder log's unique
constraint (person, kind, subject, window, channel) turns the rest into no-ops.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from academy.notifications.kinds import INAPP, get_kind
from academy.notifications.models import Notification, Reminder
from academy.notifications.tasks import reminders_sweep
from tests.courses.factories import CohortFactory, OfflineSessionFactory, enrol
from tests.factories import BrokerFactory
from tests.flows.conftest import WorkerProcess, wait_for
from tests.flows.workers import (  # noqa: F401 - fixtures
    killable_workers,
    pg_session,
    relation_waited_for,
    sessions_blocked_by,
    wait_blocked_by,
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


@dataclass
class World:
    brokers: list
    channels: list[str]
    reminders: QuerySet
    worker: WorkerProcess

    @property
    def expected(self) -> int:
        return len(self.brokers) * len(self.channels)

    @property
    def per_batch(self) -> int:
        return BATCH * len(self.channels)


def _world(workers) -> World:
    """Brokers with a session tomorrow, and a worker that has finished what the set-up queued
    (readiness evaluations): the sweep is then the only task that can wait for the locks."""
    channels = sorted(get_kind(KIND).channels(None))
    brokers = [BrokerFactory() for _ in range(BROKERS)]
    session = _session_tomorrow_for(brokers)
    workers.env["ACADEMY_TEST_NOTIFY_BATCH_SIZE"] = str(BATCH)
    worker = workers.start("first")
    workers.wait_idle(worker)
    return World(brokers=brokers, channels=channels, worker=worker,
                 reminders=Reminder.objects.filter(kind=KIND, subject_id=session.pk))


def _redelivered_sweep_completes(world: World, workers) -> None:
    """A new worker takes the redelivered sweep: every reminder once, nothing twice."""
    second = workers.start("second")
    wait_for(lambda: world.reminders.count() >= world.expected, timeout=60, worker=second,
             what="the redelivered sweep to create the missing reminders")
    workers.wait_idle(second)
    per_person = Counter(world.reminders.values_list("recipient_id", "channel"))
    assert per_person == Counter({(b.pk, channel): 1 for b in world.brokers
                                  for channel in world.channels})
    if INAPP in world.channels:
        notifications = Counter(Notification.objects.filter(kind=KIND)
                                .values_list("recipient_id", flat=True))
        assert notifications == Counter({b.pk: 1 for b in world.brokers})
    assert "reminders_sweep[" in second.log()


def test_a_worker_killed_while_a_batch_commits_loses_no_reminder_and_doubles_none(
        killable_workers, pg_session):  # noqa: F811
    world = _world(killable_workers)
    holders = {}
    for broker in world.brokers:
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
        holder, batch, statement = wait_for(waiting_batch, timeout=60, worker=world.worker,
                                            what="a batch of the sweep to wait at its commit")
        assert statement.strip().upper() == "COMMIT"
        if world.reminders.exists():
            break  # the first batch committed; the second one waits
        holder.release()
        holders = {pk: h for pk, h in holders.items() if h is not holder}
    assert world.reminders.count() == world.per_batch

    killable_workers.kill(world.worker)
    for holder in holders.values():
        holder.release()
    wait_session_gone(batch)
    # The waiting batch had sent its COMMIT: PostgreSQL completes it though the worker is gone
    # (the transaction is whole: all its rows, with their in-app notifications).
    assert world.reminders.count() == 2 * world.per_batch < world.expected

    _redelivered_sweep_completes(world, killable_workers)


def test_a_worker_killed_inside_a_batch_rolls_it_back_and_the_sweep_redone_creates_it(
        killable_workers, pg_session):  # noqa: F811
    world = _world(killable_workers)
    # The in-app notifications of a batch are written after its reminder rows, in the same
    # transaction. A SHARE lock on their table stops the first batch there; a second session
    # queues for the same lock behind it, and gets it the moment the first batch commits:
    # the second batch then waits there, its reminder rows inserted but not committed.
    first = pg_session()
    first.lock_table_waiting(Notification, "SHARE")
    wait_for(first.done, timeout=10, worker=world.worker, what="the table lock")

    reminders_sweep.delay(SWEEP)

    [(batch, _)] = wait_blocked_by(first.pid, worker=world.worker,
                                   what="the first batch to wait for the notifications table")
    second = pg_session()
    second.lock_table_waiting(Notification, "SHARE")
    wait_blocked_by(batch, worker=world.worker, what="the second lock to queue behind the batch")
    first.release()
    wait_for(second.done, timeout=30, worker=world.worker, what="the first batch to commit")
    [(batch, _)] = wait_blocked_by(second.pid, worker=world.worker,
                                   what="the second batch to wait for the notifications table")
    assert relation_waited_for(batch) == (Notification._meta.db_table, "RowExclusiveLock")
    assert world.reminders.count() == world.per_batch

    killable_workers.kill(world.worker)
    second.release()
    wait_session_gone(batch)
    assert world.reminders.count() == world.per_batch  # the killed batch rolled back whole

    _redelivered_sweep_completes(world, killable_workers)
