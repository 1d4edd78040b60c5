"""Public verification: the page and the JSON say valid, revoked or expired; a mistyped
serial is refused before lookup; the holder's name is masked; lookups are rate-limited."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from certificates.selectors.issued import mask_name
from certificates.services.issuance import certificate_revoke
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _certificate(name="张三明"):
    return issue(BrokerFactory(user__full_name=name, user__email="zsm@example.cn",
                               phone="13812345678"))


@pytest.mark.parametrize("name, masked", [("张三明", "张*明"), ("李四", "李*"),
                                           ("欧阳明月", "欧**月"), ("王", "王"),
                                           ("John Smith", "J*** S****"), ("", "")])
def test_names_are_masked(name, masked):
    assert mask_name(name) == masked


def test_the_page_shows_a_valid_certificate_without_personal_data(client):
    certificate = _certificate()
    response = client.get(f"/verify/{certificate.serial}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="valid"' in html
    assert "张*明" in html and "张三明" not in html
    assert "zsm@example.cn" not in html and "13812345678" not in html
    assert certificate.broker.broker_profile.national_id not in html
    assert "中级技术经纪人" in html


def test_the_json_says_the_same(client):
    certificate = _certificate()
    data = client.get(f"/api/v1/verify/{certificate.serial}/").json()
    assert data["status"] == "valid"
    assert data["holder"] == "张*明"
    assert data["level"] == "中级技术经纪人"
    assert data["valid_from"] == certificate.valid_from.isoformat()
    assert data["issuing_body"]
    assert set(data) == {"serial", "status", "level", "level_en", "holder", "valid_from",
                         "valid_until", "issued_at", "revoked_at", "issuing_body",
                         "torch_number"}


def test_revoked_reads_so_at_once_on_the_page_and_the_json(client):
    certificate = _certificate()
    certificate_revoke(certificate_id=certificate.pk, actor=UserFactory(roles=["admin"]),
                       reason="材料造假")
    html = client.get(f"/verify/{certificate.serial}/").content.decode()
    assert 'data-status="revoked"' in html
    assert "材料造假" not in html  # the reason is not public
    data = client.get(f"/api/v1/verify/{certificate.serial}/").json()
    assert data["status"] == "revoked" and data["revoked_at"]


def test_expired_reads_so_even_before_the_daily_task(client):
    certificate = _certificate()
    certificate.valid_until = datetime.date(2020, 1, 1)
    certificate.save(update_fields=["valid_until"])
    assert 'data-status="expired"' in client.get(f"/verify/{certificate.serial}/").content.decode()
    assert client.get(f"/api/v1/verify/{certificate.serial}/").json()["status"] == "expired"


def test_a_mistyped_serial_is_refused_with_a_clear_message(client):
    certificate = _certificate()
    typo = certificate.serial[:-2] + ("1" if certificate.serial[-2] != "1" else "2") \
        + certificate.serial[-1]
    response = client.get(reverse("verify:lookup"), {"serial": typo})
    assert response.status_code == 200
    assert 'data-testid="serial-error"' in response.content.decode()
    api = client.get(f"/api/v1/verify/{typo}/")
    assert api.status_code == 400 and api.json()["code"] == "bad_check_character"
    assert client.get(f"/verify/{typo}/").status_code == 404


def test_the_lookup_form_leads_to_the_certificate(client):
    certificate = _certificate()
    response = client.get(reverse("verify:lookup"), {"serial": certificate.serial.lower()})
    assert response.status_code == 302
    assert response.url.endswith(f"/verify/{certificate.serial}/")


def test_an_unknown_but_well_formed_serial_is_not_found(client):
    from certificates.services.serials import serial_format

    serial = serial_format(level_code="senior", year=2001, seq=4)
    assert client.get(f"/verify/{serial}/").status_code == 404
    assert client.get(f"/api/v1/verify/{serial}/").status_code == 404


def test_lookups_are_rate_limited_per_client(client, settings):
    settings.ACADEMY_CERT_VERIFY_RATE = 5
    certificate = _certificate()
    codes = [client.get(f"/api/v1/verify/{certificate.serial}/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert client.get(f"/verify/{certificate.serial}/").status_code == 429
    other = client.get(f"/api/v1/verify/{certificate.serial}/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_staff_without_a_second_factor_can_still_verify(client):
    certificate = _certificate()
    client.force_login(UserFactory(roles=["auditor"]))
    assert client.get(f"/verify/{certificate.serial}/").status_code == 200
    assert client.get(f"/api/v1/verify/{certificate.serial}/").status_code == 200


def test_nothing_lists_certificates_publicly(client):
    _certificate()
    assert client.get("/api/v1/certificates/").status_code in (401, 403)
    assert client.get("/verify/").status_code == 200
    assert "4112-" not in client.get("/verify/").content.decode().replace(
        'placeholder="4112-M-2026-00001H"', "")
