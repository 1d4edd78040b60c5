"""Claiming a certificate's credential into a wallet: OpenID for Verifiable Credential
Issuance (OpenID4VCI 1.0), pre-authorized code flow, and the holder's DID.

1. The holder asks for an offer on their certificate page (``credential_offer_create``): a
   one-time pre-authorized code, valid ``OFFER_LIFETIME``, shown as a QR code of the
   ``openid-credential-offer://`` URI that carries the offer by value.
2. The wallet reads the issuer's metadata (``issuer_metadata``,
   ``/.well-known/openid-credential-issuer``; ``authorization_server_metadata``) and trades the
   code at the token endpoint for an access token and a nonce (``offer_token_redeem``).
3. It proves possession of its key with a JWT (``typ`` ``openid4vci-proof+jwt``; ``aud`` the
   issuer, ``nonce`` the one it got, key in ``kid`` as a ``did:key`` URL or in ``jwk``) and
   asks the credential endpoint for the credential (``offer_credential_issue``): it gets the
   certificate's credential signed afresh with ``credentialSubject.id`` = the wallet's DID, as a
   VC-JWT (``jwt_vc_json``) or JSON-LD with its Data Integrity proof (``ldp_vc``). A fresh nonce
   comes with every answer, so a proof is good once.

The wallet's DID becomes the holder's DID (``HolderDid``), so their credentials signed from
then on name it too. Only hashes of the code and the token are stored.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError

from ..conf import app_settings
from ..models.holders import CredentialOffer, HolderDid
from ..models.issued import Certificate
from .data_integrity import multikey_decode
from .signing import (
    b64url,
    b64url_decode,
    credential_ld,
    credential_payload,
    credential_secure,
    signing_key,
    site_url,
)
from .vocab import OB_CONTEXT, VC_CONTEXT

OFFER_LIFETIME = datetime.timedelta(minutes=10)
TOKEN_LIFETIME = datetime.timedelta(minutes=10)
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
PROOF_MAX_AGE = datetime.timedelta(minutes=5)
CONFIG_JWT = "OpenBadgeCredential_jwt_vc_json"
CONFIG_LDP = "OpenBadgeCredential_ldp_vc"
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


class OAuthError(Exception):
    """An error the token or credential endpoint answers with (RFC 6749 §5.2 / OpenID4VCI
    §8.3.1): ``code`` is the ``error`` value, ``status`` the HTTP status."""

    def __init__(self, code: str, description: str = "", status: int = 400):
        super().__init__(description or code)
        self.code, self.description, self.status = code, description, status


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def credential_issuer() -> str:
    return site_url()


def endpoint(name: str) -> str:
    return f"{site_url()}/api/v1/oid4vci/{name}"


def issuer_metadata() -> dict[str, Any]:
    """The Credential Issuer Metadata (OpenID4VCI §11.2)."""

    proof_types = {"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}}
    display = [{"name": app_settings.CERT_ISSUING_BODY, "locale": "zh-CN"},
               {"name": app_settings.CERT_ISSUING_BODY_EN
                or app_settings.CERT_ISSUING_BODY, "locale": "en-US"}]
    return {
        "credential_issuer": credential_issuer(),
        "authorization_servers": [credential_issuer()],
        "credential_endpoint": endpoint("credential"),
        "nonce_endpoint": endpoint("nonce"),
        "display": display,
        "credential_configurations_supported": {
            CONFIG_JWT: {
                "format": "jwt_vc_json",
                "scope": "OpenBadgeCredential",
                "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                "credential_signing_alg_values_supported": ["EdDSA"],
                "proof_types_supported": proof_types,
                "credential_definition": {"type": TYPES},
            },
            CONFIG_LDP: {
                "format": "ldp_vc",
                "scope": "OpenBadgeCredential",
                "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                "proof_types_supported": proof_types,
                "credential_definition": {"@context": [VC_CONTEXT, OB_CONTEXT], "type": TYPES},
            },
        },
    }


def authorization_server_metadata() -> dict[str, Any]:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414) for the pre-authorized code grant."""
    return {
        "issuer": credential_issuer(),
        "token_endpoint": endpoint("token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "response_types_supported": [],
    }


@dataclass(frozen=True)
class Offer:
    offer: dict[str, Any]
    uri: str
    expires_at: datetime.datetime


def credential_offer_create(*, certificate_id: int, actor: Any,
                            now: datetime.datetime | None = None) -> Offer:
    """A one-time credential offer of the holder's own active certificate (the code is only
    in the returned offer: it is stored hashed)."""
    from academy.audit.services import audit_record

    now = now or timezone.now()
    with transaction.atomic():
        certificate = Certificate.objects.filter(pk=certificate_id).first()
        if certificate is None or certificate.broker_id != getattr(actor, "pk", None):
            raise ApplicationError(_("Only the holder can add a certificate to a wallet."))
        if not certificate.is_active or not certificate.credential:
            raise ApplicationError(_("This certificate's credential cannot be added to a "
                                     "wallet now."))
        code = secrets.token_urlsafe(32)
        expires = now + OFFER_LIFETIME
        CredentialOffer.objects.create(certificate=certificate, code_hash=_digest(code),
                                       code_expires_at=expires)
        audit_record(action="certificates.wallet_offer_created", subject=certificate,
                     person=certificate.broker, actor=actor,
                     after={"serial": certificate.serial})
    offer = {
        "credential_issuer": credential_issuer(),
        "credential_configuration_ids": [CONFIG_JWT, CONFIG_LDP],
        "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": code}},
    }
    uri = "openid-credential-offer://?credential_offer=" + quote(
        json.dumps(offer, separators=(",", ":")), safe="")
    return Offer(offer=offer, uri=uri, expires_at=expires)


def offer_token_redeem(*, grant_type: str, code: str, tx_code: str | None = None,
                       now: datetime.datetime | None = None) -> dict[str, Any]:
    """The token response for a pre-authorized code (once per code)."""
    now = now or timezone.now()
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise OAuthError("unsupported_grant_type")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is missing")
    token, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
    with transaction.atomic():
        offer = (CredentialOffer.objects.select_for_update()
                 .filter(code_hash=_digest(code)).first())
        if offer is None or offer.redeemed_at is not None or offer.code_expires_at < now:
            raise OAuthError("invalid_grant", "the pre-authorized code is unknown, used or "
                                              "expired")
        offer.redeemed_at = now
        offer.token_hash = _digest(token)
        offer.token_expires_at = now + TOKEN_LIFETIME
        offer.nonce = nonce
        offer.save(update_fields=["redeemed_at", "token_hash", "token_expires_at", "nonce"])
    seconds = int(TOKEN_LIFETIME.total_seconds())
    return {"access_token": token, "token_type": "Bearer", "expires_in": seconds,
            "c_nonce": nonce, "c_nonce_expires_in": seconds}


def _offer_of_token(token: str, now: datetime.datetime) -> CredentialOffer:
    offer = (CredentialOffer.objects.select_for_update().select_related("certificate")
             .filter(token_hash=_digest(token or "-")).first())
    if offer is None or offer.token_expires_at is None or offer.token_expires_at < now:
        raise OAuthError("invalid_token", "the access token is unknown or expired", status=401)
    return offer


def offer_nonce_new(*, token: str, now: datetime.datetime | None = None) -> dict[str, Any]:
    """A fresh nonce for the wallet's next proof (the nonce endpoint)."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _offer_of_token(token, now)
        offer.nonce = secrets.token_urlsafe(16)
        offer.save(update_fields=["nonce"])
    return {"c_nonce": offer.nonce}


def _did_key_public(did: str) -> Ed25519PublicKey:
    if not did.startswith("did:key:z"):
        raise OAuthError("invalid_proof", "only did:key (Ed25519) and jwk keys are supported")
    try:
        return multikey_decode(did.removeprefix("did:key:"))
    except ValueError as exc:
        raise OAuthError("invalid_proof", f"unusable did:key: {exc}") from exc


def _jwk_public(jwk: dict[str, Any]) -> Any:
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(b64url_decode(jwk["x"]), "big"),
                int.from_bytes(b64url_decode(jwk["y"]), "big"), ec.SECP256R1())
            return numbers.public_key()
    except (KeyError, ValueError) as exc:
        raise OAuthError("invalid_proof", f"unusable jwk: {exc}") from exc
    raise OAuthError("invalid_proof", "the proof's key must be Ed25519 or P-256")


def proof_holder(jwt: str, *, nonce: str, now: datetime.datetime) -> str:
    """Check the wallet's proof of possession and return the holder's DID (``did:key`` from
    ``kid``, or ``did:jwk`` of the ``jwk``)."""
    parts = (jwt or "").split(".")
    if len(parts) != 3:
        raise OAuthError("invalid_proof", "the proof is not a compact JWT")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError as exc:
        raise OAuthError("invalid_proof", "the proof cannot be decoded") from exc
    if header.get("typ") != PROOF_TYP:
        raise OAuthError("invalid_proof", f"the proof's typ must be {PROOF_TYP}")
    if "kid" in header and "jwk" in header:
        raise OAuthError("invalid_proof", "the proof names its key twice")
    if header.get("kid"):
        holder = str(header["kid"]).split("#")[0]
        public = _did_key_public(holder)
    elif isinstance(header.get("jwk"), dict):
        jwk = {k: v for k, v in header["jwk"].items() if k in ("kty", "crv", "x", "y")}
        public = _jwk_public(jwk)
        holder = "did:jwk:" + b64url(json.dumps(jwk, separators=(",", ":"),
                                                sort_keys=True).encode())
    else:
        raise OAuthError("invalid_proof", "the proof names no key")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    try:
        if header.get("alg") == "EdDSA" and isinstance(public, Ed25519PublicKey):
            public.verify(signature, signing_input)
        elif header.get("alg") == "ES256" and isinstance(public, ec.EllipticCurvePublicKey) \
                and len(signature) == 64:
            public.verify(encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                               int.from_bytes(signature[32:], "big")),
                          signing_input, ec.ECDSA(hashes.SHA256()))
        else:
            raise OAuthError("invalid_proof", "unsupported proof algorithm for its key")
    except InvalidSignature as exc:
        raise OAuthError("invalid_proof", "the proof's signature does not verify") from exc
    if claims.get("aud") != credential_issuer():
        raise OAuthError("invalid_proof", "the proof's aud is not this issuer")
    if claims.get("nonce") != nonce:
        raise OAuthError("invalid_nonce", "the proof's nonce is not the one issued")
    try:
        issued = datetime.datetime.fromtimestamp(int(claims["iat"]), tz=datetime.UTC)
    except (KeyError, TypeError, ValueError) as exc:
        raise OAuthError("invalid_proof", "the proof has no iat") from exc
    if abs(now - issued) > PROOF_MAX_AGE:
        raise OAuthError("invalid_proof", "the proof is too old or from the future")
    return holder


def _configuration(request: dict[str, Any]) -> str:
    config = request.get("credential_configuration_id")
    if config:
        if config not in (CONFIG_JWT, CONFIG_LDP):
            raise OAuthError("unknown_credential_configuration")
        return config
    fmt = request.get("format")  # the request of the earlier drafts
    if fmt == "jwt_vc_json":
        return CONFIG_JWT
    if fmt == "ldp_vc":
        return CONFIG_LDP
    raise OAuthError("unsupported_credential_format")


def offer_credential_issue(*, token: str, request: dict[str, Any],
                           now: datetime.datetime | None = None) -> dict[str, Any]:
    """The credential response: the certificate's credential bound to the wallet's DID."""
    from academy.audit.services import audit_record

    now = now or timezone.now()
    config = _configuration(request)
    proof = request.get("proof") or {}
    jwts = (request.get("proofs") or {}).get("jwt") or ([proof.get("jwt")]
                                                         if proof.get("jwt") else [])
    if not jwts:
        raise OAuthError("invalid_proof", "a jwt proof of possession is required")
    with transaction.atomic():
        offer = _offer_of_token(token, now)
        holder = proof_holder(jwts[0], nonce=offer.nonce, now=now)
        certificate = (Certificate.objects.select_related("level", "broker", "requirement_set",
                                                          "requirement_set__level")
                       .get(pk=offer.certificate_id))
        if not certificate.is_active:
            raise OAuthError("credential_request_denied", "the certificate is no longer valid")
        private, kid = signing_key()
        token_jwt = credential_secure(credential_payload(certificate, holder_did=holder),
                                      private=private, kid=kid, created=now)
        offer.nonce = secrets.token_urlsafe(16)
        offer.holder_did = holder
        offer.issued_at = now
        offer.save(update_fields=["nonce", "holder_did", "issued_at"])
        HolderDid.objects.update_or_create(user_id=certificate.broker_id, defaults={
            "did": holder, "source": HolderDid.Source.WALLET})
        audit_record(action="certificates.wallet_credential_issued", subject=certificate,
                     person=certificate.broker, actor_label="wallet",
                     after={"holder": holder, "format": config})
    credential: Any = token_jwt if config == CONFIG_JWT else credential_ld(token_jwt)
    return {"credentials": [{"credential": credential}], "credential": credential,
            "c_nonce": offer.nonce,
            "c_nonce_expires_in": int((offer.token_expires_at - now).total_seconds())}
