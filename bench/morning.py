#!/usr/bin/env python
"""Benchmark of the morning of an exam: every broker logs in, opens the exam and starts at once.

    make bench                    # or: .venv/bin/python bench/morning.py --help
    .venv/bin/python bench/morning.py --crowd 300 --crowd-ramp 30     # a short run

Through gunicorn with the production settings (``bench.settings``) on PostgreSQL and Redis, each
broker does what the browser does, with its own cookie jar and its own source address (clients
bind to distinct 127.x.y.z loopback addresses):

1. ``login page``: GET /accounts/login/ (the CSRF cookie and the form's token);
2. ``login``: POST the e-mail and password (a 302 is success; the form again, or a 429, is a
   refusal);
3. ``exam page``: GET the sitting's start page;
4. ``start``: POST start (the paper is drawn, the attempt created) and GET the exam page it
   redirects to (the questions, rendered);
5. ``first save``: PUT the first answer to the API, as the exam page's script does.

Arrivals are open-loop: each broker's arrival time is drawn in advance (uniform within the
ramp) and the latency of step 1 and of the whole morning ("arrival → first saved answer")
counts from that scheduled time, so a server that falls behind shows it instead of thinning
the load. Scenarios, in one run on one database:

- ``room``: ``--room`` brokers (60) behind ONE address arriving within ``--room-ramp`` (30 s),
  the exam room behind a NAT (its network is not marked as an exam room: the worst case);
- ``crowd``: ``--crowd`` brokers (2,000) on distinct addresses within ``--crowd-ramp`` (120 s).

It reports per step p50/p99 and errors, refusals, the acknowledged answers found in the
database (lost must be 0), and gunicorn's CPU per broker (all five steps), beside the framework
floor's CPU per request measured in the same run (``bench.floor``, a bare Django view doing the
answer-save upsert, as in bench/exam_save.py whose machinery this reuses). Results go to
``var/bench/morning-<time>.json`` and, through bench/report.py, to docs/PERFORMANCE.md.

Passwords: every broker has the same password and, to keep seeding fast, the same stored hash
(made once with the project's default hasher: Argon2id, or PBKDF2 for the code before it); the
server's cost per login is the same as with a salt per user.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import random
import re
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import exam_save  # noqa: E402
from bench.exam_save import (  # noqa: E402
    Acked,
    Examinee,
    Server,
    _process_group_cpu,
    answer_value,
    create_database,
    django_env,
    migrate,
    run_phase,
    verify,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench_morning"
PASSWORD = "Morning-bench-2026"
STEPS = ["login page", "login", "exam page", "start", "first save"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ITEM = re.compile(r'data-item-id="(\d+)" data-type="([a-z]+)"')


# --- Seeding ----------------------------------------------------------------------------------

def seed(url: str, brokers: int, questions: int) -> dict:
    """A fixed paper, an open sitting and ``brokers`` brokers with a password and a verified
    address (no session, no attempt: the morning makes them)."""
    os.environ.update(django_env(url))
    import django

    django.setup()
    import datetime

    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from academy.people.models import User
    from academy.people.selectors import Role

    now = timezone.now()
    encoded = make_password(PASSWORD)
    with transaction.atomic():
        sitting = exam_save.open_sitting(questions=questions, code_prefix="morning",
                                         paper_title="考试日早晨试卷", title="考试日早晨",
                                         opens_at=now - datetime.timedelta(minutes=5),
                                         closes_at=now + datetime.timedelta(days=1))
        role = Group.objects.get(name=Role.BROKER)
        users = User.objects.bulk_create([
            User(email=f"morning{i:05d}@bench.local", full_name=f"早晨学员{i}",
                 password=encoded)
            for i in range(brokers)
        ], batch_size=1000)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=role.pk) for u in users],
            batch_size=1000)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
            batch_size=1000)
        sitting.brokers.add(*users)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    return {"sitting": sitting.pk, "hasher": encoded.split("$", 1)[0],
            "brokers": [(u.pk, u.email) for u in users]}


# --- One broker's morning -----------------------------------------------------------------------

@dataclass
class Broker:
    user_id: int
    email: str
    address: str  # the source address the client binds to
    arrival: float = 0.0  # scheduled, seconds after the scenario's start


class _Tally:
    def __init__(self) -> None:
        self.steps: dict[str, list[float]] = {s: [] for s in STEPS}
        self.to_first_save: list[float] = []
        self.login_latency: list[float] = []  # arrival → logged in
        self.errors: dict[str, int] = {}
        self.refused = 0  # 429 anywhere, or the login form answered again
        self.done = 0
        self.attempts: list[tuple[int, int, list[int]]] = []  # (user, attempt, item ids)
        self.acked: dict = {}

    def error(self, step: str, what: str) -> None:
        key = f"{step}: {what}"
        self.errors[key] = self.errors.get(key, 0) + 1


async def _morning(broker: Broker, base: str, sitting_id: int, t0: float, tally: _Tally,
                   acked: Acked, rng: random.Random) -> None:
    import aiohttp
    import yarl

    delay = t0 + broker.arrival - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    arrived = t0 + broker.arrival
    connector = aiohttp.TCPConnector(local_addr=(broker.address, 0), limit=1,
                                     ttl_dns_cache=None)
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an address host (127.0.0.1)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar,
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        step_start = arrived

        def csrf_cookie() -> str:
            cookie = jar.filter_cookies(yarl.URL(base)).get("csrftoken")
            return cookie.value if cookie else ""

        async def request(step: str, method: str, path: str, **kw):
            try:
                async with session.request(method, base + path, allow_redirects=False,
                                           **kw) as response:
                    return response.status, response.headers, await response.text()
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                tally.error(step, type(exc).__name__)
                return None

        def measured(step: str) -> None:
            nonlocal step_start
            now = time.monotonic()
            tally.steps[step].append(now - step_start)
            step_start = now

        # 1. The login page.
        got = await request("login page", "GET", "/accounts/login/")
        if got is None:
            return
        status, _headers, body = got
        token = CSRF_INPUT.search(body) if status == 200 else None
        if token is None:
            tally.error("login page", f"HTTP {status}")
            tally.refused += status == 429
            return
        measured("login page")
        # 2. The login.
        got = await request("login", "POST", "/accounts/login/", data={
            "login": broker.email, "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": base + "/accounts/login/"})
        if got is None:
            return
        status, headers, _body = got
        if status != 302:
            tally.error("login", f"HTTP {status}" if status != 200 else "refused")
            tally.refused += 1
            return
        measured("login")
        tally.login_latency.append(time.monotonic() - arrived)
        # 3. The exam's start page.
        got = await request("exam page", "GET", f"/exams/sittings/{sitting_id}/")
        if got is None:
            return
        status, _headers, body = got
        token = CSRF_INPUT.search(body) if status == 200 else None
        if token is None:
            tally.error("exam page", f"HTTP {status}")
            tally.refused += status == 429
            return
        measured("exam page")
        # 4. Start: the attempt is created and the exam page rendered.
        got = await request("start", "POST", f"/exams/sittings/{sitting_id}/start/",
                            data={"csrfmiddlewaretoken": token.group(1)},
                            headers={"Referer": base + f"/exams/sittings/{sitting_id}/"})
        if got is None:
            return
        status, headers, _body = got
        location = headers.get("Location", "")
        match = re.search(r"/exams/attempts/(\d+)/$", location)
        if status != 302 or match is None:
            tally.error("start", f"HTTP {status} {location}")
            return
        attempt_id = int(match.group(1))
        got = await request("start", "GET", location)
        if got is None:
            return
        status, _headers, body = got
        items = [(int(i), t) for i, t in ITEM.findall(body)] if status == 200 else []
        if not items:
            tally.error("start", f"exam page HTTP {status}")
            return
        measured("start")
        # 5. The first answer.
        item_id, qtype = items[0]
        value = answer_value(qtype, rng)
        ts = int(time.time() * 1000)
        got = await request(
            "first save", "PUT", f"/api/v1/attempts/{attempt_id}/answers/{item_id}/",
            data=json.dumps({"value": value, "client_ts": ts}, ensure_ascii=False).encode(),
            headers={"X-CSRFToken": csrf_cookie(), "Content-Type": "application/json",
                     "Accept": "application/json",
                     "Referer": base + f"/exams/attempts/{attempt_id}/"})
        if got is None:
            return
        status, _headers, body = got
        if status != 200 or not json.loads(body).get("saved"):
            tally.error("first save", f"HTTP {status}")
            tally.refused += status == 429
            return
        acked.record(attempt_id, item_id, ts, value)
        measured("first save")
        tally.to_first_save.append(time.monotonic() - arrived)
        tally.done += 1
        tally.attempts.append((broker.user_id, attempt_id, [i for i, _t in items]))


def _client_process(base: str, sitting_id: int, brokers: list[Broker], t0: float,
                    seed_: int) -> dict:
    tally, acked = _Tally(), Acked()
    cpu0 = time.process_time()

    async def run() -> None:
        await asyncio.gather(*(
            _morning(b, base, sitting_id, t0, tally, acked, random.Random(seed_ + b.user_id))
            for b in brokers))

    asyncio.run(run())
    out = dict(vars(tally))
    out["acked"] = acked.last
    out["cpu"] = time.process_time() - cpu0
    return out


# --- Scenarios ----------------------------------------------------------------------------------

@dataclass
class Scenario:
    name: str
    brokers: int
    ramp: float
    addresses: int
    steps: dict[str, list[float]] = field(default_factory=dict)
    to_first_save: list[float] = field(default_factory=list)
    login_latency: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    done: int = 0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    load: float = 0.0
    attempts: list = field(default_factory=list)

    @staticmethod
    def pct(data: list[float], p: float) -> float:
        data = sorted(data)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, max(0, math.ceil(p / 100 * len(data)) - 1))] * 1000

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def cpu_ms_per_broker(self) -> float:
        return self.server_cpu * 1000 / self.done if self.done else float("nan")

    def as_dict(self) -> dict:
        return {
            "name": self.name, "brokers": self.brokers, "ramp_s": self.ramp,
            "addresses": self.addresses, "completed": self.done, "refused": self.refused,
            "errors": self.errors, "error_count": self.error_count,
            "steps": {s: {"n": len(v), "p50_ms": round(self.pct(v, 50), 1),
                          "p99_ms": round(self.pct(v, 99), 1)}
                      for s, v in self.steps.items()},
            "arrival_to_login_p50_ms": round(self.pct(self.login_latency, 50), 1),
            "arrival_to_login_p99_ms": round(self.pct(self.login_latency, 99), 1),
            "arrival_to_first_save_p50_ms": round(self.pct(self.to_first_save, 50), 1),
            "arrival_to_first_save_p99_ms": round(self.pct(self.to_first_save, 99), 1),
            "server_cpu_ms_per_broker": round(self.cpu_ms_per_broker, 1),
            "client_cpu_s": round(self.client_cpu, 1),
            "load_average_1min": round(self.load, 2),
        }


def address_for(n: int) -> str:
    """The n-th distinct loopback source address: 127.10.0.1, 127.10.0.2, …"""
    return f"127.{10 + n // 62500}.{n // 250 % 250}.{n % 250 + 1}"


def run_scenario(name: str, server: Server, sitting_id: int, brokers: list[Broker],
                 ramp: float, processes: int, acked: Acked, seed_: int) -> Scenario:
    rng = random.Random(seed_)
    for b in brokers:
        b.arrival = rng.uniform(0, ramp)
    base = f"http://127.0.0.1:{server.port}"
    shares = [s for s in (brokers[i::processes] for i in range(processes)) if s]
    scenario = Scenario(name, len(brokers), ramp, len({b.address for b in brokers}))
    t0 = time.monotonic() + 1.0
    cpu0 = _process_group_cpu(server.proc.pid)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(len(shares)) as pool:
        results = pool.starmap(_client_process,
                               [(base, sitting_id, share, t0, seed_) for share in shares])
    scenario.server_cpu = _process_group_cpu(server.proc.pid) - cpu0
    scenario.load = os.getloadavg()[0]
    scenario.steps = {s: [] for s in STEPS}
    for r in results:
        for s in STEPS:
            scenario.steps[s] += r["steps"][s]
        scenario.to_first_save += r["to_first_save"]
        scenario.login_latency += r["login_latency"]
        for key, n in r["errors"].items():
            scenario.errors[key] = scenario.errors.get(key, 0) + n
        scenario.refused += r["refused"]
        scenario.done += r["done"]
        scenario.client_cpu += r["cpu"]
        scenario.attempts += r["attempts"]
        acked.merge(r["acked"])
    return scenario


def table(scenarios: list[Scenario]) -> str:
    head = (f"{'scenario':<40} {'done':>6} {'refused':>7} {'errors':>6} "
            + " ".join(f"{s[:10]:>17}" for s in STEPS)
            + f" {'arrival→save':>17} {'CPU/broker':>10} {'load':>5}")
    lines = [head, " " * 62 + " ".join(f"{'p50/p99 ms':>17}" for _ in range(len(STEPS) + 1)),
             "-" * len(head)]
    for sc in scenarios:
        cells = [f"{sc.pct(sc.steps[s], 50):>8.0f}/{sc.pct(sc.steps[s], 99):<8.0f}"
                 for s in STEPS]
        cells.append(f"{sc.pct(sc.to_first_save, 50):>8.0f}/{sc.pct(sc.to_first_save, 99):<8.0f}")
        lines.append(f"{sc.name:<40} {sc.done:>6} {sc.refused:>7} {sc.error_count:>6} "
                     + " ".join(cells) + f" {sc.cpu_ms_per_broker:>8.1f}ms {sc.load:>5.1f}")
    return "\n".join(lines)


def main() -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_MORNING_DATABASE_URL",
                                                                 DEFAULT_DB))
    parser.add_argument("--room", type=int, default=60, help="brokers behind one address")
    parser.add_argument("--room-ramp", type=float, default=30.0)
    parser.add_argument("--crowd", type=int, default=2000, help="brokers on distinct addresses")
    parser.add_argument("--crowd-ramp", type=float, default=120.0)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2 * cores + 1)
    parser.add_argument("--client-processes", type=int, default=cores)
    parser.add_argument("--floor-seconds", type=float, default=15.0,
                        help="seconds of saturating load on the framework floor")
    parser.add_argument("--floor-concurrency", type=int, default=64)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 0)) or None,
                        help="gunicorn's port (default: a free one)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--label", default="", help="a note stored with the result "
                        "(e.g. 'before: PBKDF2')")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"),
                        help="sessions and cache in Redis as in production (default: REDIS_URL, "
                        "else a Redis answering on 127.0.0.1:6379)")
    args = parser.parse_args()
    if args.redis_url is None:
        try:
            with socket.create_connection(("127.0.0.1", 6379), 0.5):
                args.redis_url = "redis://127.0.0.1:6379/0"
        except OSError:
            args.redis_url = ""
    exam_save.REDIS_URL = args.redis_url
    if args.redis_url:
        import redis

        # A fresh cache: no rate-limit counters or sessions left from an earlier run.
        client = redis.Redis.from_url(args.redis_url)
        prefix = "academy-bench-" + urlparse(args.database_url).path.lstrip("/")
        for key in client.scan_iter(f"{prefix}:*", count=1000):
            client.delete(key)

    wall = time.perf_counter()
    warm_count = 3 * args.workers
    total = args.room + args.crowd + warm_count
    print(f"morning: room of {args.room} behind one address within {args.room_ramp:g} s, "
          f"crowd of {args.crowd} on distinct addresses within {args.crowd_ramp:g} s; gunicorn "
          f"{args.workers} sync workers on {cores} cores; cache {args.redis_url or 'none'}")
    create_database(args.database_url)
    migrate(args.database_url)
    seeded = seed(args.database_url, total, args.questions)
    print(f"  seeded {total} brokers (password hash: {seeded['hasher']}) in "
          f"{time.perf_counter() - wall:.0f} s")
    people = [Broker(uid, email, "") for uid, email in seeded["brokers"]]
    warm, people = people[:warm_count], people[warm_count:]
    room, crowd = people[:args.room], people[args.room:]
    for n, b in enumerate(warm):
        b.address = f"127.30.0.{n + 1}"
    for b in room:
        b.address = "127.20.0.1"
    for n, b in enumerate(crowd):
        b.address = address_for(n)

    acked = Acked()
    scenarios: list[Scenario] = []
    server = Server("academy.wsgi:application", "bench.settings", args.database_url,
                    args.workers, "sync", 1, port=args.port)
    try:
        # Every worker's first requests load the URL configuration, the view modules, the
        # templates and the translations (about a second of CPU each): a few brokers' mornings
        # warm every worker up, unmeasured.
        print(f"  warm-up: {len(warm)} brokers …")
        run_scenario("warm-up", server, seeded["sitting"], warm, 3.0, 1, acked, args.seed + 9)
        if room:
            print(f"  room: {len(room)} brokers behind 127.20.0.1 …")
            scenarios.append(run_scenario(
                f"room of {len(room)} behind one address, {args.room_ramp:g} s", server,
                seeded["sitting"], room, args.room_ramp, args.client_processes, acked,
                args.seed))
        if crowd:
            print(f"  crowd: {len(crowd)} brokers on distinct addresses …")
            scenarios.append(run_scenario(
                f"{len(crowd)} on distinct addresses, {args.crowd_ramp:g} s", server,
                seeded["sitting"], crowd, args.crowd_ramp, args.client_processes, acked,
                args.seed + 1))
    finally:
        server.stop()

    # The framework floor in the same run: the bare upsert view, saturated, on the attempts the
    # morning created (bench/exam_save.py's floor server and load).
    floor_examinees = [Examinee(uid, "", "", attempt, [(i, "single") for i in items])
                       for sc in scenarios for uid, attempt, items in sc.attempts]
    floor = None
    if floor_examinees:
        floor_server = Server("bench.floor:application", "bench.floor_settings",
                              args.database_url, args.workers, "sync", 1, port=args.port)
        try:
            sample = floor_examinees[:args.floor_concurrency]
            print(f"  framework floor: {len(sample)} clients for {args.floor_seconds:g} s …")
            run_phase("warm-up", "saturation", floor_server,
                      "/floor/attempts/{attempt}/answers/{item}/", sample, 1, Acked(),
                      args.seed + 3, seconds=0.0, warmup=5.0)
            floor = run_phase("floor", "saturation", floor_server,
                              "/floor/attempts/{attempt}/answers/{item}/", sample,
                              args.client_processes, Acked(), args.seed + 2,
                              seconds=args.floor_seconds, warmup=3.0)
        finally:
            floor_server.stop()
    check = verify(args.database_url, acked)

    print()
    print(table(scenarios))
    floor_ms = floor.server_ms_per_save if floor else float("nan")
    print(f"\nframework floor: {floor_ms:.2f} ms of gunicorn CPU per request "
          f"({floor.rate if floor else float('nan'):.0f} requests/s"
          f"{f', errors {floor.errors}' if floor and floor.errors else ''})")
    print(f"acknowledged first answers: {check['acknowledged']}; lost: {check['lost']}")
    for sc in scenarios:
        if sc.errors:
            print(f"errors in {sc.name!r}: {sc.errors}")
    verdicts: dict[str, bool] = {}
    if scenarios and room:
        r = scenarios[0]
        verdicts[f"room of {r.brokers} behind one address within {r.ramp:g} s: 0 refused "
                 f"(measured {r.refused} refused, {r.error_count} errors)"] = \
            r.refused == 0 and r.error_count == 0
    if crowd:
        c = scenarios[-1]
        p99 = c.pct(c.to_first_save, 99)
        verdicts[f"{c.brokers:,} brokers on distinct addresses within {c.ramp:g} s: 0 errors "
                 f"(measured {c.error_count})"] = c.error_count == 0 and c.done == c.brokers
        verdicts[f"p99 arrival to first saved answer under 2 s (measured {p99:,.0f} ms)"] = \
            p99 < 2000
        verdicts[f"CPU per broker for the whole morning under 60 ms (measured "
                 f"{c.cpu_ms_per_broker:.1f} ms = {c.cpu_ms_per_broker / floor_ms:.0f} floor "
                 f"requests; floor {floor_ms:.2f} ms per request)"] = \
            c.cpu_ms_per_broker < 60
    verdicts[f"0 acknowledged answers lost (measured {check['lost']} of "
             f"{check['acknowledged']})"] = check["lost"] == 0
    print()
    for label, met in verdicts.items():
        print(f"  [{'met' if met else 'NOT MET'}] {label}")
    print(f"\nwhole run: {time.perf_counter() - wall:.0f} s")

    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "label": args.label,
        "args": vars(args), "cores": cores, "password_hasher": seeded["hasher"],
        "scenarios": [sc.as_dict() for sc in scenarios],
        "cpu_per_broker_in_floor_requests": {
            sc.name: round(sc.cpu_ms_per_broker / floor_ms, 1) for sc in scenarios},
        "floor": {"server_cpu_ms_per_request": round(floor_ms, 3),
                  "requests_per_s": round(floor.rate, 1) if floor else None},
        "check": check, "verdicts": verdicts,
    }
    path = out / f"morning-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"results: {path.relative_to(ROOT)}")
    return 0 if check["lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
