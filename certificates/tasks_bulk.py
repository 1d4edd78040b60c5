"""Background work of bulk runs (``bulk_services``): one thin task that re-queues itself."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from academy.tasks import DURABLE


@shared_task(
    name="certificates.tasks_bulk.bulk_run_process",
    **DURABLE,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=8,
    retry_backoff=5,
    retry_backoff_max=5 * 60,
    retry_jitter=True,
)
def bulk_run_process(run_id: int) -> str:
    """Work through the next chunk of bulk run ``run_id`` and queue the next one.

    Safe to run twice and to be killed at any line (acks late: a killed worker's message is
    delivered again): the run's lease lets one task work on it at a time, a second delivery
    comes back when the lease would run out, and the run's cursor advances in the same
    transaction as the work, so a redelivered task continues after the last committed subject
    and never issues twice. Database operational errors are retried up to 8 times with
    backoff from 5 seconds to 5 minutes; an administrator can also resume a stalled run.
    """
    from .bulk_services import BUSY, MORE, bulk_run_step

    state, wait = bulk_run_step(run_id=run_id)
    if state == MORE:
        bulk_run_process.delay(run_id)
    elif state == BUSY and not bulk_run_process.request.is_eager:
        bulk_run_process.apply_async((run_id,), countdown=max(1, int(wait) + 1))
    return state


@shared_task(
    name="certificates.tasks_bulk.bulk_runs_resume_stalled",
    **DURABLE,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=30,
    retry_jitter=True,
)
def bulk_runs_resume_stalled() -> int:
    """Queue again the unfinished bulk runs nobody has worked on for minutes (beat, every five
    minutes; ``schedules.py``). Running it twice only queues a run twice, which its lease
    makes harmless. Retried on database operational errors; the next beat tries again anyway.
    """
    from .bulk_services import bulk_runs_stalled

    run_ids = bulk_runs_stalled()
    for run_id in run_ids:
        bulk_run_process.delay(run_id)
    return len(run_ids)
