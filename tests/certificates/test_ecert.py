"""The GB/T 36903 metadata set of each certificate, exported for the bureau: what the system
knows is filled in, the codes only the bureau assigns read "unset" until an admin enters them
(never made up); the export is audited and closed to brokers and trainers."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from academy.audit.models import AuditEvent
from certificates.models.ecert import EcertIdentifier, EcertSettings
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def _staff(role):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


def _rows(response):
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    notes = " ".join(str(c.value) for row in book.worksheets[1].iter_rows() for c in row)
    return rows[0], rows[1:], notes


def test_the_export_fills_what_is_known_and_marks_the_bureaus_codes_unset(client):
    certificate = issue(BrokerFactory(user__full_name="李华"))
    client.force_login(_staff("auditor"))
    page = client.get("/certificates/ecert/")
    assert page.status_code == 200
    assert 'data-testid="ecert-type-code" data-set="0"' in page.content.decode()
    headers, rows, notes = _rows(client.post("/certificates/ecert/", {"level": ""}))
    assert headers[:9] == ["证照名称", "证照类型代码", "证照编号", "证照标识", "持证主体",
                           "持证主体证件号码", "颁证单位", "颁证单位代码", "颁证日期"]
    [row] = rows
    data = dict(zip(headers, row, strict=True))
    assert data["证照编号"] == certificate.serial and data["持证主体"] == "李华"
    for code in ("证照类型代码", "证照标识", "颁证单位代码"):
        assert "未设置" in data[code]
    assert "证照类型代码" in notes or "类型代码" in notes
    assert "*" in data["持证主体证件号码"]
    assert AuditEvent.objects.filter(action="certificates.ecert_exported").count() == 1


def test_codes_an_admin_entered_are_exported_as_given(client):
    certificate = issue(BrokerFactory())
    EcertSettings.objects.create(licence_type_code="TEST-TYPE-1",
                                 issuer_code="11411200MB0000000X")
    EcertIdentifier.objects.create(certificate=certificate, identifier="ID-FROM-BUREAU-1")
    client.force_login(_staff("admin"))
    headers, [row], _notes = _rows(client.post("/certificates/ecert/", {"level": ""}))
    data = dict(zip(headers, row, strict=True))
    assert data["证照类型代码"] == "TEST-TYPE-1"
    assert data["颁证单位代码"] == "11411200MB0000000X"
    assert data["证照标识"] == "ID-FROM-BUREAU-1"


@pytest.mark.parametrize("role", ["broker", "trainer"])
def test_brokers_and_trainers_cannot_export(client, role):
    client.force_login(BrokerFactory() if role == "broker" else _staff("trainer"))
    assert client.get("/certificates/ecert/").status_code == 403
    assert client.post("/certificates/ecert/", {}).status_code == 403
