"""The public verification page checks a credential pasted or uploaded, in either form, with a
verdict per check; the serial lookup finds a certificate however the serial was typed."""

from __future__ import annotations

import copy
import json

import pytest
from django.urls import reverse

from certificates.credentials.signing import credential_ld
from certificates.services.issuance import certificate_revoke
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """These tests check many credentials from one address within a minute."""
    settings.ACADEMY_CERT_VERIFY_RATE = 100_000


def _check(client, **data):
    response = client.post(reverse("verify:credential"), data)
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    return html


def _verdicts(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-testid="check-(\w+)" data-verdict="(\w+)"', html))


def test_a_pasted_vc_jwt_passes_every_check(client):
    certificate = issue(BrokerFactory())
    html = _check(client, pasted=certificate.credential)
    assert 'data-verdict="valid"' in html
    assert _verdicts(html) == {"format": "pass", "signature": "pass", "issuer": "pass",
                               "dates": "pass", "status": "pass", "schema": "pass"}
    assert certificate.serial in html


def test_an_uploaded_json_ld_credential_passes_every_check(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    certificate = issue(BrokerFactory())
    body = json.dumps(credential_ld(certificate.credential), ensure_ascii=False).encode()
    html = _check(client, file=SimpleUploadedFile("cert.jsonld", body, "application/ld+json"))
    assert 'data-verdict="valid"' in html
    assert set(_verdicts(html).values()) == {"pass"}


def test_a_tampered_credential_fails_its_signature(client):
    certificate = issue(BrokerFactory())
    document = copy.deepcopy(credential_ld(certificate.credential))
    document["validUntil"] = "2099-12-31T23:59:59Z"
    html = _check(client, pasted=json.dumps(document))
    assert 'data-verdict="invalid"' in html
    assert _verdicts(html)["signature"] == "fail"


def test_a_revoked_credential_reads_revoked(client):
    certificate = issue(BrokerFactory())
    certificate_revoke(certificate_id=certificate.pk, actor=UserFactory(roles=["admin"]),
                       reason="材料造假")
    html = _check(client, pasted=json.dumps(credential_ld(certificate.credential)))
    assert 'data-verdict="revoked"' in html
    assert _verdicts(html)["status"] == "fail" and _verdicts(html)["signature"] == "pass"


def test_something_else_is_refused_with_a_verdict_and_nothing_is_empty(client):
    html = _check(client, pasted="hello world")
    assert 'data-verdict="invalid"' in html and _verdicts(html)["format"] == "fail"
    response = client.post(reverse("verify:credential"), {})
    assert response.status_code == 400
    assert 'data-testid="credential-error"' in response.content.decode()


@pytest.mark.parametrize("typed", [
    lambda s: s.replace("-", ""),
    lambda s: s.lower(),
    lambda s: " ".join(s.split("-")),
    lambda s: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s),
    lambda s: f"  {s.replace('-', '').lower()} ",
])
def test_a_serial_typed_another_way_finds_its_certificate(client, typed):
    certificate = issue(BrokerFactory())
    variant = typed(certificate.serial)
    response = client.get(reverse("verify:lookup"), {"serial": variant})
    assert response.status_code == 302
    page = client.get(response.url, follow=True)
    assert page.status_code == 200
    assert page.redirect_chain[-1][0].endswith(f"/verify/{certificate.serial}/") \
        if page.redirect_chain else response.url.endswith(f"/verify/{certificate.serial}/")
    assert 'data-status="valid"' in page.content.decode()
    api = client.get(f"/api/v1/verify/{certificate.serial.replace('-', '')}/")
    assert api.status_code == 200 and api.json()["serial"] == certificate.serial


@pytest.mark.parametrize("text", [
    "{}", "[]", '{"type": "OpenBadgeCredential"}',
    '{"type": ["OpenBadgeCredential"], "issuer": [1], "proof": {"proofValue": 5}}',
    '{"@context": ["https://example.com/ctx"], "type": ["OpenBadgeCredential"], '
    '"proof": [{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", '
    '"proofPurpose": "assertionMethod", "created": "x", "verificationMethod": "y", '
    '"proofValue": "z1"}], "credentialStatus": {"statusListIndex": null}}',
    "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30.AAAA",
    '{"type": ["OpenBadgeCredential"], "x": ' + "[" * 50 + "]" * 50 + "}",
    '{"type": ["OpenBadgeCredential"], "credentialSubject": ['
    + ",".join(['{"a": {}}'] * 600) + "]}",
])
def test_malformed_credentials_get_a_verdict_never_an_error(client, text):
    html = _check(client, pasted=text)
    assert 'data-verdict="invalid"' in html
