"""Holders' DIDs and wallet credential offers (OpenID4VCI pre-authorized code flow).

``HolderDid``: the DID a holder gave (typed on their certificates page, or the key their
wallet proved possession of when it claimed a credential); credentials signed afterwards name
it as ``credentialSubject.id``.

``CredentialOffer``: one offer of one certificate's credential to a wallet. Only hashes of the
secrets are stored: the pre-authorized code (shown once, in the QR code of the offer) and the
access token the wallet gets for it. A code is redeemed once; an access token serves its
credential requests until it expires, each with a fresh nonce.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HolderDid(models.Model):
    class Source(models.TextChoices):
        ENTERED = "entered", _("entered by the holder")
        WALLET = "wallet", _("proved by the holder's wallet")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("holder"),
                                on_delete=models.CASCADE, related_name="holder_did")
    did = models.CharField(_("DID"), max_length=500)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices,
                              default=Source.ENTERED)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("holder's DID")
        verbose_name_plural = _("holders' DIDs")

    def __str__(self) -> str:
        return self.did


class CredentialOffer(models.Model):
    certificate = models.ForeignKey("certificates.Certificate", verbose_name=_("certificate"),
                                    on_delete=models.CASCADE, related_name="offers")
    code_hash = models.CharField(max_length=64, unique=True)
    code_expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    nonce = models.CharField(max_length=64, blank=True)
    holder_did = models.CharField(max_length=500, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("wallet credential offer")
        verbose_name_plural = _("wallet credential offers")

    def __str__(self) -> str:
        return f"{self.certificate_id} @ {self.created_at:%Y-%m-%d %H:%M}"
