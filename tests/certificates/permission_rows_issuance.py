"""Who may open each certificate page and endpoint (merged into permission_rows.py).

The builders make the certificate the broker's own when the role is a broker; for everyone
else it belongs to some broker. Trainers see no certificates (404 on pages, 403 on the API).
Verification, the issuer's keys and the status list are public.
"""

from __future__ import annotations

from typing import Any

from academy.people.roles import user_has_role
from tests.factories import BrokerFactory
from tests.ui.matrix import API_ANON, DENIED, NOT_FOUND, OK, REDIRECT, Row, everyone, logged_in


def _certificate(user: Any, *, pdf: bool = False, credential: bool = False):
    from academy.people.models import Level
    from certificates.services.issuance import certificate_issue

    holder = user if user is not None and user_has_role(user, "broker") else BrokerFactory()
    certificate = certificate_issue(broker_id=holder.pk,
                                    level_id=Level.objects.get(code="intermediate").pk)
    if pdf:
        from certificates.services.pdf import certificate_pdf_store

        certificate_pdf_store(certificate_id=certificate.pk)
    if credential:
        from certificates.credentials.signing import credential_sign_store

        credential_sign_store(certificate_id=certificate.pk)
    return certificate


def _pk(user):
    return {"pk": _certificate(user).pk}


def _pk_pdf(user):
    return {"pk": _certificate(user, pdf=True).pk}


def _pk_credential(user):
    return {"pk": _certificate(user, credential=True).pk}


def _serial():
    return {"serial": _certificate(None).serial}


PAGE_OWN = logged_in({"broker": OK, "trainer": NOT_FOUND, "auditor": OK, "admin": OK})
API_OWN = {"anonymous": API_ANON, "broker": OK, "trainer": DENIED, "auditor": OK, "admin": OK}

ROWS = {
    "certificates:my_certificates": Row(logged_in({"broker": OK})),
    "certificates:certificate_list": Row(logged_in({"auditor": OK, "admin": OK})),
    "certificates:certificate_detail": Row(PAGE_OWN, kwargs=_pk,
                                           note="a broker sees only their own"),
    "certificates:certificate_pdf": Row(PAGE_OWN, kwargs=_pk_pdf),
    "certificates:certificate_credential": Row(PAGE_OWN, kwargs=_pk_credential),
    "certificates:certificate_revoke": Row(
        logged_in({"admin": REDIRECT}), kwargs=_pk, method="post",
        note="admins only; without a reason it redirects back with an error"),
    "certificates:certificate_reinstate": Row(
        logged_in({"admin": REDIRECT}), kwargs=_pk, method="post",
        note="admins only; a valid certificate redirects back with an error"),
    "certificates:certificate_reissue": Row(
        logged_in({"admin": REDIRECT}), kwargs=_pk, method="post",
        note="admins only; a certificate that is not revoked redirects back with an error"),
    "certificates:certificate_renew": Row(
        logged_in({"broker": REDIRECT, "trainer": NOT_FOUND, "auditor": DENIED,
                   "admin": REDIRECT}), kwargs=_pk, method="post",
        note="the holder or an admin; not eligible (no expiry) redirects back with the reason"),
    "certificates:certificate_torch_number": Row(
        logged_in({"admin": REDIRECT}), kwargs=_pk, method="post", data={"number": "TJ-1"},
        note="admins only; saved, back to the certificate"),
    "certificates:certificate_issue": Row(logged_in({"admin": OK}), note="admins only"),
    "certificates:torch_numbers": Row(logged_in({"admin": OK}), note="admins only"),
    "certificates:filing": Row(logged_in({"auditor": OK, "admin": OK}),
                               note="auditors get masked national IDs only"),
    "verify:lookup": Row(everyone(OK), note="public"),
    "verify:detail": Row(everyone(OK), kwargs=_serial, note="public; the name is masked"),
    "well-known-jwks": Row(everyone(OK), note="public keys"),
    "api-certificates": Row(API_OWN, note="brokers: their own; auditors and admins: all"),
    "api-certificate": Row(API_OWN, kwargs=_pk),
    "api-certificate-renew": Row(
        {**API_OWN, "broker": 400, "auditor": DENIED, "admin": 400}, kwargs=_pk, method="post",
        note="the holder or an admin; a certificate that does not expire: 400 with the reason"),
    "api-certificate-pdf": Row(API_OWN, kwargs=_pk_pdf),
    "api-certificate-credential": Row(API_OWN, kwargs=_pk_credential),
    "api-verify": Row(everyone(OK), kwargs=_serial, note="public, rate-limited"),
    "api-issuer": Row(everyone(OK)),
    "api-issuer-jwks": Row(everyone(OK)),
    "api-issuer-status-list": Row(everyone(OK), kwargs=lambda: {"list_id": 1}),
    "certificates:ecert": Row(logged_in({"auditor": OK, "admin": OK}),
                              note="GB/T 36903 metadata; export audited"),
    "verify:credential": Row(everyone(OK), method="post", data={"pasted": "not a credential"},
                             note="public; the verdict of each check, nothing stored"),
    "well-known-did": Row(everyone(OK), note="the issuer's DID document"),
    "well-known-openid-credential-issuer": Row(everyone(OK), note="OpenID4VCI metadata"),
    "well-known-oauth-authorization-server": Row(everyone(OK)),
    "api-issuer-did": Row(everyone(OK)),
    "api-issuer-achievement": Row(everyone(OK), kwargs=lambda: {"code": "intermediate"}),
    "oid4vci-token": Row(everyone(400), method="post",
                         note="wallets; without a pre-authorized code: 400 invalid_request"),
    "oid4vci-nonce": Row(everyone(401), method="post", note="wallets; needs an access token"),
    "oid4vci-credential": Row(everyone(401), method="post", data={},
                              note="wallets; needs an access token"),
    "certificates:certificate_wallet_offer": Row(
        logged_in({"broker": OK}), kwargs=_pk_credential, method="post",
        note="the holder only: the page with the offer's QR code"),
    "certificates:certificate_holder_did": Row(
        logged_in({"broker": REDIRECT}), kwargs=_pk, method="post",
        data={"did": "did:example:123"}, note="the holder only"),
}
