#!/usr/bin/env python
"""Soak test of the exam scenario: errors, lost answers and memory growth over time.

    make soak                                   # 10 minutes, 200 examinees
    .venv/bin/python bench/soak.py --minutes 1 --brokers 40     # a quick check

Not a test in CI (it runs for minutes); the figures go to var/bench/soak-<time>.json and,
through ``make bench`` (bench/report.py), into docs/PERFORMANCE.md.

What it does:

1. Creates ``academy_bench_soak`` afresh (``BENCH_SOAK_DATABASE_URL``) and seeds it with the
   answer-save benchmark's own setup (``bench.exam_save.create_database``, ``migrate`` and
   ``seed``: an open sitting, N signed-in brokers, an attempt each).
2. Starts, each in a process group of its own: a private ``redis-server`` on a free port (the
   Celery broker; the shared Redis is not touched), gunicorn with the production settings
   (``bench.settings``) and a Celery worker with embedded beat (prefork, 2 processes) on it.
3. For ``--minutes``: every examinee saves an answer every ``--think`` seconds on average
   (waiting for each answer, like the exam page); a ``--submit-share`` of them submit at a
   random moment and stop; beat sends the worker its heartbeat, the overdue-attempt sweep,
   and the readiness and issuance sweeps over every broker (every 30 and 60 s here, so that
   the worker has steady work). Every ``--sample`` seconds the resident
   memory (RSS) of every gunicorn and Celery process is read from /proc.
4. Reports: failed requests (must be 0), answers lost (every acknowledged save must be in the
   database with its last client_ts and value: must be 0), errors logged by the worker
   (must be 0), and the memory of the web and worker processes after the warm-up (the first
   ``--warmup`` share of the run) against the end, with the trend in MiB per hour.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The answer-save benchmark's setup (database, brokers, sessions, attempts, gunicorn) and its
# check of acknowledged answers; the load loop below is the soak's own.
import bench.exam_save as exam_save  # noqa: E402  (the path above first)
from bench.exam_save import (  # noqa: E402
    PYTHON,
    Acked,
    Examinee,
    Server,
    answer_value,
    client_session,
    create_database,
    django_env,
    free_port,
    migrate,
    seed,
    verify,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench_soak"
SAVE_PATH = "/api/v1/attempts/{attempt}/answers/{item}/"
#: Growth from the end of the warm-up to the end of the run above which a process group
#: counts as leaking, in percent (the trend in MiB per hour is reported beside it: over a
#: short run it extrapolates noise, over 10 minutes it shows a slow leak).
MAX_GROWTH_PERCENT = 5.0


# --- Processes ----------------------------------------------------------------------------------

class Background:
    """A helper process in its own process group, its output in a temporary log."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        self.name = name
        fd, path = tempfile.mkstemp(prefix=f"soak-{name}-", suffix=".log")
        self.log_path = Path(path)
        with os.fdopen(fd, "w") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            # The leader only: Celery's main process then stops its pool children itself (a
            # SIGTERM to the whole group would make it log each child's death as an error).
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc; Linux only)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def _rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(_children(current))
    return pids


class MemorySampler(threading.Thread):
    """Every ``interval`` seconds, the RSS of each process group (the leader and its tree)."""

    def __init__(self, groups: dict[str, int], interval: float) -> None:
        super().__init__(daemon=True)
        self.groups = groups
        self.interval = interval
        self.samples: list[dict] = []  # {"t": seconds, group: {"total": MiB, "processes": n}}
        self.stopped = threading.Event()
        self.t0 = time.monotonic()

    def sample(self) -> None:
        row: dict = {"t": round(time.monotonic() - self.t0, 1)}
        for name, leader in self.groups.items():
            sizes = [m for m in (_rss_mib(p) for p in _tree(leader)) if m is not None]
            row[name] = {"total": round(sum(sizes), 1), "processes": len(sizes),
                         "largest": round(max(sizes, default=0.0), 1)}
        self.samples.append(row)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()


def _slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) points, in MiB per hour."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    cov = sum((t - mean_t) * (m - mean_m) for t, m in points)
    return cov / var * 3600


def memory_summary(samples: list[dict], group: str, warmup_s: float) -> dict:
    steady = [s for s in samples if s["t"] >= warmup_s] or samples[-1:]
    if not steady:
        return {}
    first, last = steady[0][group], steady[-1][group]
    return {
        "after_warmup_mib": first["total"], "end_mib": last["total"],
        "growth_mib": round(last["total"] - first["total"], 1),
        "growth_percent": round(100 * (last["total"] - first["total"]) / first["total"], 1)
        if first["total"] else 0.0,
        "trend_mib_per_hour": round(_slope_per_hour(
            [(s["t"], s[group]["total"]) for s in steady]), 1),
        "peak_mib": max(s[group]["total"] for s in samples),
        "largest_process_end_mib": last["largest"],
        "processes": last["processes"],
    }


# --- Load -----------------------------------------------------------------------------------

class Phase:
    """What the soak's clients saw: latencies of successful saves, errors by kind."""

    def __init__(self, name: str, clients: int) -> None:
        self.name, self.clients = name, clients
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.started = self.ended = self.load = 0.0

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        return self.ok / max(1e-9, self.ended - self.started)

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, max(0, math.ceil(p / 100 * len(data)) - 1))] * 1000


def _headers(ex: Examinee) -> dict[str, str]:
    return {"Cookie": f"sessionid={ex.session_key}; csrftoken={ex.csrf}",
            "X-CSRFToken": ex.csrf, "Accept": "application/json"}


async def save(session, base: str, ex: Examinee, rng: random.Random, phase: Phase,
               acked: Acked) -> None:
    """One answer through the real endpoint, waiting for the reply like the exam page."""
    import aiohttp

    item_id, qtype = rng.choice(ex.items)
    value = answer_value(qtype, rng)
    ts = ex.next_ts()
    body = json.dumps({"value": value, "client_ts": ts}, ensure_ascii=False).encode()
    started = time.perf_counter()
    try:
        async with session.put(f"{base}{SAVE_PATH.format(attempt=ex.attempt_id, item=item_id)}",
                               data=body, headers={**_headers(ex),
                                                   "Content-Type": "application/json"}
                               ) as response:
            payload = await response.read()
            status = response.status
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        phase.error(type(exc).__name__)
        return
    if status != 200:
        phase.error(f"HTTP {status}")
        return
    data = json.loads(payload)
    if data.get("saved"):
        acked.record(ex.attempt_id, item_id, ts, value)
    elif not data.get("stale"):
        phase.error("not saved")
        return
    phase.latencies.append(time.perf_counter() - started)


async def submit(session, base: str, ex: Examinee, phase: Phase) -> bool:
    import aiohttp

    headers = _headers(ex)
    try:
        async with session.post(f"{base}/api/v1/attempts/{ex.attempt_id}/submit/",
                                headers=headers) as response:
            await response.read()
            status = response.status
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        phase.error(f"submit {type(exc).__name__}")
        return False
    if status != 200:
        phase.error(f"submit HTTP {status}")
        return False
    return True


async def warm_up(base: str, examinees: list[Examinee], acked: Acked) -> None:
    """A few saves, unmeasured: each gunicorn worker's first requests load the URL
    configuration, translations and a database connection."""
    phase = Phase("warm-up", 0)
    async with client_session(10) as session:
        for round_ in range(3):
            await asyncio.gather(*(save(session, base, ex, random.Random(round_ * 100 + i),
                                        phase, acked)
                                   for i, ex in enumerate(examinees[:10])))


async def soak(base: str, examinees: list[Examinee], seconds: float, think: float,
               submit_share: float, acked: Acked, seed_: int) -> tuple[Phase, int]:
    phase = Phase(f"soak: {len(examinees)} examinees, 1 save/{think:g} s each",
                  len(examinees))
    submitted = 0
    async with client_session(len(examinees)) as session:
        t0 = time.perf_counter()

        async def examinee(ex: Examinee, rng: random.Random) -> None:
            nonlocal submitted
            # A share submit at a random moment (after a first minute or tenth of the run).
            until = seconds
            if rng.random() < submit_share:
                until = rng.uniform(min(60.0, seconds / 10), seconds)
            await asyncio.sleep(rng.uniform(0, min(think, until)))
            while time.perf_counter() - t0 < until:
                await save(session, base, ex, rng, phase, acked)
                await asyncio.sleep(rng.expovariate(1 / think))
            if until < seconds and await submit(session, base, ex, phase):
                submitted += 1

        phase.started = t0
        await asyncio.gather(*(examinee(ex, random.Random(seed_ + i))
                               for i, ex in enumerate(examinees)))
        phase.ended = time.perf_counter()
    phase.load = os.getloadavg()[0]
    return phase, submitted


# --- Main -----------------------------------------------------------------------------------

def _wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not listen within {timeout:.0f} s")


def _worker_errors(log: str) -> list[str]:
    return [line for line in log.splitlines()
            if re.search(r"\b(ERROR|CRITICAL)\b|Traceback", line)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--database-url",
                        default=os.environ.get("BENCH_SOAK_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--brokers", type=int, default=200)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean seconds between one examinee's saves")
    parser.add_argument("--submit-share", type=float, default=0.25,
                        help="share of examinees who submit during the run")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples")
    parser.add_argument("--warmup", type=float, default=0.2,
                        help="share of the run before the memory baseline is taken")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    seconds = args.minutes * 60

    print(f"soak: {args.minutes:g} min, {args.brokers} examinees, 1 save/{args.think:g} s "
          f"each, {args.submit_share:.0%} submit; database "
          f"{args.database_url.rsplit('/', 1)[-1]}")
    print("  creating, migrating and seeding the database …")
    create_database(args.database_url)
    migrate(args.database_url)
    examinees = seed(args.database_url, args.brokers, args.questions)

    redis_port = free_port()
    redis = Background("redis", ["redis-server", "--port", str(redis_port), "--bind",
                                 "127.0.0.1", "--save", "", "--appendonly", "no"],
                       dict(os.environ))
    helpers = [redis]
    try:
        _wait_port(redis_port, redis.proc, "redis-server")
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        if hasattr(exam_save, "REDIS_URL"):  # the benchmark passes on only its own Redis
            exam_save.REDIS_URL = os.environ["REDIS_URL"]
        env = django_env(args.database_url)
        # Beat's sweeps far more often than in production, so that the worker has steady
        # work to leak memory on: every broker's readiness, issuance, the auto-submit.
        env.update({"READINESS_SWEEP_SECONDS": "30", "CERT_ISSUE_SWEEP_SECONDS": "60"})
        # Beat reads its schedule from the database: the installer puts these intervals there.
        subprocess.run([PYTHON, "manage.py", "schedules_install"], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        worker = Background("worker", [PYTHON, "-m", "celery", "-A", "academy", "worker",
                                       "--beat", "--concurrency", "2", "--loglevel", "INFO",
                                       "--without-gossip", "--without-mingle"],
                            env)
        helpers.append(worker)
        server = Server("academy.wsgi:application", "bench.settings", args.database_url,
                        args.workers, "sync", 1)
        try:
            sampler = MemorySampler({"web": server.proc.pid, "worker": worker.proc.pid},
                                    args.sample)
            sampler.sample()
            sampler.start()
            acked = Acked()
            base = f"http://127.0.0.1:{server.port}"
            print(f"  load for {seconds:.0f} s (gunicorn {args.workers} workers; Celery "
                  "worker with beat; RSS every "
                  f"{args.sample:g} s) …")
            asyncio.run(warm_up(base, examinees, acked))
            phase, submitted = asyncio.run(soak(base, examinees, seconds, args.think,
                                                args.submit_share, acked, args.seed))
            time.sleep(min(10.0, args.sample))  # let the worker finish what submits queued
            sampler.stopped.set()
            sampler.join()
            sampler.sample()
        finally:
            server.stop()
    finally:
        for helper in reversed(helpers):
            helper.stop()

    worker_log = worker.log()
    worker_errors = _worker_errors(worker_log)
    tasks_done = len(re.findall(r"Task \S+\[[0-9a-f-]+\] succeeded", worker_log))
    check = verify(args.database_url, acked)
    warmup_s = seconds * args.warmup
    memory = {group: memory_summary(sampler.samples, group, warmup_s)
              for group in ("web", "worker")}
    for helper in helpers:
        helper.log_path.unlink(missing_ok=True)

    print()
    print(f"requests: {phase.ok} saves ({phase.rate:.1f}/s), p50 {phase.pct(50):.1f} ms, "
          f"p99 {phase.pct(99):.1f} ms; {submitted} submits; errors: "
          f"{phase.error_count} {phase.errors or ''}")
    print(f"worker: {tasks_done} tasks succeeded; errors logged: {len(worker_errors)}")
    for line in worker_errors[:10]:
        print(f"    {line}")
    print(f"answers lost: {check['lost']} (of {check['acknowledged']} acknowledged)")
    for group, m in memory.items():
        print(f"memory {group:<6}: {m['processes']} processes, {m['after_warmup_mib']:.1f} MiB "
              f"after warm-up → {m['end_mib']:.1f} MiB at the end ({m['growth_mib']:+.1f} MiB, "
              f"{m['growth_percent']:+.1f} %), trend {m['trend_mib_per_hour']:+.1f} MiB/h, "
              f"peak {m['peak_mib']:.1f} MiB")
    verdicts = [
        ("0 failed requests", phase.error_count == 0),
        ("0 answers lost", check["lost"] == 0),
        ("0 errors logged by the worker", not worker_errors),
        *[(f"{group} memory growth after warm-up under {MAX_GROWTH_PERCENT:g} %",
           m["growth_percent"] < MAX_GROWTH_PERCENT) for group, m in memory.items()],
    ]
    print()
    for label, met in verdicts:
        print(f"  [{'met' if met else 'NOT MET'}] {label}")

    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "args": vars(args),
        "cores": os.cpu_count(),
        "requests": {"saves": phase.ok, "saves_per_s": round(phase.rate, 1),
                     "p50_ms": round(phase.pct(50), 1), "p99_ms": round(phase.pct(99), 1),
                     "submits": submitted, "errors": phase.errors,
                     "error_count": phase.error_count},
        "worker": {"tasks_succeeded": tasks_done, "errors_logged": len(worker_errors),
                   "error_lines": worker_errors[:20]},
        "check": check, "memory": memory, "samples": sampler.samples,
        "verdicts": {label: met for label, met in verdicts},
    }, indent=2, ensure_ascii=False))
    print(f"results: {path.relative_to(ROOT)}")
    return 0 if all(met for _, met in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
