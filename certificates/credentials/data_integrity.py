"""Embedded Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C VC Data
Integrity EdDSA Cryptosuites v1.0, §3.2), and the Multikey encoding of Ed25519 public keys.

Creating a proof: the proof options (type ``DataIntegrityProof``, cryptosuite, ``created``,
``verificationMethod``, ``proofPurpose``, with the document's ``@context``) and the document
without its proof are each canonicalized with RDFC-1.0 (``jsonld.canonize``) and hashed with
SHA-256; the Ed25519 signature of the two hashes, options hash first, is ``proofValue``
(multibase base58btc, ``z`` prefix). Verifying recomputes the same and checks the signature.

Many credentials signed at once share their proof options, so the canonical options are kept
per (context, created, method): the one part of the work that is identical between them.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ED25519_PUB_MULTICODEC = b"\xed\x01"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_B58[rem])
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError(f"not base58btc: {char!r}")
        number = number * 58 + index
    leading = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading + body


def multikey_encode(public_key: Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` of an Ed25519 key: ``z`` + base58btc(0xed01 + raw key)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc_encode(ED25519_PUB_MULTICODEC + raw)


def multikey_decode(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc (z…)")
    data = base58btc_decode(value[1:])
    if not data.startswith(ED25519_PUB_MULTICODEC) or len(data) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def _options(document: dict[str, Any], *, created: str, verification_method: str,
             purpose: str) -> dict[str, Any]:
    return {"@context": document["@context"], "type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE,
            "created": created, "verificationMethod": verification_method,
            "proofPurpose": purpose}


@lru_cache(maxsize=64)
def _options_hash(context_key: str, created: str, verification_method: str,
                  purpose: str) -> bytes:
    import json

    from .jsonld import canonize  # PyLD is loaded by the first credential, not at start-up

    options = _options({"@context": json.loads(context_key)}, created=created,
                       verification_method=verification_method, purpose=purpose)
    return hashlib.sha256(canonize(options).encode("utf-8")).digest()


def _hash_data(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    import json

    from .jsonld import canonize

    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options_hash = _options_hash(json.dumps(unsecured["@context"]), proof["created"],
                                 proof["verificationMethod"], proof["proofPurpose"])
    return options_hash + hashlib.sha256(canonize(unsecured).encode("utf-8")).digest()


def proof_add(document: dict[str, Any], *, private_key: Ed25519PrivateKey, created: str,
              verification_method: str, purpose: str = "assertionMethod") -> dict[str, Any]:
    """``document`` with an embedded ``eddsa-rdfc-2022`` proof (a new dict; ``proof`` is a
    one-element list)."""
    proof = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": created,
             "verificationMethod": verification_method, "proofPurpose": purpose}
    signature = private_key.sign(_hash_data(document, proof))
    proof["proofValue"] = "z" + base58btc_encode(signature)
    # A list: OB 3.0's schema wants ``proof`` as an array (the data model allows either).
    return {**{k: v for k, v in document.items() if k != "proof"}, "proof": [proof]}


def proof_verify(document: dict[str, Any], *, public_key: Ed25519PublicKey,
                 purpose: str = "assertionMethod") -> str:
    """Check the document's embedded proof with ``public_key``: '' when it verifies, else why
    not."""
    proof = document.get("proof")
    if isinstance(proof, list):
        proof = proof[0] if len(proof) == 1 else None
    if not isinstance(proof, dict):
        return "no Data Integrity proof"
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return f"unsupported proof {proof.get('type')!r}/{proof.get('cryptosuite')!r}"
    if proof.get("proofPurpose") != purpose:
        return f"the proof's purpose is {proof.get('proofPurpose')!r}, not {purpose!r}"
    value = proof.get("proofValue") or ""
    missing = [k for k in ("created", "verificationMethod") if not isinstance(proof.get(k), str)]
    if missing or not isinstance(value, str) or not value.startswith("z"):
        return "the proof is incomplete"
    try:
        signature = base58btc_decode(value[1:])
        data = _hash_data(document, proof)
    except Exception as exc:  # noqa: BLE001 - any canonicalization failure means invalid
        return f"cannot canonicalize the credential: {exc}"
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return ("the signature does not match: the credential was altered or signed with "
                "another key")
    return ""
