"""The talent pool's own rows: exports people asked for, and the city's registered totals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


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


class RegisteredTotal(models.Model):
    """The city's registered technology-contract totals for one region and month.

    Entered by administrators from the technology-market registration figures (技术合同登记),
    so that the dashboard can set the practice records brokers logged against them.
    ``month`` is the first day of the month.
    """

    region = models.ForeignKey(
        "people.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    deal_count = models.PositiveIntegerField(_("registered contracts"))
    contract_amount = models.DecimalField(_("contract amount (yuan)"), **MONEY)
    technical_income = models.DecimalField(_("certified technical income (yuan)"), null=True,
                                           blank=True, **MONEY)
    note = models.CharField(_("source or note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-month", "region__sort_order", "region__code"]
        verbose_name = _("registered total")
        verbose_name_plural = _("registered totals")
        constraints = [
            models.UniqueConstraint(fields=["region", "month"],
                                    name="talent_registered_region_month_unique"),
            models.CheckConstraint(condition=models.Q(month__day=1),
                                   name="talent_registered_month_first_day"),
            models.CheckConstraint(condition=models.Q(contract_amount__gte=0),
                                   name="talent_registered_amount_not_negative"),
            models.CheckConstraint(condition=models.Q(technical_income__isnull=True)
                                   | models.Q(technical_income__gte=0),
                                   name="talent_registered_income_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.month:%Y-%m}"
