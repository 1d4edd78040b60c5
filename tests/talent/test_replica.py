"""With a read replica configured, the auditor's pages read their figures and lists from it,
while the login, the role check and every write (the audit event of an export) stay on the
primary. Here the "replica" is a second connection to the test database under another
``application_name`` (what a hot standby looks like to Django: another connection that only
reads), added the way settings would add it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from academy.db import (
    REPLICA,
    ReplicaRouter,
    read_alias,
    reads_from_replica,
    replica_configured,
)
from academy.health import health_report
from academy.people.models import BrokerProfile
from tests import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica(transactional_db, monkeypatch):
    """A "replica" connection to the test database, opened by hand: Django's test case only
    lets a test use the aliases configured when it started, and settings cannot add one."""
    from django.db.utils import load_backend

    from academy import db

    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        services.missing("PostgreSQL not configured (set DATABASE_URL=postgres://...)")
    settings_dict = {**primary.settings_dict,
                     "OPTIONS": {"options": "-c application_name=academy-replica"}}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, REPLICA)
    setattr(connections._connections, REPLICA, wrapper)
    monkeypatch.setattr(db, "replica_configured", lambda: True)
    try:
        yield wrapper
    finally:
        wrapper.close()
        delattr(connections._connections, REPLICA)


def _sql(ctx: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"] for q in ctx.captured_queries)


def _both(client, url, params=None):
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(connections[REPLICA]) as replica:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:500]
    return response, _sql(primary), _sql(replica)


def test_the_replica_is_really_another_connection(replica):
    with replica.cursor() as cursor:
        cursor.execute("SELECT current_setting('application_name')")
        assert cursor.fetchone() == ("academy-replica",)


def test_the_broker_list_and_its_export_read_the_replica_and_write_the_primary(
        replica, population, bureau_client):
    response, primary, on_replica = _both(bureau_client, "/talent/brokers/",
                                          {"region": population.region_a.code})
    assert "people_brokerprofile" in on_replica
    assert "people_brokerprofile" not in primary
    # The logged-in user (and their roles, when not cached) were read from the primary.
    assert 'FROM "people_user"' in primary

    response, primary, on_replica = _both(bureau_client, "/talent/brokers/", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "people_brokerprofile" in on_replica
    assert 'INSERT INTO "audit_auditevent"' in primary  # the export is audited on the primary
    assert "INSERT" not in on_replica and "UPDATE" not in on_replica


def test_the_dashboard_figures_and_the_api_lists_read_the_replica(
        replica, population, bureau_client):
    cache.clear()
    response, primary, on_replica = _both(bureau_client, "/talent/")
    assert "talent_funnel" in on_replica and "talent_funnel" not in primary
    assert "SET LOCAL jit = off" in on_replica

    for url in ("/api/v1/talent-pool/brokers/", "/api/v1/talent-pool/results/",
                "/api/v1/talent-pool/certificates/"):
        response, primary, on_replica = _both(bureau_client, url)
        assert on_replica, url
        assert "people_brokerprofile" not in primary or url.endswith("/certificates/")


def test_a_dossier_reads_the_replica(replica, population, bureau_client):
    broker = population.brokers["b1"]
    response, primary, on_replica = _both(bureau_client, f"/talent/brokers/{broker.pk}/")
    assert broker.full_name in response.content.decode()
    assert "people_brokerprofile" in on_replica


def test_a_row_read_from_the_replica_is_saved_to_the_primary(replica, population):
    with reads_from_replica():
        assert read_alias() == REPLICA
        profile = BrokerProfile.objects.first()
    assert profile._state.db == REPLICA
    assert read_alias() == DEFAULT_DB_ALIAS
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(connections[REPLICA]) as on_replica:
        profile.phone = "13800000000"
        profile.save(update_fields=["phone"])
    assert "UPDATE" in _sql(primary) and not on_replica.captured_queries


def test_health_reports_the_replica(replica):
    report = health_report()
    assert report["replica"]["ok"] is True
    assert report["replica"]["standby"] is False  # a connection to the primary, in this test


def test_without_a_replica_nothing_moves():
    assert REPLICA not in connections.settings
    assert not replica_configured()
    with reads_from_replica():
        assert read_alias() == DEFAULT_DB_ALIAS
    router = ReplicaRouter()
    assert router.db_for_read(BrokerProfile) is None
    assert router.db_for_write(BrokerProfile) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA, "people") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "people") is True
    assert "replica" not in health_report()
