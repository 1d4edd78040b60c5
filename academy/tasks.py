"""The project's own task (the worker heartbeat) and the Celery options the apps' tasks share.

Each app's ``@shared_task`` takes its delivery and retry options from one of the constants
below (``@shared_task(name=…, **RETRY_DATABASE)``), so that tasks with the same needs behave
the same and a reader sees the policy by its name. A task whose retries are tuned to its own
work (longer backoff for a heavy sweep, more attempts for a resumable run) states them beside
``**DURABLE``.

Celery's ``retry_jitter`` is on by default: every backoff below is randomised, so that tasks
failing together do not retry together.
"""

import smtplib

from celery import shared_task
from django.db import OperationalError

from academy.health import heartbeat_write

#: Work that must not be lost: the message is acknowledged only once the task has run (a worker
#: killed midway leaves it to be delivered again: every task is idempotent), and no result is
#: stored (nobody reads one).
DURABLE = {"acks_late": True, "ignore_result": True}

#: Retries through a database outage (a lost connection, a deadlock, a failover): up to 5, with
#: backoff from 5 seconds to 5 minutes.
RETRY_DATABASE = {
    **DURABLE,
    "autoretry_for": (OperationalError,),
    "max_retries": 5,
    "retry_backoff": 5,
    "retry_backoff_max": 5 * 60,
    "retry_jitter": True,
}

#: A periodic task's retries through a database outage: 3 quick ones (backoff from 1 second),
#: since beat runs the task again soon anyway.
RETRY_PERIODIC = {
    **DURABLE,
    "autoretry_for": (OperationalError,),
    "max_retries": 3,
    "retry_backoff": True,
}

#: E-mail: temporary SMTP, network and database failures are retried up to 6 times with backoff
#: from 30 seconds to 30 minutes. A refused recipient will be refused again: retrying would only
#: delay the administrator noticing it.
RETRY_MAIL = {
    **DURABLE,
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError, OperationalError),
    "dont_autoretry_for": (smtplib.SMTPRecipientsRefused,),
    "max_retries": 6,
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
}


@shared_task(name="academy.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Write the worker heartbeat that /healthz reads.

    Runs on the beat schedule; running it twice only writes a later timestamp.
    """
    heartbeat_write()
