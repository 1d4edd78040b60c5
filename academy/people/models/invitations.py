"""Roster imports and the invitations they sent."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .users import User


class RosterImport(models.Model):
    """One uploaded roster file that was imported (a file with errors leaves no record)."""

    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True,
        related_name="roster_imports",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("imported at"), default=timezone.now, db_index=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("accounts created"), default=0)
    unchanged_count = models.PositiveIntegerField(_("rows unchanged"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class Invitation(models.Model):
    """An invitation to set a password, e-mailed to a person whose account was created for them.

    Only the SHA-256 of the link's token is stored: the token itself exists only in the
    e-mail, so a copy of the database cannot be used to take over accounts. Sending again
    (an admin's resend) replaces the token, which makes earlier links stop working.
    """

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(
        _("token hash"), max_length=64, blank=True, editable=False,
        help_text=_("SHA-256 of the link's token; empty until the e-mail is sent."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("invited by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    roster_import = models.ForeignKey(
        RosterImport, verbose_name=_("roster import"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="invitations",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~models.Q(token_hash=""),
                name="people_invitation_token_hash_unique",
            ),
            # At most one open invitation per person: resending reuses it.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(accepted_at__isnull=True),
                name="people_invitation_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.is_expired:
            return "expired"
        if self.sent_at:
            return "sent"
        return "pending"

    @property
    def status_label(self) -> str:
        return str(INVITATION_STATUS_LABELS[self.status])


INVITATION_STATUS_LABELS = {
    "pending": _("Waiting to be sent"),
    "sent": _("Sent"),
    "expired": _("Expired"),
    "accepted": _("Accepted"),
}
