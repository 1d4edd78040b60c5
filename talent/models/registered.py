"""The city's registered technology-contract totals, region by month."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


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
