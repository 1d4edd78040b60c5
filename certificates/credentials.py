"""The signed Open Badges 3.0 credential of a certificate, the issuer's keys, and verifying.

Each certificate is also an ``OpenBadgeCredential`` (W3C Verifiable Credentials 2.0 data
model, OB 3.0 context): the issuer's profile, the achievement (the level; criteria = the
requirements of the set that judged the broker), the subject identified by a salted SHA-256
hash of their e-mail address, ``validFrom``/``validUntil``, and a ``BitstringStatusListEntry``
pointing into the published revocation list (``status_list.py``). It is secured as a VC-JWT
(VC-JOSE-COSE): a compact JWS whose payload is the credential, header
``{"alg": "EdDSA", "typ": "vc+jwt", "kid": ...}``, signed with the bureau's Ed25519 key.

Keys: the private key is the PEM file at ``ACADEMY_SIGNING_KEY_PATH`` (never in the database
or the repository). Every public key ever used is kept beside it in ``<path>.jwks.json`` (a
JWK Set) and published at ``/.well-known/jwks.json``, so credentials signed before a rotation
still verify. ``kid`` is the generation date plus a thumbprint prefix. Commands:
``manage.py signing_key_generate [--rotate]`` and ``manage.py credential_verify <file>``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from academy.links import site_url

from .issued import Certificate

logger = logging.getLogger(__name__)

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
STATUS_LIST_ID = 1


class SigningKeyMissing(Exception):
    pass


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))



# --- Keys ----------------------------------------------------------------------------------------


def key_path() -> Path:
    return Path(settings.ACADEMY_SIGNING_KEY_PATH)


def jwks_path() -> Path:
    return Path(str(key_path()) + ".jwks.json")


def public_jwk(public_key: Ed25519PublicKey, kid: str = "") -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    if kid:
        jwk.update({"kid": kid, "use": "sig", "alg": "EdDSA"})
    return jwk


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint (the required members in lexicographic order)."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"),
                           sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def _read_jwks() -> list[dict[str, str]]:
    path = jwks_path()
    if not path.exists():
        return []
    try:
        return list(json.loads(path.read_text()).get("keys", []))
    except (OSError, ValueError):
        logger.exception("Cannot read the published keys at %s", path)
        return []


def _write_jwks(keys: list[dict[str, str]]) -> None:
    path = jwks_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"keys": keys}, indent=2))
    os.replace(tmp, path)


def signing_key_generate(*, rotate: bool = False, today: datetime.date | None = None) -> str:
    """Create the signing key (or, with ``rotate``, replace it; the old public key stays
    published). Returns the new key's kid. Refuses to overwrite a key without ``rotate``."""
    path = key_path()
    if path.exists() and not rotate:
        raise FileExistsError(f"{path} exists; use --rotate to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    today = today or timezone.localdate()
    jwk = public_jwk(private.public_key())
    kid = f"{today:%Y-%m-%d}-{jwk_thumbprint(jwk)[:8]}"
    keys = [k for k in _read_jwks() if k.get("x") != jwk["x"]]
    if path.exists():  # keep the outgoing key's public half published
        old = _load_private(path)
        old_jwk = public_jwk(old.public_key())
        if not any(k.get("x") == old_jwk["x"] for k in keys):
            keys.append(public_jwk(old.public_key(), f"legacy-{jwk_thumbprint(old_jwk)[:8]}"))
    keys.insert(0, public_jwk(private.public_key(), kid))
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    _write_jwks(keys)
    os.replace(tmp, path)
    _cache.clear()
    return kid


def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyMissing(f"{path} is not an Ed25519 private key")
    return key


_cache: dict[str, Any] = {}
_lock = threading.Lock()


def signing_key() -> tuple[Ed25519PrivateKey, str]:
    """The current private key and its kid (created first if missing and allowed)."""
    path = key_path()
    with _lock:
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        cached = _cache.get(str(path))
        if cached and cached[0] == stamp:
            return cached[1], cached[2]
        if stamp is None:
            if not getattr(settings, "ACADEMY_SIGNING_KEY_AUTOCREATE", False):
                raise SigningKeyMissing(
                    f"No signing key at {path}: run `manage.py signing_key_generate`.")
            logger.warning("No signing key at %s: generating one.", path)
            with contextlib.suppress(FileExistsError):  # another process made it meanwhile
                signing_key_generate()
            stamp = path.stat().st_mtime_ns
        private = _load_private(path)
        jwk = public_jwk(private.public_key())
        kid = next((k["kid"] for k in _read_jwks() if k.get("x") == jwk["x"] and k.get("kid")),
                   f"key-{jwk_thumbprint(jwk)[:8]}")
        _cache[str(path)] = (stamp, private, kid)
        return private, kid


def published_jwks() -> dict[str, list[dict[str, str]]]:
    """Every public key that signed credentials (the current one first), as a JWK Set."""
    keys = _read_jwks()
    try:
        private, kid = signing_key()
        current = public_jwk(private.public_key(), kid)
        if not any(k.get("x") == current["x"] for k in keys):
            keys.insert(0, current)
    except SigningKeyMissing:
        pass
    return {"keys": keys}


# --- Compact JWS ---------------------------------------------------------------------------------


def jws_sign(payload: dict[str, Any], *, private: Ed25519PrivateKey, kid: str) -> str:
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": kid}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(payload, separators=(",", ":"),
                                         ensure_ascii=False).encode("utf-8")))
    signature = private.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url(signature)


@dataclass
class Verification:
    """What ``credential_verify`` found: ``ok`` only if every check passed."""

    ok: bool = False
    header: dict[str, Any] = field(default_factory=dict)
    credential: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def jws_verify(token: str, *, jwks: dict[str, Any]
               ) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Decode a compact JWS and check its EdDSA signature against a key of ``jwks`` (by kid).

    Returns (header, payload, problem): ``problem`` is empty when the signature verifies, else
    says why not (header and payload are filled as far as they could be decoded)."""
    header: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    parts = (token or "").strip().split(".")
    if len(parts) != 3:
        return header, payload, "not a compact JWS (expected three dot-separated parts)"
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        return header, payload, f"cannot decode the token: {exc}"
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return {}, {}, "cannot decode the token: not JSON objects"
    if header.get("alg") != "EdDSA":
        return header, payload, f"unsupported algorithm {header.get('alg')!r}"
    kid = header.get("kid")
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    if jwk is None:
        return header, payload, f"no published key with kid {kid!r}"
    try:
        public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        public.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        return header, payload, ("the signature does not match: the credential was altered or "
                                 "signed with another key")
    except (ValueError, KeyError) as exc:
        return header, payload, f"the published key is unusable: {exc}"
    return header, payload, ""


def _date_problems(credential: dict[str, Any], now: datetime.datetime,
                   what: str = "") -> list[str]:
    problems = []
    for name, check in (("validFrom", lambda t: t > now), ("validUntil", lambda t: t < now)):
        value = credential.get(name)
        if not value:
            continue
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"{what}{name} is not a date-time: {value!r}")
            continue
        if check(moment):
            problems.append(f"{what}not valid yet (validFrom {value})"
                            if name == "validFrom" else f"{what}expired (validUntil {value})")
    return problems


def credential_verify(token: str, *, jwks: dict[str, Any],
                      now: datetime.datetime | None = None,
                      status_list: dict[str, Any] | str | None = None) -> Verification:
    """Check a VC-JWT: structure, signature by a key of ``jwks``, dates, and (if
    ``status_list`` is given) revocation. ``status_list`` is the issuer's signed status list
    credential (a VC-JWT: its signature, dates and identity are checked first) or, from an
    older installation, the unsigned JSON. Says why it fails."""
    result = Verification()
    result.header, result.credential, problem = jws_verify(token, jwks=jwks)
    if problem:
        result.problems.append(problem)
        return result
    credential = result.credential
    if "OpenBadgeCredential" not in (credential.get("type") or []):
        result.problems.append("not an OpenBadgeCredential")
    now = now or timezone.now()
    result.problems += _date_problems(credential, now)
    entry = credential.get("credentialStatus") or {}
    if status_list is None:
        result.notes.append("revocation status not checked")
    elif entry:
        from .status_list import bit_is_set, status_list_token_verify

        if isinstance(status_list, str):
            status_list, list_problems = status_list_token_verify(status_list, jwks=jwks,
                                                                  now=now)
            result.problems += list_problems
        else:
            result.notes.append("the status list is not signed")
        if status_list is not None:
            issuer = (credential.get("issuer") or {}).get("id")
            list_id = status_list.get("id")
            if entry.get("statusListCredential") and list_id \
                    and list_id != entry["statusListCredential"]:
                result.problems.append(f"the status list {list_id} is not the one the "
                                       f"credential names ({entry['statusListCredential']})")
            elif issuer and status_list.get("issuer") not in (None, issuer):
                result.problems.append("the status list was issued by someone else")
            else:
                try:
                    revoked = bit_is_set(status_list, int(entry["statusListIndex"]))
                except (KeyError, ValueError) as exc:
                    result.problems.append(f"cannot read the status list: {exc}")
                else:
                    if revoked:
                        result.problems.append("revoked (set in the issuer's status list)")
                    else:
                        result.notes.append("not revoked")
    result.ok = not result.problems
    return result


# --- The credential ------------------------------------------------------------------------------


def identity_hash(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def issuer_profile() -> dict[str, Any]:
    return {
        "id": f"{site_url()}/api/v1/issuer/",
        "type": ["Profile"],
        "name": settings.ACADEMY_CERT_ISSUING_BODY,
        "url": site_url(),
    }


def _criteria(certificate: Certificate) -> str:
    rs = certificate.requirement_set
    if rs is None:
        return f"Met the requirements of {certificate.level.name} set by the issuer."
    from .services import requirement_set_summary

    summary = requirement_set_summary(rs)
    parts = []
    if summary["total_hours"]:
        parts.append(f"{summary['total_hours']} class hours in total")
    parts += [f"{hours} class hours in course area {area}"
              for area, hours in summary["areas"].items()]
    parts += [f"{hours} class hours in course {course}"
              for course, hours in summary["courses"].items()]
    if summary["exams"]:
        parts.append(f"pass {len(summary['exams'])} exam(s)")
    if summary["practice_records"]:
        parts.append(f"{summary['practice_records']} approved practice record(s)")
    if summary["months_at_previous_level"]:
        parts.append(f"{summary['months_at_previous_level']} months at the previous level")
    text = "; ".join(parts) or "the issuer's requirements"
    return f"{rs.level.name} (requirements version {rs.version}): {text}."


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def credential_payload(certificate: Certificate, *, criteria: str | None = None
                       ) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` of ``certificate`` (``criteria``: the narrative of
    its requirement set, when the caller has it already)."""
    from .status_list import status_list_url

    level = certificate.level
    valid_from = datetime.datetime.combine(certificate.valid_from, datetime.time.min,
                                           tzinfo=timezone.get_current_timezone())
    payload: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"{site_url()}/verify/{certificate.serial}/",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(),
        "name": f"{level.name} {certificate.serial}",
        "validFrom": _iso(min(valid_from, certificate.issued_at)),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": identity_hash(certificate.broker.email,
                                              certificate.subject_salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": certificate.subject_salt,
            }],
            "achievement": {
                "id": f"{site_url()}/api/v1/issuer/achievements/{level.code}/",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": level.name,
                "description": level.description or f"{level.name} ({level.name_en})",
                "criteria": {"narrative": criteria if criteria is not None
                             else _criteria(certificate)},
            },
        },
        "credentialStatus": {
            "id": f"{status_list_url()}#{certificate.pk}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.pk),
            "statusListCredential": status_list_url(),
        },
    }
    if certificate.valid_until is not None:
        end = datetime.datetime.combine(certificate.valid_until, datetime.time.max,
                                        tzinfo=timezone.get_current_timezone())
        payload["validUntil"] = _iso(end)
    return payload


def credentials_sign(certificates: Iterable[Certificate], *,
                     now: datetime.datetime | None = None) -> None:
    """Sign the credentials of ``certificates`` in memory with the current key: sets
    ``credential``, ``credential_kid`` and ``credential_signed_at`` on each (the caller stores
    them). Each certificate needs its ``level``, ``broker`` and ``requirement_set`` (with its
    level) loaded; the criteria narrative is worked out once per requirement set, so signing
    many certificates costs no query per certificate. Raises ``SigningKeyMissing``."""
    private, kid = signing_key()
    now = now or timezone.now()
    narratives: dict[int | None, str] = {}
    for certificate in certificates:
        key = certificate.requirement_set_id
        if key not in narratives:
            narratives[key] = _criteria(certificate)
        certificate.credential = jws_sign(
            credential_payload(certificate, criteria=narratives[key]), private=private, kid=kid)
        certificate.credential_kid = kid
        certificate.credential_signed_at = now


def credential_sign_store(*, certificate_id: int) -> Certificate:
    """Sign the certificate's credential with the current key and store it."""
    certificate = (Certificate.objects.select_related("level", "broker", "requirement_set",
                                                      "requirement_set__level")
                   .get(pk=certificate_id))
    credentials_sign([certificate])
    with transaction.atomic():
        Certificate.objects.filter(pk=certificate_id).update(
            credential=certificate.credential, credential_kid=certificate.credential_kid,
            credential_signed_at=certificate.credential_signed_at)
    return certificate
