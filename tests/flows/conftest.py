"""A real Celery worker for the cross-app stories that must go through the broker.

``celery_worker`` starts ``celery -A academy worker`` in a subprocess against Redis and the
test's PostgreSQL database (an in-memory SQLite test database cannot be shared with another
process). The worker gets a queue and a cache key prefix of its own, so test runs sharing one
Redis never take each other's tasks. Tests using it must be
``@pytest.mark.django_db(transaction=True)`` so that what they write is committed and
visible to the worker. The rows the migrations seed (levels, regions, role groups) come back
after the flush that ends such a test through post_migrate (``academy.seeding``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests import services

BASE_DIR = Path(__file__).resolve().parent.parent.parent
WORKER_START_SECONDS = 60


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL naming the same (test) database as ``settings_dict``."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def worker_env(settings_dict: dict, *, redis_url: str, queue: str, cache_prefix: str,
               **extra: str) -> dict[str, str]:
    """The environment of a worker on the test database, consuming ``queue`` on ``redis_url``
    (also its cache, under ``cache_prefix``); ``extra`` adds or overrides variables."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "academy.settings.test",
        "DATABASE_URL": database_url(settings_dict),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "ACADEMY_TEST_CACHE_URL": redis_url,
        "ACADEMY_TEST_CACHE_PREFIX": cache_prefix,
        "ACADEMY_TEST_CELERY_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log_path: Path
    queue: str
    cache_url: str
    cache_prefix: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]


def wait_for(condition: Callable[[], object], *, timeout: float, worker: WorkerProcess,
             what: str) -> object:
    """Poll ``condition`` until it returns something truthy; fail with the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if worker.process.poll() is not None:
            pytest.fail(f"the Celery worker exited ({worker.process.returncode}) while "
                        f"waiting for {what}:\n{worker.log()}")
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}; worker log:\n{worker.log()}")


def wait_drained(worker: WorkerProcess, *, timeout: float = 60) -> None:
    """Wait until the worker has done every task queued so far, and every task those queued
    in turn: a duplicate delivery has then been processed too, and a test can count rows.

    The solo worker takes its queue in order, so once a heartbeat task queued now has written
    the heartbeat, everything queued before it is done; repeated until nothing new is queued.
    Needs the test's cache to be the worker's (the ``celery_worker`` fixture sets it).
    """
    import redis
    from django.core.cache import cache

    from academy.health import HEARTBEAT_KEY
    from academy.tasks import worker_heartbeat

    client = redis.Redis.from_url(worker.cache_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            cache.delete(HEARTBEAT_KEY)
            worker_heartbeat.delay()
            wait_for(lambda: cache.get(HEARTBEAT_KEY),
                     timeout=max(deadline - time.monotonic(), 1), worker=worker,
                     what="the tasks queued before a heartbeat to be done")
            if client.llen(worker.queue) == 0:
                return
    finally:
        client.close()


def celery_pools_forget() -> None:
    """Close and forget every broker connection and producer pool of this process.

    kombu keeps one pool per broker address in a registry for the whole process, and Celery
    caches the app's; a pool closed but left there answers "Acquire on closed pool" to whoever
    sends to that address next (a later test on the same port, or the shared Redis). After
    this, the next ``.delay()`` builds fresh pools for whatever ``broker_url`` is then.
    """
    from kombu import pools

    from academy.celery import app

    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture(scope="module")
def _worker_process(django_db_setup, django_db_blocker) -> Iterator[WorkerProcess]:
    redis_url = services.redis_url()
    if not redis_url:
        services.missing("Redis not reachable (set REDIS_URL=redis://...) for a real worker")
    with django_db_blocker.unblock():
        settings_dict = dict(connection.settings_dict)
        vendor = connection.vendor
    if vendor != "postgresql":
        services.missing("PostgreSQL not configured (set DATABASE_URL=postgres://...): "
                         "the worker must reach the test database")
    run_id = uuid.uuid4().hex[:12]
    worker = WorkerProcess(
        process=None,  # type: ignore[arg-type]
        log_path=Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1]),
        queue=f"test-{run_id}",
        cache_url=redis_url,
        cache_prefix=f"academy-test-{run_id}",
    )
    env = worker_env(settings_dict, redis_url=redis_url, queue=worker.queue,
                     cache_prefix=worker.cache_prefix)
    with worker.log_path.open("w") as log:
        worker.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "academy", "worker",
             "--pool=solo", "--loglevel=INFO", f"--hostname={worker.queue}@%h",
             "--without-gossip", "--without-mingle", f"--queues={worker.queue}"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield worker
    finally:
        # Stop it before pytest-django drops the test database it is connected to.
        worker.process.terminate()
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=10)
        worker.log_path.unlink(missing_ok=True)
        _queue_delete(redis_url, worker.queue)


def _queue_delete(broker_url: str, queue: str) -> None:
    """Remove this run's queue and its bindings from Redis (best effort)."""
    from kombu import Connection

    # Leftovers are harmless; failing a passed test over them is not.
    with contextlib.suppress(Exception), Connection(broker_url, connect_timeout=2) as conn:
        conn.default_channel.queue_delete(queue)
        conn.default_channel.client.delete(
            f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


@pytest.fixture
def celery_worker(_worker_process: WorkerProcess, settings) -> Iterator[WorkerProcess]:
    """The running worker, with this test process sending to it and sharing its cache.

    Tasks are no longer run eagerly here: ``.delay()`` goes through Redis to the worker.
    Waits until the worker is ready (it writes the heartbeat on ``worker_ready``).
    """
    from academy.celery import app
    from academy.health import HEARTBEAT_KEY

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _worker_process.cache_url,
            "KEY_PREFIX": _worker_process.cache_prefix,
        }
    }
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.task_always_eager = False
    app.conf.task_default_queue = _worker_process.queue
    celery_pools_forget()  # fresh connections to the shared Redis, whatever ran before
    try:
        from django.core.cache import cache

        wait_for(lambda: cache.get(HEARTBEAT_KEY), timeout=WORKER_START_SECONDS,
                 worker=_worker_process, what="the worker to be ready")
        yield _worker_process
    finally:
        # The worker outlives the test (one per module), but the test's rows do not: let it
        # finish what the test queued (a task still in a transaction when the database is
        # flushed deadlocks the flush), as far as it still runs.
        if _worker_process.process.poll() is None:
            with contextlib.suppress(pytest.fail.Exception):
                wait_drained(_worker_process, timeout=60)
        for key, value in saved.items():
            app.conf[key] = value
