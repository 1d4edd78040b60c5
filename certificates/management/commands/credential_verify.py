"""Check a downloaded certificate credential (VC-JWT or JSON-LD with its Data Integrity proof)
offline, each check with its verdict, and say why it fails."""

import json
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from certificates.selectors import (
    FAIL,
    PASS,
    credential_check,
    status_list_ld_verify,
)


def _read(source: str, timeout: float = 5.0, accept: str = "application/json") -> str:
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"Accept": accept})  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read().decode("utf-8")
    return Path(source).read_text()


def did_document_of_jwks(jwks: dict[str, Any]) -> dict[str, Any]:
    """A DID document made of a JWK Set whose ``kid`` are key URLs (``<DID>#<label>``)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from certificates.credentials.data_integrity import multikey_encode
    from certificates.credentials.signing import b64url_decode

    methods = []
    for key in jwks.get("keys", []):
        kid = key.get("kid", "")
        if "#" not in kid or key.get("crv") != "Ed25519":
            continue
        public = Ed25519PublicKey.from_public_bytes(b64url_decode(key["x"]))
        methods.append({"id": kid, "type": "Multikey", "controller": kid.split("#")[0],
                        "publicKeyMultibase": multikey_encode(public)})
    did = methods[0]["controller"] if methods else ""
    return {"id": did, "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods]}


class Command(BaseCommand):
    help = ("Check a credential file (.jwt or .jsonld): its signature or proof against the "
            "issuer's published keys, the issuer, its dates, its revocation status and the "
            "Open Badges 3.0 schema, each with a verdict. Needs no network for this "
            "installation's credentials. Exits with status 1 when it is not valid.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The credential: a VC-JWT (.jwt) or JSON-LD file.")
        parser.add_argument("--did-document", help="The issuer's DID document: a file or URL. "
                                                   "Default: this installation's.")
        parser.add_argument("--jwks", help="Instead of the DID document: the issuer's JWK Set "
                                           "(keys named by their URLs), a file or URL.")
        parser.add_argument("--status-list", help="The issuer's status list credential (VC-JWT "
                                                  "or JSON-LD with its proof): a file or URL. "
                                                  "Default: this installation's own list when "
                                                  "the credential names it, else the URL it "
                                                  "names (unless --offline).")
        parser.add_argument("--offline", action="store_true",
                            help="Do not fetch anything over the network.")

    def _status_list(self, source: str, document: dict[str, Any]) -> dict[str, Any] | None:
        from certificates.credentials.signing import jws_verify
        from certificates.selectors.verification import _jwks_of

        text = _read(source, accept="application/ld+json, application/vc+jwt;q=0.9").strip()
        if text.startswith("{"):
            listed = json.loads(text)
            problems = status_list_ld_verify(listed, did=document) if "proof" in listed else [
                "status list: not signed"]
        else:
            _header, listed, problem = jws_verify(text, jwks=_jwks_of(document))
            problems = [f"status list: {problem}"] if problem else []
        for problem in problems:
            self.stderr.write(f"INVALID: {problem}")
        return None if problems else listed

    def handle(self, *args, file, did_document=None, jwks=None, status_list=None,
               offline=False, **options):
        from certificates.credentials.signing import did_document as own_did_document
        from certificates.credentials.status_list import status_list_url

        try:
            text = Path(file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        if did_document:
            document = json.loads(_read(did_document))
        elif jwks:
            document = did_document_of_jwks(json.loads(_read(jwks)))
        else:
            document = own_did_document()
        first = credential_check(text, document=document)
        listed = None
        entry = first.credential.get("credentialStatus") or {}
        source = status_list or (entry.get("statusListCredential")
                                 if entry.get("statusListCredential") != status_list_url()
                                 and not offline else None)
        if source:
            try:
                listed = self._status_list(source, document)
            except Exception as exc:  # noqa: BLE001 - unreachable: say so, go on
                self.stderr.write(f"Status list not readable ({exc}): revocation not checked.")
        report = credential_check(text, document=document, status_list=listed) \
            if listed is not None else first
        credential = report.credential
        if credential:
            self.stdout.write(f"Credential: {credential.get('name', '')}")
            issuer = credential.get("issuer")
            self.stdout.write(f"Issuer: {issuer.get('name', '') if isinstance(issuer, dict) else issuer}")
        for check in report.checks:
            mark = {PASS: "PASS", FAIL: "FAIL"}.get(check.verdict, "----")
            self.stdout.write(f"{mark}  {check.label}: {' '.join(check.details)}")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("VALID"))
            return
        for problem in report.problems:
            self.stderr.write(f"INVALID: {problem}")
        raise SystemExit(1)
