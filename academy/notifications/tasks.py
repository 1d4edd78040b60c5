"""Celery tasks of reminders: thin wrappers around ``services`` and the sweep registry."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from academy.tasks import DURABLE, RETRY_DATABASE, RETRY_PERIODIC


@shared_task(
    name="academy.notifications.tasks.reminder_send",
    bind=True,
    **DURABLE,
    # The service counts delivery attempts and records the last one as failed; this bound is
    # for database outages.
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=20,
)
def reminder_send(self, reminder_id: int) -> str:
    """E-mail reminder ``reminder_id`` (``services.reminder_send``).

    Safe to run twice or at once in two workers: the row is locked with SKIP LOCKED and
    checked to be pending and due; the "sent" mark commits with the send. A temporary mail
    failure is recorded on the row and retried after the backoff the service computed
    (doubling from ACADEMY_NOTIFY_RETRY_SECONDS); after ACADEMY_NOTIFY_MAX_ATTEMPTS the row
    is marked failed for an administrator. Database operational errors retry with backoff.
    """
    from .services import DeliveryDeferred
    from .services import reminder_send as send

    try:
        return send(reminder_id=reminder_id)
    except DeliveryDeferred as deferred:
        raise self.retry(countdown=deferred.countdown, exc=deferred) from None


@shared_task(name="academy.notifications.tasks.reminders_send_many", **RETRY_DATABASE)
def reminders_send_many(reminder_ids: list[int]) -> dict:
    """E-mail up to a hundred reminders over one mail connection (what a sweep queues).

    Safe to run twice or to be killed mid-way: each reminder is sent under its own row lock
    and status check (``reminder_send``), so a redelivered batch skips those already sent.
    A reminder that failed temporarily is retried on its own by ``reminder_send`` after its
    backoff; database operational errors retry the batch (5 times, with backoff).
    """
    from .services import reminders_send_many as send_many

    report = send_many(reminder_ids=reminder_ids)
    for reminder_id, countdown in report["deferred"]:
        reminder_send.apply_async((reminder_id,), countdown=countdown)
    return report["outcomes"]


@shared_task(name="academy.notifications.tasks.reminders_send_due", **RETRY_PERIODIC)
def reminders_send_due() -> int:
    """Queue the e-mail reminders that are due and not with a task (beat, every minute).

    Safe to run twice: rows are marked queued under a lock, and sending checks status.
    """
    from .services import reminders_send_due as send_due

    return send_due()


@shared_task(name="academy.notifications.tasks.reminders_send_digests", **RETRY_PERIODIC)
def reminders_send_digests() -> int:
    """Gather due digest items into one e-mail per person (beat, every 15 minutes).

    Safe to run twice: items are locked and marked in the transaction that creates the
    digest, whose reminder row is unique per person and set of items.
    """
    from .services import digests_send

    return digests_send()


@shared_task(name="academy.notifications.tasks.reminders_sweep", **RETRY_PERIODIC)
def reminders_sweep(name: str) -> int:
    """Run the registered sweep ``name`` (beat, on its own schedule).

    Safe to run twice, in two beat processes at once, or to be killed: every reminder is a row
    unique per person, kind, subject, window and channel, inserted before delivery with ON
    CONFLICT DO NOTHING, and only the run that inserted a row delivers it. Retries up to 3
    times on database operational errors.
    """
    from .sweeps import sweep_run

    return sweep_run(name).created


@shared_task(name="academy.notifications.tasks.reminders_sweep_all", **RETRY_PERIODIC)
def reminders_sweep_all() -> int:
    """Run every registered sweep once (as ``reminders_sweep`` does one). Same guarantees."""
    from .sweeps import sweeps_run_all

    return sum(report.created for report in sweeps_run_all())


@shared_task(name="academy.notifications.tasks.reminders_poll_receipts", **RETRY_PERIODIC)
def reminders_poll_receipts() -> int:
    """Fetch SMS delivery receipts and record them (beat, every five minutes); an SMS the
    provider could not deliver is delivered on another channel.

    Safe to run twice: only rows without a receipt are asked about, and each receipt is
    recorded under the row's lock. A provider outage is logged and asked again next time;
    database operational errors retry 3 times with backoff.
    """
    from .services import receipts_poll

    return receipts_poll()
