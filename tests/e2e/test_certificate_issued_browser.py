"""In a real browser, with a real Celery worker: the admin approves a broker's last missing
requirement (a practice record) in the review queue; within seconds the broker, signed in,
sees the certificate on "My certificates", downloads its PDF, and the verification page the
certificate's QR code leads to says it is valid.

The worker (``tests/flows/workers.py``) runs on the test database and a private Redis, shares
this process's media folder (the PDF it renders is the one the live server serves) and signing
key, and builds its QR codes for the live server's address.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from certificates.models.issued import Certificate
from certificates.services.pdf import verify_url
from tests.browser import DESKTOP, click_menu_item, fresh_totp_code
from tests.certificates.factories import requirement_set, submitted_record
from tests.factories import PASSWORD, BrokerFactory, UserFactory, totp_enrol
from tests.flows.workers import killable_workers  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]

ISSUED_WITHIN_SECONDS = 45  # a shared 2-core machine; it takes a few seconds when idle


def _log_in(page, base_url: str, email: str, secret: str | None = None) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name='login']", email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("form.academy-form button[type='submit']").click()
    if secret is not None:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.fill("input[name='code']", fresh_totp_code(secret))
        page.locator("form.academy-form button[type='submit']").first.click()
    page.wait_for_url(re.compile(r"^" + re.escape(base_url) + r"/(\?.*)?$"))


def _new_page(browser):
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP, timezone_id="Asia/Shanghai",
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_admin_approves_the_last_requirement_and_the_broker_gets_the_certificate(
        live_server, browser, page, screenshot, settings, killable_workers):  # noqa: F811
    requirement_set(practice_records=1)
    broker = BrokerFactory(user__full_name="王小明", user__email="broker14@demo.local")
    submitted_record(broker, contract_name="灵宝市黄金尾矿综合利用技术转让合同",
                     registration_number="2025411282000017")
    admin = UserFactory(roles=["admin"], full_name="王建国", email="admin@demo.local")
    secret = totp_enrol(admin)
    settings.ACADEMY_SITE_URL = live_server.url
    killable_workers.env["SITE_URL"] = live_server.url  # what the QR codes lead to
    worker = killable_workers.start("e2e")

    # The broker, signed in, has no certificate yet.
    _log_in(page, live_server.url, broker.email)
    click_menu_item(page, "/certificates/mine/")
    page.wait_for_url(re.compile(r"/certificates/mine/$"))
    assert page.locator("[data-testid='certificates-empty']").is_visible()

    # The admin approves the practice record, after the second factor.
    admin_context, admin_page = _new_page(browser)
    _log_in(admin_page, live_server.url, admin.email, secret)
    click_menu_item(admin_page, "/people/practice/review/")
    admin_page.wait_for_url(re.compile(r"/people/practice/review/$"))
    card = admin_page.locator("[data-record]").first
    assert "2025411282000017" in card.inner_text()
    card.locator("input[value='approve']").check()
    card.locator("button[type='submit']").click()
    approved_at = time.monotonic()
    admin_page.locator("[data-testid='review-empty']").wait_for()
    admin_context.close()

    # Within seconds the worker has issued it, rendered the PDF and signed the credential.
    certificate_card = page.locator("[data-testid='certificate']")
    while not (certificate_card.count()
               and certificate_card.locator("[data-testid='download-pdf']").count()):
        assert time.monotonic() - approved_at < ISSUED_WITHIN_SECONDS, worker.log()
        assert worker.process.poll() is None, worker.log()
        time.sleep(1)
        page.reload()
    seconds = time.monotonic() - approved_at
    serial = certificate_card.get_attribute("data-serial")
    assert certificate_card.get_attribute("data-status") == "valid"
    assert "中级技术经纪人" in certificate_card.inner_text()
    assert certificate_card.locator("[data-testid='download-credential']").is_visible()
    screenshot(page, "certificate-issued-broker")

    with page.expect_download() as download:
        certificate_card.locator("[data-testid='download-pdf']").click()
    assert download.value.suggested_filename == f"{serial}.pdf"
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert serial.encode() in pdf  # the document's subject is its serial number

    # The QR code leads to the public page: no login needed, and it says valid.
    qr_url = verify_url(serial)
    assert qr_url == f"{live_server.url}/verify/{serial}/"
    assert certificate_card.locator("[data-testid='verify-link']").get_attribute(
        "href").endswith(f"/verify/{serial}/")
    public_context, public_page = _new_page(browser)
    public_page.goto(qr_url)
    result = public_page.locator("[data-testid='verify-result']")
    assert result.get_attribute("data-status") == "valid"
    assert "有效" in public_page.locator("[data-testid='verify-status']").inner_text()
    assert "王小明" not in public_page.content()  # the holder's name is partly masked
    screenshot(public_page, "certificate-verify-valid")
    public_context.close()

    assert Certificate.objects.filter(broker=broker).count() == 1
    assert page.js_errors == []
    print(f"certificate visible to the broker {seconds:.1f}s after the approval")
