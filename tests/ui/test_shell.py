"""The shell: menus per role, active state, the language switcher, error pages, the strict CSP."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"""\sstyle\s*=\s*["']""", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def _staff(role: str):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


def assert_csp_clean(html: str, label: str) -> None:
    """Nothing the Content-Security-Policy would block: no inline script or style."""
    assert not INLINE_SCRIPT.search(html), f"{label}: inline <script>"
    assert not INLINE_STYLE.search(html), f"{label}: inline style attribute"
    assert not STYLE_ELEMENT.search(html), f"{label}: <style> element"


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("account_login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("role", ["broker", "trainer", "auditor", "admin"])
def test_every_role_page_obeys_the_csp(client, role):
    user = BrokerFactory() if role == "broker" else _staff(role)
    client.force_login(user)
    urls = [reverse("home"), reverse("account_email"), reverse("account_change_password"),
            reverse("mfa_index")]
    if role == "trainer":
        urls.append(reverse("people:broker_list"))
    elif role != "broker":
        urls.append(reverse("talent:broker_list"))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_csp_clean(response.content.decode(), url)


def test_anonymous_pages_obey_the_csp(client, settings):
    settings.ACADEMY_DEMO_MODE = True
    for name in ("account_login", "account_reset_password", "account_signup"):
        assert_csp_clean(client.get(reverse(name)).content.decode(), name)


def test_mfa_pages_obey_the_csp(client):
    cache.clear()
    user = UserFactory(roles=["auditor"])
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    assert_csp_clean(setup.content.decode(), "mfa_activate_totp")


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("broker", [], ["people:broker_list", "admin:index", "people:roster_import"]),
        ("trainer", ["people:broker_list"], ["admin:index", "people:roster_import"]),
        ("auditor", ["talent:broker_list", "api-docs"], ["admin:index", "people:roster_import",
                                                        "people:broker_list"]),
        ("admin", ["talent:broker_list", "admin:index", "people:roster_import", "api-docs"],
         ["people:broker_list"]),
    ],
)
def test_navigation_per_role(client, role, present, absent):
    user = BrokerFactory() if role == "broker" else _staff(role)
    client.force_login(user)
    items = {item["url_name"] for item in client.get(reverse("home")).context["nav_items"]}
    assert "home" in items
    assert set(present) <= items
    assert not set(absent) & items


def test_the_current_page_is_marked_active(client):
    client.force_login(_staff("trainer"))
    response = client.get(reverse("people:broker_list") + "?q=x")
    active = [item["url_name"] for item in response.context["nav_items"] if item["active"]]
    assert active == ["people:broker_list"]
    html = response.content.decode()
    assert re.search(r'class="nav-link active" aria-current="page" href="/people/brokers/"', html)


def test_home_is_active_only_on_home(client):
    client.force_login(BrokerFactory())
    items = client.get(reverse("account_email")).context["nav_items"]
    assert not any(item["active"] for item in items)


def test_the_user_menu_links_to_the_account_pages(client):
    client.force_login(BrokerFactory())
    html = client.get(reverse("home")).content.decode()
    for name in ("account_change_password", "account_email", "mfa_index"):
        assert f'href="{reverse(name)}"' in html, name


def test_the_language_switcher_offers_the_page_in_each_language(client):
    client.force_login(_staff("trainer"))
    html = client.get(reverse("people:broker_list") + "?level=junior").content.decode()
    assert 'name="next" type="hidden" value="/en/people/brokers/?level=junior"' in html
    english = client.get("/en/people/brokers/").content.decode()
    assert '<html lang="en">' in english
    assert 'name="next" type="hidden" value="/people/brokers/"' in english


def test_switching_language_lands_on_the_same_page_in_the_other_language(client):
    client.force_login(_staff("trainer"))
    to_english = client.post(reverse("set_language"),
                             {"language": "en", "next": "/en/people/brokers/"})
    assert to_english.url == "/en/people/brokers/"
    to_chinese = client.post(reverse("set_language"),
                             {"language": "zh-hans", "next": "/people/brokers/"})
    assert to_chinese.url == "/people/brokers/"
    assert '<html lang="zh-CN">' in client.get(to_chinese.url).content.decode()


def test_staff_without_an_authenticator_see_no_main_menu(client):
    cache.clear()
    user = UserFactory(roles=["admin"])
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    html = client.get(reverse("mfa_activate_totp")).content.decode()
    assert 'href="/people/brokers/"' not in html
    assert "mfa-required-banner" in html
    assert reverse("account_logout") in html  # they can always sign out


def test_a_page_that_does_not_exist_gets_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="error-page"' in html
    assert '<html lang="zh-CN">' in html
    assert_csp_clean(html, "404")


def test_a_refused_page_gets_the_friendly_403(client):
    client.force_login(BrokerFactory())
    response = client.get(reverse("people:broker_list"))
    assert response.status_code == 403
    assert 'class="error-page"' in response.content.decode()


def test_the_500_page_renders_without_any_context():
    html = render_to_string("500.html")
    assert 'class="error-page"' in html
    assert "500" in html


@override_settings(ACADEMY_DEMO_MODE=False)
def test_no_demo_notice_outside_the_demo(client):
    assert "demo-notice" not in client.get(reverse("account_login")).content.decode()


def test_the_demo_notice_says_when_staff_mfa_stays_on(client, settings):
    settings.ACADEMY_DEMO_MODE = True
    settings.ACADEMY_STAFF_MFA_REQUIRED = True
    html = client.get("/en" + reverse("account_login")).content.decode()
    assert "demo-notice" in html
    assert "switched off" not in html
    assert "authenticator app after signing in" in html


def test_a_user_without_a_role_gets_a_friendly_page(client):
    client.force_login(UserFactory())
    response = client.get("/en" + reverse("home"))
    assert response.status_code == 403
    assert "no role yet" in response.content.decode()


def test_empty_broker_list_says_why(client):
    client.force_login(_staff("trainer"))
    html = client.get(reverse("people:broker_list")).content.decode()
    assert "empty-state" in html
    filtered = client.get("/en" + reverse("people:broker_list") + "?q=nobody").content.decode()
    assert "Clear filters" in filtered
