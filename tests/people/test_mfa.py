"""Staff (trainer, auditor, admin) must use a second factor; brokers never have to."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD, BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["trainer", "auditor", "admin"]
SETUP_URL_NAME = "mfa_activate_totp"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and used TOTP codes live in the cache."""
    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str, *, offset: int = 0) -> str:
    """The code an authenticator app shows now (``offset`` periods away)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def password_login(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def staff_pages(role: str) -> list[str]:
    """Pages the staff role reaches once enrolled (the Django admin only for admins)."""
    pages = [reverse("home"), reverse("people:broker_list")]
    for name in ("people:roster_import", "people:roster_template"):
        if role == "admin" and _exists(name):
            pages.append(reverse(name))
    if role == "admin":
        pages += [reverse("admin:index"), reverse("admin:people_user_changelist")]
    return pages


def _exists(url_name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(url_name)
    except NoReverseMatch:
        return False
    return True


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_totp_is_sent_to_mfa_setup_from_every_staff_page(client, role):
    client.force_login(UserFactory(roles=[role]))
    for url in staff_pages(role):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse(SETUP_URL_NAME), url


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_totp_gets_403_mfa_required_from_the_api(client, role):
    client.force_login(UserFactory(roles=[role]))
    response = client.get(reverse("api-me"))
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_totp_cannot_use_the_api_with_a_token_either(client, role):
    user = UserFactory(roles=[role])
    token = Token.objects.create(user=user)
    response = client.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_totp_can_still_log_out_and_switch_language(client, role):
    client.force_login(UserFactory(roles=[role]))
    switched = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert switched.status_code == 302
    assert client.cookies["django_language"].value == "en"
    logged_out = client.post(reverse("account_logout"))
    assert logged_out.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_enrols_totp_after_login_and_then_reaches_their_pages(client, role):
    user = UserFactory(roles=[role])
    login = password_login(client, user)
    assert login.status_code == 302
    setup = client.get(login.url, follow=True)
    assert setup.redirect_chain[-1][0] == reverse(SETUP_URL_NAME)
    html = setup.content.decode()
    assert "mfa-required-banner" in html  # explains why the page appeared
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code
    secret = client.session[SECRET_SESSION_KEY]

    wrong = client.post(reverse(SETUP_URL_NAME), {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "is-invalid" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()

    done = client.post(reverse(SETUP_URL_NAME), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert done.url == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    codes = client.get(done.url)
    assert codes.status_code == 200
    assert len(codes.context["unused_codes"]) > 0
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("api-me")).status_code == 200


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_enrolled_staff_login_requires_the_totp_code(client, role):
    user = UserFactory(roles=[role])
    secret = totp_enrol(user)

    first = password_login(client, user)
    assert first.status_code == 302
    assert first.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone is not enough
    assert client.get(reverse("home")).status_code == 302

    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200
    wrong = client.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert done.status_code == 302
    assert done.url == reverse("home")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("people:broker_list"), follow=True).status_code == 200


def test_a_totp_code_cannot_be_used_twice(client):
    user = UserFactory(roles=["auditor"])
    secret = totp_enrol(user)
    code = totp_code(secret)
    password_login(client, user)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    client.logout()
    password_login(client, user)
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200
    assert "_auth_user_id" not in client.session


def test_enrolled_admin_reaches_the_django_admin(client):
    user = UserFactory(roles=["admin"])
    totp_enrol(user)
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_django_admin_login_hands_over_to_allauth_with_mfa(client):
    """The admin's own form would skip the second factor, so it is never used."""
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in response.url
    user = UserFactory(roles=["admin"])
    totp_enrol(user)
    posted = client.post(reverse("admin:login"), {"username": user.email, "password": PASSWORD})
    assert posted.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", ["trainer", "auditor"])
def test_staff_without_admin_access_get_403_from_the_django_admin(client, role):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 403


def test_staff_cannot_deactivate_their_authenticator_while_required(client):
    user = UserFactory(roles=["trainer"])
    secret = totp_enrol(user)
    password_login(client, user)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    index = client.get(reverse("mfa_index"))
    assert reverse("mfa_deactivate_totp") not in index.content.decode()
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_a_staff_session_older_than_the_reauthentication_window_must_reauthenticate(client):
    client.force_login(UserFactory(roles=["auditor"]))  # no fresh password record
    response = client.get(reverse(SETUP_URL_NAME))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    page = client.get(response.url)
    assert page.status_code == 200  # reachable without a second factor


def test_broker_never_needs_mfa(client):
    user = BrokerFactory()
    response = password_login(client, user)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("api-me")).status_code == 200


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_turning_the_requirement_off_lifts_it(client, settings, role):
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    user = UserFactory(roles=[role])
    response = password_login(client, user)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("api-me")).status_code == 200
    assert client.get(reverse("people:broker_list"), follow=True).status_code == 200


def test_staff_without_totp_are_sent_to_setup_from_the_api_docs_page(client):
    """The docs are a page for people (redirect); the schema is for programs (JSON 403)."""
    client.force_login(UserFactory(roles=["auditor"]))
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 302
    assert docs.url == reverse(SETUP_URL_NAME)
    schema = client.get(reverse("schema"))
    assert schema.status_code == 403
    assert schema.json()["code"] == "mfa_required"


def test_staff_without_totp_can_reach_the_pages_they_need_to_enrol(client):
    client.force_login(UserFactory(roles=["admin"]))
    for name in ("mfa_index", "account_email", "account_change_password"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("healthz")).status_code in (200, 503)


def test_a_broker_logged_in_gets_403_not_the_admin_login_form(client):
    client.force_login(BrokerFactory())
    assert client.get(reverse("admin:login")).status_code == 403
