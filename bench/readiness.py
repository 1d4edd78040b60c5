#!/usr/bin/env python
"""Benchmark of the readiness engine on PostgreSQL: the set-based form against the
single-broker form looped.

    .venv/bin/python bench/readiness.py                    # 100,000 brokers
    .venv/bin/python bench/readiness.py --brokers 10000    # smaller, while iterating
    .venv/bin/python bench/readiness.py --keep             # the database as the last run left it

What it does:

1. Creates the database ``academy_bench_readiness`` afresh (``BENCH_READINESS_DATABASE_URL``),
   migrates it and grows the pool with ``bench/dashboard.py``'s catalogue and bulk inserts (a
   year of activity: enrolments, lesson progress, attendance, attempts, practice records,
   promotions). The intermediate requirement set in force is made to ask for every kind of
   requirement: 40 class hours in total, hours in two course areas and in one course, the final
   exam, one approved practice record, a contract amount, and 12 months at junior level.
2. Runs the set-based form (``certificates.selectors.readiness_sets.brokers_readiness_flags``) over every
   broker ``--repeat`` times: wall time (median) and the number of SQL statements.
3. Runs the single-broker form (``certificates.selectors.readiness.broker_readiness``) for a sample of
   ``--sample`` brokers spread over the pool: time and statements per broker, and the total
   extrapolated to the whole pool (what a loop over every broker would cost).
4. Checks that the two forms agree on every broker of the sample (groups of requirement kinds
   met, ready or not).

Results are printed and written to var/bench/readiness-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench_readiness"


class Counter:
    """Counts the SQL statements run on the default connection while installed."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def ask_for_every_kind(cat) -> None:
    """Make the intermediate set in force ask for each kind of requirement."""
    from decimal import Decimal

    from certificates.models import AreaHoursRequirement, CourseHoursRequirement, RequirementSet
    from courses.models import Course, CourseArea, ProgrammeCourse

    rs = RequirementSet.objects.get(pk=cat.requirement_set)
    rs.months_at_previous_level = 12
    rs.practice_min_contract_amount = Decimal("100000")
    rs.save(update_fields=["months_at_previous_level", "practice_min_contract_amount"])
    courses = list(Course.objects.filter(pk__in=ProgrammeCourse.objects.filter(
        programme_id=cat.junior_programme).values("course_id")).order_by("pk"))
    for area in CourseArea.objects.filter(pk__in=[c.area_id for c in courses])[:2]:
        AreaHoursRequirement.objects.get_or_create(requirement_set=rs, area=area,
                                                   defaults={"hours": Decimal("6")})
    if courses:
        CourseHoursRequirement.objects.get_or_create(requirement_set=rs, course=courses[0],
                                                     defaults={"hours": Decimal("4")})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brokers", type=int, default=100_000,
                        help="brokers in the pool (a multiple of 1,000)")
    parser.add_argument("--sample", type=int, default=1_000,
                        help="brokers the single-broker form is looped over")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the set-based form")
    parser.add_argument("--keep", action="store_true",
                        help="measure the database as the last run left it (no seeding)")
    args = parser.parse_args()
    if args.brokers % 1000:
        raise SystemExit("--brokers: a multiple of 1,000")
    url = os.environ.get("BENCH_READINESS_DATABASE_URL", DEFAULT_DB)

    from bench import dashboard
    from bench.exam_save import create_database, migrate

    wall = time.perf_counter()
    state = ROOT / "var" / "bench" / "readiness-catalogue.json"
    if not args.keep:
        create_database(url)
    migrate(url)
    dashboard._setup_django(url)
    if args.keep:
        data = json.loads(state.read_text())
        import datetime

        data["today"] = datetime.date.fromisoformat(data["today"])
        cat = dashboard.Catalogue(**{**data, "programmes": {
            int(k): v for k, v in data["programmes"].items()}})
        seeding = {}
    else:
        cat = dashboard.setup_catalogue()
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({k: v for k, v in vars(cat).items()
                                     if k not in ("papers", "versions")}, default=str))
        print(f"bench/readiness.py: growing the pool to {args.brokers:,} brokers …", flush=True)
        t0 = time.perf_counter()
        counts = dashboard.grow(cat, 0, args.brokers)
        ask_for_every_kind(cat)
        dashboard.vacuum_analyze()
        seeding = {"rows": counts, "seconds": round(time.perf_counter() - t0, 1)}
        print("    " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)

    from django.db import connection

    from academy.people.models import BrokerProfile
    from certificates.selectors.readiness import broker_readiness
    from certificates.selectors.readiness_sets import brokers_readiness_flags

    pool = BrokerProfile.objects.count()

    set_times, set_queries, flags = [], 0, {}
    for _ in range(args.repeat):
        counter = Counter()
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            flags = brokers_readiness_flags()
            set_times.append(time.perf_counter() - t0)
        set_queries = counter.n
    print(f"  set-based: {len(flags):,} brokers in {statistics.median(set_times):.2f} s "
          f"(median of {args.repeat}), {set_queries} SQL statements", flush=True)

    ids = sorted(flags)
    step = max(1, len(ids) // args.sample)
    sample = ids[::step][:args.sample]
    counter = Counter()
    disagreements = []
    with connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        answers = {pk: broker_readiness(pk) for pk in sample}
        single_seconds = time.perf_counter() - t0
    for pk, answer in answers.items():
        groups = answer.groups()
        if {k: flags[pk][k] for k in groups} != groups:
            disagreements.append(pk)
    per_broker_ms = single_seconds * 1000 / len(sample)
    per_broker_queries = counter.n / len(sample)
    looped_seconds = per_broker_ms * pool / 1000
    print(f"  single-broker looped: {len(sample):,} brokers in {single_seconds:.1f} s = "
          f"{per_broker_ms:.1f} ms and {per_broker_queries:.1f} statements per broker; "
          f"over {pool:,} brokers ≈ {looped_seconds:,.0f} s and "
          f"{per_broker_queries * pool:,.0f} statements", flush=True)
    ready = sum(1 for f in flags.values() if f["ready"])
    by_flag = {flag: sum(1 for f in flags.values() if f[flag])
               for flag in ("judged", "hours_met", "exams_sat", "exams_met", "practice_met",
                            "time_met", "ready")}
    print(f"  brokers per flag: {by_flag}; disagreements in the sample: {len(disagreements)}")
    speedup = looped_seconds / statistics.median(set_times)
    verdicts = {
        f"the two forms agree on all {len(sample):,} sampled brokers": not disagreements,
        f"set-based at least 100x faster than the single-broker engine looped over "
        f"{pool:,} brokers (measured {speedup:,.0f}x)": speedup >= 100,
        f"set-based: at most 8 statements whatever the pool (two SET LOCAL, the levels, the "
        f"requirement sets and their rows, the one statement; measured {set_queries})":
            set_queries <= 8,
    }
    for label, met in verdicts.items():
        print(f"  [{'met' if met else 'NOT MET'}] {label}")

    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"readiness-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "args": vars(args),
        "cores": os.cpu_count(), "brokers": pool, "seeding": seeding,
        "set_based": {"seconds_median": round(statistics.median(set_times), 3),
                      "seconds": [round(t, 3) for t in set_times],
                      "statements": set_queries},
        "single_looped": {"sample": len(sample), "seconds": round(single_seconds, 2),
                          "ms_per_broker": round(per_broker_ms, 2),
                          "statements_per_broker": round(per_broker_queries, 2),
                          "extrapolated_seconds": round(looped_seconds, 1),
                          "extrapolated_statements": round(per_broker_queries * pool)},
        "speedup": round(speedup, 1),
        "brokers_per_flag": by_flag, "ready": ready,
        "disagreements": disagreements[:20],
        "verdicts": verdicts,
        "whole_run_seconds": round(time.perf_counter() - wall, 1),
    }, indent=2, ensure_ascii=False))
    print(f"results: {path.relative_to(ROOT)}")
    return 0 if not disagreements else 1


if __name__ == "__main__":
    raise SystemExit(main())
