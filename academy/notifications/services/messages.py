"""The sender people's messages go through (``academy.people.services.register_message_sender``).

People sits below this app, so it cannot call ``notify`` itself: this app registers
``NotificationSender`` in its ``AppConfig.ready``, and people's invitations and practice
reviews become notification kinds like any other (registered in ``people_reminders.py``).
Both send the e-mail that is due at once, in the calling process, as people did before: an
invitation is awaited by someone at a desk, and a practice review's task is the sending.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction

from academy.people.models import User

from .delivery import DeliveryDeferred, notify, reminder_send, reminder_send_now

logger = logging.getLogger(__name__)


class NotificationSender:
    """``academy.people.services.MessageSender`` on top of ``notify``."""

    def deliver(self, *, recipient: User, kind: str, subject: models.Model, window: str,
                context: Mapping[str, Any], url: str) -> None:
        """A normal notification: preferences, quiet hours, digest and in-app copy apply.

        An e-mail due now (not held back by quiet hours or a digest) is sent here; a
        temporary failure leaves it to the retries of ``reminders_send_due``.
        """
        result = notify(recipients=[recipient], kind=kind, subject=subject, window=window,
                        context=context, url=url, enqueue=False)
        for reminder_id in result.email_ids:
            try:
                reminder_send(reminder_id=reminder_id)
            except DeliveryDeferred as exc:
                logger.warning("%s; reminders_send_due sends it later", exc)

    def send_now(self, *, recipient: User, kind: str, subject: models.Model, window: str,
                 context: Mapping[str, Any], private_context: Mapping[str, Any]) -> None:
        """An urgent e-mail, sent now. ``private_context`` renders it and is not stored.

        The reminder is created and sent in one savepoint, so a failure removes it again and
        propagates to the caller: no reminder ever waits to be sent later without the
        private part.
        """
        with transaction.atomic():
            result = notify(recipients=[recipient], kind=kind, subject=subject,
                            window=window, context=context, enqueue=False)
            for reminder_id in result.email_ids:
                reminder_send_now(reminder_id=reminder_id, private_context=private_context)
