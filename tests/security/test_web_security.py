"""Web security as tests: production cookies, HSTS and CSP; CSRF on every form and on every
session-authenticated API write; the session key rotated at login and again after the second
factor; the public verification lookups rate-limited."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, BrokerFactory, UserFactory, totp_enrol
from tests.ui.matrix import OK, REDIRECT
from tests.ui.test_permission_matrix import MATRIX, _build_kwargs, _user_for_role

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- Production settings ----------------------------------------------------------------------

PROBE = """
import json
from django.conf import settings as s
from django.test import Client
client = Client(HTTP_HOST="academy.example.cn")
plain = client.get("/api/schema/")
secure = client.get("/api/schema/", secure=True)
print(json.dumps({
    "session_secure": s.SESSION_COOKIE_SECURE, "session_httponly": s.SESSION_COOKIE_HTTPONLY,
    "csrf_secure": s.CSRF_COOKIE_SECURE, "hsts": s.SECURE_HSTS_SECONDS,
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "hsts_header": secure.get("Strict-Transport-Security", ""),
    "csp": secure.get("Content-Security-Policy", ""),
    "nosniff": secure.get("X-Content-Type-Options", ""),
    "frame": secure.get("X-Frame-Options", ""),
}))
"""


def test_production_sends_secure_cookies_hsts_and_a_strict_csp():
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE], cwd=BASE_DIR, capture_output=True,
        text=True, timeout=120, check=False,
        env={**env, "DJANGO_SETTINGS_MODULE": "academy.settings.prod",
             "SECRET_KEY": "x" * 20 + "-prod-probe-" + "y" * 30,
             "ALLOWED_HOSTS": "academy.example.cn"},
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["session_secure"] and probe["session_httponly"] and probe["csrf_secure"]
    assert probe["hsts"] >= 31_536_000
    assert probe["plain_status"] == 301 and probe["plain_location"].startswith("https://")
    assert "max-age=31536000" in probe["hsts_header"]
    assert "includeSubDomains" in probe["hsts_header"]
    script_src = re.search(r"script-src([^;]*)", probe["csp"])
    assert script_src, probe["csp"]
    assert "unsafe-inline" not in script_src.group(1) and "unsafe-eval" not in probe["csp"]
    assert probe["nosniff"] == "nosniff" and probe["frame"] == "DENY"


# --- CSRF -------------------------------------------------------------------------------------

def _first_allowed_role(row, allowed) -> str | None:
    for role in ("broker", "trainer", "admin", "auditor"):
        if row.expect.get(role) in allowed:
            return role
    return None


# The OpenID4VCI endpoints are for wallets (OAuth): they never read the session or a cookie,
# only a one-time pre-authorized code or a bearer token, so a forged cross-site request carries
# nothing they would act on; CSRF does not apply and they are exempt.
SESSIONLESS = {"oid4vci-token", "oid4vci-nonce", "oid4vci-credential"}
POST_ROWS = sorted(name for name, row in MATRIX.items()
                   if row.method != "get" and _first_allowed_role(row, {OK, REDIRECT, 400})
                   and name not in SESSIONLESS)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", POST_ROWS)
def test_every_write_refuses_a_session_request_without_the_csrf_token(url_name):
    """Each POST/PUT route of the matrix, as a role that may use it, through the session and
    without a CSRF token: 403, and nothing happens (pages and session-authenticated API)."""
    row = MATRIX[url_name]
    user = _user_for_role(_first_allowed_role(row, {OK, REDIRECT, 400}))
    url = reverse(url_name, kwargs=_build_kwargs(row, user)) + row.query
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    send = getattr(client, row.method)
    response = (send(url, row.data or {}, content_type=row.content_type) if row.content_type
                else send(url, row.data or {}))
    assert response.status_code == 403, f"{url_name}: {response.status_code}"
    if url_name.startswith("api-"):
        assert "CSRF" in response.json()["detail"]


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


PAGE_ROWS = sorted(name for name, row in MATRIX.items()
                   if row.method == "get" and _first_allowed_role(row, {OK})
                   and not name.startswith(("api-", "schema")))


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", PAGE_ROWS)
def test_every_post_form_on_every_page_carries_the_csrf_token(url_name):
    """Every page of the matrix, as the first role that opens it with 200: each
    <form method="post"> on it has Django's csrfmiddlewaretoken."""
    row = MATRIX[url_name]
    user = _user_for_role(_first_allowed_role(row, {OK}))
    client = Client()
    client.force_login(user)
    response = client.get(reverse(url_name, kwargs=_build_kwargs(row, user)) + row.query)
    assert response.status_code == 200
    if "text/html" not in response.get("Content-Type", ""):
        return  # a file, JSON or an image: no forms
    for form in FORM.findall(response.content.decode()):
        opening = form[:form.index(">")].lower()
        if re.search(r"""method=["']?post""", opening):
            assert 'name="csrfmiddlewaretoken"' in form, f"{url_name}: {opening}"


# --- Sessions ---------------------------------------------------------------------------------

def _session_key(client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _primed(client) -> str:
    """Give the anonymous visitor a session (as a language choice or a form would)."""
    session = client.session
    session["primed"] = True
    session.save()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


@pytest.mark.django_db
def test_login_rotates_the_session_key(client):
    broker = BrokerFactory()
    before = _primed(client)
    response = client.post(reverse("account_login"), {"login": broker.email,
                                                      "password": PASSWORD})
    assert response.status_code == 302
    after = _session_key(client)
    assert after != before
    assert client.get(reverse("api-me")).status_code == 200
    # The old key no longer signs anyone in.
    stale = Client()
    stale.cookies[django_settings.SESSION_COOKIE_NAME] = before
    assert stale.get(reverse("api-me")).status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["trainer", "auditor", "admin"])
def test_the_second_factor_rotates_the_session_key_again(client, role):
    user = UserFactory(roles=[role])
    secret = totp_enrol(user)
    first = _primed(client)
    response = client.post(reverse("account_login"), {"login": user.email,
                                                      "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    # Half-way (password right, code pending) allauth keeps the pending login in the session
    # it had; nobody is signed in on it yet.
    halfway = _session_key(client)
    assert client.get(reverse("api-me")).status_code in (401, 403)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    done = client.post(reverse("mfa_authenticate"), {"code": code})
    assert done.status_code == 302
    signed_in = _session_key(client)
    assert signed_in not in (first, halfway)
    assert client.get(reverse("api-me")).status_code == 200
    # A key planted before the login (session fixation) signs nobody in.
    for planted in {first, halfway}:
        stale = Client()
        stale.cookies[django_settings.SESSION_COOKIE_NAME] = planted
        assert stale.get(reverse("api-me")).status_code in (401, 403)


# --- Rate limits ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_verification_lookups_are_rate_limited_across_page_form_and_api(client, settings):
    """The lookup form, the certificate page and the JSON share one counter per client, and
    malformed serials count too (no free enumeration); another client is not affected."""
    settings.ACADEMY_CERT_VERIFY_RATE = 6
    answers = []
    for _ in range(2):
        answers += [
            client.get(reverse("verify:lookup"), {"serial": "4112-M-2026-00001X"}).status_code,
            client.get(reverse("verify:detail", args=["4112-M-2026-00001X"])).status_code,
            client.get(reverse("api-verify", args=["4112-M-2026-00001X"])).status_code,
        ]
    assert 429 not in answers, answers
    assert client.get(reverse("verify:detail", args=["NOPE"])).status_code == 429
    assert client.get(reverse("api-verify", args=["NOPE"])).status_code == 429
    assert client.get(reverse("verify:lookup"), {"serial": "X"}).status_code == 429
    other = Client(REMOTE_ADDR="192.0.2.44")
    assert other.get(reverse("api-verify", args=["NOPE"])).status_code != 429


@pytest.mark.django_db
def test_password_login_is_rate_limited(client):
    broker = BrokerFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": broker.email, "password": "wrong-one"})
    # After 5 failures for this account, even the right password is refused for a while.
    right = client.post(reverse("account_login"), {"login": broker.email, "password": PASSWORD})
    assert right.status_code == 200
    assert "_auth_user_id" not in client.session
    assert right.context["form"].errors
    # And one client cannot spray passwords over many accounts: 20 failures a minute per
    # address, after which another account's right password is refused from there too.
    for i in range(20):
        client.post(reverse("account_login"), {"login": f"x{i}@example.test",
                                                "password": "wrong-one"})
    other = BrokerFactory()
    client.post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
