"""Background work of the certification rules: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from academy.tasks import DURABLE


@shared_task(
    name="certificates.tasks.readiness_evaluate",
    **DURABLE,
    autoretry_for=(OperationalError,),
    max_retries=5,
    retry_backoff=10,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
)
def readiness_evaluate(broker_ids: list[int]) -> None:
    """Re-evaluate the readiness of ``broker_ids`` (queued after an input changed).

    Safe to run twice or to be killed at any line: the service recomputes from the data and
    locks each broker's state row, so the "became ready" event is sent at most once per
    transition. Database operational errors (a lost connection, a deadlock) are retried up to
    5 times with backoff from 10 seconds to 10 minutes; the periodic sweep catches up anyway.
    """
    from .batch import certificates_issue_collected
    from .services import readiness_evaluate as evaluate

    with certificates_issue_collected():  # those found ready are issued in batches
        evaluate(broker_ids=broker_ids)


@shared_task(
    name="certificates.tasks.readiness_sweep",
    **DURABLE,
    autoretry_for=(OperationalError,),
    max_retries=5,
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
)
def readiness_sweep(after_id: int = 0, level_id: int | None = None) -> None:
    """Re-evaluate every broker (or those working toward ``level_id``), one batch per run.

    Runs on the beat schedule so that a lost message never leaves a broker waiting. Each run
    evaluates the batch of brokers after ``after_id`` and re-queues itself for the next one.
    Idempotent: evaluating a broker twice records the same answer. Retried on database
    operational errors; a batch lost for good is redone by the next scheduled sweep.
    """
    from .batch import certificates_issue_collected
    from .services import readiness_sweep_batch

    # The brokers found ready in this batch are issued together (``certificates_issue_batch``),
    # not one task each.
    with certificates_issue_collected():
        last = readiness_sweep_batch(after_id=after_id, level_id=level_id)
    if last is not None:
        readiness_sweep.delay(after_id=last, level_id=level_id)


from . import tasks_bulk  # noqa: E402,F401  (registers the bulk-run task with the worker)
