"""Issued certificates, their serial counters, and each level's certificate policy.

Exactly-once is a database guarantee: at most one certificate per broker and level may be
*active* (valid or expired) — ``certificates_one_active_per_broker_level``. A revoked
certificate leaves room for an admin's re-issue; a renewal first marks the old one
``superseded`` and then issues the new one, linked by ``renewed_from``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificatePolicy(models.Model):
    """How a level's certificate is issued, what it is valid for and what renewing it takes.

    Without a policy row a level's certificate is issued automatically, does not expire and
    needs nothing to renew.
    """

    level = models.OneToOneField(
        "people.Level", verbose_name=_("level"), on_delete=models.CASCADE,
        related_name="certificate_policy",
    )
    issue_automatically = models.BooleanField(
        _("issued automatically when ready"), default=True,
        help_text=_("Off: brokers who meet every requirement wait on the list of brokers "
                    "ready for promotion until an administrator issues their certificate."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True,
        help_text=_("Empty: the certificate does not expire."),
    )
    renewal_hours = models.DecimalField(
        _("continuing-education hours to renew"), max_digits=7, decimal_places=2, null=True,
        blank=True, validators=[MinValueValidator(0)],
        help_text=_("Class hours completed during the validity period. Empty: not required."),
    )

    class Meta:
        verbose_name = _("certificate policy")
        verbose_name_plural = _("certificate policies")

    def __str__(self) -> str:
        return str(self.level)


class Certificate(models.Model):
    """A certificate of a level, issued to a broker (see the module docstring)."""

    # Not stored: set by the issuing and renewal services on the instance they return, to say
    # whether that call created it.
    issued_now: bool = False
    renewed_now: bool = False

    class Status(models.TextChoices):
        VALID = "valid", _("valid")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")
        SUPERSEDED = "superseded", _("renewed")

    class Source(models.TextChoices):
        AUTOMATIC = "automatic", _("issued automatically")
        MANUAL = "manual", _("issued by an administrator")
        DEMO = "demo", _("demo data")
        RENEWAL = "renewal", _("renewal")

    ACTIVE = (Status.VALID, Status.EXPIRED)

    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("holder"), on_delete=models.PROTECT,
        related_name="certificates",
    )
    level = models.ForeignKey(
        "people.Level", verbose_name=_("level"), on_delete=models.PROTECT, related_name="+",
    )
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    torch_number = models.CharField(
        _("Torch Centre unified number"), max_length=40, blank=True,
        help_text=_("统一编号 given by the Torch Centre on filing (intermediate and senior)."),
    )
    holder_name = models.CharField(_("holder's name"), max_length=150)
    issued_at = models.DateTimeField(_("issued"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.VALID)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    revoked_reason = models.CharField(_("reason for revocation"), max_length=500, blank=True)
    renewed_from = models.ForeignKey(
        "self", verbose_name=_("renews"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="renewals",
    )
    requirement_set = models.ForeignKey(
        "certificates.RequirementSet", verbose_name=_("requirement set"),
        on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    source = models.CharField(_("how issued"), max_length=12, choices=Source.choices,
                              default=Source.AUTOMATIC)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    pdf = models.FileField(_("PDF"), upload_to="certificates/pdf/%Y/", blank=True)
    pdf_language = models.CharField(_("PDF language"), max_length=10, blank=True)
    pdf_rendered_at = models.DateTimeField(_("PDF rendered"), null=True, blank=True)
    pdf_en = models.FileField(_("PDF in English"), upload_to="certificates/pdf/%Y/",
                              blank=True)
    # The signed Open Badges 3.0 credential (compact VC-JWT) and the key that signed it.
    credential = models.TextField(_("signed credential"), blank=True)
    credential_kid = models.CharField(_("signing key"), max_length=80, blank=True)
    credential_signed_at = models.DateTimeField(_("credential signed"), null=True, blank=True)
    subject_salt = models.CharField(_("identity salt"), max_length=32)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["broker", "level"], condition=models.Q(status__in=["valid", "expired"]),
                name="certificates_one_active_per_broker_level",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="revoked") | models.Q(revoked_at__isnull=False),
                name="certificates_revoked_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "valid_until"]),
            models.Index(fields=["level", "status"]),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class SerialCounter(models.Model):
    """The last sequence number given per level and year: serials are gap-free because the
    counter is advanced in the issuing transaction (a rollback gives the number back)."""

    level = models.ForeignKey("people.Level", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("serial counter")
        verbose_name_plural = _("serial counters")
        constraints = [
            models.UniqueConstraint(fields=["level", "year"],
                                    name="certificates_serial_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.level.code} {self.year}: {self.last}"
