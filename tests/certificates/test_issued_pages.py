"""Certificate pages: the broker's own list and downloads, the back office's list, detail,
revoke and reinstate; the API's scope."""

from __future__ import annotations

import pytest

from certificates.credentials.signing import credential_sign_store
from certificates.models.issued import Certificate
from certificates.services.pdf import certificate_pdf_store
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def _staff(role):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


def test_a_broker_without_certificates_sees_an_empty_state(client):
    client.force_login(BrokerFactory())
    response = client.get("/certificates/mine/")
    assert response.status_code == 200
    assert 'data-testid="certificates-empty"' in response.content.decode()


def test_a_broker_sees_and_downloads_their_certificate(client):
    broker = BrokerFactory()
    certificate = issue(broker)
    certificate_pdf_store(certificate_id=certificate.pk)
    credential_sign_store(certificate_id=certificate.pk)
    client.force_login(broker)
    html = client.get("/certificates/mine/").content.decode()
    assert certificate.serial in html and 'data-testid="download-pdf"' in html
    assert client.get(f"/certificates/{certificate.pk}/pdf/").status_code == 200
    credential = client.get(f"/certificates/{certificate.pk}/credential/")
    assert credential["Content-Type"] == "application/vc+jwt"
    assert credential.content.decode().count(".") == 2


def test_a_broker_cannot_open_another_brokers_certificate(client):
    other = issue(BrokerFactory())
    client.force_login(BrokerFactory())
    assert client.get(f"/certificates/{other.pk}/").status_code == 404
    assert client.get(f"/certificates/{other.pk}/pdf/").status_code == 404
    assert client.get(f"/api/v1/certificates/{other.pk}/").status_code == 404


def test_the_api_lists_own_for_brokers_and_all_for_auditors(client):
    broker = BrokerFactory()
    own = issue(broker)
    issue(BrokerFactory())
    client.force_login(broker)
    assert [c["serial"] for c in client.get("/api/v1/certificates/").json()["results"]] \
        == [own.serial]
    client.force_login(_staff("auditor"))
    assert client.get("/api/v1/certificates/").json()["count"] == 2
    client.force_login(_staff("trainer"))
    assert client.get("/api/v1/certificates/").status_code == 403


def test_the_admin_revokes_and_reinstates_from_the_detail_page(client):
    certificate = issue(BrokerFactory())
    client.force_login(_staff("admin"))
    assert client.get("/certificates/all/").status_code == 200
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert 'data-testid="revoke-form"' in page
    response = client.post(f"/certificates/{certificate.pk}/revoke/", {"reason": ""})
    assert response.status_code == 302
    assert Certificate.objects.get(pk=certificate.pk).status == "valid"
    client.post(f"/certificates/{certificate.pk}/revoke/", {"reason": "材料造假"})
    assert Certificate.objects.get(pk=certificate.pk).status == "revoked"
    assert client.get(f"/api/v1/verify/{certificate.serial}/").json()["status"] == "revoked"
    client.post(f"/certificates/{certificate.pk}/reinstate/", {"reason": "复核无误"})
    assert Certificate.objects.get(pk=certificate.pk).status == "valid"


def test_auditors_read_but_cannot_revoke(client):
    certificate = issue(BrokerFactory())
    client.force_login(_staff("auditor"))
    page = client.get(f"/certificates/{certificate.pk}/").content.decode()
    assert 'data-testid="revoke-form"' not in page
    assert client.post(f"/certificates/{certificate.pk}/revoke/",
                       {"reason": "x"}).status_code == 403
    assert Certificate.objects.get(pk=certificate.pk).status == "valid"
