"""Reading the bureau's figures from a read replica, when one is configured.

The auditor's pages only read, and they read large aggregates that may be a few seconds old:
with ``DATABASE_REPLICA_URL`` set, the queries made inside ``reads_from_replica()`` go to the
``replica`` database instead of the primary. Nothing else moves: every write, every
``select_for_update()`` and every read outside that block (the login, the role check, a page
that shows what it has just saved) stays on the primary, so nobody reads a row older than
their own change. Without a replica, ``reads_from_replica()`` changes nothing.

The replica is a streaming copy of the primary (docs/OPERATIONS.md); Django never migrates it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("academy_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def read_alias() -> str:
    """The database the current reads go to: the replica inside ``reads_from_replica()``
    (when there is one), else the primary."""
    if _replica_reads.get() and replica_configured():
        return REPLICA
    return DEFAULT_DB_ALIAS


@contextmanager
def reads_from_replica() -> Iterator[None]:
    """Send the enclosed reads to the replica; usable as a decorator of a view that only
    reads. Each call (each request, each thread) has its own state."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: reads inside ``reads_from_replica()`` go to the replica,
    every write to the primary (also for a row that was read from the replica)."""

    def db_for_read(self, model, **hints) -> str | None:
        alias = read_alias()
        return alias if alias != DEFAULT_DB_ALIAS else None

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica holds the primary's rows: a row read from either relates to any other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db != REPLICA
