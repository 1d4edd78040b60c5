#!/usr/bin/env python
"""Benchmark of the exam's answer-save endpoint against PostgreSQL through gunicorn.

    make bench                       # or: .venv/bin/python bench/exam_save.py --help
    .venv/bin/python bench/exam_save.py --brokers 300 --ramp 20 --steady 20 --saturate 10
                                     # a short run at reduced scale (--reuse: same database)

What it does, in one run (about 4 minutes on a 2-core machine):

1. Creates the database ``academy_bench`` afresh (``BENCH_DATABASE_URL``), migrates it, and
   creates an open sitting with a fixed paper, N brokers (default 2,000) with a logged-in
   session each (session rows written directly, the CSRF cookie and header as the exam page
   sends them) and an attempt each, started through ``exams.services.attempts.attempt_start``.
2. Starts gunicorn on ``academy.wsgi`` with ``bench.settings`` (the production settings: every
   middleware, session authentication, CSRF, the role check, the service's upsert, Redis as
   the cache of sessions and access facts when one answers (``--redis-url``); only TLS
   redirects off), warms every worker up, and replays the exam morning's load shape: every examinee
   starts within the first minute (``--ramp``) and then saves an answer every 15 s on average
   (exponential gaps, ``--think``), for ``--steady`` seconds more. The load is open-loop and
   comes from ``--client-processes`` processes: send times are drawn in advance and latency
   counts from them (see "Load" below). p50/p99 latency, errors, saves/s, the client's own
   delay, gunicorn's CPU per save.
3. Saturation: ``--concurrency`` (default 200) clients saving back to back for ``--saturate``
   seconds: the endpoint's throughput.
4. Restarts gunicorn on the framework floor (``bench.floor``: a bare Django view with no
   middleware and no authentication doing the same single upsert) under the same saturation
   load, and prints the ratio endpoint / floor (and the ratio of gunicorn's CPU per save).
5. Checks in the database that every acknowledged save is there with its last client_ts and
   value: answers lost must be 0.

Each examinee sends one answer at a time (like the exam page), so the acknowledged client_ts of
each (attempt, item) is well defined. Results are printed as a table and written to
var/bench/exam_save-<time>.json. ``bench/exam_save_profile.py`` measures the CPU of one save
in process (endpoint against floor, queries per request, a cProfile) on the same database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import math
import multiprocessing
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench"
LOREM = ("技术经纪人在技术转移中发挥桥梁作用，促进科技成果转化，联系高校院所与企业需求，"
         "开展技术评估、知识产权运营和交易撮合服务。")


# --- Database -------------------------------------------------------------------------------

def create_database(url: str) -> None:
    """Drop and create the benchmark database (never anything but the one named in ``url``)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.startswith("academy_bench"):
        raise SystemExit(f"refusing to recreate {name!r}: the bench database name must start "
                         "with academy_bench")
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


REDIS_URL = ""  # set by main(): the cache (sessions, users' access facts) as in production


def django_env(url: str, settings: str = "bench.settings") -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL
    env.update({
        "DJANGO_SETTINGS_MODULE": settings,
        "BENCH_DATABASE_URL": url,
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    })
    return env


def migrate(url: str) -> None:
    """Migrate the benchmark database, then give the columns the seeding leaves out their
    model defaults (``bench.defaults``)."""
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=ROOT, env=django_env(url), check=True)
    subprocess.run([PYTHON, "manage.py", "shell", "-v", "0", "-c",
                    "from bench.defaults import install_column_defaults; "
                    "install_column_defaults()"],
                   cwd=ROOT, env=django_env(url), check=True)


@dataclass
class Examinee:
    user_id: int
    session_key: str
    csrf: str
    attempt_id: int
    items: list[tuple[int, str]]  # (item id, question type)
    last_ts: int = 0

    def next_ts(self) -> int:
        self.last_ts = max(int(time.time() * 1000), self.last_ts + 1)
        return self.last_ts


SEED_PROCESSES = 4


def _start_attempts(sitting_id: int, user_ids: list[int]) -> None:
    """In a worker process: start the attempts through the service, as the API would."""
    from django.db import connection

    from academy.people.models import User
    from exams.models import Sitting
    from exams.services.attempts import attempt_start

    connection.close()
    sitting = Sitting.objects.select_related("paper").get(pk=sitting_id)
    for user in User.objects.filter(pk__in=user_ids):
        attempt_start(sitting=sitting, user=user)
    connection.close()


def open_sitting(*, questions: int, code_prefix: str, paper_title: str, title: str,
                 opens_at: datetime.datetime, closes_at: datetime.datetime):
    """A fixed paper of ``questions`` questions of every type (5 points each) and a sitting of
    it, 600 minutes long, open from ``opens_at`` to ``closes_at``. Call inside a transaction."""
    from exams.models import Paper, PaperItem, Question, QuestionVersion, Sitting

    types = ["single", "multiple", "truefalse", "fillin", "short", "case"]
    options = [{"key": k, "text": f"选项{k}"} for k in "ABCD"]
    answers = {"single": "B", "multiple": ["A", "C"], "truefalse": True,
               "fillin": ["外观设计"], "short": None, "case": None}
    paper = Paper.objects.create(title=paper_title, kind=Paper.Kind.FIXED)
    for n in range(questions):
        qtype = types[n % len(types)]
        question = Question.objects.create(code=f"{code_prefix}-{n:03d}", type=qtype)
        version = QuestionVersion.objects.create(
            question=question, number=1, stem=f"第{n + 1}题：{LOREM}",
            options=options if qtype in ("single", "multiple") else [],
            answer=answers[qtype],
            rubric=[{"criterion": "要点", "points": 5}] if answers[qtype] is None else [],
        )
        question.current_version = version
        question.save(update_fields=["current_version"])
        PaperItem.objects.create(paper=paper, question=question, order=n, points=Decimal("5"))
    return Sitting.objects.create(paper=paper, title=title, opens_at=opens_at,
                                  closes_at=closes_at, duration_minutes=600)


def seed(url: str, brokers: int, questions: int) -> list[Examinee]:
    """An open sitting, ``brokers`` logged-in brokers and a started attempt for each."""
    os.environ.update(django_env(url))
    import django

    django.setup()
    import datetime

    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction
    from django.utils import timezone

    from academy.people.models import User
    from academy.people.selectors import Role
    from exams.models import (
        Attempt,
        AttemptItem,
    )
    now = timezone.now()
    with transaction.atomic():
        sitting = open_sitting(questions=questions, code_prefix="bench", paper_title="压力测试试卷",
                               title="压力测试考试",
                               opens_at=now - datetime.timedelta(hours=1),
                               closes_at=now + datetime.timedelta(days=1))
        role = Group.objects.get(name=Role.BROKER)
        users = User.objects.bulk_create([
            User(email=f"bench{i:05d}@bench.local", full_name=f"压测学员{i}", password="!")
            for i in range(brokers)
        ])
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=role.pk) for u in users])
        sitting.brokers.add(*users)

    # Logged-in sessions, written the way django.contrib.auth.login() stores them.
    expire = now + datetime.timedelta(days=1)
    store = SessionStore()
    sessions = []
    examinees: dict[int, Examinee] = {}
    for user in users:
        key = secrets.token_hex(16)
        data = {"_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash()}
        sessions.append(Session(session_key=key, session_data=store.encode(data),
                                expire_date=expire))
        examinees[user.pk] = Examinee(user.pk, key, secrets.token_hex(16), 0, [])
    Session.objects.bulk_create(sessions, batch_size=1000)

    started = time.perf_counter()
    connection.close()  # the worker processes open their own
    ids = [u.pk for u in users]
    chunks = [ids[i::SEED_PROCESSES] for i in range(SEED_PROCESSES)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(SEED_PROCESSES) as pool:
        pool.starmap(_start_attempts, [(sitting.pk, chunk) for chunk in chunks])
    print(f"  {brokers} attempts started through attempt_start in "
          f"{time.perf_counter() - started:.1f} s ({SEED_PROCESSES} processes)")
    for attempt_id, user_id in Attempt.objects.filter(sitting=sitting).values_list("pk",
                                                                                  "user_id"):
        examinees[user_id].attempt_id = attempt_id
    by_attempt: dict[int, list[tuple[int, str]]] = {}
    for item_id, attempt_id, qtype in AttemptItem.objects.filter(
        attempt__sitting=sitting
    ).values_list("pk", "attempt_id", "question_version__question__type"):
        by_attempt.setdefault(attempt_id, []).append((item_id, qtype))
    for ex in examinees.values():
        ex.items = by_attempt[ex.attempt_id]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics, as a live database would have
    connection.close()
    return list(examinees.values())


def answer_value(qtype: str, rng: random.Random):
    if qtype == "single":
        return rng.choice("ABCD")
    if qtype == "multiple":
        return sorted(rng.sample("ABCD", rng.randint(1, 4)))
    if qtype == "truefalse":
        return rng.random() < 0.5
    if qtype == "fillin":
        return [rng.choice(["外观设计", "外观设计专利", "实用新型"])]
    length = rng.randint(20, 400) if qtype == "case" else rng.randint(10, 150)
    return (LOREM * (length // len(LOREM) + 1))[:length] + str(rng.random())


# --- Servers --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn in its own process group, stopped with the benchmark."""

    def __init__(self, app: str, settings: str, url: str, workers: int, worker_class: str,
                 threads: int, port: int | None = None) -> None:
        self.port = port or free_port()
        cmd = [GUNICORN, app, "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
               "--worker-class", worker_class, "--backlog", "4096", "--timeout", "60",
               "--log-level", "warning"]
        if worker_class == "gthread":
            cmd += ["--threads", str(threads)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=django_env(url, settings),
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise SystemExit("gunicorn did not start within 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# --- Load -----------------------------------------------------------------------------------
#
# The load comes from ``--client-processes`` processes (each an asyncio loop driving its share
# of the examinees), so that one Python process's CPU is not the ceiling of the measurement.
# The examinee phase is open-loop: each examinee's send times are drawn in advance (a start
# within the ramp, then exponential gaps), and a save's latency counts from its scheduled time,
# not from when the client got round to sending it. A save that has to wait for the previous
# one of the same examinee (the exam page sends one answer at a time) or for a starved client
# therefore shows up in the latency instead of silently thinning the load (no coordinated
# omission). "client lag" (scheduled → sent) tells the two apart from the server's time.

@dataclass
class Phase:
    name: str
    clients: int
    latencies: list[float] = field(default_factory=list)  # seconds, successful saves only
    lags: list[float] = field(default_factory=list)  # seconds from scheduled to sent
    wakeups: list[float] = field(default_factory=list)  # seconds the event loop woke late
    errors: dict[str, int] = field(default_factory=dict)
    stale: int = 0
    started: float = 0.0
    ended: float = 0.0  # the end of the load (for the rate), not of the last reply
    load: float = 0.0  # the machine's 1-minute load average at the end (others share it)
    client_cpu: float = 0.0  # CPU seconds of the load-generating processes
    server_cpu: float = 0.0  # CPU seconds of gunicorn's processes
    replies: int = 0  # every 200 of the phase, warm-up included

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        return self.ok / max(1e-9, self.ended - self.started)

    def pct(self, p: float, data: list[float] | None = None) -> float:
        data = sorted(self.latencies if data is None else data)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, max(0, math.ceil(p / 100 * len(data)) - 1))] * 1000

    def merge(self, other: dict) -> None:
        self.latencies += other["latencies"]
        self.lags += other["lags"]
        self.wakeups += other["wakeups"]
        for key, n in other["errors"].items():
            self.errors[key] = self.errors.get(key, 0) + n
        self.stale += other["stale"]
        self.replies += other["replies"]
        self.client_cpu += other["cpu"]

    @property
    def server_ms_per_save(self) -> float:
        return self.server_cpu * 1000 / self.replies if self.replies else float("nan")


class Acked:
    """The last acknowledged (client_ts, value) of every (attempt, item)."""

    def __init__(self) -> None:
        self.last: dict[tuple[int, int], tuple[int, object]] = {}

    def record(self, attempt_id: int, item_id: int, ts: int, value: object) -> None:
        prev = self.last.get((attempt_id, item_id))
        if prev is None or ts > prev[0]:
            self.last[(attempt_id, item_id)] = (ts, value)

    def merge(self, other: dict) -> None:
        for (attempt_id, item_id), (ts, value) in other.items():
            self.record(attempt_id, item_id, ts, value)


class _Tally:
    """What one client process measured (sent back to the parent as plain data)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.lags: list[float] = []
        self.wakeups: list[float] = []
        self.errors: dict[str, int] = {}
        self.stale = 0
        self.replies = 0  # every 200, warm-up included (for the server's CPU per request)

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1


async def save(session, base: str, path_fmt: str, ex: Examinee, rng: random.Random,
               tally: _Tally | None, acked: Acked, scheduled: float | None = None,
               tally_all: _Tally | None = None) -> None:
    """One PUT; ``tally`` None: not measured (warm-up; ``tally_all`` still counts it).
    Latency from ``scheduled`` if given (open loop), else from the moment of sending."""
    import aiohttp

    item_id, qtype = rng.choice(ex.items)
    value = answer_value(qtype, rng)
    ts = ex.next_ts()
    url = base + path_fmt.format(attempt=ex.attempt_id, item=item_id)
    headers = {
        "Cookie": f"sessionid={ex.session_key}; csrftoken={ex.csrf}",
        "X-CSRFToken": ex.csrf,
        "X-Bench-User": str(ex.user_id),  # read by the floor only (it has no sessions)
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    body = json.dumps({"value": value, "client_ts": ts}, ensure_ascii=False).encode()
    sent = time.monotonic()
    try:
        async with session.put(url, data=body, headers=headers) as response:
            payload = await response.read()
            status = response.status
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        if tally is not None:
            tally.error(type(exc).__name__)
        return
    done = time.monotonic()
    if status == 200 and tally_all is not None:
        tally_all.replies += 1
    if status != 200:
        if tally is not None:
            tally.error(f"HTTP {status}")
        return
    data = json.loads(payload)
    if data.get("saved"):
        acked.record(ex.attempt_id, item_id, ts, value)
    elif data.get("stale") and tally is not None:
        tally.stale += 1
    if tally is not None:
        origin = sent if scheduled is None else scheduled
        tally.latencies.append(done - origin)
        tally.lags.append(sent - origin)


def client_session(limit: int):
    import aiohttp

    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, limit_per_host=limit, ttl_dns_cache=None),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=30),
    )


async def _examinees_open_loop(base: str, path_fmt: str, examinees: list[Examinee],
                               t0: float, ramp: float, steady: float, think: float,
                               seed_: int, tally: _Tally, acked: Acked) -> None:
    end = ramp + steady
    async with client_session(len(examinees)) as session:

        async def examinee(ex: Examinee, rng: random.Random) -> None:
            scheduled = rng.uniform(0, ramp)
            while scheduled < end:
                delay = t0 + scheduled - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                    # How late the event loop woke this examinee: the client's own delay.
                    tally.wakeups.append(time.monotonic() - t0 - scheduled)
                await save(session, base, path_fmt, ex, rng, tally, acked, t0 + scheduled,
                           tally)
                scheduled += rng.expovariate(1 / think)

        await asyncio.gather(*(examinee(ex, random.Random(seed_ + ex.user_id))
                               for ex in examinees))


async def _saturating(base: str, path_fmt: str, examinees: list[Examinee], t0: float,
                      seconds: float, warmup: float, seed_: int, tally: _Tally,
                      acked: Acked) -> None:
    async with client_session(len(examinees)) as session:

        async def client(ex: Examinee, rng: random.Random) -> None:
            while True:
                now = time.monotonic() - t0
                if now >= warmup + seconds:
                    return
                await save(session, base, path_fmt, ex, rng,
                           tally if now >= warmup else None, acked, tally_all=tally)

        await asyncio.gather(*(client(ex, random.Random(seed_ + ex.user_id))
                               for ex in examinees))


def _client_process(kind: str, args: tuple) -> dict:
    """In a client process: run one share of a phase; return what it measured."""
    tally, acked = _Tally(), Acked()
    cpu0 = time.process_time()
    runner = _examinees_open_loop if kind == "examinees" else _saturating
    asyncio.run(runner(*args, tally=tally, acked=acked))
    return {"latencies": tally.latencies, "lags": tally.lags, "wakeups": tally.wakeups,
            "errors": tally.errors,
            "stale": tally.stale, "replies": tally.replies, "acked": acked.last,
            "cpu": time.process_time() - cpu0}


def _process_group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])
    return total / tick


def run_phase(name: str, kind: str, server: Server, path_fmt: str,
              examinees: list[Examinee], processes: int, acked: Acked, seed_: int,
              **kw: float) -> Phase:
    """Split ``examinees`` over ``processes`` client processes that start together."""
    base = f"http://127.0.0.1:{server.port}"
    shares = [examinees[i::processes] for i in range(processes)]
    shares = [s for s in shares if s]
    phase = Phase(name, len(examinees))
    t0 = time.monotonic() + 1.0  # every process is up and waiting by then
    if kind == "examinees":
        jobs = [(base, path_fmt, share, t0, kw["ramp"], kw["steady"], kw["think"], seed_)
                for share in shares]
        phase.started, phase.ended = t0, t0 + kw["ramp"] + kw["steady"]
    else:
        jobs = [(base, path_fmt, share, t0, kw["seconds"], kw["warmup"], seed_)
                for share in shares]
        phase.started, phase.ended = t0 + kw["warmup"], t0 + kw["warmup"] + kw["seconds"]
    server_cpu0 = _process_group_cpu(server.proc.pid)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(len(jobs)) as pool:
        results = pool.starmap(_client_process, [(kind, job) for job in jobs])
    phase.server_cpu = _process_group_cpu(server.proc.pid) - server_cpu0
    if kind != "examinees":
        # A closed-loop phase ends when its clients stop: the rate is over the measured span.
        phase.ended = min(phase.ended, time.monotonic())
    for result in results:
        phase.merge(result)
        acked.merge(result["acked"])
    phase.load = os.getloadavg()[0]
    return phase


# --- Verification ---------------------------------------------------------------------------

def verify(url: str, acked: Acked) -> dict[str, int]:
    """Every acknowledged save must be in the database with its last client_ts and value."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT attempt_id, item_id, client_ts, value FROM exams_answer")
        stored = {(a, i): (ts, value) for a, i, ts, value in rows}
    lost = older = wrong_value = 0
    for key, (ts, value) in acked.last.items():
        row = stored.get(key)
        if row is None:
            lost += 1
        elif row[0] < ts:
            older += 1
        elif row[0] == ts and row[1] != value:
            wrong_value += 1
    return {"acknowledged": len(acked.last), "rows": len(stored), "missing": lost,
            "older_than_acknowledged": older, "value_differs": wrong_value,
            "lost": lost + older + wrong_value}


# --- Report ---------------------------------------------------------------------------------

def table(phases: list[Phase]) -> str:
    head = (f"{'phase':<44} {'clients':>7} {'saves':>7} {'errors':>6} {'saves/s':>8} "
            f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'lag p99':>7} "
            f"{'wake99':>7} "
            f"{'srv CPU':>7} {'cli CPU':>7} {'load':>5}")
    lines = [head, "-" * len(head)]
    for p in phases:
        span = max(1e-9, p.ended - p.started)
        lines.append(
            f"{p.name:<44} {p.clients:>7} {p.ok:>7} {p.error_count:>6} {p.rate:>8.1f} "
            f"{p.pct(50):>7.1f} {p.pct(95):>7.1f} {p.pct(99):>7.1f} {p.pct(100):>7.1f} "
            f"{p.pct(99, p.lags):>7.1f} {p.pct(99, p.wakeups):>7.1f} "
            f"{p.server_ms_per_save:>7.2f} "
            f"{p.client_cpu / span:>7.2f} {p.load:>5.1f}")
    lines.append(
        "lag p99: ms from a save's scheduled time to its sending (waiting for the examinee's "
        "previous save, or for the client; included in the latency). wake99: p99 of how late "
        "the client's event loop woke an examinee whose save was due (the load generator's "
        "own delay). srv CPU: gunicorn's CPU ms per save. cli CPU: cores the client "
        "processes used on average.")
    return "\n".join(lines)


def main() -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_DB))
    parser.add_argument("--brokers", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds in which all start")
    parser.add_argument("--steady", type=float, default=45.0,
                        help="seconds of load after the ramp")
    parser.add_argument("--think", type=float, default=15.0,
                        help="mean seconds between one examinee's saves")
    parser.add_argument("--concurrency", type=int, default=200,
                        help="clients in the saturation phases")
    parser.add_argument("--saturate", type=float, default=25.0,
                        help="seconds of each saturation phase (after a 3 s warm-up)")
    parser.add_argument("--workers", type=int, default=2 * cores + 1)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds of unmeasured load before the first phase on each server")
    parser.add_argument("--client-processes", type=int, default=cores,
                        help="processes generating the load (each an asyncio loop)")
    parser.add_argument("--skip-realistic", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database and examinees of the last run (iterating); "
                        "--brokers then takes the first N of them")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"),
                        help="the cache of sessions and access facts, as in production "
                        "(default: REDIS_URL, else a Redis answering on 127.0.0.1:6379; "
                        "'' for none: sessions in the database, a per-worker cache)")
    args = parser.parse_args()
    global REDIS_URL
    if args.redis_url is None:
        try:
            with socket.create_connection(("127.0.0.1", 6379), 0.5):
                args.redis_url = "redis://127.0.0.1:6379/0"
        except OSError:
            args.redis_url = ""
    REDIS_URL = args.redis_url

    wall = time.perf_counter()
    print(f"bench: {args.brokers} brokers, {args.questions} questions, gunicorn "
          f"{args.workers} {args.worker_class} workers on {cores} cores, "
          f"database {urlparse(args.database_url).path.lstrip('/')}, cache "
          f"{REDIS_URL or 'none (sessions in the database)'}")
    db_name = urlparse(args.database_url).path.lstrip("/")
    cache_file = ROOT / "var" / "bench" / f"examinees-{db_name}.json"
    if args.reuse and cache_file.exists():
        print("  reusing the database and examinees of the last run (--reuse) …")
        examinees = [Examinee(**e) for e in json.loads(cache_file.read_text())]
        examinees = examinees[:args.brokers]  # fewer than seeded: the first --brokers of them
        for ex in examinees:
            ex.items = [tuple(i) for i in ex.items]
            ex.last_ts = int(time.time() * 1000)
    else:
        print("  creating and migrating the database …")
        t0 = time.perf_counter()
        create_database(args.database_url)
        migrate(args.database_url)
        print(f"  … {time.perf_counter() - t0:.0f} s; seeding brokers, sessions and attempts …")
        examinees = seed(args.database_url, args.brokers, args.questions)
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps([vars(e) for e in examinees]))
    acked = Acked()
    phases: list[Phase] = []

    save_path = "/api/v1/attempts/{attempt}/answers/{item}/"
    floor_path = "/floor/attempts/{attempt}/answers/{item}/"
    procs = args.client_processes
    saturating = examinees[:args.concurrency]
    server = Server("academy.wsgi:application", "bench.settings", args.database_url,
                    args.workers, args.worker_class, args.threads)
    try:
        # Every worker's first request imports the URL configuration and every view module,
        # loads translations and opens its connections: about a second of CPU, several on a
        # busy machine. Warm every worker up (more clients than workers), unmeasured.
        warm = examinees[-2 * args.workers:]
        run_phase("warm-up", "saturation", server, save_path, warm, 1, acked,
                  args.seed + 30_000, seconds=0.0, warmup=args.warmup)
        if not args.skip_realistic:
            print(f"  load: {args.brokers} examinees starting within {args.ramp:g} s, then "
                  f"{args.steady:g} s more ({procs} client processes, open loop) …")
            phases.append(run_phase(
                f"{len(examinees)} examinees, 1 save/{args.think:g} s each", "examinees",
                server, save_path, examinees, procs, acked, args.seed,
                ramp=args.ramp, steady=args.steady, think=args.think))
        print(f"  saturation of the save endpoint: {args.concurrency} clients, "
              f"{args.saturate:g} s …")
        endpoint = run_phase("saturation: PUT answer endpoint", "saturation", server,
                             save_path, saturating, procs, acked, args.seed + 10_000,
                             seconds=args.saturate, warmup=3.0)
        phases.append(endpoint)
    finally:
        server.stop()

    floor_server = Server("bench.floor:application", "bench.floor_settings", args.database_url,
                          args.workers, args.worker_class, args.threads)
    try:
        run_phase("warm-up", "saturation", floor_server, floor_path, warm, 1, acked,
                  args.seed + 40_000, seconds=0.0, warmup=args.warmup)
        print(f"  saturation of the framework floor: {args.concurrency} clients, "
              f"{args.saturate:g} s …")
        floor = run_phase("saturation: framework floor (bare view)", "saturation",
                          floor_server, floor_path, saturating, procs, acked,
                          args.seed + 20_000, seconds=args.saturate, warmup=3.0)
        phases.append(floor)
    finally:
        floor_server.stop()

    print("  checking every acknowledged save in the database …")
    check = verify(args.database_url, acked)
    ratio = endpoint.rate / floor.rate if floor.rate else float("nan")

    print()
    print(table(phases))
    print()
    print(f"endpoint / floor throughput: {endpoint.rate:.1f} / {floor.rate:.1f} = {ratio:.2f}")
    cpu_ratio = floor.server_ms_per_save / endpoint.server_ms_per_save
    print(f"gunicorn CPU per save: endpoint {endpoint.server_ms_per_save:.2f} ms, floor "
          f"{floor.server_ms_per_save:.2f} ms: floor / endpoint = {cpu_ratio:.2f} (steadier "
          "than the throughput on a shared machine)")
    print(f"acknowledged (attempt, item) answers: {check['acknowledged']}; rows in the "
          f"database: {check['rows']}; missing: {check['missing']}; older than acknowledged: "
          f"{check['older_than_acknowledged']}; value differs: {check['value_differs']}")
    print(f"answers lost: {check['lost']}")
    for p in phases:
        if p.errors:
            print(f"errors in {p.name!r}: {p.errors}")
    verdicts = []
    if phases and not args.skip_realistic:
        real = phases[0]
        verdicts.append(("p99 save under 250 ms at 2,000 examinees", real.pct(99) < 250))
        verdicts.append(("0 errors at 2,000 examinees", real.error_count == 0))
    verdicts.append(("0 answers lost", check["lost"] == 0))
    verdicts.append(("endpoint throughput ≥ half the floor", ratio >= 0.5))
    print()
    for label, met in verdicts:
        print(f"  [{'met' if met else 'NOT MET'}] {label}")
    print(f"\nwhole run: {time.perf_counter() - wall:.0f} s; load: the machine's 1-minute load "
          f"average at the end of each phase ({cores} cores, shared with whatever else runs)")

    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "args": vars(args), "cores": cores,
        "phases": [{"name": p.name, "clients": p.clients, "saves": p.ok,
                    "errors": p.errors, "stale": p.stale, "saves_per_s": round(p.rate, 1),
                    "p50_ms": round(p.pct(50), 1), "p95_ms": round(p.pct(95), 1),
                    "p99_ms": round(p.pct(99), 1), "max_ms": round(p.pct(100), 1),
                    "load_average_1min": round(p.load, 2),
                    "client_lag_p99_ms": round(p.pct(99, p.lags), 1),
                    "client_wakeup_p99_ms": round(p.pct(99, p.wakeups), 1),
                    "server_cpu_ms_per_save": round(p.server_ms_per_save, 3),
                    "client_cpu_cores": round(p.client_cpu / max(1e-9, p.ended - p.started),
                                              2)}
                   for p in phases],
        "server_cpu_ratio_floor_to_endpoint": round(cpu_ratio, 3),
        "ratio_endpoint_to_floor": round(ratio, 3),
        "check": check,
    }
    path = out / f"exam_save-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"results: {path.relative_to(ROOT)}")
    return 0 if check["lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
