"""Both securing mechanisms of one credential body, checked by verifiers that are not the
project's code: the Data Integrity proof (eddsa-rdfc-2022) by Digital Bazaar's @digitalbazaar/vc
through Node, the VC-JWT by PyJWT, the body by 1EdTech's OB 3.0 schema. Tampered copies fail;
a revoked credential reads revoked from the Data Integrity secured status list; a rotated key
leaves old credentials verifiable."""

from __future__ import annotations

import copy
import json
from io import StringIO

import jwt
import pytest
from django.core.management import call_command

from certificates.credentials import signing as credentials
from certificates.credentials.status_list import bit_is_set
from certificates.models.issued import Certificate
from certificates.services.issuance import certificate_revoke
from tests.certificates.independent import node_verify, pyjwt_decode, schema_errors
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db

STATUS = "/api/v1/issuer/status/1/"


def _admin():
    user = UserFactory(roles=["admin"])
    totp_enrol(user)
    return user


def _both(client, certificate: Certificate) -> tuple[dict, str]:
    url = f"/api/v1/certificates/{certificate.pk}/credential/"
    ld = client.get(url, HTTP_ACCEPT="application/ld+json")
    assert ld.status_code == 200, ld.content
    assert ld["Content-Type"].startswith("application/ld+json")
    token = client.get(url, HTTP_ACCEPT="application/vc+jwt")
    assert token["Content-Type"].startswith("application/vc+jwt")
    return json.loads(ld.content), token.content.decode()


def _did(client) -> dict:
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    return response.json()


def test_every_demo_credential_verifies_in_both_formats_with_independent_verifiers(
        client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--force", stdout=StringIO())
    certificates = list(Certificate.objects.order_by("pk"))
    assert len(certificates) >= 13
    client.force_login(_admin())
    did = _did(client)
    jwks = client.get("/.well-known/jwks.json").json()
    documents, tokens = [], []
    for certificate in certificates:
        document, token = _both(client, certificate)
        documents.append(document)
        tokens.append(token)
    results = node_verify(documents, {did["id"]: did})
    assert [r["verified"] for r in results] == [True] * len(documents), results
    for certificate, document, token in zip(certificates, documents, tokens, strict=True):
        claims = pyjwt_decode(token, jwks)
        assert claims["iss"] == document["issuer"]["id"] == did["id"]
        assert claims["jti"] == document["id"]
        assert claims["sub"] == document["credentialSubject"]["identifier"][0]["identityHash"]
        assert claims["nbf"] <= claims.get("exp", claims["nbf"] + 1)
        assert ("exp" in claims) == (certificate.valid_until is not None)
        # One body: the JWT's claims set is the JSON-LD credential plus the registered claims.
        assert {k: v for k, v in claims.items()
                if k not in ("iss", "jti", "nbf", "sub", "exp")} == document
        header = jwt.get_unverified_header(token)
        assert header["kid"] == document["proof"][0]["verificationMethod"]
        assert header["kid"] in did["assertionMethod"]
        assert schema_errors(document) == []


def test_the_proofs_kid_and_achievement_resolve(client):
    certificate = issue(BrokerFactory())
    client.force_login(certificate.broker)
    document, _token = _both(client, certificate)
    did = _did(client)
    method = next(m for m in did["verificationMethod"]
                  if m["id"] == document["proof"][0]["verificationMethod"])
    assert method["type"] == "Multikey" and method["publicKeyMultibase"].startswith("z6Mk")
    assert method["controller"] == did["id"] == document["issuer"]["id"]
    assert did["id"].startswith("did:web:")
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    achievement = document["credentialSubject"]["achievement"]
    path = achievement["id"].removeprefix(credentials.site_url())
    answer = client.get(path)
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == achievement["id"]
    assert body["name"] == achievement["name"] and body["criteria"]["narrative"]
    assert body["image"]["type"] == "Image"


def test_tampered_copies_fail_in_both_formats(client):
    certificate = issue(BrokerFactory())
    client.force_login(certificate.broker)
    document, token = _both(client, certificate)
    did = _did(client)
    renamed = copy.deepcopy(document)
    renamed["credentialSubject"]["achievement"]["name"] = "高级技术经理人"
    later = copy.deepcopy(document)
    later["validFrom"] = "2020-01-01T00:00:00Z"
    results = node_verify([document, renamed, later], {did["id"]: did})
    assert [r["verified"] for r in results] == [True, False, False], results
    header, payload, signature = token.split(".")
    claims = json.loads(credentials.b64url_decode(payload))
    claims["name"] = "forged"
    forged = ".".join([header, credentials.b64url(json.dumps(claims).encode()), signature])
    jwks = client.get("/.well-known/jwks.json").json()
    pyjwt_decode(token, jwks)
    with pytest.raises(jwt.InvalidSignatureError):
        pyjwt_decode(forged, jwks)


def test_a_revoked_credential_reads_revoked_from_the_data_integrity_status_list(client):
    kept, revoked = issue(BrokerFactory()), issue(BrokerFactory())
    certificate_revoke(certificate_id=revoked.pk, actor=_admin(), reason="材料造假")
    client.force_login(revoked.broker)
    document, _token = _both(client, Certificate.objects.get(pk=revoked.pk))
    response = client.get(STATUS, HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Cache-Control"] == "public, max-age=300"
    status_list = json.loads(response.content)
    assert status_list["credentialSubject"]["ttl"] == 300_000
    did = _did(client)
    [result] = node_verify([status_list], {did["id"]: did})
    assert result["verified"], result
    entry = document["credentialStatus"]
    assert entry["statusListCredential"] == status_list["id"]
    assert bit_is_set(status_list, int(entry["statusListIndex"]))
    assert not bit_is_set(status_list, kept.pk)


def test_rotation_keeps_old_credentials_verifiable_with_the_did_document(client):
    old = issue(BrokerFactory())
    call_command("signing_key_generate", "--rotate", stdout=StringIO())
    new = issue(BrokerFactory())
    client.force_login(_admin())
    old_doc, old_token = _both(client, old)
    new_doc, _new_token = _both(client, new)
    assert old_doc["proof"][0]["verificationMethod"] != new_doc["proof"][0]["verificationMethod"]
    did = _did(client)
    assert {old_doc["proof"][0]["verificationMethod"],
            new_doc["proof"][0]["verificationMethod"]} <= set(did["assertionMethod"])
    results = node_verify([old_doc, new_doc], {did["id"]: did})
    assert all(r["verified"] for r in results), results
    pyjwt_decode(old_token, client.get("/.well-known/jwks.json").json())


def test_a_holders_did_is_the_subject_id_and_the_jwt_sub(client):
    from certificates.models.holders import HolderDid

    broker = BrokerFactory()
    holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    HolderDid.objects.create(user=broker, did=holder)
    certificate = issue(broker)
    client.force_login(broker)
    document, token = _both(client, certificate)
    assert document["credentialSubject"]["id"] == holder
    assert pyjwt_decode(token, client.get("/.well-known/jwks.json").json())["sub"] == holder
    did = _did(client)
    assert node_verify([document], {did["id"]: did})[0]["verified"]


def test_the_credential_endpoint_refuses_a_type_it_cannot_serve(client):
    certificate = issue(BrokerFactory())
    client.force_login(certificate.broker)
    response = client.get(f"/api/v1/certificates/{certificate.pk}/credential/",
                          HTTP_ACCEPT="text/csv")
    assert response.status_code == 406
    default = client.get(f"/api/v1/certificates/{certificate.pk}/credential/")
    assert default["Content-Type"].startswith("application/vc+jwt")


def test_credentials_signed_without_a_proof_are_signed_again(client):
    from certificates.credentials.signing import credential_ld, jws_sign, signing_key

    certificate = issue(BrokerFactory())
    private, kid = signing_key()
    legacy = jws_sign(credentials.credential_payload(certificate), private=private, kid=kid)
    Certificate.objects.filter(pk=certificate.pk).update(credential=legacy)
    client.force_login(certificate.broker)
    url = f"/api/v1/certificates/{certificate.pk}/credential/"
    assert client.get(url, HTTP_ACCEPT="application/ld+json").status_code == 404
    out = StringIO()
    call_command("credential_resign", stdout=out)  # tasks run eagerly in the test settings
    assert "1 credentials" in out.getvalue()
    assert credential_ld(Certificate.objects.get(pk=certificate.pk).credential) is not None
    assert client.get(url, HTTP_ACCEPT="application/ld+json").status_code == 200
