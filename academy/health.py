"""Health of the parts the product needs: database, Celery broker, a live worker."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections

from academy import db

HEARTBEAT_KEY = "academy:worker-heartbeat"

# Checks that apps above this one add (``health_check_register``): name → function returning
# a dict with at least ``ok``.
_registered: dict[str, Callable[[], dict[str, Any]]] = {}


def health_check_register(name: str, check: Callable[[], dict[str, Any]]) -> None:
    """Add ``check`` to /healthz under ``name`` (an app's own component, e.g. its key)."""
    _registered[name] = check


def heartbeat_write() -> float:
    """Record that a worker is alive (called by a periodic task)."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=settings.ACADEMY_HEARTBEAT_SECONDS * 10)
    return now


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _check_replica() -> dict[str, Any]:
    """The read replica of the auditor's pages: reachable, and how old its newest replayed
    transaction is (on a quiet primary that age grows without any lag: it is reported, and
    only an unreachable replica counts as a failure)."""
    replica = connections[db.REPLICA]
    try:
        with replica.cursor() as cursor:
            if replica.vendor == "postgresql":
                cursor.execute("SELECT pg_is_in_recovery(), "
                               "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
                in_recovery, age = cursor.fetchone()
            else:
                cursor.execute("SELECT 1")
                in_recovery, age = None, None
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "standby": in_recovery,
            "replayed_seconds_ago": None if age is None else round(float(age), 1)}


def _check_broker() -> dict[str, Any]:
    from academy.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "transport": str(transport)}


def _check_worker() -> dict[str, Any]:
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}
    if beat is None:
        return {"ok": False, "error": "no heartbeat yet"}
    age = time.time() - float(beat)
    limit = settings.ACADEMY_HEARTBEAT_SECONDS * 3
    return {"ok": age <= limit, "age_seconds": round(age, 1), "limit_seconds": limit}


def health_report() -> dict[str, Any]:
    """Each component's state and an overall ``ok``."""
    checks = {
        "database": _check_database(),
        "broker": _check_broker(),
        "worker": _check_worker(),
    }
    if db.replica_configured():
        checks["replica"] = _check_replica()
    for name, check in _registered.items():
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001 - a failing check reports, never raises
            checks[name] = {"ok": False, "error": exc.__class__.__name__}
    return {"ok": all(c["ok"] for c in checks.values()), **checks}
