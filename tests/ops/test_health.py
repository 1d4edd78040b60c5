"""/healthz: JSON with database, broker and worker heartbeat; 200 only when all are fine."""

import time

import pytest
from django.core.cache import cache
from django.db import OperationalError

from academy import health
from academy.health import HEARTBEAT_KEY, heartbeat_write
from academy.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_heartbeat():
    cache.delete(HEARTBEAT_KEY)
    yield
    cache.delete(HEARTBEAT_KEY)


def test_healthz_is_503_without_a_worker_heartbeat(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    report = response.json()
    assert report["ok"] is False
    assert report["worker"] == {"ok": False, "error": "no heartbeat yet"}
    assert report["database"]["ok"] is True
    assert report["broker"]["ok"] is True


def test_healthz_is_200_with_a_fresh_heartbeat_and_a_reachable_broker(client):
    heartbeat_write()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["ok"] is True


def test_healthz_reports_each_component_as_json(client):
    heartbeat_write()

    response = client.get("/healthz")

    assert response["Content-Type"] == "application/json"
    report = response.json()
    assert set(report) == {"ok", "database", "broker", "worker", "signing_key"}
    assert set(report["database"]) == {"ok", "vendor"}
    assert set(report["broker"]) == {"ok", "transport"}
    assert set(report["worker"]) == {"ok", "age_seconds", "limit_seconds"}
    assert report["worker"]["age_seconds"] < 5


def test_heartbeat_task_makes_healthz_green(client):
    # Eager in the test settings: the same code a worker runs on the beat schedule.
    worker_heartbeat.delay()

    assert client.get("/healthz").status_code == 200


def test_healthz_is_503_when_the_heartbeat_is_older_than_three_intervals(client, settings):
    settings.ACADEMY_HEARTBEAT_SECONDS = 30
    cache.set(HEARTBEAT_KEY, time.time() - 91)

    response = client.get("/healthz")

    assert response.status_code == 503
    worker = response.json()["worker"]
    assert worker["ok"] is False
    assert worker["limit_seconds"] == 90
    assert worker["age_seconds"] >= 91


class _BrokenConnection:
    vendor = "postgresql"

    def cursor(self):
        raise OperationalError("could not connect to server")


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    heartbeat_write()
    monkeypatch.setattr(health, "connection", _BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    report = response.json()
    assert report["ok"] is False
    assert report["database"] == {"ok": False, "error": "OperationalError"}
    assert report["worker"]["ok"] is True


def test_healthz_is_503_when_the_broker_is_unreachable(client, monkeypatch):
    from kombu import Connection

    from academy.celery import app

    heartbeat_write()
    # Nothing listens on port 9 on the loopback interface.
    monkeypatch.setattr(
        app, "connection_for_write",
        lambda: Connection("redis://127.0.0.1:9/0", connect_timeout=1),
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_healthz_needs_no_login(client):
    heartbeat_write()

    response = client.get("/healthz")

    assert response.status_code == 200  # not a redirect to the login page
