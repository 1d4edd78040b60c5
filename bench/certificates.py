#!/usr/bin/env python
"""Benchmark of certificate issuance through a real Celery worker on PostgreSQL and Redis.

    .venv/bin/python bench/certificates.py                  # 2,000 certificates
    .venv/bin/python bench/certificates.py --count 10000    # the target's size
    .venv/bin/python bench/certificates.py --count 200      # a quick check
    .venv/bin/python bench/certificates.py --mode single    # one task per broker

What it does:

1. Creates the database ``academy_bench_certs`` afresh (``BENCH_CERTS_DATABASE_URL``), migrates
   it, creates a signing key under ``var/bench/certs/`` and bulk-creates N junior brokers whom
   the readiness engine has recorded as ready for intermediate (a requirement set in force, a
   ``BrokerReadiness`` row each): the state in which certificates are issued.
2. Starts a private ``redis-server`` (or uses ``--redis-url``) and a real worker,
   ``celery -A academy worker --pool=prefork --concurrency=2``, with the production settings
   (``bench.settings``); e-mails go to Django's dummy backend and there are no quiet hours, so
   every e-mail is sent at once (the most work).
3. Hands the brokers to the worker and waits. ``--mode batch`` (the default) queues them as the
   sweeps and the readiness tasks do when many brokers are ready at once
   (``certificates.services.batch.certificate_issue_queue``: ``certificates_issue_batch`` tasks of
   ``ACADEMY_CERT_ISSUE_BATCH`` brokers, each one transaction); ``--mode single`` sends
   ``certificate_issue_for_ready`` for every broker, as the readiness event of one broker does.
   A certificate counts as *issued* when its record, the level change and its signed
   credential exist (they commit together); *complete* when its PDF is stored too. The worker
   processes' resident memory is sampled every 0.2 s.
4. Reads each task's run time from the worker's log (the issuing transaction of a broker or a
   batch, the readiness re-evaluation the promotions trigger, the PDF task, the e-mail), and
   times the drawing of the PDF itself for up to 200 of the certificates (median, p95).
5. Checks the outcome: N certificates, N level changes and N notifications, serials gap-free,
   the audit chain intact.
6. Issues 50 more certificates in this process, without Celery, step by step: 25 one by one
   (the issuing transaction, signature included), 25 in one batch, then the PDF and a
   re-signature of the first 25: time and SQL queries per certificate, and with ``--profile``
   a cProfile of the batch transaction: where the time goes.

Targets on the 2-core machine: 10,000 certificates issued in under 60 s (167 per second) and
a PDF median under 50 ms. Results are printed and written to var/bench/certificates-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench_certs"
WORK = ROOT / "var" / "bench" / "certs"
TARGET_COUNT = 10_000
TARGET_SECONDS = 60.0
TARGET_PDF_MEDIAN_MS = 50.0
SAMPLE = 50  # brokers kept back for the in-process measurement of each step
TASK_LINE = re.compile(
    r"Task (?P<task>[\w.]+)\[[0-9a-f-]+\] (?P<outcome>succeeded|retry|raised|failed)"
    r"(?: in (?P<seconds>[\d.e-]+)s)?")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(url: str, redis_url: str) -> dict[str, str]:
    """What the worker and this process run with: the production settings on ``url``."""
    from bench.exam_save import django_env

    env = django_env(url)
    env.update({
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(WORK / "media"),
        "SIGNING_KEY_PATH": str(WORK / "keys" / "signing-ed25519.pem"),
        "SIGNING_KEY_AUTOCREATE": "0",
        "EMAIL_URL": "dummymail://",
        "NOTIFY_QUIET_START": "00:00",
        "NOTIFY_QUIET_END": "00:00",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return env


# --- Redis and the worker ------------------------------------------------------------------------


class Process:
    """A child process in a group of its own, stopped by its pid."""

    def __init__(self, cmd: list[str], *, env: dict[str, str] | None = None,
                 log: Path | None = None) -> None:
        self.log = log
        out = log.open("w") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def start_redis() -> tuple[Process, str]:
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed: pass --redis-url redis://...")
    port = free_port()
    redis = Process(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return redis, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the prefork pool's children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- Data ----------------------------------------------------------------------------------------


def seed(count: int) -> None:
    """N junior brokers recorded as ready for intermediate (bulk, a few seconds)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from academy.people.models import BrokerProfile, Level, Region, User
    from certificates.models import BrokerReadiness, RequirementSet

    now = timezone.now()
    password = make_password(None)
    junior = Level.objects.get(code="junior")
    intermediate = Level.objects.get(code="intermediate")
    region = Region.objects.order_by("sort_order", "pk").first()
    with transaction.atomic():
        requirements = RequirementSet.objects.create(
            level=intermediate, version=1, title="中级技术经纪人要求（基准测试）",
            effective_from=now - datetime.timedelta(days=365), is_current=True,
            practice_records=1)
        users = User.objects.bulk_create(
            [User(email=f"broker{i:05d}@bench.local", full_name=f"经纪人{i:05d}",
                  password=password, date_joined=now) for i in range(count)],
            batch_size=2000)
        BrokerProfile.objects.bulk_create(
            [BrokerProfile(user=user, level=junior, region=region,
                           level_since=now.date() - datetime.timedelta(days=800))
             for user in users], batch_size=2000)
        BrokerReadiness.objects.bulk_create(
            [BrokerReadiness(broker=user, level=intermediate, requirement_set=requirements,
                             ready=True, ready_since=now, met_count=1, total_count=1,
                             last_evaluated_at=now) for user in users], batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def counts(url: str) -> tuple[int, int]:
    """(issued: record and credential, complete: PDF stored too)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FILTER (WHERE credential <> ''), "
            "count(*) FILTER (WHERE credential <> '' AND pdf <> '') "
            "FROM certificates_certificate").fetchone()


def verify(count: int) -> dict[str, bool]:
    """Exactly one of everything per broker, serials gap-free, the audit chain intact."""
    from django.db.models import Count

    from academy.audit.models import AuditEvent
    from academy.audit.selectors import audit_chain_verify
    from academy.notifications.models import Notification
    from academy.people.models import BrokerProfile
    from certificates.models.issued import Certificate, SerialCounter

    per_broker = (Certificate.objects.values("broker_id").annotate(n=Count("pk"))
                  .filter(n__gt=1).count())
    counter = SerialCounter.objects.filter(level__code="intermediate").first()
    return {
        "one certificate per broker": Certificate.objects.count() == count and per_broker == 0,
        "every broker promoted": BrokerProfile.objects.filter(
            level__code="intermediate").count() == count,
        "one level change each": AuditEvent.objects.filter(
            action="people.level_changed").count() == count,
        "one notification each": Notification.objects.filter(
            kind="certificate_issued").count() == count,
        "serials gap-free": counter is not None and counter.last == count,
        "audit chain intact": audit_chain_verify().ok,
    }


def render_times(sample: int) -> list[float]:
    """Drawing the PDF (``certificates.services.pdf.certificate_pdf``, what the render task does before
    storing the file), in ms, for ``sample`` of the issued certificates, in this process."""
    from certificates.models.issued import Certificate
    from certificates.services.pdf import certificate_pdf

    certificates = list(Certificate.objects.select_related("level").order_by("pk")[:sample])
    certificate_pdf(certificates[0])  # the font is loaded once per process
    times = []
    for certificate in certificates:
        started = time.perf_counter()
        certificate_pdf(certificate)
        times.append((time.perf_counter() - started) * 1000)
    return times


def in_process(*, profile: bool) -> dict[str, dict[str, float]]:
    """Each step of the issuance run here, without Celery, for the ``SAMPLE`` brokers the worker
    did not get: milliseconds (median) and SQL queries per certificate. With ``profile``, prints
    where the issuing transaction spends its time (cProfile, cumulative)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from academy.celery import app
    from academy.people.models import User
    from certificates.credentials.signing import credential_sign_store
    from certificates.services.batch import certificates_issue_ready
    from certificates.services.issuance import certificate_issue_for_ready
    from certificates.services.pdf import certificate_pdf_store

    # What the services queue on commit goes nowhere (the worker and its Redis are gone).
    app.conf.broker_url = "memory://"
    app._pool, app.amqp._producer_pool = None, None
    ids = list(User.objects.filter(email__endswith="@bench.local", certificates__isnull=True)
               .order_by("pk").values_list("pk", flat=True))
    half = len(ids) // 2
    results = {}
    from academy.notifications.rendering import url_or_home

    url_or_home("certificates:my_certificates")  # the URLconf loads once per process
    # One batch of the second half: time and queries divided among its certificates.
    profiler = cProfile.Profile() if profile else None
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        issued = certificates_issue_ready(broker_ids=ids[half:])
        if profiler:
            profiler.disable()
        elapsed = (time.perf_counter() - started) * 1000
    assert len(issued) == len(ids) - half
    per = elapsed / len(issued)
    results[f"issue in a batch of {len(issued)} (per cert.)"] = {
        "median_ms": round(per, 1), "p95_ms": round(per, 1),
        "queries": round(len(captured.captured_queries) / len(issued), 1)}
    if profiler:
        print("\nWhere the batch transaction spends its time (cProfile, cumulative):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
    steps = {
        "issue one (transaction, signed)": lambda pk: certificate_issue_for_ready(broker_id=pk),
        "render PDF and store": lambda c: certificate_pdf_store(certificate_id=c.pk),
        "sign credential again": lambda c: credential_sign_store(certificate_id=c.pk),
    }
    subjects = ids[:half]
    for name, step in steps.items():
        times, queries, outputs = [], [], []
        for subject in subjects:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                outputs.append(step(subject))
                times.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured.captured_queries))
        if name.startswith("issue"):
            subjects = outputs  # the certificates the next steps work on
        results[name] = {"median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(percentile(times, 95), 1),
                         "queries": statistics.median(queries)}
    return results


def task_times(log: str) -> dict[str, list[float]]:
    """Each task's run times (ms) as the worker logged them."""
    times: dict[str, list[float]] = {}
    for match in TASK_LINE.finditer(log):
        if match["outcome"] == "succeeded" and match["seconds"]:
            name = match["task"].rsplit(".", 1)[-1]
            times.setdefault(name, []).append(float(match["seconds"]) * 1000)
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {"count": len(values), "median_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1), "mean_ms": round(statistics.mean(values), 1),
            "total_s": round(sum(values) / 1000, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000,
                        help="certificates to issue (1,000 to 10,000; default 2,000)")
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2,
                        help="worker processes (prefork pool; default: one per core)")
    parser.add_argument("--redis-url", default="",
                        help="an existing Redis to use (default: a private redis-server)")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--mode", choices=("batch", "single"), default="batch",
                        help="batch: batch tasks, as the sweeps queue a cohort found ready "
                             "(default); single: one task per broker, as one readiness event")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of the batch issuing transaction")
    args = parser.parse_args()
    if not 1 <= args.count <= 10_000:
        parser.error("--count must be between 1 and 10,000")
    url = os.environ.get("BENCH_CERTS_DATABASE_URL", DEFAULT_DB)

    from bench.exam_save import create_database

    started = time.perf_counter()
    print(f"Creating {url} with {args.count:,} brokers ready for intermediate ...", flush=True)
    create_database(url)
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "media").mkdir(parents=True)
    redis, redis_url = (None, args.redis_url) if args.redis_url else start_redis()
    env = environment(url, redis_url)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    subprocess.run([PYTHON, "manage.py", "signing_key_generate"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    os.environ.update(env)
    import django

    django.setup()
    seed(args.count + SAMPLE)
    print(f"  ready in {time.perf_counter() - started:.0f}s", flush=True)

    log_path = Path(tempfile.mkstemp(prefix="bench-certs-worker-", suffix=".log")[1])
    worker = Process([PYTHON, "-m", "celery", "-A", "academy", "worker", "--pool=prefork",
                      f"--concurrency={args.concurrency}", "--loglevel=INFO",
                      "--without-gossip", "--without-mingle", "--without-heartbeat",
                      "--hostname=bench-certs@%h"], env=env, log=log_path)
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text(errors="replace"):
            if worker.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the worker did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.2)
        idle_sizes = [rss_kib(pid) for pid in process_tree(worker.proc.pid)]
        idle_rss = sum(idle_sizes)

        from academy.people.models import User
        from certificates.services.batch import batch_size, certificate_issue_queue
        from certificates.tasks import certificate_issue_for_ready

        broker_ids = list(User.objects.filter(email__endswith="@bench.local")
                          .order_by("pk").values_list("pk", flat=True)[:args.count])
        how = (f"in batches of {batch_size()}" if args.mode == "batch"
               else "one task per broker")
        print(f"Issuing {len(broker_ids):,} certificates through the worker "
              f"({args.concurrency} processes, {how}) ...", flush=True)
        peak_rss, peak_single = idle_rss, max(idle_sizes)
        load_start = round(os.getloadavg()[0], 2)
        t0 = time.perf_counter()
        if args.mode == "batch":
            certificate_issue_queue(broker_ids)
        else:
            for broker_id in broker_ids:
                certificate_issue_for_ready.delay(broker_id)
        sent = time.perf_counter() - t0
        issued_at = complete_at = None
        last_report = 0.0
        while complete_at is None:
            now = time.perf_counter() - t0
            if now > args.timeout:
                raise SystemExit(f"timed out after {args.timeout:.0f}s")
            if worker.proc.poll() is not None:
                raise SystemExit("the worker died:\n" + log_path.read_text()[-3000:])
            tree = process_tree(worker.proc.pid)
            sizes = [rss_kib(pid) for pid in tree]
            peak_rss = max(peak_rss, sum(sizes))
            peak_single = max(peak_single, max(sizes))
            issued, complete = counts(url)
            if issued_at is None and issued >= args.count:
                issued_at = now
            if complete >= args.count:
                complete_at = now
            if now - last_report >= 5:
                print(f"  {now:5.0f}s  issued {issued:>6,}  with PDF {complete:>6,}  "
                      f"worker RSS {sum(sizes) / 1024:.0f} MB", flush=True)
                last_report = now
            time.sleep(0.2)
        # Let the e-mails queued last go out before reading the log.
        time.sleep(2)
        log = log_path.read_text(errors="replace")
    finally:
        worker.stop()
        if redis is not None:
            redis.stop()

    times = task_times(log)
    failures = len(re.findall(r"\] (?:raised|failed|retry)", log))
    outcome = verify(args.count)
    steps = in_process(profile=args.profile)
    rate = args.count / issued_at
    render = summary(render_times(min(args.count, 200)))
    projected = TARGET_COUNT / rate
    result = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "args": {"count": args.count, "concurrency": args.concurrency, "mode": args.mode},
        # The machine is shared: how busy it was when the issuing began and ended.
        "load_average_1min": {"start": load_start, "end": round(os.getloadavg()[0], 2)},
        "count": args.count,
        "worker_processes": args.concurrency,
        "send_seconds": round(sent, 2),
        "issued_seconds": round(issued_at, 2),
        "complete_seconds": round(complete_at, 2),
        "issued_per_second": round(rate, 1),
        "complete_per_second": round(args.count / complete_at, 1),
        # Drawing one PDF (median, p95 over up to 200 certificates, in this process); the
        # render task's own time, which adds reading the row and storing the file, is under
        # "tasks" ("certificate_render_pdf").
        "pdf_render": render,
        "tasks": {name: summary(values) for name, values in sorted(times.items())},
        # The same steps in this process, without Celery: time and SQL queries each.
        "in_process": steps,
        "task_failures": failures,
        "worker_rss_mib": {"idle": round(idle_rss / 1024, 1),
                           "peak_total": round(peak_rss / 1024, 1),
                           "peak_one_process": round(peak_single / 1024, 1)},
        "checks": outcome,
        "verdicts": {
            f"{TARGET_COUNT:,} issued in under {TARGET_SECONDS:.0f} s "
            f"(projected {projected:.0f} s)": projected < TARGET_SECONDS,
            f"PDF median under {TARGET_PDF_MEDIAN_MS:.0f} ms": render["median_ms"]
            < TARGET_PDF_MEDIAN_MS,
        },
    }
    log_path.unlink(missing_ok=True)

    print(f"\n{args.count:,} certificates: issued (record, level change, signed credential) in "
          f"{issued_at:.1f}s = {rate:.1f}/s; with PDFs in {complete_at:.1f}s "
          f"= {args.count / complete_at:.1f}/s (sending took {sent:.1f}s)")
    print(f"PDF drawing per certificate: median {render['median_ms']:.1f} ms, p95 "
          f"{render['p95_ms']:.1f} ms ({render['count']} certificates)")
    print(f"{'task':34} {'runs':>6} {'median':>8} {'p95':>8} {'mean':>8} {'total':>8}")
    for name, s in result["tasks"].items():
        print(f"{name:34} {s['count']:>6} {s['median_ms']:>6.1f}ms {s['p95_ms']:>6.1f}ms "
              f"{s['mean_ms']:>6.1f}ms {s['total_s']:>7.1f}s")
    print(f"{'in this process, per certificate':40} {'median':>8} {'p95':>8} {'queries':>8}")
    for name, step in steps.items():
        print(f"{name:40} {step['median_ms']:>6.1f}ms {step['p95_ms']:>6.1f}ms "
              f"{step['queries']:>8.1f}")
    rss = result["worker_rss_mib"]
    print(f"worker memory: idle {rss['idle']:.0f} MB, peak {rss['peak_total']:.0f} MB in all "
          f"(one process at most {rss['peak_one_process']:.0f} MB); task failures {failures}")
    print()
    for claim, ok in {**outcome, **result["verdicts"]}.items():
        print(f"{'OK  ' if ok else 'MISS'} {claim}")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"certificates-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nWritten to {path.relative_to(ROOT)}")
    return 0 if all(outcome.values()) and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
