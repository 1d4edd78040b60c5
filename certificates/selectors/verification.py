"""Checking a credential, in either form, as the public verification page and
``manage.py credential_verify`` show it: each check with its own verdict.

A credential is a VC-JWT (compact, three dot-separated parts) or a JSON-LD document with an
embedded Data Integrity proof. The checks:

* ``format``: it is an Open Badges credential in one of the two forms;
* ``signature``: the VC-JWT's EdDSA signature, or the ``eddsa-rdfc-2022`` proof (a VC-JWT that
  carries a proof too has both checked), with the key its ``kid``/``verificationMethod`` names;
* ``issuer``: that key is one the issuer's DID document lists for ``assertionMethod`` and the
  credential's issuer is that DID (the VC-JWT's ``iss``, ``jti``, ``nbf``, ``sub``, ``exp`` match
  the credential);
* ``dates``: ``validFrom`` has come and ``validUntil`` has not passed;
* ``status``: its bit in the issuer's revocation list is not set;
* ``schema``: it validates against 1EdTech's OB 3.0 JSON schema.

Only this installation's issuer is known without a network (its DID document and status list
are read locally); another issuer's DID document and status list can be given to
``credential_check``.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ..credentials.data_integrity import proof_verify
from ..credentials.signing import (
    JWT_CLAIMS,
    b64url_decode,
    did_document,
    did_public_key,
    jws_verify,
    jwt_claims,
)
from ..credentials.vocab import CONTEXTS_DIR

MAX_BYTES = 256 * 1024
# RDF canonicalization's worst case grows fast with blank nodes ("poison" graphs): a credential
# is a few dozen objects, so a document with far more is refused before it is canonicalized.
MAX_OBJECTS = 500
MAX_DEPTH = 20
SCHEMA_FILE = CONTEXTS_DIR / "ob_v3p0_achievementcredential-jsonschema1.json"

PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass
class Check:
    name: str
    label: str
    verdict: str = SKIP
    details: list[str] = field(default_factory=list)

    def fail(self, detail: str) -> None:
        self.verdict = FAIL
        self.details.append(detail)

    def passed(self, detail: str = "") -> None:
        if self.verdict != FAIL:
            self.verdict = PASS
        if detail:
            self.details.append(detail)

    @property
    def ok(self) -> bool:
        return self.verdict == PASS


@dataclass
class CredentialReport:
    form: str = ""  # "jwt" or "ld"
    credential: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    revoked: bool = False

    @property
    def ok(self) -> bool:
        return all(c.verdict != FAIL for c in self.checks) and any(
            c.name == "signature" and c.ok for c in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    @property
    def problems(self) -> list[str]:
        return [d for c in self.checks if c.verdict == FAIL for d in c.details]


def _checks() -> list[Check]:
    return [Check("format", _("Format")), Check("signature", _("Signature")),
            Check("issuer", _("Issuer")), Check("dates", _("Validity dates")),
            Check("status", _("Revocation status")), Check("schema", _("Open Badges schema"))]


@cache
def _schema_validator():
    from jsonschema import Draft201909Validator

    return Draft201909Validator(json.loads(Path(SCHEMA_FILE).read_text(encoding="utf-8")))


def _too_complex(value: Any, depth: int = 0, seen: list[int] | None = None) -> bool:
    """Whether ``value`` nests deeper than ``MAX_DEPTH`` or has more than ``MAX_OBJECTS``
    objects and lists."""
    seen = seen if seen is not None else [0]
    if isinstance(value, dict | list):
        seen[0] += 1
        if depth > MAX_DEPTH or seen[0] > MAX_OBJECTS:
            return True
        items = value.values() if isinstance(value, dict) else value
        return any(_too_complex(item, depth + 1, seen) for item in items)
    return False


def _parse(text: str, report: CredentialReport) -> tuple[str, dict[str, Any], str]:
    """(form, credential, token) of ``text``; form '' when it is neither."""
    text = (text or "").strip().lstrip("\ufeff")
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return "", {}, ""
        return ("ld", document, "") if isinstance(document, dict) else ("", {}, "")
    parts = text.split(".")
    if len(parts) == 3 and all(parts[:2]):
        try:
            payload = json.loads(b64url_decode(parts[1]))
        except ValueError:
            return "", {}, ""
        if isinstance(payload, dict):
            return "jwt", {k: v for k, v in payload.items() if k not in JWT_CLAIMS}, text
    return "", {}, ""


def _moment(value: Any) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _verify_proof(credential: dict[str, Any], document: dict[str, Any],
                  signature: Check, issuer: Check) -> str:
    """Check the embedded proof; returns its verification method ('' if none)."""
    proof = credential.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        signature.fail(_("The credential has no Data Integrity proof."))
        return ""
    method = str(proof.get("verificationMethod") or "")
    public, why = did_public_key(method, document)
    if public is None:
        issuer.fail(_("The key that signed it is not published by the issuer: %(why)s")
                    % {"why": why})
        signature.fail(_("The signature cannot be checked without the issuer's key."))
        return method
    problem = proof_verify(credential, public_key=public)
    if problem:
        signature.fail(_("The Data Integrity proof (eddsa-rdfc-2022) does not verify: the "
                         "credential was altered or signed with another key."))
    else:
        signature.passed(_("Data Integrity proof (eddsa-rdfc-2022) verified with %(key)s.")
                         % {"key": method})
    return method


def _jwks_of(document: dict[str, Any]) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization

    from ..credentials.data_integrity import multikey_decode
    from ..credentials.signing import b64url

    keys = []
    for method in document.get("verificationMethod", []):
        if method.get("id") not in document.get("assertionMethod", []):
            continue
        try:
            public = multikey_decode(method.get("publicKeyMultibase", ""))
        except ValueError:
            continue
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        keys.append({"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": method["id"]})
    return {"keys": keys}


def _check_format(text: str, report: CredentialReport,
                  fmt: Check) -> tuple[dict[str, Any], str] | None:
    """Parse ``text`` and say what it is; None (the format check failed) if it is not an Open
    Badges credential this page can check."""
    if len((text or "").encode("utf-8")) > MAX_BYTES:
        fmt.fail(_("The file is too large to be a credential."))
        return None
    try:
        report.form, credential, token = _parse(text, report)
    except RecursionError:
        report.form, credential, token = "", {}, ""
    if report.form and _too_complex(credential):
        fmt.fail(_("This document is far larger than a credential; it was not checked."))
        return None
    report.credential = credential
    if not report.form:
        fmt.fail(_("This is neither a VC-JWT nor a JSON-LD credential."))
        return None
    types = credential.get("type") or []
    if not isinstance(types, list) or not {"OpenBadgeCredential", "AchievementCredential"} \
            & set(types):
        fmt.fail(_("This is not an Open Badges credential."))
        return None
    fmt.passed(_("Open Badges 3.0 credential secured as a VC-JWT.") if report.form == "jwt"
               else _("Open Badges 3.0 credential in JSON-LD with an embedded proof."))
    return credential, token


def _check_jwt(token: str, credential: dict[str, Any], document: dict[str, Any],
               signature: Check, issuer: Check) -> None:
    """The VC-JWT's signature, header and claims (and an embedded proof, if any)."""
    header, payload, problem = jws_verify(token, jwks=_jwks_of(document))
    kid = str(header.get("kid") or "")
    if problem:
        if "no published key" in problem:
            issuer.fail(_("The key that signed it is not published by the issuer."))
        signature.fail(_("The VC-JWT signature does not verify: the credential was altered "
                         "or signed with another key."))
    else:
        signature.passed(_("VC-JWT signature (EdDSA) verified with %(key)s.")
                         % {"key": kid})
        if header.get("typ") not in ("JWT", "vc+jwt"):
            signature.fail(_("The VC-JWT header's type is %(typ)s.") % {"typ":
                                                                       header.get("typ")})
        try:
            expected = jwt_claims(credential)
        except (KeyError, ValueError, TypeError, AttributeError):
            expected = {}
        wrong = [k for k, v in expected.items() if k in payload and payload[k] != v]
        missing = [k for k in expected if k not in payload]
        if wrong:
            issuer.fail(_("The JWT claims %(claims)s do not match the credential.")
                        % {"claims": ", ".join(wrong)})
        elif missing:
            issuer.passed(_("Signed before the JWT carried the claims %(claims)s.")
                          % {"claims": ", ".join(missing)})
        if "proof" in credential:
            _verify_proof(credential, document, signature, issuer)
    if issuer.verdict != FAIL and kid.split("#")[0] == document.get("id"):
        issuer.passed(_("The key is listed in the issuer's DID document %(did)s.")
                      % {"did": document.get("id")})
    elif issuer.verdict != FAIL and not problem:
        issuer.passed(_("The key is published by the issuer."))


def _check_dates(credential: dict[str, Any], dates: Check, now: datetime.datetime) -> None:
    """validFrom is past and validUntil, if any, is not."""
    valid_from, valid_until = (_moment(credential.get("validFrom")),
                               _moment(credential.get("validUntil"))
                               if credential.get("validUntil") else None)
    if valid_from is None:
        dates.fail(_("validFrom is missing or not a date-time."))
    elif valid_from > now:
        dates.fail(_("Not valid yet (valid from %(date)s).") % {"date": credential["validFrom"]})
    elif credential.get("validUntil") and valid_until is None:
        dates.fail(_("validUntil is not a date-time."))
    elif valid_until is not None and valid_until < now:
        dates.fail(_("Expired on %(date)s.") % {"date": credential["validUntil"]})
    else:
        dates.passed(_("Valid from %(start)s%(end)s.") % {
            "start": credential["validFrom"],
            "end": (_(" until %(date)s") % {"date": credential["validUntil"]})
            if valid_until else ""})


def _check_schema(credential: dict[str, Any], schema: Check) -> None:
    errors = sorted(_schema_validator().iter_errors(credential), key=lambda e: list(e.path))
    if errors:
        schema.fail(_("It does not follow the Open Badges 3.0 schema: %(error)s")
                    % {"error": errors[0].message[:200]})
    else:
        schema.passed(_("Valid against 1EdTech's Open Badges 3.0 JSON schema."))


def credential_check(text: str, *, document: dict[str, Any] | None = None,
                     status_list: dict[str, Any] | None = None,
                     now: datetime.datetime | None = None) -> CredentialReport:
    """Check a credential (VC-JWT or JSON-LD text); see the module docstring.

    ``document``: the issuer's DID document (default: this installation's). ``status_list``:
    the issuer's status list credential, already trusted (default: this installation's own
    list when the credential points to it; otherwise the status is not checked)."""
    report = CredentialReport(checks=_checks())
    fmt, signature, issuer, dates, status, schema = report.checks
    now = now or timezone.now()
    parsed = _check_format(text, report, fmt)
    if parsed is None:
        return report
    credential, token = parsed
    document = document or did_document()
    issuer_id = credential.get("issuer")
    issuer_id = issuer_id.get("id") if isinstance(issuer_id, dict) else issuer_id
    if issuer_id != document.get("id"):
        issuer.fail(_("The credential names the issuer %(issuer)s, not %(known)s.")
                    % {"issuer": issuer_id, "known": document.get("id")})
    if report.form == "jwt":
        _check_jwt(token, credential, document, signature, issuer)
    else:
        method = _verify_proof(credential, document, signature, issuer)
        if issuer.verdict != FAIL and method.split("#")[0] == document.get("id"):
            issuer.passed(_("The key is listed in the issuer's DID document %(did)s.")
                          % {"did": document.get("id")})
    _check_dates(credential, dates, now)
    _check_status(credential, status_list, status, report)
    _check_schema(credential, schema)
    return report


def _check_status(credential: dict[str, Any], status_list: dict[str, Any] | None,
                  status: Check, report: CredentialReport) -> None:
    from ..credentials.status_list import bit_is_set, status_list_credential, status_list_url

    entry = credential.get("credentialStatus")
    if not isinstance(entry, dict):
        status.passed(_("The credential has no revocation status to check."))
        return
    url = entry.get("statusListCredential")
    if status_list is None and url == status_list_url():
        status_list = status_list_credential()
    if status_list is None:
        status.details.append(_("The issuer's status list is not available here; revocation "
                                "was not checked."))
        return
    if status_list.get("id") and status_list.get("id") != url:
        status.fail(_("The status list given is not the one the credential names."))
        return
    try:
        index = int(entry["statusListIndex"])
        if index < 0:
            raise ValueError(f"negative index {index}")
        revoked = bit_is_set(status_list, index)
    except (KeyError, ValueError, TypeError) as exc:
        status.fail(_("Cannot read the status list: %(error)s") % {"error": exc})
        return
    if revoked:
        report.revoked = True
        status.fail(_("Revoked: the issuer's status list marks this credential as revoked."))
    else:
        status.passed(_("Not revoked (checked against the issuer's status list)."))


def status_list_ld_verify(document: dict[str, Any], *, did: dict[str, Any] | None = None,
                          now: datetime.datetime | None = None) -> list[str]:
    """Problems with a Data Integrity secured status list credential ([] when it verifies)."""
    from ..credentials.signing import _date_problems

    proof = document.get("proof") or {}
    if isinstance(proof, list):
        proof = proof[0] if len(proof) == 1 else {}
    public, why = did_public_key(str(proof.get("verificationMethod") or ""),
                                 did or did_document())
    if public is None:
        return [f"status list: {why}"]
    problem = proof_verify(document, public_key=public)
    if problem:
        return [f"status list: {problem}"]
    if "BitstringStatusListCredential" not in (document.get("type") or []):
        return ["status list: not a BitstringStatusListCredential"]
    return _date_problems(document, now or timezone.now(), what="status list: ")
