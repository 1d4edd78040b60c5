"""Exports requested from the talent pool pages, produced in the background when large."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TalentExport(models.Model):
    """One export a person asked for: what, with which filters, how far along, the file.

    The file lives in Django's storage and is served only to the person who asked, until
    ``expires_at``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE,
        related_name="talent_exports",
    )
    kind = models.CharField(_("kind"), max_length=30)
    file_format = models.CharField(_("format"), max_length=5, default="xlsx")
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to="talent-exports/", blank=True, max_length=255)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("talent-pool export")
        verbose_name_plural = _("talent-pool exports")

    def __str__(self) -> str:
        return f"{self.kind}.{self.file_format} ({self.status})"
