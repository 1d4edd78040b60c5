"""Invitations: an e-mailed link with which a person sets their password and signs in.

The flow: ``invitation_create`` (inside the caller's transaction, e.g. a roster import)
queues ``tasks.invitation_send`` on commit; ``invitation_send`` generates the token, stores
only its SHA-256 and e-mails the link through the notifications service (an urgent kind that
breaks quiet hours; the link is never stored); ``invitation_accept`` checks the token, sets the
password, marks the e-mail address verified and records the acceptance. An admin may
``invitation_resend``, which issues a new token (the old link stops working).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.links import absolute_url

from ..conf import app_settings
from ..models import Invitation, RosterImport, User
from .messages import INVITATION_KIND, message_send_now

# Named as before the services package existed: operators filter logs on it.
logger = logging.getLogger("academy.people.invitations")

TOKEN_BYTES = 32


class InvitationInvalid(ApplicationError):
    """The token is unknown, already used or expired; ``reason`` says which."""

    def __init__(self, message, *, reason: str) -> None:
        super().__init__(message, extra={"reason": reason})
        self.reason = reason


def token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256 (the token has 256 random bits, no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _valid_days() -> datetime.timedelta:
    return datetime.timedelta(days=app_settings.INVITATION_DAYS)


def invitation_accept_url(token: str) -> str:
    """The absolute link for the e-mail; built from ACADEMY_SITE_URL since Celery has no request."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("people:invitation_accept", kwargs={"token": token})
    return absolute_url(path)


def invitation_create(
    *,
    user: User,
    created_by: User | None,
    roster_import: RosterImport | None = None,
    send: bool = True,
) -> Invitation:
    """Create the open invitation of ``user`` (or return the open one) and queue its e-mail.

    The e-mail is queued with ``transaction.on_commit``, so nothing is sent for a rolled-back
    import. A person has at most one open invitation (a database constraint).
    """
    with transaction.atomic():
        invitation = Invitation.objects.filter(user=user, accepted_at__isnull=True).first()
        if invitation is None:
            invitation = Invitation.objects.create(
                user=user,
                created_by=created_by,
                roster_import=roster_import,
                expires_at=timezone.now() + _valid_days(),
            )
        if send and invitation.sent_at is None:
            _queue_send(invitation.pk)
    return invitation


def invitation_create_many(
    *, users: list[User], created_by: User | None, roster_import: RosterImport | None = None
) -> list[Invitation]:
    """``invitation_create`` for many new accounts at once (a roster import): one insert.

    Must run inside the caller's transaction; each e-mail is queued on commit.
    """
    expires_at = timezone.now() + _valid_days()
    invitations = Invitation.objects.bulk_create([
        Invitation(user=user, created_by=created_by, roster_import=roster_import,
                   expires_at=expires_at)
        for user in users
    ])
    _queue_send(*[invitation.pk for invitation in invitations])
    return invitations


def _queue_send(*invitation_ids: int) -> None:
    """Queue the invitation e-mails once the transaction commits.

    The accounts and invitations are committed by then, so a broker outage must not turn the
    request into an error: it is logged, once for the batch (a roster of thousands does not
    wait for a failed connection per row), and the invitations stay unsent (``sent_at``
    empty) until an admin resends them.
    """
    ids = list(invitation_ids)

    def enqueue() -> None:
        from ..tasks import invitation_send as invitation_send_task

        for done, invitation_id in enumerate(ids):
            try:
                invitation_send_task.delay(invitation_id)
            except Exception:  # noqa: BLE001 - the broker is down; the rows stay unsent
                logger.exception("Could not queue %d invitation e-mails (the broker is "
                                 "unreachable); they stay unsent until resent",
                                 len(ids) - done)
                return

    transaction.on_commit(enqueue)


def invitation_send(invitation_id: int) -> bool:
    """Generate a fresh token, store its hash and e-mail the link. Returns whether it sent.

    Idempotent: an invitation already sent (or accepted, or whose person was deactivated) is
    left alone, so a task that runs twice sends one e-mail. The row stays locked while the
    e-mail goes out and the "sent" mark (and the reminder of the e-mail) is committed only
    after the mail server accepted it: if sending fails, nothing is recorded and a retry
    starts again from scratch.
    """
    with transaction.atomic(durable=True):
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("user")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at or invitation.accepted_at:
            return False
        if not invitation.user.is_active:
            return False
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = timezone.now()
        invitation.token_hash = token_hash(token)
        invitation.sent_at = now
        invitation.expires_at = now + _valid_days()
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
        _invitation_message(invitation, token, now=now)
    return True


def _invitation_message(invitation: Invitation, token: str, *, now: datetime.datetime) -> None:
    """E-mail the link through the notifications service (an urgent, e-mail-only kind).

    The link carries the token, of which only the hash may be stored: it goes in the
    ``private_context``, used to render the e-mail and never written to the reminder log. What
    is stored (the reminder's context) is the address, the expiry and the validity in days.
    """
    with translation.override(settings.LANGUAGE_CODE):
        accept_url = invitation_accept_url(token)
    expires = timezone.localtime(invitation.expires_at) if invitation.expires_at else None
    message_send_now(
        recipient=invitation.user, kind=INVITATION_KIND, subject=invitation,
        # One reminder per sending: a resent invitation is a new e-mail.
        window=f"sent-{now:%Y-%m-%dT%H:%M:%S.%f}",
        context={"email": invitation.user.email,
                 "expires": f"{expires:%Y-%m-%d %H:%M}" if expires else "",
                 "days": app_settings.INVITATION_DAYS},
        private_context={"accept_url": accept_url},
    )


def invitation_resend(*, invitation_id: int, actor: User) -> Invitation:
    """An admin sends an invitation again: new token, new validity, the old link stops working."""
    with transaction.atomic(durable=True):
        invitation = Invitation.objects.select_for_update().select_related("user").get(
            pk=invitation_id
        )
        if invitation.accepted_at:
            raise ApplicationError(
                _("%(name)s has already accepted the invitation.")
                % {"name": invitation.user.get_full_name()}
            )
        before = {"sent_at": invitation.sent_at, "expires_at": invitation.expires_at}
        invitation.token_hash = ""
        invitation.sent_at = None
        invitation.expires_at = timezone.now() + _valid_days()
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
        audit_record(
            action="people.invitation_resent",
            subject=invitation,
            person=invitation.user,
            before=before,
            after={"expires_at": invitation.expires_at},
            actor=actor,
        )
        _queue_send(invitation.pk)
    return invitation


@dataclass(frozen=True)
class InvitationLookup:
    invitation: Invitation | None
    state: str  # "valid", "unknown", "accepted" or "expired"


def _invitation_state(invitation: Invitation | None) -> str:
    if invitation is None or not invitation.user.is_active:
        return "unknown"
    if invitation.accepted_at:
        return "accepted"
    if invitation.is_expired:
        return "expired"
    return "valid"


def invitation_for_token(token: str) -> InvitationLookup:
    """Find the invitation a link belongs to and say whether it can still be used."""
    invitation = None
    if token:
        invitation = (
            Invitation.objects.select_related("user").filter(token_hash=token_hash(token)).first()
        )
    state = _invitation_state(invitation)
    return InvitationLookup(None if state == "unknown" else invitation, state)


_INVALID_MESSAGES = {
    "unknown": _("This invitation link is not valid. It may have been replaced by a newer one."),
    "accepted": _("This invitation has already been used. Please log in with your password."),
    "expired": _("This invitation has expired. Please ask the administrator to send a new one."),
}


def invitation_invalid_message(state: str) -> str:
    return str(_INVALID_MESSAGES[state])


def invitation_accept(*, token: str, password: str) -> User:
    """Set the invited person's password, verify their e-mail address, record the acceptance.

    Raises ``InvitationInvalid`` for an unknown, used or expired token and Django's
    ``ValidationError`` when the password fails the password validators. Opening the link
    proves the person reads that mailbox, so the address is marked verified.
    """
    with transaction.atomic(durable=True):
        invitation = None
        if token:
            invitation = (
                Invitation.objects.select_for_update()
                .select_related("user")
                .filter(token_hash=token_hash(token))
                .first()
            )
        state = _invitation_state(invitation)
        if state != "valid" or invitation is None:
            raise InvitationInvalid(invitation_invalid_message(state), reason=state)
        user = invitation.user
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.filter(user=user, primary=True).exclude(
            email__iexact=user.email
        ).update(primary=False)
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        else:
            address.verified = True
            address.primary = True
            address.save(update_fields=["verified", "primary"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_record(
            action="people.invitation_accepted",
            subject=invitation,
            person=user,
            after={"email_verified": True, "password_set": True},
            actor=user,
        )
    return user
