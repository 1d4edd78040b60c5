"""Verifiers that are not the project's code: Digital Bazaar's @digitalbazaar/vc with the
eddsa-rdfc-2022 cryptosuite through Node (tests/verifiers/, installed by `npm ci`), PyJWT, and
1EdTech's OB 3.0 JSON schema from ../shared/context/ob3/ through jsonschema."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import jwt
from jsonschema import Draft201909Validator

from tests.services import missing

ROOT = Path(__file__).resolve().parents[2]
VERIFIERS = ROOT / "tests" / "verifiers"
# shared/ lies beside the checkout (CI, the main checkout) or beside its worktrees' folder.
SCHEMA = next((p for p in (base / "shared" / "context" / "ob3"
                           / "ob_v3p0_achievementcredential-jsonschema1.json"
                           for base in (ROOT.parent, ROOT.parent.parent)) if p.exists()),
              ROOT.parent / "shared" / "context" / "ob3")


def node_verify(credentials: list[dict[str, Any]], documents: dict[str, Any]
                ) -> list[dict[str, Any]]:
    """Each credential's (or status list's) Data Integrity proof verified by Digital Bazaar's
    libraries: ``[{"verified": bool, "error": str}, ...]``. ``documents``: the issuer's DID
    document by its DID (the loader fetches nothing)."""
    node = shutil.which("node")
    if node is None or not (VERIFIERS / "node_modules" / "@digitalbazaar" / "vc").exists():
        missing("Node.js with tests/verifiers/node_modules (run `make verifiers`)")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"credentials": credentials, "documents": documents}, handle)
    try:
        done = subprocess.run([node, str(VERIFIERS / "verify.mjs"), handle.name],
                              capture_output=True, text=True, timeout=120, check=False)
    finally:
        Path(handle.name).unlink()
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def pyjwt_decode(token: str, jwks: dict[str, Any], *, audience: str | None = None
                 ) -> dict[str, Any]:
    """The VC-JWT's claims, verified by PyJWT with the key of the JWK Set its ``kid`` names
    (raises ``jwt.InvalidTokenError`` when it does not verify). ``iss``, ``jti``, ``nbf`` and
    ``sub`` are required, as OB 3.0 §8.2 makes them."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "JWT"
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    return jwt.decode(token, key=key, algorithms=["EdDSA"],
                      options={"require": ["iss", "jti", "nbf", "sub"]})


def schema_errors(credential: dict[str, Any]) -> list[str]:
    """Messages of 1EdTech's OB 3.0 schema (from ../shared) for ``credential`` ([] if valid)."""
    if not SCHEMA.exists():
        missing(f"the OB 3.0 schema at {SCHEMA}")
    validator = Draft201909Validator(json.loads(SCHEMA.read_text()))
    return [error.message for error in validator.iter_errors(credential)]
