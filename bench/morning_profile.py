#!/usr/bin/env python
"""CPU, queries and cache round trips of each step of the exam morning, in process.

    .venv/bin/python bench/morning_profile.py [--brokers 40] [--profile "start"]

Needs the database of a previous ``bench/morning.py`` run (its sitting and paper;
``--database-url`` as there). Adds ``--brokers`` fresh brokers, then runs each one's morning
(login page, login, exam page, start, first save) one after another through Django's test
client with the benchmark's production settings (``bench.settings``, Redis when ``--redis-url``
answers): no network, no gunicorn, no load generator competing for the CPU. Prints per step
the median process CPU, the SQL queries and the cache calls; ``--profile STEP`` prints the top
of a cProfile of that step. The first broker warms the process up (imports, URL resolver,
templates) as a running worker is, and is left out of the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import exam_save  # noqa: E402
from bench.morning import DEFAULT_DB, ITEM, PASSWORD, STEPS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_MORNING_DATABASE_URL",
                                                                 DEFAULT_DB))
    parser.add_argument("--brokers", type=int, default=40)
    parser.add_argument("--profile", default="", choices=["", *STEPS])
    parser.add_argument("--sql", action="store_true", help="print the last broker's SQL")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    args = parser.parse_args()
    exam_save.REDIS_URL = args.redis_url
    os.environ.update(exam_save.django_env(args.database_url))
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from academy.people.models import User
    from academy.people.selectors import Role
    from exams.models import Sitting

    sitting = Sitting.objects.order_by("-pk").first()
    template = User.objects.filter(email__startswith="morning").first()
    stamp = int(time.time())
    users = User.objects.bulk_create([
        User(email=f"profile{stamp}-{i}@bench.local", full_name=f"剖析{i}",
             password=template.password) for i in range(args.brokers)])
    role = Group.objects.get(name=Role.BROKER)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=role.pk) for u in users])
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users])
    sitting.brokers.add(*users)

    calls = {"n": 0}
    for name in ("get", "set", "add", "delete", "incr", "get_many", "set_many", "touch"):
        original = getattr(cache, name)

        def counted(*a, _original=original, **kw):
            calls["n"] += 1
            return _original(*a, **kw)
        setattr(cache, name, counted)

    cpu: dict[str, list[float]] = {s: [] for s in STEPS}
    queries: dict[str, list[int]] = {s: [] for s in STEPS}
    cache_calls: dict[str, list[int]] = {s: [] for s in STEPS}
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def one_morning(n: int, user) -> None:
        client = Client(REMOTE_ADDR=f"127.40.{n // 250}.{n % 250 + 1}",
                        HTTP_HOST="127.0.0.1")

        def step(name, fn):
            calls["n"] = 0
            with CaptureQueriesContext(connection) as ctx:
                profiling = profiler and name == args.profile and n > 0
                if profiling:
                    profiler.enable()
                t = time.process_time()
                response = fn()
                spent = time.process_time() - t
                if profiling:
                    profiler.disable()
            if n > 0:
                cpu[name].append(spent)
                queries[name].append(len(ctx.captured_queries))
                cache_calls[name].append(calls["n"])
            if args.sql and n == len(users) - 1:
                print(f"--- {name}")
                for q in ctx.captured_queries:
                    print("   ", q["sql"][:220])
            return response

        page = step("login page", lambda: client.get("/accounts/login/"))
        token = csrf.search(page.content.decode()).group(1)
        answer = step("login", lambda: client.post("/accounts/login/", {
            "login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token}))
        assert answer.status_code == 302, answer.status_code
        step("exam page", lambda: client.get(f"/exams/sittings/{sitting.pk}/"))

        def start():
            begun = client.post(f"/exams/sittings/{sitting.pk}/start/")
            return begun, client.get(begun["Location"])
        begun, exam = step("start", start)
        attempt_id = int(begun["Location"].rstrip("/").rsplit("/", 1)[1])
        item_id = int(ITEM.search(exam.content.decode()).group(1))
        saved = step("first save", lambda: client.put(
            f"/api/v1/attempts/{attempt_id}/answers/{item_id}/",
            data=json.dumps({"value": "A", "client_ts": int(time.time() * 1000)}),
            content_type="application/json",
            headers={"X-CSRFToken": client.cookies["csrftoken"].value}))
        assert saved.status_code == 200, saved.content

    for n, user in enumerate(users):
        one_morning(n, user)

    head = f"{'step':<12} {'CPU ms (median)':>16} {'queries':>8} {'cache calls':>12}"
    print(head)
    print("-" * len(head))
    total = 0.0
    for s in STEPS:
        median = statistics.median(cpu[s]) * 1000
        total += median
        print(f"{s:<12} {median:>16.2f} {statistics.median(queries[s]):>8.0f} "
              f"{statistics.median(cache_calls[s]):>12.0f}")
    print(f"{'whole':<12} {total:>16.2f}")
    if profiler:
        out = io.StringIO()
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(os.environ["PROFILE_DUMP"])
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
