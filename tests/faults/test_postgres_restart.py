"""PostgreSQL restarts while brokers save answers: every acknowledged answer is kept.

gunicorn serves the project against a private PostgreSQL cluster; a few brokers save answers
in a loop through the real endpoint (``PUT /api/v1/attempts/<id>/answers/<item>/``), one at a
time each, and retry a failed save exactly as the exam page does (static/exams/exam.js keeps
the answer and sends it again after a pause: on a connection error, a 5xx, a 401/403/429).
Half-way the cluster is restarted twice: cleanly (``pg_ctl restart -m fast``, connections
terminated) and as a crash (``-m immediate``, recovery from the write-ahead log). Afterwards
every answer the server acknowledged is in the database with its last client_ts and value.

Persistent connections (CONN_MAX_AGE) with CONN_HEALTH_CHECKS, as the settings configure
them, mean a worker notices its dead connection and opens a new one; no restart of gunicorn.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import threading
import time
from dataclasses import dataclass, field

import psycopg
import pytest

from tests.faults.processes import BASE_DIR, PYTHON, Browser, Gunicorn, wait_until

pytestmark = [pytest.mark.postgres]

BROKERS = 4
SAVES_BEFORE_FIRST_RESTART = 40
SAVES_BETWEEN = 40
SAVES_AFTER_LAST_RESTART = 40
RETRY_PAUSES = (0.1, 0.2, 0.5, 1.0, 2.0)  # exam.js backs off similarly, capped


@dataclass
class Ledger:
    """What the server acknowledged, and what went wrong on the way (shared by threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: dict[tuple[int, int], tuple[int, object]] = field(default_factory=dict)
    saves: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    longest_outage: float = 0.0
    unexpected: list[str] = field(default_factory=list)

    def ack(self, attempt_id: int, item_id: int, ts: int, value: object) -> None:
        with self.lock:
            self.acked[(attempt_id, item_id)] = (ts, value)
            self.saves += 1

    def failed(self, kind: str) -> None:
        with self.lock:
            self.failures[kind] = self.failures.get(kind, 0) + 1


def _value(qtype: str, rng: random.Random) -> object:
    if qtype == "single":
        return rng.choice("ABCD")
    if qtype == "multiple":
        return sorted(rng.sample("ABCD", rng.randint(1, 4)))
    return f"技术经纪人答案 {rng.random():.12f}"


def _examinee(browser: Browser, attempt_id: int, items: list, ledger: Ledger,
              stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    last_ts = 0
    while not stop.is_set():
        item_id, qtype = rng.choice(items)
        value = _value(qtype, rng)
        last_ts = max(int(time.time() * 1000), last_ts + 1)
        path = f"/api/v1/attempts/{attempt_id}/answers/{item_id}/"
        body = {"value": value, "client_ts": last_ts}
        failing_since = None
        tries = 0
        while True:  # the page never drops an answer: it retries until the server takes it
            try:
                status, payload = browser.json("PUT", path, body)
            except OSError as exc:
                status, payload = None, {"error": type(exc).__name__}
            if status == 200:
                if payload.get("saved"):
                    ledger.ack(attempt_id, item_id, last_ts, value)
                else:
                    ledger.unexpected.append(f"not saved: {payload}")
                break
            if status is not None and status < 500 and status not in (401, 403, 429):
                ledger.unexpected.append(f"HTTP {status}: {payload}")  # 400/404/409: a bug
                break
            ledger.failed(f"HTTP {status}" if status else payload["error"])
            failing_since = failing_since or time.monotonic()
            time.sleep(RETRY_PAUSES[min(tries, len(RETRY_PAUSES) - 1)])
            tries += 1
        if failing_since is not None:
            with ledger.lock:
                ledger.longest_outage = max(ledger.longest_outage,
                                            time.monotonic() - failing_since)


def test_every_acknowledged_answer_survives_postgres_restarts(private_postgres):
    cluster = private_postgres
    admin = psycopg.connect(cluster.url(), autocommit=True)
    admin.execute("CREATE DATABASE academy")
    admin.close()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ACADEMY_TEST_", "REDIS_URL", "CELERY_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "academy.settings.test",
                "DATABASE_URL": cluster.url("academy"), "PYTHONUNBUFFERED": "1"})
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=BASE_DIR,
                   env=env, check=True, timeout=300)
    seeded = json.loads(subprocess.run(
        [PYTHON, "-m", "tests.faults.seed_exam", "--brokers", str(BROKERS)], cwd=BASE_DIR,
        env=env, check=True, timeout=120, capture_output=True, text=True).stdout)

    web = Gunicorn(env, workers=2)
    ledger = Ledger()
    stop = threading.Event()
    threads = []
    try:
        web.start()
        for n, examinee in enumerate(seeded):
            browser = Browser(web.port, session_key=examinee["session_key"],
                              csrf=f"{n:02d}" + "c" * 30)
            threads.append(threading.Thread(
                target=_examinee, daemon=True,
                args=(browser, examinee["attempt_id"], examinee["items"], ledger, stop, n)))
        for thread in threads:
            thread.start()

        logs = lambda: web.log() + "\n" + cluster.log()  # noqa: E731
        target = SAVES_BEFORE_FIRST_RESTART
        for mode in ("fast", "immediate"):
            wait_until(lambda t=target: ledger.saves >= t, timeout=120, log=logs,
                       what=f"{target} acknowledged saves")
            cluster.restart(mode)
            target = ledger.saves + SAVES_BETWEEN
        target = ledger.saves + SAVES_AFTER_LAST_RESTART
        wait_until(lambda: ledger.saves >= target, timeout=120, log=logs,
                   what="saves to go on after the restarts")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        web.cleanup()

    assert not ledger.unexpected, ledger.unexpected[:5]
    # The restarts did hit requests in flight or arriving (else this proves nothing) ...
    assert sum(ledger.failures.values()) > 0, "no save failed: the restarts were not felt"
    # ... and the service came back by itself, quickly.
    assert ledger.longest_outage < 30, ledger.longest_outage

    with psycopg.connect(cluster.url("academy")) as conn:
        stored = {(a, i): (ts, value) for a, i, ts, value in conn.execute(
            "SELECT attempt_id, item_id, client_ts, value FROM exams_answer")}
    lost = [key for key, (ts, value) in ledger.acked.items()
            if stored.get(key) != (ts, value)]
    assert lost == [], (f"{len(lost)} of {len(ledger.acked)} acknowledged answers lost or "
                        f"older: {lost[:5]}")
    print(f"\n{ledger.saves} saves acknowledged, {len(ledger.acked)} answers checked, "
          f"0 lost; failed requests retried: {ledger.failures}; longest wait "
          f"{ledger.longest_outage:.1f}s")
