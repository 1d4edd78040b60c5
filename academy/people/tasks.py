"""Background work of the people app: thin wrappers around services."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.db import OperationalError

# E-mail tasks: late acknowledgement (a killed worker's task is redelivered) and bounded
# retries with backoff for temporary failures. A refused recipient will be refused again:
# retrying only delays the admin noticing it.
MAIL_TASK_OPTIONS = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError, OperationalError),
    "dont_autoretry_for": (smtplib.SMTPRecipientsRefused,),
    "max_retries": 6,
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
}

@shared_task(name="academy.people.tasks.invitation_send", **MAIL_TASK_OPTIONS)
def invitation_send(invitation_id: int) -> None:
    """E-mail the invitation ``invitation_id`` (see ``academy.people.services.invitations.invitation_send``).

    Safe to run twice: the service locks the invitation row and does nothing once it is
    marked sent, and that mark is committed only after the mail server took the message. A
    worker killed mid-way leaves the invitation unsent, and ``acks_late`` redelivers the task.
    Temporary failures (SMTP errors, refused or timed-out connections, database operational
    errors) are retried up to 6 times with exponential backoff from 30 seconds to 30 minutes.
    """
    from .services.invitations import invitation_send as send

    send(invitation_id)


# --- Practice records (certification rules) ----------------------------------------------------


@shared_task(name="academy.people.tasks.practice_review_notify", **MAIL_TASK_OPTIONS)
def practice_review_notify(record_id: int) -> None:
    """E-mail the broker the outcome of the review of practice record ``record_id``.

    Safe to run twice: the service locks the record and does nothing once
    ``review_notified_at`` is set, which is committed only after the mail server took the
    message. Temporary failures are retried up to 6 times with backoff (30 s to 30 min).
    """
    from .practice.services import practice_review_notify as notify

    notify(record_id)
