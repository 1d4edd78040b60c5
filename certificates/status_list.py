"""The published revocation list (W3C Bitstring Status List v1.0).

One list, at a stable URL (``/api/v1/issuer/status/1/``); a certificate's index in it is its
primary key. The bitstring has at least 131,072 bits (the spec's minimum, for group privacy)
and grows in steps of that size; bit ``i`` (most significant bit of byte 0 first) is 1 when
certificate ``i`` is revoked. ``encodedList`` is the GZIP-compressed bitstring, base64url
without padding, with the multibase prefix ``u``. Built from the database on each request
(one indexed query over revoked certificates), so a revocation shows at once.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

from django.conf import settings

from .issued import Certificate

MIN_BITS = 131072


def status_list_url(list_id: int = 1) -> str:
    return f"{settings.ACADEMY_SITE_URL.rstrip('/')}/api/v1/issuer/status/{list_id}/"


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
    from .credentials import OB_CONTEXT, VC_CONTEXT, issuer_profile  # noqa: F401

    revoked = list(Certificate.objects.filter(status=Certificate.Status.REVOKED)
                   .values_list("pk", flat=True))
    highest = Certificate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    size = max(MIN_BITS, ((highest // MIN_BITS) + 1) * MIN_BITS)
    url = status_list_url(list_id)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile()["id"],
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(bitstring(revoked, size=size)),
        },
    }


def bit_is_set(status_list: dict[str, Any], index: int) -> bool:
    """Whether ``index`` is set in a status list credential (or its subject)."""
    subject = status_list.get("credentialSubject", status_list)
    data = decode(subject["encodedList"])
    if index // 8 >= len(data):
        raise ValueError(f"index {index} is beyond the list ({len(data) * 8} bits)")
    return bool(data[index // 8] & (0x80 >> (index % 8)))
