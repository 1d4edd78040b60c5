"""The talent pool's database-specific statements, behind functions that callers use
whatever the database (the only place in the app that asks which one it is)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

from academy.db import read_alias


@contextmanager
def without_jit() -> Iterator[None]:
    """Run the enclosed queries in one transaction with PostgreSQL's JIT compiler off and
    room to aggregate in memory (nothing to change on SQLite).

    The figures are large aggregates whose estimated cost passes ``jit_above_cost``; JIT then
    spends seconds compiling what takes a fraction of that to run. Their hash tables (one
    row per broker) outgrow the default 4 MB ``work_mem`` and spill to disk at 100,000
    brokers (measured by bench/dashboard.py). ``SET LOCAL`` ends with the transaction.
    """
    alias = read_alias()
    if connections[alias].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        yield
