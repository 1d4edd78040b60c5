"""The signed Open Badges 3.0 credential: verifies with the published key, fails when one
byte changes, and reads as revoked once the status list says so."""

from __future__ import annotations

import json
import os
import stat

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from certificates.credentials import signing as credentials
from certificates.credentials.signing import (
    b64url_decode,
    credential_verify,
    signing_key_generate,
)
from certificates.credentials.status_list import bit_is_set, decode
from certificates.models.issued import Certificate
from certificates.services.issuance import certificate_revoke
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _signed(**kwargs):
    """A certificate with its credential signed (the task runs after commit; here, now)."""
    certificate = issue(BrokerFactory(**kwargs))
    credentials.credential_sign_store(certificate_id=certificate.pk)
    return Certificate.objects.get(pk=certificate.pk)


def _jwks(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()


def test_the_credential_verifies_with_the_published_key(client):
    certificate = _signed(user__email="zhang.ming@example.cn")
    result = credential_verify(certificate.credential, jwks=_jwks(client))
    assert result.ok, result.problems
    assert result.header == {"alg": "EdDSA", "typ": "JWT",
                             "kid": credentials.key_url(certificate.credential_kid)}
    vc = result.credential
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "OpenBadgeCredential" in vc["type"]
    assert vc["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert vc["credentialStatus"]["statusListIndex"] == str(certificate.pk)
    identity = vc["credentialSubject"]["identifier"][0]
    assert identity["hashed"] and identity["identityHash"].startswith("sha256$")
    assert "zhang.ming@example.cn" not in certificate.credential
    assert "zhang.ming" not in json.dumps(vc)
    assert client.get(reverse("api-issuer-jwks")).json() == _jwks(client)


@pytest.mark.parametrize("part", [0, 1, 2])
def test_changing_one_byte_fails(client, part):
    certificate = _signed()
    parts = certificate.credential.split(".")
    raw = bytearray(b64url_decode(parts[part]))
    raw[len(raw) // 2] ^= 0x01
    parts[part] = credentials.b64url(bytes(raw))
    result = credential_verify(".".join(parts), jwks=_jwks(client))
    assert not result.ok
    assert result.problems


def test_every_single_byte_change_of_the_payload_fails(client):
    certificate = _signed()
    keys = _jwks(client)
    header, payload, signature = certificate.credential.split(".")
    raw = b64url_decode(payload)
    for index in range(0, len(raw), max(1, len(raw) // 64)):
        changed = bytearray(raw)
        changed[index] ^= 0x20
        token = ".".join([header, credentials.b64url(bytes(changed)), signature])
        assert not credential_verify(token, jwks=keys).ok


def test_a_key_of_another_issuer_does_not_verify(client, tmp_path, settings):
    certificate = _signed()
    settings.ACADEMY_SIGNING_KEY_PATH = str(tmp_path / "other" / "key.pem")
    credentials._cache.clear()
    signing_key_generate()
    other = credentials.published_jwks()
    for key in other["keys"]:
        key["kid"] = certificate.credential_kid
    result = credential_verify(certificate.credential, jwks=other)
    assert not result.ok and "signature" in result.problems[0]


def test_the_private_key_is_a_file_readable_only_by_its_owner(signing_key_tmp):  # noqa: F811
    _signed()
    mode = stat.S_IMODE(os.stat(signing_key_tmp).st_mode)
    assert mode == 0o600
    assert "PRIVATE" not in json.dumps(credentials.published_jwks())
    assert "d" not in credentials.published_jwks()["keys"][0]


def test_rotation_keeps_old_credentials_verifiable(client):
    old = _signed()
    call_command("signing_key_generate", "--rotate")
    new = _signed()
    assert new.credential_kid != old.credential_kid
    keys = _jwks(client)
    assert {k["kid"] for k in keys["keys"]} >= {credentials.key_url(old.credential_kid),
                                                credentials.key_url(new.credential_kid)}
    assert credential_verify(old.credential, jwks=keys).ok
    assert credential_verify(new.credential, jwks=keys).ok


def test_generating_refuses_to_overwrite_without_rotate():
    _signed()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("signing_key_generate")


def test_revocation_shows_in_the_status_list_at_once(client):
    certificate = _signed()
    other = issue(BrokerFactory())
    url = reverse("api-issuer-status-list", kwargs={"list_id": 1})
    listed = client.get(url, HTTP_ACCEPT="application/json").json()
    assert listed["credentialSubject"]["encodedList"].startswith("u")
    assert len(decode(listed["credentialSubject"]["encodedList"])) * 8 >= 131072
    assert not bit_is_set(listed, certificate.pk)
    certificate_revoke(certificate_id=certificate.pk, actor=UserFactory(roles=["admin"]),
                       reason="材料造假")
    listed = client.get(url, HTTP_ACCEPT="application/json").json()
    assert bit_is_set(listed, certificate.pk)
    assert not bit_is_set(listed, other.pk)
    result = credential_verify(certificate.credential, jwks=_jwks(client), status_list=listed)
    assert not result.ok and any("revoked" in p for p in result.problems)


def test_the_offline_command_says_valid_or_why_not(english, client, tmp_path, capsys):
    certificate = _signed()
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(_jwks(client)))
    good = tmp_path / "good.jwt"
    good.write_text(certificate.credential)
    with translation.override("en"):  # the client's request left Chinese active
        call_command("credential_verify", str(good), "--jwks", str(jwks_file), "--offline")
    assert "VALID" in capsys.readouterr().out
    bad = tmp_path / "bad.jwt"
    bad.write_text(certificate.credential[:-3] + ("A" if certificate.credential[-3] != "A"
                                                  else "B") + certificate.credential[-2:])
    with pytest.raises(SystemExit) as exit_info, translation.override("en"):
        call_command("credential_verify", str(bad), "--jwks", str(jwks_file), "--offline")
    assert exit_info.value.code == 1
    assert "signature does not verify" in capsys.readouterr().err
