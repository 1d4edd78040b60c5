"""Messages to people go through the notifications service, which sits above people.

People may not import ``academy.notifications`` (the layers), so that app registers its
sender here when it is ready (``register_message_sender``), as ``register_trainer_scope``
does for trainers' scopes. People's services then send with ``message_deliver`` (a normal
notification: the person's preferences, quiet hours, digests and the in-app copy apply) or
``message_send_now`` (an urgent e-mail, sent inside the caller's transaction: an invitation).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from ..models import User

#: The notification kinds people sends (registered by the notifications app).
INVITATION_KIND = "invitation"
PRACTICE_REVIEWED_KIND = "practice_reviewed"


class MessageSender(Protocol):
    """What the notifications app provides (see ``academy.notifications.services.messages``)."""

    def deliver(self, *, recipient: User, kind: str, subject: models.Model, window: str,
                context: Mapping[str, Any], url: str) -> None:
        """Notify ``recipient`` once per (kind, subject, window), as their preferences say;
        an e-mail due now is sent before returning."""

    def send_now(self, *, recipient: User, kind: str, subject: models.Model, window: str,
                 context: Mapping[str, Any], private_context: Mapping[str, Any]) -> None:
        """Record and send an urgent e-mail now. ``private_context`` is used for rendering
        only and never stored; a failure to send propagates (the caller rolls back)."""


_sender: MessageSender | None = None


def register_message_sender(sender: MessageSender) -> MessageSender:
    """Install the sender (the notifications app does, in its ``AppConfig.ready``)."""
    global _sender
    _sender = sender
    return sender


def _registered() -> MessageSender:
    if _sender is None:
        raise ImproperlyConfigured("No message sender is registered: is academy.notifications "
                                   "in INSTALLED_APPS?")
    return _sender


def message_deliver(*, recipient: User, kind: str, subject: models.Model, window: str,
                    context: Mapping[str, Any], url: str = "") -> None:
    """Notify ``recipient`` through the notifications service (see ``MessageSender``)."""
    _registered().deliver(recipient=recipient, kind=kind, subject=subject, window=window,
                          context=context, url=url)


def message_send_now(*, recipient: User, kind: str, subject: models.Model, window: str,
                     context: Mapping[str, Any], private_context: Mapping[str, Any]) -> None:
    """Send an urgent e-mail through the notifications service (see ``MessageSender``)."""
    _registered().send_now(recipient=recipient, kind=kind, subject=subject, window=window,
                           context=context, private_context=private_context)


def practice_review_window(reviewed_at: datetime.datetime) -> str:
    """The reminder window of one review of a practice record: each review is told once."""
    return f"reviewed-{reviewed_at:%Y-%m-%dT%H:%M:%S}"


def practice_review_context(*, contract: str, number: str, approved: bool,
                            comment: str) -> dict[str, Any]:
    """What the ``practice_reviewed`` templates receive (stored with the reminder)."""
    return {"contract": contract, "number": number, "approved": approved, "comment": comment}
