"""The SQL of certificates that differs between PostgreSQL and the other databases (SQLite
in ``make run`` and most tests), in one place so that callers make no vendor test.

Each function does the same job everywhere; on PostgreSQL it uses what only PostgreSQL has
(sequences to reserve ids, per-transaction planner settings), elsewhere it does without. The
test suite runs on both, so both branches run in CI.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection, connections, models, transaction


def ids_reserve(model: type[models.Model], count: int) -> list[int] | None:
    """``count`` ids of ``model``'s table taken from its sequence (PostgreSQL), so that rows
    can be complete before their one INSERT; None where the database has no sequences. A
    rolled-back transaction leaves unused ids, as any insert does: ids need not be gap-free
    (serials are)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                       "FROM generate_series(1, %s)",
                       [model._meta.db_table, model._meta.pk.column, count])
        return [row[0] for row in cursor.fetchall()]


@contextlib.contextmanager
def large_aggregate(using: str = "default") -> Iterator[None]:
    """One transaction with PostgreSQL's JIT off and room to aggregate in memory: the
    readiness statement aggregates every source table whole (one row per broker in each hash
    table), which spills to disk with the default 4 MB ``work_mem`` at 100,000 brokers, and
    whose estimated cost makes JIT compile for longer than the query runs. Elsewhere: nothing
    to tune."""
    database = connections[using]
    if database.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using), database.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        yield
