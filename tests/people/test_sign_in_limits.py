"""Password hashing and the limits on signing in: attackers stopped, crowds let in.

Failed logins are limited per account and per client address; successful logins are not
counted. The client address is the real one behind the configured proxies, for allauth, the
certificate verification limit and the API alike.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from academy.people import ratelimits
from tests.factories import PASSWORD, BrokerFactory

PRODUCTION_HASHERS = [
    "academy.people.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]


def log_in(client: Client, email: str, password: str = PASSWORD, **extra) -> bool:
    client.post(reverse("account_login"), {"login": email, "password": password}, **extra)
    return "_auth_user_id" in client.session



@pytest.fixture(autouse=True)
def fresh_limits():
    """Every test starts with no counted attempts (the test cache lives as long as pytest)."""
    cache.clear()
    yield
    cache.clear()


# --- Password hashing -------------------------------------------------------------------------

@pytest.mark.django_db
def test_new_passwords_are_hashed_with_argon2id_at_the_configured_cost(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$v=19$m=7168,t=5,p=1$")
    settings.ACADEMY_ARGON2_MEMORY_KIB = 8192
    settings.ACADEMY_ARGON2_TIME_COST = 3
    assert make_password(PASSWORD).startswith("argon2$argon2id$v=19$m=8192,t=3,p=1$")


def test_the_argon2_build_in_use_gives_the_reference_implementations_hashes():
    """make install may build the Argon2 bindings from source with AVX2 (bin/argon2-avx2):
    whichever build is installed must give the hashes of the Argon2 reference's published
    example (Argon2i) and of Debian's argon2 command (Argon2id), so that every stored hash
    still verifies."""
    from argon2.low_level import Type, hash_secret_raw

    def raw(kind):
        return hash_secret_raw(b"password", b"somesalt", 2, 65536, 4, 24, kind).hex()

    assert raw(Type.I) == "45d7ac72e76f242b20b77b9bf9bf9d5915894e669a24e6c6"
    assert raw(Type.ID) == "1758c6d82577fcdafec91b88b0f2b0d09f6be2cedc247054"


@pytest.mark.django_db
def test_pbkdf2_hash_is_upgraded_to_argon2id_at_the_next_login(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    broker = BrokerFactory()
    broker.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    broker.save(update_fields=["password"])
    assert log_in(Client(), broker.email)
    broker.refresh_from_db()
    assert broker.password.startswith("argon2$argon2id$v=19$m=7168,t=5,p=1$")
    assert log_in(Client(), broker.email)  # and the new hash checks


@pytest.mark.django_db
def test_argon2_hash_with_old_parameters_is_rehashed_at_login(settings):
    """A hash made with the earlier default (19 MiB, t=2) becomes one of the current default."""
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    settings.ACADEMY_ARGON2_MEMORY_KIB = 19456
    settings.ACADEMY_ARGON2_TIME_COST = 2
    broker = BrokerFactory()
    broker.password = make_password(PASSWORD)
    broker.save(update_fields=["password"])
    del settings.ACADEMY_ARGON2_MEMORY_KIB
    del settings.ACADEMY_ARGON2_TIME_COST
    assert log_in(Client(), broker.email)
    broker.refresh_from_db()
    assert "$m=7168,t=5,p=1$" in broker.password


@pytest.mark.django_db
def test_wrong_password_does_not_rewrite_the_hash(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    broker = BrokerFactory()
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    broker.password = old
    broker.save(update_fields=["password"])
    assert not log_in(Client(), broker.email, "not-the-password")
    broker.refresh_from_db()
    assert broker.password == old


# --- Failed logins ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_successful_logins_from_one_address_are_not_capped():
    brokers = [BrokerFactory() for _ in range(45)]
    signed_in = sum(log_in(Client(REMOTE_ADDR="198.51.100.10"), b.email) for b in brokers)
    assert signed_in == 45


@pytest.mark.django_db
def test_password_guesser_on_one_account_is_stopped_from_any_address():
    victim = BrokerFactory()
    for n in range(5):
        assert not log_in(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), victim.email, "guess-{n}")
    # The account's limit is reached: even the right password waits, from anywhere.
    assert not log_in(Client(REMOTE_ADDR="198.51.100.99"), victim.email)
    other = BrokerFactory()
    assert log_in(Client(REMOTE_ADDR="198.51.100.1"), other.email)


@pytest.mark.django_db
def test_password_sprayer_from_one_address_is_stopped_and_others_are_not(settings):
    brokers = [BrokerFactory() for _ in range(3)]
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    for n in range(20):  # 20 failed logins a minute per address (settings.auth)
        log_in(attacker, f"nobody{n}@example.test", "Spray-2026!")
    assert not log_in(attacker, brokers[0].email)
    # The per-address limit counts failures only: another address is not affected.
    assert log_in(Client(REMOTE_ADDR="198.51.100.67"), brokers[1].email)


@pytest.mark.django_db
def test_failures_of_the_previous_window_still_count_as_it_slides_away(monkeypatch):
    """5 failures a 5-minute window per account: the window slides, it is not reset."""
    victim = BrokerFactory()
    clock = [1_800_000_000.0]  # the start of a 5-minute window
    monkeypatch.setattr(ratelimits.time, "time", lambda: clock[0])
    for n in range(5):
        clock[0] += 50  # 250 s in all
        assert not log_in(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), victim.email, f"g-{n}")
    clock[0] += 60  # a new fixed window has begun, but the five are 10 to 210 s old
    assert not log_in(Client(REMOTE_ADDR="198.51.100.50"), victim.email)
    clock[0] += 240  # now they are 250 to 450 s old: about one is still inside
    assert log_in(Client(REMOTE_ADDR="198.51.100.51"), victim.email)


# --- The client address behind proxies ---------------------------------------------------------

@pytest.mark.django_db
def test_clients_behind_a_trusted_proxy_are_limited_one_by_one(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    for n in range(20):
        log_in(attacker, f"nobody{n}@example.test", "Spray-2026!")
    broker = BrokerFactory()
    assert not log_in(attacker, broker.email)
    # Another client behind the same proxy gets in: the limit is the attacker's, not the site's.
    assert log_in(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7"), broker.email)


@pytest.mark.django_db
def test_verification_limit_keys_on_the_client_behind_the_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACADEMY_CERT_VERIFY_RATE = 3
    url = reverse("api-verify", args=["NOPE"])
    first = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1")
    codes = [first.get(url).status_code for _ in range(4)]
    assert codes[-1] == 429 and 429 not in codes[:3], codes
    second = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert second.get(url).status_code != 429


@pytest.mark.django_db
def test_client_header_names_the_address_when_configured(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    settings.ACADEMY_CERT_VERIFY_RATE = 2
    url = reverse("api-verify", args=["NOPE"])
    codes = [Client(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.9").get(url).status_code
             for _ in range(3)]
    assert codes[-1] == 429, codes
    assert Client(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.10").get(url) \
        .status_code != 429


# --- API throttles ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_api_throttles_anonymous_callers_per_address(settings):
    settings.ACADEMY_API_THROTTLE_ANON = 3
    settings.ACADEMY_CERT_VERIFY_RATE = 100
    url = reverse("api-verify", args=["NOPE"])
    caller = Client(REMOTE_ADDR="203.0.113.20")
    codes = [caller.get(url).status_code for _ in range(4)]
    assert codes[-1] == 429 and 429 not in codes[:3], codes
    assert Client(REMOTE_ADDR="203.0.113.21").get(url).status_code != 429


@pytest.mark.django_db
def test_api_throttles_signed_in_users_per_user(settings):
    settings.ACADEMY_API_THROTTLE_USER = 3
    broker, other = BrokerFactory(), BrokerFactory()
    client = Client()
    client.force_login(broker)
    codes = [client.get(reverse("api-me")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429], codes
    other_client = Client()
    other_client.force_login(other)
    assert other_client.get(reverse("api-me")).status_code == 200


@pytest.mark.django_db
def test_login_keeps_the_cached_access_facts_but_a_role_change_drops_them():
    from academy.people.access import _key, user_access

    broker = BrokerFactory()
    user_access(broker.pk)
    assert cache.get(_key(broker.pk)) is not None
    assert log_in(Client(), broker.email)  # saves last_login only
    assert cache.get(_key(broker.pk)) is not None
    broker.is_active = False
    broker.save(update_fields=["is_active", "last_login"])
    assert cache.get(_key(broker.pk)) is None
