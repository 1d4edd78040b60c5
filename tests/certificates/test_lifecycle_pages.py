"""The lifecycle pages: renewing from the certificate pages (holder, admin), issuing and
re-issuing by hand, recording the Torch Centre's unified numbers, and the filing export."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.people.models import BrokerProfile
from certificates.models.issued import Certificate, CertificatePolicy
from certificates.services.issuance import certificate_revoke
from tests.certificates.conftest import earn
from tests.certificates.issued_fixtures import issue, level, signing_key_tmp  # noqa: F401
from tests.certificates.test_renewal import held
from tests.courses.factories import CourseFactory, area
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def _staff(role):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


@pytest.fixture
def admin():
    return _staff("admin")


@pytest.fixture
def auditor():
    return _staff("auditor")


@pytest.fixture
def policy():
    return CertificatePolicy.objects.create(level=level("intermediate"), validity_months=36,
                                            renewal_hours=Decimal("24"))


# --- Renewal -------------------------------------------------------------------------------------


def test_the_holder_sees_the_hours_and_why_not_yet(client, policy):
    broker = BrokerFactory()
    certificate = held(broker, expires_in=30)
    earn(broker, CourseFactory(area=area("policy")), "6")
    client.force_login(broker)
    for url in ("/en/certificates/mine/", f"/en/certificates/{certificate.pk}/"):
        html = client.get(url).content.decode()
        assert 'data-testid="renewal" data-eligible="0"' in html
        assert "6.00 of 24.00" in html and 'data-progress="25"' in html
        assert "18.00 to go" in html and 'data-testid="renew-form"' not in html


def test_the_holder_renews_from_the_page_and_sees_the_chain(client, policy):
    broker = BrokerFactory()
    old = held(broker, expires_in=30)
    earn(broker, CourseFactory(area=area("policy")), "24")
    client.force_login(broker)
    html = client.get("/en/certificates/mine/").content.decode()
    assert 'data-eligible="1"' in html and 'data-testid="renew-form"' in html
    response = client.post(f"/en/certificates/{old.pk}/renew/")
    new = Certificate.objects.get(renewed_from=old)
    assert response.status_code == 302 and response["Location"].endswith(
        f"/en/certificates/{new.pk}/")
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="renewal-chain"' in html
    assert old.serial in html and new.serial in html
    assert "Renewal opens on" in html  # the new one's window is three years away
    again = client.post(f"/en/certificates/{old.pk}/renew/")
    assert again.status_code == 302
    assert Certificate.objects.filter(renewed_from=old).count() == 1


def test_a_refused_renewal_says_why(client, policy):
    broker = BrokerFactory()
    certificate = held(broker, expires_in=30)
    client.force_login(broker)
    response = client.post(f"/en/certificates/{certificate.pk}/renew/", follow=True)
    assert "0.00 of the 24.00 class hours" in response.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).status == "valid"


def test_an_auditor_may_not_renew_and_a_trainer_sees_nothing(client, auditor, policy):
    certificate = held(BrokerFactory(), expires_in=30)
    client.force_login(auditor)
    assert client.post(f"/en/certificates/{certificate.pk}/renew/").status_code == 403
    client.force_login(_staff("trainer"))
    assert client.post(f"/en/certificates/{certificate.pk}/renew/").status_code == 404


def test_an_admin_renews_early_with_a_reason_from_the_detail_page(client, admin, policy):
    certificate = held(BrokerFactory(), expires_in=300)
    client.force_login(admin)
    html = client.get(f"/en/certificates/{certificate.pk}/").content.decode()
    assert 'data-testid="renew-override-form"' in html
    client.post(f"/en/certificates/{certificate.pk}/renew/", {"reason": "援疆期间豁免"})
    renewal = Certificate.objects.get(renewed_from=certificate)
    assert renewal.reason == "援疆期间豁免" and renewal.created_by == admin


# --- Issuing by hand ---------------------------------------------------------------------------


def test_an_admin_issues_by_hand_to_a_broker_who_is_not_ready(client, admin):
    from decimal import Decimal

    from tests.certificates.factories import requirement_set

    broker = BrokerFactory(user__email="wang@example.com")
    requirement_set(total_hours=Decimal("10"))
    client.force_login(admin)
    page = client.get("/en/certificates/issue/?broker=wang@example.com&level=intermediate")
    assert page.status_code == 200 and 'value="wang@example.com"' in page.content.decode()
    data = {"broker": "Wang@Example.com", "level": "intermediate", "reason": "省厅认定，直接颁发"}
    preview = client.post("/en/certificates/issue/", data).content.decode()
    assert 'data-testid="issue-preview" data-relation="next" data-ready="false"' in preview
    assert "1 of 1 requirements are not met" in preview
    assert 'name="confirm" value="True"' in preview
    assert not Certificate.objects.exists()  # nothing is issued before the confirmation
    response = client.post("/en/certificates/issue/", {**data, "confirm": "True"})
    certificate = Certificate.objects.get(broker=broker)
    assert response["Location"].endswith(f"/en/certificates/{certificate.pk}/")
    assert certificate.source == "manual" and certificate.reason == "省厅认定，直接颁发"
    assert certificate.created_by == admin
    assert BrokerProfile.objects.get(user=broker).level.code == "intermediate"
    event = AuditEvent.objects.get(action="certificates.issued", subject_id=str(certificate.pk))
    assert event.actor_id == admin.pk and event.after["reason"] == "省厅认定，直接颁发"


@pytest.mark.parametrize(("data", "error"), [
    ({"broker": "nobody@example.com", "level": "intermediate", "reason": "x"},
     "No broker matches"),
    ({"broker": "li@example.com", "level": "intermediate", "reason": ""},
     "This field is required."),
    ({"broker": "li@example.com", "level": "nonsense", "reason": "x"},
     "Select a valid choice."),
])
def test_a_bad_manual_issue_changes_nothing(client, admin, data, error):
    BrokerFactory(user__email="li@example.com")
    client.force_login(admin)
    response = client.post("/en/certificates/issue/", data)
    assert response.status_code == 200 and error in response.content.decode()
    assert not Certificate.objects.exists()


def test_the_manual_issue_finds_the_broker_by_name_initials_or_phone_tail(client, admin):
    from academy.people.models import BrokerProfile

    wang = BrokerFactory(user__full_name="王芳", user__email="wangfang@example.com")
    BrokerFactory(user__full_name="李强", user__email="liqiang@example.com")
    BrokerProfile.objects.filter(user=wang).update(phone="13800001234")
    client.force_login(admin)
    for term in ("王芳", "wf", "1234"):
        response = client.post("/en/certificates/issue/", {
            "broker": term, "level": "intermediate", "reason": "x", "confirm": "True"})
        assert response.status_code == 302, term
        Certificate.objects.all().delete()


def test_the_preview_shows_a_ready_broker_each_requirement_met(client, admin, policy):
    from tests.certificates.factories import requirement_set

    broker = BrokerFactory(user__email="ready@example.com")
    requirement_set(months_at_previous_level=0)
    client.force_login(admin)
    html = client.post("/en/certificates/issue/", {
        "broker": "ready@example.com", "level": "intermediate", "reason": "补发"}).content.decode()
    assert 'data-relation="next" data-ready="true"' in html
    assert 'data-testid="issue-preview-requirements"' in html and 'data-state="met"' in html
    assert f"/certificates/brokers/{broker.pk}/path/" in html


def test_the_preview_says_when_the_next_levels_requirements_are_unpublished(client, admin):
    BrokerFactory(user__email="sun@example.com")  # no requirement set in force
    client.force_login(admin)
    html = client.post("/en/certificates/issue/", {
        "broker": "sun@example.com", "level": "intermediate", "reason": "x"}).content.decode()
    assert 'data-relation="next"' in html and 'data-testid="issue-preview-unpublished"' in html
    assert "have not been published yet" in html


@pytest.mark.parametrize(("level_code", "relation", "says"), [
    ("junior", "held", "will not change their level"),
    ("senior", "beyond", "above the broker's next level"),
])
def test_the_preview_says_when_the_level_is_not_the_next_one(client, admin, level_code,
                                                              relation, says):
    BrokerFactory(user__email="zhou@example.com")
    client.force_login(admin)
    html = client.post("/en/certificates/issue/", {
        "broker": "zhou@example.com", "level": level_code, "reason": "x"}).content.decode()
    assert f'data-relation="{relation}"' in html and says in html
    assert not Certificate.objects.exists()


def test_a_manual_issue_to_a_holder_says_so(client, admin):
    broker = BrokerFactory(user__email="zhao@example.com")
    existing = issue(broker)
    client.force_login(admin)
    response = client.post("/en/certificates/issue/", {
        "broker": "zhao@example.com", "level": "intermediate", "reason": "重复"})
    assert response.status_code == 200
    assert existing.serial in response.content.decode()
    assert Certificate.objects.filter(broker=broker).count() == 1


def test_an_admin_reissues_after_a_revocation(client, admin):
    broker = BrokerFactory()
    revoked = issue(broker)
    certificate_revoke(certificate_id=revoked.pk, actor=admin, reason="信息有误")
    client.force_login(admin)
    html = client.get(f"/en/certificates/{revoked.pk}/").content.decode()
    assert 'data-testid="reissue-form"' in html
    assert client.post(f"/en/certificates/{revoked.pk}/reissue/", {"reason": ""}).status_code == 302
    assert Certificate.objects.filter(broker=broker).count() == 1
    response = client.post(f"/en/certificates/{revoked.pk}/reissue/", {"reason": "更正后重新颁发"})
    new = Certificate.objects.get(broker=broker, status="valid")
    assert response["Location"].endswith(f"/en/certificates/{new.pk}/")
    assert new.source == "manual" and new.serial != revoked.serial
    assert Certificate.objects.get(pk=revoked.pk).status == "revoked"
    # A valid certificate is not "re-issued".
    client.post(f"/en/certificates/{new.pk}/reissue/", {"reason": "again"})
    assert Certificate.objects.filter(broker=broker).count() == 2


# --- Unified numbers ---------------------------------------------------------------------------


def test_an_admin_records_unified_numbers_from_the_list(client, admin):
    first = issue(BrokerFactory())
    second = issue(BrokerFactory())
    junior = issue(BrokerFactory(), "junior")
    client.force_login(admin)
    html = client.get("/en/certificates/unified-numbers/").content.decode()
    assert first.serial in html and second.serial in html and junior.serial not in html
    response = client.post(f"/en/certificates/{first.pk}/unified-number/",
                           {"number": " TJ 2026  0001 ", "next": "/en/certificates/unified-numbers/"})
    assert response["Location"] == "/en/certificates/unified-numbers/"
    assert Certificate.objects.get(pk=first.pk).torch_number == "TJ 2026 0001"
    event = AuditEvent.objects.get(action="certificates.torch_number_set")
    assert event.before == {"torch_number": ""} and event.after == {
        "torch_number": "TJ 2026 0001"}
    html = client.get("/en/certificates/unified-numbers/").content.decode()
    link = 'href="/en/certificates/{}/"'.format
    assert link(first.pk) not in html and link(second.pk) in html  # only those still missing
    assert link(first.pk) in client.get(
        "/en/certificates/unified-numbers/?show=all").content.decode()


def test_unified_numbers_refuse_duplicates_junior_levels_and_foreign_redirects(client, admin):
    first = issue(BrokerFactory())
    second = issue(BrokerFactory())
    junior = issue(BrokerFactory(), "junior")
    client.force_login(admin)
    client.post(f"/en/certificates/{first.pk}/unified-number/", {"number": "TJ-1"})
    response = client.post(f"/en/certificates/{second.pk}/unified-number/",
                           {"number": "TJ-1", "next": "https://evil.example/"}, follow=True)
    assert "recorded on another broker" in response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"/en/certificates/{second.pk}/")
    assert Certificate.objects.get(pk=second.pk).torch_number == ""
    response = client.post(f"/en/certificates/{junior.pk}/unified-number/", {"number": "TJ-2"},
                           follow=True)
    assert "intermediate and senior certificates only" in response.content.decode()
    assert AuditEvent.objects.filter(action="certificates.torch_number_set").count() == 1


# --- Filing export -----------------------------------------------------------------------------


def _workbook(response):
    from openpyxl import load_workbook

    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "torch-filing-" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def _holder(name: str, national_id: str, code: str = "intermediate", **kwargs):
    broker = BrokerFactory(user__full_name=name, national_id=national_id)
    return issue(broker, code, **kwargs)


def test_the_auditor_downloads_the_filing_with_masked_ids_and_chinese_headers(client, auditor):
    certificate = _holder("张三", "41120219800101123X")
    _holder("李四", "411202198001011256", "junior")
    client.force_login(auditor)
    page = client.get("/en/certificates/filing/").content.decode()
    assert 'data-testid="filing-summary"' in page and 'name="full_id"' not in page
    sheet = _workbook(client.post("/en/certificates/filing/", {"full_id": "on"}))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("序号", "姓名", "身份证号码", "等级", "证书编号", "火炬中心统一编号")
    assert len(rows) == 2  # the junior holder is not filed
    no, name, national_id, level_name, serial, *_rest = rows[1]
    assert (no, name, serial, level_name) == (1, "张三", certificate.serial, "中级技术经纪人")
    assert national_id == "411***********123X"
    assert rows[1][6] == datetime.datetime.combine(timezone.localdate(), datetime.time())
    event = AuditEvent.objects.get(action="certificates.filing_exported")
    assert event.actor_id == auditor.pk
    assert event.after["rows"] == 1 and event.after["full_national_id"] is False


def test_an_admin_may_ask_for_full_ids_and_filter(client, admin):
    _holder("张三", "41120219800101123X")
    other = _holder("王五", "411202198001011272")
    client.force_login(admin)
    assert 'name="full_id"' in client.get("/en/certificates/filing/").content.decode()
    sheet = _workbook(client.post("/en/certificates/filing/", {"full_id": "on"}))
    ids = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(ids) == ["41120219800101123X", "411202198001011272"]
    assert AuditEvent.objects.get(action="certificates.filing_exported").after[
        "full_national_id"] is True
    from certificates.services.issuance import certificate_torch_number_set

    certificate_torch_number_set(certificate_id=other.pk, actor=admin, number="TJ-9")
    sheet = _workbook(client.post("/en/certificates/filing/", {"missing_number_only": "on"}))
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["张三"]


def test_formula_like_text_is_never_a_formula(client, admin):
    _holder("=HYPERLINK(\"http://evil\",\"x\")", "41120219800101123X")
    client.force_login(admin)
    sheet = _workbook(client.post("/en/certificates/filing/"))
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil","x")'
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_brokers_and_trainers_cannot_export(client):
    for user in (BrokerFactory(), _staff("trainer")):
        client.force_login(user)
        assert client.post("/en/certificates/filing/").status_code == 403
    assert not AuditEvent.objects.filter(action="certificates.filing_exported").exists()


# --- API ---------------------------------------------------------------------------------------


def test_the_api_shows_renewal_and_renews_for_the_holder(client, policy):
    broker = BrokerFactory()
    old = held(broker, expires_in=30)
    client.force_login(broker)
    detail = client.get(f"/api/v1/certificates/{old.pk}/").json()
    assert detail["renewal"]["eligible"] is False and detail["renewal"]["applicable"] is True
    assert detail["renewal"]["hours_required"] == "24.00"
    assert detail["renewal"]["hours_done"] == "0.00"
    refused = client.post(f"/api/v1/certificates/{old.pk}/renew/")
    assert refused.status_code == 400 and "24.00" in refused.json()["detail"]
    earn(broker, CourseFactory(area=area("policy")), "24")
    created = client.post(f"/api/v1/certificates/{old.pk}/renew/")
    assert created.status_code == 201
    assert created.json()["renewed_from"] == old.pk and created.json()["source"] == "renewal"
    again = client.post(f"/api/v1/certificates/{old.pk}/renew/")
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    other = issue(BrokerFactory())
    assert client.post(f"/api/v1/certificates/{other.pk}/renew/").status_code == 404


def test_an_admin_renews_early_through_the_api_with_a_reason(client, admin, auditor, policy):
    certificate = held(BrokerFactory(), expires_in=300)
    client.force_login(auditor)
    assert client.post(f"/api/v1/certificates/{certificate.pk}/renew/").status_code == 403
    client.force_login(admin)
    assert client.post(f"/api/v1/certificates/{certificate.pk}/renew/").status_code == 400
    response = client.post(f"/api/v1/certificates/{certificate.pk}/renew/",
                           {"reason": "豁免"}, content_type="application/json")
    assert response.status_code == 201
