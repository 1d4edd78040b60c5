"""Accounts through django-allauth: login by e-mail, rate limits, verification, reset, sign-up."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from academy.links import site_url
from tests.factories import PASSWORD, BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps rate-limit counters in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def _login(client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _link(message, pattern: str) -> str:
    match = re.search(rf"{re.escape(site_url())}(/\S*{pattern}\S*)", message.body)
    assert match, f"no link matching {pattern!r} in:\n{message.body}"
    return match.group(1)


def _error_codes(form) -> set[str]:
    return {error.code for errors in form.errors.as_data().values() for error in errors}


def test_login_page_is_chinese_by_default_and_offers_password_reset(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "登录" in html  # allauth's own Chinese translation of "Sign In"
    assert reverse("account_reset_password") in html
    assert 'name="login"' in html and 'type="email"' in html
    assert "Demo accounts" not in html


def test_login_page_lists_demo_accounts_and_says_staff_mfa_is_off_in_demo(client, settings):
    settings.ACADEMY_DEMO_MODE = True
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    html = client.get("/en" + reverse("account_login")).content.decode()
    assert "admin@demo.local" in html
    assert "trainer1@demo.local" in html
    assert "broker01@demo.local" in html
    assert "Academy-demo-2026" in html
    assert "Two-factor authentication for staff is switched off in this demo" in html


def test_login_by_email_lands_on_home(client):
    user = BrokerFactory()
    response = _login(client, user.email)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_login_email_is_case_insensitive(client):
    user = BrokerFactory()
    response = _login(client, user.email.upper())
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_is_refused_with_an_inline_error(client):
    user = BrokerFactory()
    response = _login(client, user.email, "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    form = response.context["form"]
    assert form.non_field_errors()
    assert 'class="alert alert-danger"' in response.content.decode()


def test_login_is_locked_after_five_failures_even_with_the_right_password(client):
    user = BrokerFactory()
    for _ in range(5):
        response = _login(client, user.email, "wrong-password-1")
        assert response.status_code == 200
        assert "too_many_login_attempts" not in _error_codes(response.context["form"])
    locked = _login(client, user.email, PASSWORD)
    assert locked.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "too_many_login_attempts" in _error_codes(locked.context["form"])
    assert "登录失败次数过多" in locked.content.decode()  # shown, in the user's language


def test_successful_login_does_not_count_towards_the_lock(client):
    user = BrokerFactory()
    for _ in range(6):
        assert _login(client, user.email).status_code == 302
        client.logout()


def test_unverified_email_cannot_log_in_and_gets_the_verification_mail(client):
    user = UserFactory(roles=["broker"], verified=False)
    mail.outbox.clear()
    response = _login(client, user.email)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_confirming_the_email_lets_the_person_log_in(client):
    user = UserFactory(roles=["broker"], verified=False)
    mail.outbox.clear()
    _login(client, user.email)
    link = _link(mail.outbox[0], "/confirm-email/")

    page = client.get(link)
    assert page.status_code == 200
    assert page.context["confirmation"] is not None
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user, email=user.email).verified

    client.logout()
    assert _login(client, user.email).status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_bad_confirmation_key_says_the_link_expired(client):
    response = client.get(reverse("account_confirm_email", args=["not-a-real-key"]))
    assert response.status_code == 200
    assert response.context["confirmation"] is None


@pytest.mark.parametrize("form", ["reset", "confirm"])
def test_the_emailed_links_go_to_the_site_url_not_the_requests_host(client, settings, form):
    settings.ACADEMY_SITE_URL = "https://academy.example.cn:8443"
    mail.outbox.clear()
    if form == "reset":
        client.post(reverse("account_reset_password"), {"email": BrokerFactory().email})
    else:
        _login(client, UserFactory(roles=["broker"], verified=False).email)
    [message] = mail.outbox
    links = re.findall(r"https?://[^/\s]+", message.body)
    assert links and set(links) == {"https://academy.example.cn:8443"}, message.body
    assert "testserver" not in message.body


def test_password_reset_full_flow_through_the_emailed_link(client):
    user = BrokerFactory()
    mail.outbox.clear()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0], "/password/reset/key/")

    # allauth moves the key into the session and redirects to a key-less URL.
    step = client.get(link)
    assert step.status_code == 302
    form_page = client.get(step.url)
    assert form_page.status_code == 200
    assert not form_page.context.get("token_fail")

    new_password = "Brand-new-password-2026"
    # Inline error first: the two passwords differ.
    mismatch = client.post(step.url, {"password1": new_password, "password2": "something-else-1"})
    assert mismatch.status_code == 200
    assert mismatch.context["form"].errors
    assert "is-invalid" in mismatch.content.decode()

    done = client.post(step.url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    assert done.url == reverse("account_reset_password_from_key_done")

    client.logout()
    assert _login(client, user.email, PASSWORD).status_code == 200  # old one is gone
    assert _login(client, user.email, new_password).status_code == 302


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    mail.outbox.clear()
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert all("/password/reset/key/" not in m.body for m in mail.outbox)


def test_a_used_reset_link_is_refused(client):
    user = BrokerFactory()
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = _link(mail.outbox[0], "/password/reset/key/")
    step = client.get(link)
    client.post(step.url, {"password1": "Brand-new-password-2026",
                           "password2": "Brand-new-password-2026"})
    client.logout()
    again = client.get(link, follow=True)
    assert again.context["token_fail"]


def test_signup_is_closed_by_default(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    before = EmailAddress.objects.count()
    client.post(reverse("account_signup"), {
        "email": "new@example.test", "password1": "Long-enough-2026", "password2": "Long-enough-2026",
    })
    assert EmailAddress.objects.count() == before


def test_signup_opens_with_the_setting_and_requires_verification(client, settings):
    settings.ACADEMY_SIGNUP_OPEN = True
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    assert "account/signup.html" in [t.name for t in page.templates]
    mail.outbox.clear()
    response = client.post(reverse("account_signup"), {
        "email": "New.Person@Example.test",
        "password1": "Long-enough-2026",
        "password2": "Long-enough-2026",
    })
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    address = EmailAddress.objects.get(email__iexact="new.person@example.test")
    assert not address.verified
    assert address.user.email == "new.person@example.test"
    assert len(mail.outbox) == 1


def test_logout_signs_out(client):
    user = BrokerFactory()
    client.force_login(user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_account_pages_render_in_the_layout(client):
    user = BrokerFactory()
    _login(client, user.email)
    for name in ("account_email", "account_change_password", "mfa_index"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert 'class="list-group account-nav"' in html, name
        assert "academy-navbar" in html, name


def test_password_change_shows_inline_errors(client):
    user = BrokerFactory()
    _login(client, user.email)
    response = client.post(reverse("account_change_password"), {
        "oldpassword": "wrong", "password1": "x", "password2": "y",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in html
    assert "invalid-feedback" in html
