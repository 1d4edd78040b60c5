"""Celery workers a test kills with SIGKILL and starts again, and PostgreSQL sessions that hold
the locks which stop a worker exactly where the test wants it.

``killable_workers`` runs real ``celery -A academy worker`` processes (solo pool) on the test's
PostgreSQL database and on a Redis of the test's own. The tasks are ``acks_late``: a message a
killed worker had taken stays in Redis's "unacked" index and goes back to its queue once the
visibility timeout has passed since delivery. These workers run with a visibility timeout of
``VISIBILITY_SECONDS`` and look for such messages every second (``CELERY_VISIBILITY_TIMEOUT``
and ``CELERY_UNACKED_RESTORE_SECONDS``, academy/settings/celery.py), so a redelivery takes
seconds instead of an hour. With so short a timeout a worker would also hand back other
test runs' messages still being worked on, hence the private ``redis-server``.

Nothing in the production code knows about these tests: a worker is stopped at a chosen
statement by a lock a ``PgSession`` of the test holds (a row, a table), and the test knows it
is there by asking PostgreSQL (``pg_blocking_pids``) instead of sleeping.

Import the fixture into a test module: ``from tests.flows.workers import killable_workers``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from django.db import connection, models
from psycopg import sql

from tests import services
from tests.flows.conftest import (
    BASE_DIR,
    WorkerProcess,
    celery_pools_forget,
    database_url,
    wait_for,
    worker_env,
)

VISIBILITY_SECONDS = 4
WORKER_START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """``redis-server`` on a free port, without persistence, for one test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), 0.5):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@dataclass
class Workers:
    """Start, SIGKILL and restart Celery workers consuming one queue of this test's."""

    env: dict[str, str]
    queue: str
    redis: PrivateRedis
    media_root: Path
    started: list[WorkerProcess] = field(default_factory=list)

    def start(self, name: str = "worker") -> WorkerProcess:
        """A new worker process, returned once it consumes (its log says "ready")."""
        log_path = Path(tempfile.mkstemp(prefix=f"celery-{name}-", suffix=".log")[1])
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "academy", "worker", "--pool=solo",
                 "--loglevel=INFO", f"--hostname={name}-{self.queue}@%h", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", f"--queues={self.queue}"],
                cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        worker = WorkerProcess(process=process, log_path=log_path, queue=self.queue,
                               cache_url=self.redis.url, cache_prefix=self.queue)
        self.started.append(worker)
        wait_for(lambda: " ready." in worker.log(), timeout=WORKER_START_SECONDS, worker=worker,
                 what=f"worker {name} to be ready")
        return worker

    def kill(self, worker: WorkerProcess) -> None:
        """SIGKILL: no clean-up, no acknowledgement, the database connection just drops."""
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait(10)
        assert worker.process.returncode == -signal.SIGKILL

    def idle(self) -> bool:
        """Nothing queued and nothing taken but unacknowledged: every message was done."""
        client = self.redis.client()
        try:
            return client.llen(self.queue) == 0 and client.hlen("unacked") == 0
        finally:
            client.close()

    def wait_idle(self, worker: WorkerProcess, *, timeout: float = 60) -> None:
        wait_for(self.idle, timeout=timeout, worker=worker,
                 what="the queue to be empty and every message acknowledged")

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.process.poll() is None:
                worker.process.terminate()
                try:
                    worker.process.wait(20)
                except subprocess.TimeoutExpired:
                    worker.process.kill()
                    worker.process.wait(10)
            worker.log_path.unlink(missing_ok=True)


@contextlib.contextmanager
def celery_sending_to(broker_url: str, queue: str) -> Iterator[None]:
    """This process's ``.delay()`` goes to ``queue`` on ``broker_url`` (not run eagerly)."""
    from academy.celery import app

    keys = ("broker_url", "broker_write_url", "task_always_eager", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=broker_url, broker_write_url=None, task_always_eager=False,
                    task_default_queue=queue)
    celery_pools_forget()
    try:
        yield
    finally:
        app.conf.update(saved)
        celery_pools_forget()



@pytest.fixture
def killable_workers(django_db_setup, django_db_blocker, settings, tmp_path) -> Iterator[Workers]:
    """Workers this test may kill, on a private Redis; this process sends its tasks there.

    The workers and this process share the signing key and the media folder (files on disk),
    so what a worker renders the test can read. Start workers with ``.start()``; set extra
    variables in ``.env`` before.
    """
    if not shutil.which("redis-server"):
        services.missing("redis-server is not installed: the kill tests run a private Redis")
    with django_db_blocker.unblock():
        settings_dict = dict(connection.settings_dict)
        vendor = connection.vendor
    if vendor != "postgresql":
        services.missing("PostgreSQL not configured (set DATABASE_URL=postgres://...): the "
                         "workers must reach the test database, and the tests use its locks")
    from certificates.credentials import signing as credentials

    redis = PrivateRedis()
    redis.start()
    queue = f"kill-{uuid.uuid4().hex[:12]}"
    media_root = tmp_path / "media"
    media_root.mkdir()
    key_path = tmp_path / "keys" / "signing-ed25519.pem"
    env = worker_env(
        settings_dict, redis_url=redis.url, queue=queue, cache_prefix=queue,
        DJANGO_SETTINGS_MODULE="tests.flows.worker_settings",
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS),
        CELERY_UNACKED_RESTORE_SECONDS="1",
        ACADEMY_TEST_MEDIA_ROOT=str(media_root),
        SIGNING_KEY_PATH=str(key_path),
        SIGNING_KEY_AUTOCREATE="1",
    )
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": redis.url, "KEY_PREFIX": queue}}
    settings.MEDIA_ROOT = str(media_root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(media_root)}},
    }
    settings.ACADEMY_SIGNING_KEY_PATH = str(key_path)
    settings.ACADEMY_SIGNING_KEY_AUTOCREATE = True
    credentials._cache.clear()
    workers = Workers(env=env, queue=queue, redis=redis, media_root=media_root)
    try:
        with celery_sending_to(redis.url, queue):
            yield workers
    finally:
        # Stop them before pytest-django flushes the database they are connected to.
        workers.stop_all()
        redis.stop()
        credentials._cache.clear()


# --- PostgreSQL: holding locks, and seeing who waits for them ------------------------------------


class PgSession:
    """A session of the test's own on the test database, in one open transaction: the locks
    it takes are held until ``release()``. ``pid`` is its server process."""

    def __init__(self) -> None:
        self.conn = psycopg.connect(database_url(connection.settings_dict))
        self.pid: int = self.conn.info.backend_pid
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def run(self, query: str | sql.Composable, params: tuple | list = ()) -> list[tuple]:
        cursor = self.conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []

    def lock_rows(self, model: type[models.Model], **where: object) -> int:
        """``SELECT ... FOR UPDATE`` the rows of ``model`` whose columns equal ``where``."""
        query = sql.SQL("SELECT 1 FROM {} WHERE {} FOR UPDATE").format(
            sql.Identifier(model._meta.db_table),
            sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(column))
                                  for column in where))
        count = len(self.run(query, list(where.values())))
        assert count, f"no {model.__name__} row where {where} to lock"
        return count

    def lock_table_waiting(self, model: type[models.Model], mode: str) -> None:
        """``LOCK TABLE`` in ``mode`` (e.g. ``"EXCLUSIVE"``), in a thread: the lock may have
        to wait for a transaction in progress; ``done()`` says when it is granted."""
        assert mode in {"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}
        self.run_waiting(sql.SQL("LOCK TABLE {} IN " + mode + " MODE").format(
            sql.Identifier(model._meta.db_table)))

    def run_waiting(self, query: str | sql.Composable, params: tuple | list = ()) -> None:
        """Run ``query`` in a thread: for a lock this session has to queue for."""

        def target() -> None:
            try:
                self.run(query, params)
            except BaseException as exc:  # noqa: BLE001 - reported by done()
                self._error = exc

        self._thread = threading.Thread(target=target, daemon=True)
        self._thread.start()

    def done(self) -> bool:
        """Whether the statement given to ``run_waiting`` has finished (raising its error)."""
        if self._thread is not None and self._thread.is_alive():
            return False
        if self._error is not None:
            raise self._error
        return True

    def release(self) -> None:
        if self._thread is not None:
            self._thread.join(30)
        self.conn.rollback()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.release()
        self.conn.close()


@pytest.fixture
def pg_session() -> Iterator[type[PgSession]]:
    """``pg_session()`` opens a lock-holding session; all are closed when the test ends."""
    opened: list[PgSession] = []

    def open_session() -> PgSession:
        session = PgSession()
        opened.append(session)
        return session

    try:
        yield open_session  # type: ignore[misc]
    finally:
        for session in opened:
            session.close()


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def sessions_blocked_by(pid: int) -> list[tuple[int, str]]:
    """(pid, statement) of the sessions waiting for a lock ``pid`` holds, directly or behind
    another waiter (the second of two sessions after one row waits for the first)."""
    return _rows(
        "WITH RECURSIVE waiting(pid) AS ("
        " SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
        " UNION SELECT a.pid FROM pg_stat_activity a JOIN waiting w"
        " ON w.pid = ANY(pg_blocking_pids(a.pid))) "
        "SELECT pid, query FROM pg_stat_activity WHERE pid IN (SELECT pid FROM waiting) "
        "ORDER BY pid", [pid])


def wait_blocked_by(pid: int, *, worker: WorkerProcess, what: str, count: int = 1,
                    timeout: float = 60) -> list[tuple[int, str]]:
    """Wait until ``count`` sessions wait for a lock ``pid`` holds; returns them."""
    return wait_for(lambda: (found := sessions_blocked_by(pid)) and len(found) >= count and found,
                    timeout=timeout, worker=worker, what=what)  # type: ignore[return-value]


def relations_locked_by(pid: int) -> set[tuple[str, str]]:
    """(table, lock mode) of the table locks session ``pid`` holds."""
    return set(_rows("SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c "
                     "ON c.oid = l.relation WHERE l.pid = %s AND l.granted AND c.relkind = 'r'",
                     [pid]))


def relation_waited_for(pid: int) -> tuple[str, str] | None:
    """(table, lock mode) session ``pid`` is waiting to lock, if it waits for a table lock."""
    rows = _rows("SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                 "WHERE l.pid = %s AND NOT l.granted", [pid])
    return rows[0] if rows else None


def wait_session_gone(pid: int, *, timeout: float = 30) -> None:
    """Wait until server process ``pid`` has ended (a killed worker's orphaned session ends,
    rolling back, as soon as it finds its client gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _rows("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]):
            return
        time.sleep(0.1)
    pytest.fail(f"PostgreSQL session {pid} of the killed worker is still there after {timeout}s")
