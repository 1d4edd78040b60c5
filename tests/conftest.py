import pytest
from django.db import connection

from tests import services

# One Playwright per test process for every browser test, in whichever folder it lives.
from tests.browser import browser, context, page, screenshot  # noqa: F401 - fixtures
from tests.factories import (  # noqa: F401  (re-exported fixtures below use them)
    BrokerFactory,
    UserFactory,
)


@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py has marked its tests e2e
def pytest_collection_modifyitems(items):
    """A marker says what a test needs, and does it: without the service the test is skipped
    with the reason, reported at the test's own line, before any fixture or database is set up
    (under REQUIRE_SERVICES=1, pytest_runtest_setup fails it instead)."""
    if services.REQUIRE_SERVICES:
        return
    for item in items:
        reasons = _services_missing_for(item)
        if reasons:
            item.add_marker(pytest.mark.skip(reason="; ".join(reasons)))


def pytest_runtest_setup(item):
    reasons = _services_missing_for(item)
    if reasons:
        services.missing("; ".join(reasons))


def _services_missing_for(item) -> list[str]:
    from django.conf import settings

    reasons = []
    if item.get_closest_marker("postgres") and \
            "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        reasons.append("PostgreSQL not configured (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and services.redis_url() is None:
        reasons.append("Redis not reachable (set REDIS_URL=redis://...)")
    if item.get_closest_marker("e2e") and services.chromium_path() is None:
        reasons.append("browser tests turned off (CHROMIUM_PATH=none)" if services.BROWSER_OFF
                       else f"Chromium not found at {services.CHROMIUM}")
    return reasons


@pytest.fixture(scope="session", autouse=True)
def _test_database_left_alone(django_db_setup, django_db_blocker):
    """Before pytest-django drops the test database: end the sessions that other processes
    (a worker or gunicorn a test started, a thread's connection) may still hold on it, which
    made the drop fail with 'is being accessed by other users' and leave the database behind."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(autouse=True)
def _language(settings):
    """Chinese, the interface's default, as in production (reverse() gives unprefixed URLs)."""
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture(autouse=True)
def _celery_configuration_restored():
    """A test that points Celery elsewhere (a private broker, no eager tasks) must put it
    back: the next test in this process would otherwise queue its tasks where nothing runs
    them. Fails the leaking test, and restores the configuration for the next one."""
    from academy.celery import app

    keys = ("task_always_eager", "broker_url", "broker_write_url", "task_default_queue")
    before = {key: app.conf[key] for key in keys}
    yield
    after = {key: app.conf[key] for key in keys}
    if after != before:
        app.conf.update(before)
        pytest.fail(f"the test left Celery's configuration changed: {after}, was {before}")


@pytest.fixture
def english():
    """Run a test's service calls in English, for assertions on the source wording.

    Only for tests that do not reverse() URLs under it: i18n URLs would get the /en/ prefix.
    """
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def postgres(db):
    """Use in tests that need PostgreSQL's locking and constraints."""
    if connection.vendor != "postgresql":
        services.missing("PostgreSQL not configured (set DATABASE_URL=postgres://...)")
    return connection


@pytest.fixture
def broker(db):
    return BrokerFactory()


@pytest.fixture
def trainer(db):
    return UserFactory(roles=["trainer"])


@pytest.fixture
def auditor(db):
    return UserFactory(roles=["auditor"])


@pytest.fixture
def admin_user(db):
    return UserFactory(roles=["admin"])


@pytest.fixture
def mfa_enrolled():
    """Give a user a TOTP authenticator so that the staff MFA requirement is met."""
    from tests.factories import totp_enrol

    return totp_enrol
