"""Fixtures of the fault tests: private Redis and PostgreSQL instances they may break.

Nothing here touches the shared PostgreSQL on 5432 or Redis on 6379 beyond the test database
pytest-django creates: the servers a test stops or restarts are its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests import services
from tests.faults.processes import PostgresCluster, RedisServer, postgres_bin_dir


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own, started; the test may stop and restart it."""
    if not shutil.which("redis-server"):
        services.missing("redis-server is not installed: the Redis fault test starts a "
                         "private one")
    redis = RedisServer()
    try:
        redis.start()
        yield redis
    finally:
        redis.cleanup()


@pytest.fixture
def private_postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of this test's own (initdb in a temporary folder), started."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        services.missing("PostgreSQL server binaries (initdb, pg_ctl) not found: the restart "
                         "test runs a private cluster")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        services.missing("runuser not found: as root, the private cluster runs as the postgres "
                         "user through it")
    cluster = PostgresCluster(bin_dir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.cleanup()
