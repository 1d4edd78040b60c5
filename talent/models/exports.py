"""Exports people asked for: the requester's own log, and the file while it may be downloaded."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TalentExport(models.Model):
    """One export a person asked for: what, with which filters, how far along, the file.

    The file lives in Django's storage under an unguessable name and is served only to the
    person who asked (``views.export_download``), until ``expires_at``; the daily cleanup
    then deletes it and marks the export expired. The rows stay: they are the requester's own
    log of what they took out.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE,
        related_name="talent_exports",
    )
    kind = models.CharField(_("kind"), max_length=30)
    label = models.CharField(_("description"), max_length=200, blank=True)
    file_format = models.CharField(_("format"), max_length=5, default="xlsx")
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    personal = models.BooleanField(_("holds personal data"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    total = models.PositiveIntegerField(_("rows expected"), default=0)
    file = models.FileField(_("file"), upload_to="talent-exports/", blank=True, max_length=255)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("talent-pool export")
        verbose_name_plural = _("talent-pool exports")
        indexes = [
            models.Index(fields=["requested_by", "-created_at"],
                         name="talent_export_requester_idx"),
            models.Index(fields=["status", "expires_at"], name="talent_export_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100),
                                   name="talent_export_progress_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}.{self.file_format} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def is_expired(self) -> bool:
        """Past its download window (even before the daily cleanup has deleted the file)."""
        if self.status == self.Status.EXPIRED:
            return True
        return (self.status == self.Status.DONE and self.expires_at is not None
                and self.expires_at <= timezone.now())

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file) and not self.is_expired
