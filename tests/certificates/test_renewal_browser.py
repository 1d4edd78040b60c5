"""In a real browser (Chinese interface): a broker whose certificate expires in a month and who
earned the renewal hours renews it from "My certificates" and sees the renewal chain; the
admin records its Torch Centre unified number and downloads the filing workbook."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest

from certificates.models.issued import Certificate, CertificatePolicy
from tests.browser import DESKTOP, click_menu_item, fresh_totp_code
from tests.certificates.conftest import earn
from tests.certificates.issued_fixtures import level, signing_key_tmp  # noqa: F401
from tests.certificates.test_renewal import held
from tests.courses.factories import CourseFactory, area
from tests.factories import PASSWORD, BrokerFactory, UserFactory, totp_enrol

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _chinese():
    """The interface under test is the default one (Chinese), whatever the module fixture."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


def _log_in(tab, base_url: str, email: str, secret: str | None = None) -> None:
    tab.goto(base_url + "/accounts/login/")
    tab.fill("input[name='login']", email)
    tab.fill("input[name='password']", PASSWORD)
    tab.locator("form.academy-form button[type='submit']").click()
    if secret is not None:
        tab.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        tab.fill("input[name='code']", fresh_totp_code(secret))
        tab.locator("form.academy-form button[type='submit']").first.click()
    tab.wait_for_url(re.compile(r"^" + re.escape(base_url) + r"/(\?.*)?$"))


def test_a_broker_renews_and_the_admin_files_it(live_server, browser, page,  # noqa: F811
                                                screenshot):  # noqa: F811
    CertificatePolicy.objects.create(level=level("intermediate"), validity_months=36,
                                     renewal_hours=Decimal("24"))
    broker = BrokerFactory(user__full_name="王小明", user__email="broker14@demo.local",
                           national_id="41120219800101123X")
    old = held(broker, expires_in=30)
    earn(broker, CourseFactory(area=area("policy")), "24")

    _log_in(page, live_server.url, broker.email)
    click_menu_item(page, "/certificates/mine/")
    card = page.locator(f"[data-testid='certificate'][data-serial='{old.serial}']")
    assert "换证学时：已完成 24.00 / 需 24.00" in card.inner_text()
    card.locator("[data-testid='renew-form'] button").click()
    page.wait_for_url(re.compile(r"/certificates/\d+/$"))
    new = Certificate.objects.get(renewed_from=old)
    assert page.url.endswith(f"/certificates/{new.pk}/")
    assert f"已换发：证书 {new.serial} 取代 {old.serial}" in page.locator("body").inner_text()
    chain = page.locator("[data-testid='renewal-chain']").inner_text()
    assert old.serial in chain and new.serial in chain and "换证记录" in chain
    screenshot(page, "certificate-renewed")

    admin = UserFactory(roles=["admin"], full_name="王建国", email="admin@demo.local")
    secret = totp_enrol(admin)
    admin_context = browser.new_context(locale="zh-CN", viewport=DESKTOP,
                                        timezone_id="Asia/Shanghai", accept_downloads=True)
    admin_context.set_default_timeout(15_000)
    admin_page = admin_context.new_page()
    _log_in(admin_page, live_server.url, admin.email, secret)
    click_menu_item(admin_page, "/certificates/unified-numbers/")
    row = admin_page.locator("[data-testid='torch-row-form']").filter(
        has=admin_page.locator(f"input[id='torch-{new.pk}']"))
    row.locator("input[name='number']").fill("GJJS-2026-000123")
    row.locator("button").click()
    admin_page.locator("[data-testid='torch-empty']").wait_for()
    assert Certificate.objects.get(pk=new.pk).torch_number == "GJJS-2026-000123"

    click_menu_item(admin_page, "/certificates/filing/")
    admin_page.locator("#id_full_id").check()
    with admin_page.expect_download() as download_info:
        admin_page.locator("[data-testid='filing-form'] button").click()
    from openpyxl import load_workbook

    content = download_info.value.path().read_bytes()
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "姓名", "身份证号码")
    assert rows[1][1:6] == ("王小明", "41120219800101123X", "中级技术经纪人", new.serial,
                            "GJJS-2026-000123")
    screenshot(admin_page, "torch-filing")
    admin_context.close()
