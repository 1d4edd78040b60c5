"""The Open Badges 3.0 credential of a certificate, secured twice, the issuer's keys, and
checking a credential.

Each certificate is an ``OpenBadgeCredential`` (W3C Verifiable Credentials 2.0 data model,
OB 3.0 context): the issuer (``did:web`` of the site, ``did.py``), the achievement (the level;
criteria = the requirements of the set that judged the broker; its ``id`` resolves to the
achievement), the subject (its ``id`` is the holder's DID when they gave one; always a salted
SHA-256 hash of their e-mail address as ``identifier``), ``validFrom``/``validUntil``, and a
``BitstringStatusListEntry`` pointing into the published revocation list (``credentials/status_list.py``).

One credential body, two securing mechanisms (OB 3.0 §8):

* an embedded ``DataIntegrityProof`` (cryptosuite ``eddsa-rdfc-2022``, ``credentials/data_integrity.py``):
  the JSON-LD form, ``application/ld+json``;
* a VC-JWT (§8.2): header ``{"alg": "EdDSA", "typ": "JWT", "kid": <verification method URL>}``,
  payload the same credential with the registered claims ``iss``, ``jti``, ``nbf``, ``sub`` and,
  when it expires, ``exp``: ``application/vc+jwt``.

What is stored (``Certificate.credential``) is the VC-JWT whose payload carries the credential
*with* its Data Integrity proof, so that one stored string holds both forms: the JSON-LD form is
that payload without the JWT's registered claims (``credential_ld``), and its proof verifies on
its own. Both are signed with the same Ed25519 key.

Keys: the private key is the PEM file at ``ACADEMY_SIGNING_KEY_PATH`` (never in the database
or the repository). Every public key ever used is kept beside it in ``<path>.jwks.json`` (a
JWK Set) and published, in the DID document (``/.well-known/did.json``, Multikey) and as a JWK
Set (``/.well-known/jwks.json``), so credentials signed before a rotation still verify. A key's
label is its generation date plus a thumbprint prefix; its URL (``kid``, ``verificationMethod``)
is ``<issuer DID>#<label>``. Commands: ``manage.py signing_key_generate [--rotate]`` and
``manage.py credential_verify <file>``.
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

from ..conf import app_settings
from ..models.issued import Certificate
from .data_integrity import multikey_encode, proof_add
from .vocab import OB_CONTEXT, VC_CONTEXT

logger = logging.getLogger(__name__)

STATUS_LIST_ID = 1
# The registered claims a VC-JWT adds to the credential (OB 3.0 §8.2.4.2).
JWT_CLAIMS = ("iss", "jti", "nbf", "exp", "sub", "iat")


class SigningKeyMissing(Exception):
    pass


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))



# --- Keys ----------------------------------------------------------------------------------------


def key_path() -> Path:
    """The private key's file (``SIGNING_KEY_PATH``; by default under the project's ``var/``)."""
    return Path(app_settings.SIGNING_KEY_PATH
                or Path(settings.BASE_DIR) / "var" / "keys" / "signing-ed25519.pem")


def jwks_path() -> Path:
    return Path(str(key_path()) + ".jwks.json")


def issuer_did() -> str:
    """The issuer's identifier: ``did:web`` of the site (the port percent-encoded, a path's
    slashes as colons), resolved at ``<site>/.well-known/did.json``."""
    from urllib.parse import quote, urlsplit

    parts = urlsplit(site_url())
    host = quote(parts.netloc, safe="")
    path = ":".join(quote(p, safe="") for p in parts.path.strip("/").split("/") if p)
    return f"did:web:{host}" + (f":{path}" if path else "")


def key_url(label: str) -> str:
    """The URL of a key (its ``verificationMethod`` id and the VC-JWT's ``kid``): a DID URL
    that dereferences to the key in the issuer's DID document."""
    if label.startswith("did:"):
        return label
    return f"{issuer_did()}#{label}"


def key_label(kid: str) -> str:
    return kid.rsplit("#", 1)[-1]


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
            if not app_settings.SIGNING_KEY_AUTOCREATE:
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


def signing_key_health() -> dict[str, Any]:
    """What /healthz says of the signing key: its URL (``kid``) when it is installed; ``ok``
    false when it is missing and may not be created on first use (production)."""
    if not key_path().exists():
        if app_settings.SIGNING_KEY_AUTOCREATE:
            return {"ok": True, "kid": None, "note": "created on first use"}
        return {"ok": False, "kid": None, "error": "no signing key"}
    _private, kid = signing_key()
    return {"ok": True, "kid": key_url(kid)}


def signing_key_require() -> None:
    """Refuse to start a signer (a Celery worker) without its key where the key may not be
    created on first use: a worker without the shared key volume would otherwise sign with a
    key nobody publishes, or fail every signature."""
    if not app_settings.SIGNING_KEY_AUTOCREATE and \
            not key_path().exists():
        raise SigningKeyMissing(
            f"No signing key at {key_path()} (SIGNING_KEY_PATH): run `manage.py "
            "signing_key_generate` once on the shared key volume before starting workers.")


def _published_keys() -> list[dict[str, str]]:
    keys = _read_jwks()
    try:
        private, kid = signing_key()
        current = public_jwk(private.public_key(), kid)
        if not any(k.get("x") == current["x"] for k in keys):
            keys.insert(0, current)
    except SigningKeyMissing:
        pass
    return keys


def published_jwks() -> dict[str, list[dict[str, str]]]:
    """Every public key that signed credentials (the current one first), as a JWK Set; each
    ``kid`` is the key's URL, as VC-JWT headers name it."""
    return {"keys": [{**k, "kid": key_url(k["kid"])} if k.get("kid") else k
                     for k in _published_keys()]}


def did_document() -> dict[str, Any]:
    """The issuer's DID document (``did:web``): every key that ever signed, current and
    retired, as a ``Multikey`` verification method listed in ``assertionMethod``."""
    did = issuer_did()
    methods = []
    for jwk in _published_keys():
        if not jwk.get("kid"):
            continue
        public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        methods.append({"id": key_url(jwk["kid"]), "type": "Multikey", "controller": did,
                        "publicKeyMultibase": multikey_encode(public)})
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "alsoKnownAs": [site_url()],
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
        "service": [{"id": f"{did}#issuer-profile", "type": "LinkedDomains",
                     "serviceEndpoint": site_url()}],
    }


def did_public_key(verification_method: str, document: dict[str, Any] | None = None
                   ) -> tuple[Ed25519PublicKey | None, str]:
    """The public key of ``verification_method`` in the issuer's DID document (``document``,
    default this installation's), if it is listed for ``assertionMethod``; else (None, why)."""
    from .data_integrity import multikey_decode

    document = document or did_document()
    method = next((m for m in document.get("verificationMethod", [])
                   if m.get("id") == verification_method), None)
    if method is None:
        return None, f"the issuer's DID document has no key {verification_method}"
    if verification_method not in document.get("assertionMethod", []):
        return None, f"{verification_method} is not an assertion method of the issuer"
    try:
        return multikey_decode(method.get("publicKeyMultibase", "")), ""
    except ValueError as exc:
        return None, f"the published key is unusable: {exc}"


# --- Compact JWS ---------------------------------------------------------------------------------


def jws_sign(payload: dict[str, Any], *, private: Ed25519PrivateKey, kid: str,
             typ: str = "vc+jwt") -> str:
    header = {"alg": "EdDSA", "typ": typ, "kid": kid}
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
    kid = header.get("kid") or ""
    # A kid is the key's URL (or, in credentials signed before keys had URLs, its label).
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None) or next(
        (k for k in jwks.get("keys", []) if k.get("kid") and key_label(k["kid"]) == key_label(
            kid)), None)
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
    """The issuer's OB 3.0 ``Profile``; its ``id`` is the issuer's DID."""
    return {
        "id": issuer_did(),
        "type": ["Profile"],
        "name": app_settings.CERT_ISSUING_BODY,
        "url": site_url(),
    }


def achievement_url(level_code: str) -> str:
    return f"{site_url()}/api/v1/issuer/achievements/{level_code}/"


def achievement(level: Any, *, criteria: str) -> dict[str, Any]:
    """The OB 3.0 ``Achievement`` of a level (what ``achievement.id`` resolves to)."""
    return {
        "id": achievement_url(level.code),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": level.name,
        "description": level.description or f"{level.name} ({level.name_en})",
        "criteria": {"narrative": criteria},
        "image": {"id": f"{site_url()}{settings.STATIC_URL}certificates/achievement.svg",
                  "type": "Image"},
    }


def requirement_set_narrative(rs: Any, level: Any) -> str:
    """The criteria narrative of a requirement set (``rs`` with its level; None: the
    level's requirements in general)."""
    if rs is None:
        return f"Met the requirements of {level.name} set by the issuer."
    from ..services.readiness import requirement_set_summary

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


def _criteria(certificate: Certificate) -> str:
    return requirement_set_narrative(certificate.requirement_set, certificate.level)


def achievement_criteria(level: Any) -> str:
    """The criteria narrative of the level's requirement set in force."""
    from ..models import RequirementSet

    rs = (RequirementSet.objects.select_related("level").filter(level=level, is_current=True)
          .order_by("-version").first())
    return requirement_set_narrative(rs, level)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def credential_payload(certificate: Certificate, *, criteria: str | None = None,
                       holder_did: str | None = None) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` of ``certificate`` (``criteria``: the narrative of
    its requirement set, when the caller has it already; ``holder_did``: the subject's id, when
    the holder gave a DID)."""
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
            "achievement": achievement(level, criteria=criteria if criteria is not None
                                       else _criteria(certificate)),
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
    if holder_did:
        payload["credentialSubject"] = {"id": holder_did, **payload["credentialSubject"]}
    return payload


def _epoch(value: str) -> int:
    return int(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def jwt_claims(body: dict[str, Any]) -> dict[str, Any]:
    """The registered claims OB 3.0 §8.2.4.2 requires of a VC-JWT, from the credential: ``iss``
    the issuer's id, ``jti`` the credential's id, ``nbf`` its ``validFrom``, ``sub`` the
    subject's id (the hashed identifier when the holder has no DID), ``exp`` its
    ``validUntil`` when it has one."""
    subject = body.get("credentialSubject") or {}
    issuer = body.get("issuer")
    identifiers = subject.get("identifier") or [{}]
    claims: dict[str, Any] = {
        "iss": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "jti": body.get("id"),
        "nbf": _epoch(body["validFrom"]),
        "sub": subject.get("id") or identifiers[0].get("identityHash") or body.get("id"),
    }
    if body.get("validUntil"):
        claims["exp"] = _epoch(body["validUntil"])
    return claims


def credential_secure(body: dict[str, Any], *, private: Ed25519PrivateKey, kid: str,
                      created: datetime.datetime) -> str:
    """Secure ``body`` both ways: its Data Integrity proof (eddsa-rdfc-2022), then the VC-JWT
    of the proven credential (see the module docstring). Returns the compact JWT."""
    method = key_url(kid)
    proven = proof_add(body, private_key=private, created=_iso(created),
                       verification_method=method)
    return jws_sign({**proven, **jwt_claims(body)}, private=private, kid=method, typ="JWT")


def credential_ld(token: str) -> dict[str, Any] | None:
    """The JSON-LD form (with its embedded proof) of a stored credential: the VC-JWT's payload
    without the JWT's registered claims. None for a credential signed before it had a proof
    (it gets one when it is signed again)."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(b64url_decode(parts[1]))
    except ValueError:
        return None
    if not isinstance(payload, dict) or "proof" not in payload:
        return None
    return {k: v for k, v in payload.items() if k not in JWT_CLAIMS}


def holder_dids(user_ids: Iterable[int]) -> dict[int, str]:
    """The DIDs holders gave (user id → DID), in one query."""
    from ..models.holders import HolderDid

    ids = set(user_ids)
    if not ids:
        return {}
    return dict(HolderDid.objects.filter(user_id__in=ids).values_list("user_id", "did"))


def credentials_sign(certificates: Iterable[Certificate], *,
                     now: datetime.datetime | None = None) -> None:
    """Sign the credentials of ``certificates`` in memory with the current key: sets
    ``credential``, ``credential_kid`` and ``credential_signed_at`` on each (the caller stores
    them), each with its Data Integrity proof and as a VC-JWT (``credential_secure``). Each
    certificate needs its ``level``, ``broker`` and ``requirement_set`` (with its level)
    loaded; the criteria narrative is worked out once per requirement set and the holders' DIDs
    are read in one query, so signing many certificates costs no query per certificate.
    Raises ``SigningKeyMissing``."""
    private, kid = signing_key()
    now = now or timezone.now()
    certificates = list(certificates)
    dids = holder_dids(c.broker_id for c in certificates)
    narratives: dict[int | None, str] = {}
    for certificate in certificates:
        key = certificate.requirement_set_id
        if key not in narratives:
            narratives[key] = _criteria(certificate)
        body = credential_payload(certificate, criteria=narratives[key],
                                  holder_did=dids.get(certificate.broker_id))
        certificate.credential = credential_secure(body, private=private, kid=kid, created=now)
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
