"""Verify a downloaded certificate credential (VC-JWT) offline, and say why it fails."""

import json
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.credentials import credential_verify, published_jwks


def _read(source: str, timeout: float = 5.0, accept: str = "application/json") -> str:
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"Accept": accept})  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read().decode("utf-8")
    return Path(source).read_text()


def _load_json(source: str, timeout: float = 5.0):
    return json.loads(_read(source, timeout))


def _load_status_list(source: str, timeout: float = 5.0):
    """The signed status list (a VC-JWT, as the issuer publishes it), or an unsigned JSON one
    from a file: the first is returned as the token, to be verified with the issuer's keys."""
    text = _read(source, timeout, accept="application/vc+jwt, application/json;q=0.5").strip()
    return json.loads(text) if text.startswith("{") else text


class Command(BaseCommand):
    help = ("Check a credential file: its signature against the issuer's published keys, "
            "its dates, and (if the status list can be read) whether it was revoked. Exits "
            "with status 1 and the reasons when it is not valid.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The credential (.jwt) file.")
        parser.add_argument("--jwks", help="The issuer's JWK Set: a file or URL. Default: the "
                                           "keys published by this installation.")
        parser.add_argument("--status-list", help="The status list credential (signed VC-JWT, "
                                                  "or JSON): a file or URL. Default: the URL "
                                                  "named in the credential, if reachable.")
        parser.add_argument("--offline", action="store_true",
                            help="Do not fetch anything over the network.")

    def handle(self, *args, file, jwks=None, status_list=None, offline=False, **options):
        try:
            token = Path(file).read_text().strip()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        keys = _load_json(jwks) if jwks else published_jwks()
        first = credential_verify(token, jwks=keys)
        status = None
        if first.credential and not offline or status_list:
            source = status_list or (first.credential.get("credentialStatus") or {}).get(
                "statusListCredential")
            if source:
                try:
                    status = _load_status_list(source)
                except Exception as exc:  # noqa: BLE001 - unreachable: say so, go on
                    self.stderr.write(f"Status list not reachable ({exc}): revocation not "
                                      "checked.")
        result = credential_verify(token, jwks=keys, status_list=status)
        credential = result.credential
        if credential:
            self.stdout.write(f"Credential: {credential.get('name', '')}")
            self.stdout.write(f"Issuer: {(credential.get('issuer') or {}).get('name', '')}")
            self.stdout.write(f"Key: {result.header.get('kid', '')}")
        for note in result.notes:
            self.stdout.write(f"Note: {note}")
        if result.ok:
            self.stdout.write(self.style.SUCCESS("VALID: signature, dates and status check."))
            return
        for problem in result.problems:
            self.stderr.write(f"INVALID: {problem}")
        raise SystemExit(1)
