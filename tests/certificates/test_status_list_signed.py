"""The published revocation list is a signed BitstringStatusListCredential (VC-JWT, EdDSA,
the certificates' key): it verifies with the published keys, a revoked certificate's bit reads
revoked in it, an altered or stale list is refused, and ``credential_verify`` checks
certificates against it (from a file, or fetched from the URL the credential names)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from certificates.credentials import signing as credentials
from certificates.credentials.signing import b64url, b64url_decode, credential_verify, jws_verify
from certificates.credentials.status_list import (
    bit_is_set,
    bitstring,
    encode,
    status_list_signed,
    status_list_token_verify,
    status_list_url,
)
from certificates.models.issued import Certificate
from certificates.services.issuance import certificate_reinstate, certificate_revoke
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/issuer/status/1/"


def _signed() -> Certificate:
    certificate = issue(BrokerFactory())
    credentials.credential_sign_store(certificate_id=certificate.pk)
    return Certificate.objects.get(pk=certificate.pk)


def _revoke(certificate: Certificate) -> None:
    certificate_revoke(certificate_id=certificate.pk, actor=UserFactory(roles=["admin"]),
                       reason="材料造假")


def test_the_list_is_served_signed_by_default_and_verifies_with_the_published_keys(client):
    _signed()
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vc+jwt")
    assert response["Cache-Control"] == "public, max-age=300"
    token = response.content.decode()
    header, payload, problem = jws_verify(token, jwks=client.get("/.well-known/jwks.json").json())
    assert problem == ""
    assert header == {"alg": "EdDSA", "typ": "vc+jwt",
                      "kid": credentials.key_url(credentials.signing_key()[1])}
    assert "BitstringStatusListCredential" in payload["type"]
    assert payload["id"] == status_list_url() == credentials.site_url() + URL
    assert payload["issuer"] == credentials.issuer_profile()["id"]
    assert payload["credentialSubject"]["statusPurpose"] == "revocation"
    assert payload["validFrom"] < payload["validUntil"]
    unsigned = client.get(URL, HTTP_ACCEPT="application/json")
    assert unsigned["Content-Type"].startswith("application/json")
    assert unsigned.json()["credentialSubject"] == payload["credentialSubject"]
    assert client.get("/api/v1/issuer/status/2/").status_code == 404


def test_a_revoked_certificates_bit_reads_revoked_in_the_signed_list(client):
    certificate = _signed()
    other = _signed()
    jwks = credentials.published_jwks()
    token = client.get(URL).content.decode()
    assert not bit_is_set(status_list_token_verify(token, jwks=jwks)[0], certificate.pk)
    assert credential_verify(certificate.credential, jwks=jwks, status_list=token).ok

    _revoke(certificate)
    token = client.get(URL).content.decode()
    listed, problems = status_list_token_verify(token, jwks=jwks)
    assert problems == []
    assert bit_is_set(listed, certificate.pk) and not bit_is_set(listed, other.pk)
    result = credential_verify(certificate.credential, jwks=jwks, status_list=token)
    assert not result.ok and "revoked (set in the issuer's status list)" in result.problems
    fine = credential_verify(other.credential, jwks=jwks, status_list=token)
    assert fine.ok and "not revoked" in fine.notes

    certificate_reinstate(certificate_id=certificate.pk, actor=UserFactory(roles=["admin"]),
                          reason="复核无误")
    token = client.get(URL).content.decode()
    assert credential_verify(certificate.credential, jwks=jwks, status_list=token).ok


def test_an_altered_list_is_refused():
    certificate = _signed()
    _revoke(certificate)
    jwks = credentials.published_jwks()
    header, payload, signature = status_list_signed().split(".")
    forged = json.loads(b64url_decode(payload))
    forged["credentialSubject"]["encodedList"] = encode(bitstring([]))  # "nothing revoked"
    token = ".".join([header, b64url(json.dumps(forged).encode()), signature])
    result = credential_verify(certificate.credential, jwks=jwks, status_list=token)
    assert not result.ok
    assert any(p.startswith("status list: the signature does not match")
               for p in result.problems)


def test_a_stale_list_is_refused():
    certificate = _signed()
    old = status_list_signed(now=timezone.now() - datetime.timedelta(days=2))
    result = credential_verify(certificate.credential, jwks=credentials.published_jwks(),
                               status_list=old)
    assert not result.ok and any(p.startswith("status list: expired")
                                 for p in result.problems)


def test_a_list_that_is_not_the_one_the_credential_names_is_refused(settings):
    certificate = _signed()
    settings.ACADEMY_SITE_URL = "https://elsewhere.example"
    token = status_list_signed()
    result = credential_verify(certificate.credential, jwks=credentials.published_jwks(),
                               status_list=token)
    assert not result.ok and any("is not the one the credential names" in p
                                 for p in result.problems)


def test_the_command_checks_status_against_a_signed_list_file(english, tmp_path, capsys):
    certificate = _signed()
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(credentials.published_jwks()))
    credential_file = tmp_path / "cert.jwt"
    credential_file.write_text(certificate.credential)
    listed = tmp_path / "status.jwt"
    listed.write_text(status_list_signed())
    call_command("credential_verify", str(credential_file), "--jwks", str(jwks_file),
                 "--status-list", str(listed))
    out = capsys.readouterr().out
    assert "VALID" in out and "not revoked" in out.lower()

    _revoke(certificate)
    listed.write_text(status_list_signed())
    with pytest.raises(SystemExit) as exit_info:
        call_command("credential_verify", str(credential_file), "--jwks", str(jwks_file),
                     "--status-list", str(listed))
    assert exit_info.value.code == 1
    assert "invalid: revoked" in capsys.readouterr().err.lower()


@pytest.mark.django_db(transaction=True)
def test_the_command_fetches_the_signed_list_the_credential_names(english, live_server, settings,
                                                                  tmp_path, capsys):
    settings.ACADEMY_SITE_URL = live_server.url
    certificate = _signed()
    assert certificate.credential and live_server.url in json.loads(b64url_decode(
        certificate.credential.split(".")[1]))["credentialStatus"]["statusListCredential"]
    credential_file = tmp_path / "cert.jwt"
    credential_file.write_text(certificate.credential)
    call_command("credential_verify", str(credential_file),
                 "--jwks", f"{live_server.url}/.well-known/jwks.json")
    captured = capsys.readouterr()
    assert "VALID" in captured.out and "not revoked" in captured.out.lower()
    assert "not signed" not in captured.out
    _revoke(certificate)
    with pytest.raises(SystemExit):
        call_command("credential_verify", str(credential_file))
    assert "invalid: revoked" in capsys.readouterr().err.lower()
