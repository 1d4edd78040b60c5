#!/usr/bin/env python
"""CPU cost of one answer save, in process: the real endpoint against the framework floor.

    .venv/bin/python bench/exam_save_profile.py [--requests 2000] [--profile]

Needs the database of a previous ``bench/exam_save.py`` run (its brokers, sessions and
attempts; ``--database-url`` as there). Calls each WSGI application directly, one request
after another in this one process: no network, no gunicorn, no load generator competing for
the CPU. It reports, per request, the process CPU time, the wall time and the SQL queries
(and, for the real endpoint, the cache round trips), so the ratio endpoint / floor is a
same-run comparison that the machine's other load hardly moves. ``--profile`` prints the
top of a cProfile of the real endpoint.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench"


def environ_for(path: str, ex: dict, body: bytes) -> dict:
    import io as _io

    return {
        "REQUEST_METHOD": "PUT", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_COOKIE": f"sessionid={ex['session_key']}; csrftoken={ex['csrf']}",
        "HTTP_X_CSRFTOKEN": ex["csrf"], "HTTP_X_BENCH_USER": str(ex["user_id"]),
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "HTTP_ACCEPT": "application/json",
        "wsgi.input": _io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def run(app, path_fmt: str, examinees: list[dict], n: int, rng: random.Random,
        profile: cProfile.Profile | None = None) -> dict:
    from django.db import connection, reset_queries

    statuses: dict[int, int] = {}

    def start_response(status, headers, exc_info=None):
        code = int(status.split()[0])
        statuses[code] = statuses.get(code, 0) + 1

    bodies = []
    for i in range(n):
        ex = examinees[i % len(examinees)]
        item_id, _qtype = rng.choice(ex["items"])
        ts = int(time.time() * 1000) + i
        body = json.dumps({"value": rng.choice("ABCD"), "client_ts": ts}).encode()
        bodies.append((path_fmt.format(attempt=ex["attempt_id"], item=item_id), ex, body))
    connection.force_debug_cursor = True
    reset_queries()
    queries = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profile:
        profile.enable()
    for path, ex, body in bodies:
        response = app(environ_for(path, ex, body), start_response)
        for _chunk in response:
            pass
        response.close()  # as a WSGI server does: request_finished and its handlers run
        queries += len(connection.queries)
        reset_queries()
    if profile:
        profile.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    connection.force_debug_cursor = False
    return {"requests": n, "statuses": statuses, "cpu_ms": cpu * 1000 / n,
            "wall_ms": wall * 1000 / n, "queries": queries / n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_DB))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    name = args.database_url.rsplit("/", 1)[-1]
    cache_file = ROOT / "var" / "bench" / f"examinees-{name}.json"
    if not cache_file.exists():
        raise SystemExit(f"{cache_file} is missing: run bench/exam_save.py with this database "
                         "first")
    examinees = json.loads(cache_file.read_text())
    os.environ["BENCH_DATABASE_URL"] = args.database_url

    # Both applications in one process: the floor's settings module only configures Django
    # when it is first; here the real settings come first and the floor's view runs under
    # them (no middleware is involved in calling it directly, see floor_view below).
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    class FloorHandler(WSGIHandler):
        def load_middleware(self, is_async=False):
            with override_settings(MIDDLEWARE=[]):
                super().load_middleware(is_async)

    import bench.floor_urls  # noqa: F401  (the floor's URL configuration)

    floor_app = FloorHandler()

    def floor(environ, start_response):
        with override_settings(ROOT_URLCONF="bench.floor_urls"):
            return floor_app(environ, start_response)

    rng = random.Random(7)
    endpoint_path = "/api/v1/attempts/{attempt}/answers/{item}/"
    floor_path = "/floor/attempts/{attempt}/answers/{item}/"
    # Warm up both (URL resolvers, translations, connections).
    run(app, endpoint_path, examinees, 50, rng)
    run(floor, floor_path, examinees, 50, rng)
    results: dict[str, list[dict]] = {"endpoint": [], "floor": []}
    for _round in range(args.rounds):
        results["endpoint"].append(run(app, endpoint_path, examinees, args.requests, rng))
        results["floor"].append(run(floor, floor_path, examinees, args.requests, rng))

    print(f"{'':<10} {'CPU ms/req':>10} {'wall ms/req':>11} {'queries/req':>11}  statuses")
    best = {}
    for label, rounds in results.items():
        for r in rounds:
            print(f"{label:<10} {r['cpu_ms']:>10.3f} {r['wall_ms']:>11.3f} "
                  f"{r['queries']:>11.2f}  {r['statuses']}")
        best[label] = min(r["cpu_ms"] for r in rounds)
    print(f"\nbest CPU per request: endpoint {best['endpoint']:.3f} ms, floor "
          f"{best['floor']:.3f} ms; floor / endpoint = {best['floor'] / best['endpoint']:.2f} "
          f"(the throughput ratio a CPU-bound server would reach, ignoring PostgreSQL's share)")
    print(f"cache backend: {type(cache).__name__}")
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        run(app, endpoint_path, examinees, args.requests, rng, profile)
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
