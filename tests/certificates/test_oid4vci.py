"""OpenID4VCI, pre-authorized code flow, end to end: the holder shows the offer's QR code on the
certificate page; a wallet written here against the protocol (metadata, token endpoint,
proof of possession, credential endpoint) over HTTP receives the credential bound to its own
DID, in both formats, and independent verifiers accept it. Codes and proofs work once."""

from __future__ import annotations

import html
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.credentials.data_integrity import multikey_encode
from certificates.models.holders import CredentialOffer, HolderDid
from tests.certificates.independent import node_verify, pyjwt_decode
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db(transaction=True)

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class Wallet:
    """A minimal OpenID4VCI wallet: an Ed25519 did:key, or a P-256 key sent as a jwk."""

    def __init__(self, *, curve: str = "Ed25519"):
        self.curve = curve
        if curve == "Ed25519":
            self.key = Ed25519PrivateKey.generate()
            multikey = multikey_encode(self.key.public_key())
            self.did = f"did:key:{multikey}"
            self.kid = f"{self.did}#{multikey}"
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
            self.did = ""

    def proof(self, *, audience: str, nonce: str) -> str:
        claims = {"aud": audience, "nonce": nonce, "iat": int(time.time())}
        if self.curve == "Ed25519":
            return jwt.encode(claims, self.key, algorithm="EdDSA",
                              headers={"typ": "openid4vci-proof+jwt", "kid": self.kid})
        public = jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return jwt.encode(claims, self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()), algorithm="ES256",
            headers={"typ": "openid4vci-proof+jwt", "jwk": public})

    def receive(self, offer_uri: str, configuration: str) -> tuple[dict, dict]:
        """Run the pre-authorized code flow of ``offer_uri``; returns (offer, response)."""
        assert offer_uri.startswith("openid-credential-offer://")
        offer = json.loads(parse_qs(urlsplit(offer_uri).query)["credential_offer"][0])
        issuer = offer["credential_issuer"]
        metadata = requests.get(f"{issuer}/.well-known/openid-credential-issuer",
                                timeout=10).json()
        assert metadata["credential_issuer"] == issuer
        assert configuration in offer["credential_configuration_ids"]
        assert configuration in metadata["credential_configurations_supported"]
        server = metadata.get("authorization_servers", [issuer])[0]
        oauth = requests.get(f"{server}/.well-known/oauth-authorization-server",
                             timeout=10).json()
        code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
        token = requests.post(oauth["token_endpoint"], data={
            "grant_type": PRE_AUTH, "pre-authorized_code": code}, timeout=10)
        assert token.status_code == 200, token.text
        token = token.json()
        assert token["token_type"] == "Bearer"
        self.token, self.nonce, self.code = token["access_token"], token["c_nonce"], code
        self.metadata = metadata
        return offer, self.request(configuration)

    def request(self, configuration: str, nonce: str | None = None) -> dict:
        response = requests.post(self.metadata["credential_endpoint"], json={
            "credential_configuration_id": configuration,
            "proof": {"proof_type": "jwt", "jwt": self.proof(
                audience=self.metadata["credential_issuer"], nonce=nonce or self.nonce)},
        }, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        body = response.json()
        body["_status"] = response.status_code
        if response.status_code == 200:
            self.nonce = body["c_nonce"]
        return body


def _offer_uri(client, certificate) -> str:
    client.force_login(certificate.broker)
    page = client.post(f"/certificates/{certificate.pk}/wallet-offer/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="wallet-offer-qr"' in text and "<svg" in text
    return html.unescape(re.search(r'data-testid="wallet-offer-uri">([^<]+)<', text).group(1))


def _jwks_did(base: str) -> tuple[dict, dict]:
    return (requests.get(f"{base}/.well-known/jwks.json", timeout=10).json(),
            requests.get(f"{base}/.well-known/did.json", timeout=10).json())


def test_a_wallet_claims_the_credential_bound_to_its_did_in_both_formats(
        live_server, settings, client):
    settings.ACADEMY_SITE_URL = live_server.url
    certificate = issue(BrokerFactory())
    wallet = Wallet()
    _offer, answer = wallet.receive(_offer_uri(client, certificate),
                                    "OpenBadgeCredential_jwt_vc_json")
    assert answer["_status"] == 200, answer
    token = answer["credentials"][0]["credential"]
    jwks, did = _jwks_did(live_server.url)
    claims = pyjwt_decode(token, jwks)
    assert claims["sub"] == wallet.did == claims["credentialSubject"]["id"]
    assert claims["iss"] == did["id"]
    assert claims["jti"].endswith(f"/verify/{certificate.serial}/")

    again = wallet.request("OpenBadgeCredential_ldp_vc")
    assert again["_status"] == 200, again
    document = again["credentials"][0]["credential"]
    assert document["credentialSubject"]["id"] == wallet.did
    assert node_verify([document], {did["id"]: did})[0]["verified"]
    assert HolderDid.objects.get(user=certificate.broker).did == wallet.did
    assert CredentialOffer.objects.get(certificate=certificate).issued_at is not None


def test_a_wallet_with_a_p256_jwk_is_bound_by_did_jwk(live_server, settings, client):
    settings.ACADEMY_SITE_URL = live_server.url
    certificate = issue(BrokerFactory())
    wallet = Wallet(curve="P-256")
    _offer, answer = wallet.receive(_offer_uri(client, certificate),
                                    "OpenBadgeCredential_jwt_vc_json")
    assert answer["_status"] == 200, answer
    jwks, _did = _jwks_did(live_server.url)
    claims = pyjwt_decode(answer["credentials"][0]["credential"], jwks)
    assert claims["sub"].startswith("did:jwk:")


def test_a_code_works_once_and_a_proof_needs_the_current_nonce(live_server, settings, client):
    settings.ACADEMY_SITE_URL = live_server.url
    certificate = issue(BrokerFactory())
    wallet = Wallet()
    _offer, first = wallet.receive(_offer_uri(client, certificate),
                                   "OpenBadgeCredential_jwt_vc_json")
    assert first["_status"] == 200
    replay = requests.post(f"{live_server.url}/api/v1/oid4vci/token", data={
        "grant_type": PRE_AUTH, "pre-authorized_code": wallet.code}, timeout=10)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    stale = wallet.request("OpenBadgeCredential_jwt_vc_json", nonce="not-the-nonce")
    assert stale["_status"] == 400 and stale["error"] == "invalid_nonce"
    unauthorised = requests.post(f"{live_server.url}/api/v1/oid4vci/credential", json={
        "credential_configuration_id": "OpenBadgeCredential_jwt_vc_json"},
        headers={"Authorization": "Bearer nope"}, timeout=10)
    assert unauthorised.status_code in (400, 401)


@pytest.mark.django_db
def test_only_the_holder_can_make_an_offer(client):
    certificate = issue(BrokerFactory())
    client.force_login(BrokerFactory())
    assert client.post(f"/certificates/{certificate.pk}/wallet-offer/").status_code == 404
    assert not CredentialOffer.objects.exists()


@pytest.mark.django_db
def test_the_holder_gives_a_did_and_their_credentials_are_signed_again_with_it(
        client, django_capture_on_commit_callbacks):
    from academy.audit.models import AuditEvent
    from certificates.credentials.signing import credential_ld
    from certificates.models.issued import Certificate

    certificate = issue(BrokerFactory())
    client.force_login(certificate.broker)
    holder = "did:web:wallet.example.cn:people:li"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/certificates/{certificate.pk}/holder-did/", {"did": holder})
    assert response.status_code == 302
    document = credential_ld(Certificate.objects.get(pk=certificate.pk).credential)
    assert document["credentialSubject"]["id"] == holder
    assert AuditEvent.objects.filter(action="certificates.holder_did_changed").exists()
    client.post(f"/certificates/{certificate.pk}/holder-did/", {"did": "not a did"})
    assert HolderDid.objects.get(user=certificate.broker).did == holder
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/certificates/{certificate.pk}/holder-did/", {"did": ""})
    assert not HolderDid.objects.filter(user=certificate.broker).exists()
    document = credential_ld(Certificate.objects.get(pk=certificate.pk).credential)
    assert "id" not in document["credentialSubject"]


@pytest.mark.django_db
def test_a_session_alone_gets_nothing_from_the_wallet_endpoints(client):
    certificate = issue(BrokerFactory())
    client.force_login(certificate.broker)
    response = client.post("/api/v1/oid4vci/credential",
                           {"credential_configuration_id": "OpenBadgeCredential_jwt_vc_json"},
                           content_type="application/json")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    token = client.post("/api/v1/oid4vci/token", {"grant_type": PRE_AUTH})
    assert token.status_code == 400 and token.json()["error"] == "invalid_request"
    assert client.post("/api/v1/oid4vci/nonce").status_code == 401
