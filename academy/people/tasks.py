"""Background work of the people app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from academy.tasks import RETRY_MAIL


@shared_task(name="academy.people.tasks.invitation_send", **RETRY_MAIL)
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


@shared_task(name="academy.people.tasks.practice_review_notify", **RETRY_MAIL)
def practice_review_notify(record_id: int) -> None:
    """Tell the broker the outcome of the review of practice record ``record_id``.

    Through the notifications service (their preferences, quiet hours, digest and the in-app
    copy apply). Safe to run twice: the service locks the record and does nothing once
    ``review_notified_at`` is set, and the reminder log holds each review once. An e-mail
    that fails for a while is retried by the notifications app's ``reminders_send_due``;
    database operational errors are retried up to 6 times with backoff (30 s to 30 min).
    """
    from .practice.services import practice_review_notify as notify

    notify(record_id)
