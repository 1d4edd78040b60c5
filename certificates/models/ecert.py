"""The national electronic licence metadata of certificates (GB/T 36903 电子证照), beside
Open Badges: 证照名称, 证照类型代码, 证照编号, 证照标识, 持证主体, 颁证单位, 颁证日期, 有效期.

What the system knows is filled in: the licence name (the certificate's title and level), its
number (the serial), the holder (name and masked national ID), the issuing body, the date of
issue and the validity. The codes only the bureau can assign are never made up here: the
licence type code and the issuing body's unified social credit code are settings an
administrator enters (``EcertSettings``, in the admin), and a certificate's licence identifier
is entered per certificate (``EcertIdentifier``) once the bureau's electronic licence system
has given it. Until then the export says, in their cells and in a note, that they are unset.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy


class EcertSettings(models.Model):
    """The bureau's codes for its electronic licences (one row; empty = not assigned yet)."""

    licence_type_code = models.CharField(
        gettext_lazy("licence type code (证照类型代码)"), max_length=40, blank=True,
        help_text=gettext_lazy("Assigned by the electronic licence authority. Leave empty "
                               "until it is assigned: the export then says it is unset."))
    issuer_code = models.CharField(
        gettext_lazy("issuing body's unified social credit code"), max_length=40,
        blank=True, help_text=gettext_lazy("The 18-character 统一社会信用代码 of the issuing "
                                           "body. Empty: unset."))
    licence_name = models.CharField(
        gettext_lazy("licence name (证照名称)"), max_length=200, blank=True,
        help_text=gettext_lazy("Empty: the certificate title and the level."))
    updated_at = models.DateTimeField(gettext_lazy("updated"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("electronic licence settings (GB/T 36903)")
        verbose_name_plural = gettext_lazy("electronic licence settings (GB/T 36903)")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> EcertSettings:
        return cls.objects.order_by("pk").first() or cls()


class EcertIdentifier(models.Model):
    """A certificate's licence identifier (证照标识), as the bureau's system assigned it."""

    certificate = models.OneToOneField("certificates.Certificate",
                                       verbose_name=gettext_lazy("certificate"),
                                       on_delete=models.CASCADE, related_name="ecert_identifier")
    identifier = models.CharField(gettext_lazy("licence identifier (证照标识)"), max_length=100,
                                  unique=True)

    class Meta:
        verbose_name = gettext_lazy("licence identifier (GB/T 36903)")
        verbose_name_plural = gettext_lazy("licence identifiers (GB/T 36903)")

    def __str__(self) -> str:
        return self.identifier
