"""Broker profiles: a broker's level (and when it was reached), region, organisation and
personal data (masked outside the broker's own page and the admin's)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..validators import mask_national_id, mask_phone, validate_national_id, validate_phone
from .catalogue import Level, Organisation, Region
from .users import User


class BrokerProfile(models.Model):
    """A technology broker: level and since when, region, organisation, contact, ID."""

    user = models.OneToOneField(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="broker_profile"
    )
    level = models.ForeignKey(
        Level, verbose_name=_("level"), on_delete=models.PROTECT, related_name="brokers"
    )
    level_since = models.DateField(_("level reached on"), null=True, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="brokers"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="brokers",
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True,
                             validators=[validate_phone])
    national_id = models.CharField(_("national ID number"), max_length=18, blank=True,
                                   validators=[validate_national_id])
    # Optional professional title (职称); rules differ by province.
    title_series = models.CharField(_("title series"), max_length=50, blank=True)
    title_level = models.CharField(_("title level"), max_length=20, blank=True)
    title_obtained = models.CharField(_("title obtained by"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["user__name_pinyin", "user__email"]
        verbose_name = _("broker profile")
        verbose_name_plural = _("broker profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=~models.Q(national_id=""),
                name="people_broker_national_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["level", "region"])]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)
