"""In a real browser: each role logs in through the login form (staff type a real TOTP code),
sees their home page in Chinese, and switches to English with the language switcher."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from tests.browser import PHONE, fresh_totp_code, log_in
from tests.factories import PASSWORD, BrokerFactory, UserFactory, totp_enrol

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The English heading of each role's home page, and a menu item only that role has.
HOME = {
    "broker": {"heading": re.compile(r"\S"), "menu_has": [], "menu_lacks": ["/people/brokers/"]},
    "trainer": {"heading": re.compile(r"\S"), "menu_has": ["/people/brokers/"],
                "menu_lacks": ["/admin/"]},
    "auditor": {"heading": re.compile(r"^Talent pool$"), "menu_has": ["/talent/brokers/"],
                "menu_lacks": ["/admin/"]},
    "admin": {"heading": re.compile(r"^Back office$"), "menu_has": ["/talent/brokers/", "/admin/"],
              "menu_lacks": []},
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _make_user(role: str):
    """A user of ``role``; staff get an authenticator (returned secret) as production requires."""
    if role == "broker":
        return BrokerFactory(user__full_name="王小明"), None
    user = UserFactory(roles=[role], full_name={"trainer": "李老师", "auditor": "张审计",
                                                "admin": "赵管理"}[role])
    return user, totp_enrol(user)


def _html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def _assert_switcher(page, active_label: str) -> None:
    switcher = page.locator("[data-language-switcher]")
    assert switcher.is_visible()
    active = switcher.locator("button[aria-pressed='true']")
    assert active.inner_text().strip() == active_label


def _log_in(page, base_url: str, user, secret: str | None) -> None:
    page.goto(base_url + "/")
    # Anonymous → the login page, Chinese by default (allauth's translation is already there).
    assert "/accounts/login/" in page.url
    assert _html_lang(page) == "zh-CN"
    assert page.locator("h1").inner_text().strip() == "登录"
    _assert_switcher(page, "中文")
    page.fill("input[name='login']", user.email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("form.academy-form button[type='submit']").click()
    if secret is not None:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        assert _html_lang(page) == "zh-CN"
        page.fill("input[name='code']", fresh_totp_code(secret))
        page.locator("form.academy-form button[type='submit']").first.click()
    page.wait_for_url(re.compile(r"^" + re.escape(base_url) + r"/(\?.*)?$"))


@pytest.mark.parametrize("role", ["broker", "trainer", "auditor", "admin"])
def test_role_logs_in_sees_home_in_chinese_and_switches_to_english(
    live_server, page, screenshot, role
):
    user, secret = _make_user(role)
    _log_in(page, live_server.url, user, secret)

    # Home, in Chinese.
    assert _html_lang(page) == "zh-CN"
    _assert_switcher(page, "中文")
    assert page.locator("h1").first.is_visible()
    assert "退出登录" in page.locator("#user-menu + .dropdown-menu").inner_text()  # "Sign out"
    # Links of the main menu, those inside its drop-downs included.
    menu = [a.get_attribute("href") for a in page.locator(
        "#mainnav .navbar-nav .nav-link:not(.dropdown-toggle), #mainnav .navbar-nav "
        ".dropdown-menu .dropdown-item[href]").all()]
    for href in HOME[role]["menu_has"]:
        assert href in menu, (role, menu)
    for href in HOME[role]["menu_lacks"]:
        assert href not in menu, (role, menu)
    home_link = page.locator("#mainnav .nav-link.active")
    assert home_link.count() == 1
    screenshot(page, f"home-{role}-zh")

    # The user menu opens (Bootstrap's JS runs under the strict CSP).
    page.locator("#user-menu").click()
    assert page.locator("#user-menu + .dropdown-menu").is_visible()
    page.keyboard.press("Escape")

    # Switch to English with the switcher: same page, English text, /en/ prefix.
    page.locator("[data-language-switcher] button[value='en']").click()
    page.wait_for_url(re.compile(r"/en/$"))
    assert _html_lang(page) == "en"
    _assert_switcher(page, "English")
    heading = page.locator("h1").first.inner_text().strip()
    assert HOME[role]["heading"].search(heading), heading
    assert "Sign Out" in page.locator("#user-menu + .dropdown-menu").inner_text()
    assert "Broker Academy" in page.locator(".navbar-brand").inner_text()
    screenshot(page, f"home-{role}-en")

    # A phone: the menu collapses behind the toggler and still works.
    page.set_viewport_size(PHONE)
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    page.locator("#mainnav.show").wait_for()
    screenshot(page, f"home-{role}-en-phone")

    # And back to Chinese.
    page.locator("[data-language-switcher] button[value='zh-hans']").click()
    page.wait_for_url(re.compile(r"^" + re.escape(live_server.url) + r"/$"))
    assert _html_lang(page) == "zh-CN"
    assert not page.js_errors, page.js_errors


def test_login_page_in_chinese_with_the_demo_notice_and_inline_errors(
    live_server, page, screenshot, settings
):
    settings.ACADEMY_DEMO_MODE = True
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    page.goto(live_server.url + "/accounts/login/")
    assert _html_lang(page) == "zh-CN"
    assert page.locator("h1").inner_text().strip() == "登录"
    notice = page.locator(".demo-notice")
    assert notice.is_visible()
    assert "admin@demo.local" in notice.inner_text()
    assert page.locator("a.login-forgot").get_attribute("href") == "/accounts/password/reset/"
    screenshot(page, "login-zh")

    user = BrokerFactory()
    page.fill("input[name='login']", user.email)
    page.fill("input[name='password']", "wrong-password")
    page.locator("form.academy-form button[type='submit']").click()
    page.locator(".alert-danger").wait_for()
    assert "/accounts/login/" in page.url

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/accounts/login/")
    screenshot(page, "login-zh-phone")
    assert not page.js_errors, page.js_errors


def test_staff_without_an_authenticator_enrols_one_in_the_browser(live_server, page, screenshot):
    from allauth.mfa.models import Authenticator

    user = UserFactory(roles=["trainer"], full_name="钱老师")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name='login']", user.email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("form.academy-form button[type='submit']").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    assert page.locator(".mfa-required-banner").is_visible()
    qr = page.locator("img.totp-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.naturalWidth") > 0  # the QR image really renders
    screenshot(page, "mfa-activate-zh")

    page.fill("input[name='code']", "000000")
    page.locator("form.academy-form button[type='submit']").click()
    page.locator("input[name='code'].is-invalid").wait_for()
    assert page.locator("input[name='code'].is-invalid").count() == 1

    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name='code']", fresh_totp_code(secret))
    page.locator("form.academy-form button[type='submit']").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert len(page.locator("#recovery_codes").input_value().split()) >= 10
    screenshot(page, "mfa-recovery-codes-zh")

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/en/accounts/2fa/")
    screenshot(page, "mfa-index-en-phone")
    page.goto(live_server.url + "/")
    assert page.url.rstrip("/") == live_server.url
    assert not page.js_errors, page.js_errors


def test_broker_list_and_error_pages_look_finished(live_server, page, screenshot, settings):
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    for n in range(3):
        BrokerFactory(user__full_name=f"经纪人{n}")
    auditor = UserFactory(roles=["auditor"], full_name="张审计")
    log_in(page, live_server.url, auditor.email)
    screenshot(page, "home-auditor-zh-data")

    page.goto(live_server.url + "/people/brokers/")
    assert page.locator("table tbody tr").count() == 3
    screenshot(page, "broker-list-zh")
    page.goto(live_server.url + "/people/brokers/?q=nobody-matches")
    assert page.locator(".empty-state").is_visible()

    response = page.goto(live_server.url + "/people/roster/import/")
    assert response.status == 403
    assert page.locator(".error-page").is_visible()
    screenshot(page, "error-403-zh")
    response = page.goto(live_server.url + "/en/no-such-page/")
    assert response.status == 404
    assert page.locator(".error-page h1").inner_text().strip() == "We could not find this page"
    screenshot(page, "error-404-en")
    assert not page.js_errors, page.js_errors
