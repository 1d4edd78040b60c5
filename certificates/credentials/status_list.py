"""The published revocation list (W3C Bitstring Status List v1.0).

One list, at a stable URL (``/api/v1/issuer/status/1/``); a certificate's index in it is its
primary key. The bitstring has at least 131,072 bits (the spec's minimum, for group privacy)
and grows in steps of that size; bit ``i`` (most significant bit of byte 0 first) is 1 when
certificate ``i`` is revoked. ``encodedList`` is the GZIP-compressed bitstring, base64url
without padding, with the multibase prefix ``u``. Built from the database on each request
(one indexed query over revoked certificates), so a revocation shows at once.

The list is published as a *secured* credential, as the specification requires, in the two
forms the certificates have, signed with the same Ed25519 key: with an embedded Data Integrity
proof (``eddsa-rdfc-2022``, ``status_list_ld``) for ``application/ld+json``, and as a VC-JWT
(``status_list_signed``; header ``{"alg": "EdDSA", "typ": "vc+jwt", "kid": ...}``) for
``application/vc+jwt``. Either is valid for a day from the moment it is made. The list changes
only when a certificate is revoked or reinstated, so it is served for ``TTL`` (five minutes,
also its ``ttl``, in milliseconds as the specification counts it) to any cache: a revocation
reaches every verifier within that time. A client that asks for ``application/json`` gets the
credential unsigned.
"""

from __future__ import annotations

import base64
import datetime
import gzip
from typing import Any

from django.utils import timezone

from academy.links import absolute_url

from ..models.issued import Certificate

MIN_BITS = 131072
VALIDITY = datetime.timedelta(days=1)
TTL = datetime.timedelta(minutes=5)


def status_list_url(list_id: int = 1) -> str:
    return absolute_url(f"/api/v1/issuer/status/{list_id}/")


def bitstring(revoked: list[int], *, size: int | None = None) -> bytes:
    highest = max(revoked, default=0)
    bits = size or max(MIN_BITS, ((highest // MIN_BITS) + 1) * MIN_BITS)
    data = bytearray(bits // 8)
    for index in revoked:
        data[index // 8] |= 0x80 >> (index % 8)
    return bytes(data)


def encode(data: bytes) -> str:
    compressed = gzip.compress(data, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    text = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def status_list_credential(list_id: int = 1) -> dict[str, Any]:
    """The ``BitstringStatusListCredential`` as it stands now."""
    from .signing import issuer_did
    from .vocab import VC_CONTEXT

    revoked = list(Certificate.objects.filter(status=Certificate.Status.REVOKED)
                   .values_list("pk", flat=True))
    highest = Certificate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    size = max(MIN_BITS, ((highest // MIN_BITS) + 1) * MIN_BITS)
    url = status_list_url(list_id)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(bitstring(revoked, size=size)),
            "ttl": int(TTL.total_seconds() * 1000),
        },
    }


def bit_is_set(status_list: dict[str, Any], index: int) -> bool:
    """Whether ``index`` is set in a status list credential (or its subject)."""
    subject = status_list.get("credentialSubject", status_list)
    data = decode(subject["encodedList"])
    if index // 8 >= len(data):
        raise ValueError(f"index {index} is beyond the list ({len(data) * 8} bits)")
    return bool(data[index // 8] & (0x80 >> (index % 8)))


def status_list_signed(list_id: int = 1, *, now: datetime.datetime | None = None) -> str:
    """The status list credential as it stands now, signed (compact VC-JWT, EdDSA)."""
    from .signing import _iso, jws_sign, key_url, signing_key

    now = now or timezone.now()
    payload = status_list_credential(list_id)
    payload["validFrom"] = _iso(now)
    payload["validUntil"] = _iso(now + VALIDITY)
    private, kid = signing_key()
    return jws_sign(payload, private=private, kid=key_url(kid))


def status_list_ld(list_id: int = 1, *, now: datetime.datetime | None = None
                   ) -> dict[str, Any]:
    """The status list credential as it stands now, with its Data Integrity proof
    (eddsa-rdfc-2022, the certificates' key)."""
    from .data_integrity import proof_add
    from .signing import _iso, key_url, signing_key

    now = now or timezone.now()
    payload = status_list_credential(list_id)
    payload["validFrom"] = _iso(now)
    payload["validUntil"] = _iso(now + VALIDITY)
    private, kid = signing_key()
    return proof_add(payload, private_key=private, created=_iso(now),
                     verification_method=key_url(kid))


def status_list_token_verify(token: str, *, jwks: dict[str, Any],
                             now: datetime.datetime | None = None
                             ) -> tuple[dict[str, Any] | None, list[str]]:
    """Check a signed status list: signature by a key of ``jwks``, type and dates. Returns the
    list credential (None if it cannot be trusted at all) and the problems found."""
    from .signing import _date_problems, jws_verify

    _header, payload, problem = jws_verify(token, jwks=jwks)
    if problem:
        return None, [f"status list: {problem}"]
    if "BitstringStatusListCredential" not in (payload.get("type") or []):
        return None, ["status list: not a BitstringStatusListCredential"]
    subject = payload.get("credentialSubject") or {}
    if subject.get("statusPurpose") != "revocation" or "encodedList" not in subject:
        return None, ["status list: not a revocation list"]
    problems = _date_problems(payload, now or timezone.now(), what="status list: ")
    return payload, problems
