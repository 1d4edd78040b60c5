"""Celery tasks of the exams app (thin: each calls one service)."""

from __future__ import annotations

from celery import shared_task

from academy.tasks import RETRY_PERIODIC


@shared_task(
    name="exams.tasks.attempts_close_overdue",
    **RETRY_PERIODIC,
    expires=120,
)
def attempts_close_overdue() -> int:
    """Auto-submit every attempt whose deadline has passed (beat runs it every minute).

    Safe to run twice or in two workers at once: each attempt is submitted under its row
    lock and only if still in progress, so a second run finds nothing to do. Killed midway,
    the attempts already submitted stay submitted and the rest are picked up by the next
    run. Retries (with backoff, at most 3 times) only on database operational errors.
    Returns how many attempts this run submitted.
    """
    from exams.services import attempts_close_overdue as close

    total = 0
    while True:
        closed = close(limit=500)
        total += closed
        if closed < 500:
            return total
