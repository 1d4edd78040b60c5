#!/usr/bin/env python
"""Benchmark of drawing certifying papers for 2,000 brokers who have seen answer keys.

    .venv/bin/python bench/paper_draw.py                  # part of `make bench`
    .venv/bin/python bench/paper_draw.py --brokers 500 --seen 40

What it does (about a minute on a 2-core machine):

1. Creates the database ``academy_bench_draw`` afresh (``BENCH_DRAW_DATABASE_URL``) and
   migrates it; fills a bank of 1,200 single-choice questions over the eight knowledge tags,
   N brokers (default 2,000), and for every broker the keys it has seen (default 60 random
   questions: 120,000 ``QuestionExposure`` rows), as released practice results leave them.
2. Creates a certifying sitting of a rule paper (8 rules × 5 questions) for the N brokers
   (the creation runs the exposure-overlap check against a key-revealing practice sitting of
   the same brokers that closed before the certifying one opens), and times it.
3. Draws one paper per broker with ``paper_draw`` and the broker's exclusion subquery (the
   draw alone: time per draw, queries per draw), then starts one real attempt per broker
   with ``attempt_start`` (the draw plus the attempt and its 40 items written).
4. Checks, in SQL, that no attempt holds a question whose key its broker has seen, and
   times the sitting dashboard's exposure table over the whole pool.

Results are printed and written to var/bench/paper_draw-<time>.json with verdicts.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench_draw"
TAGS = ["tech-transfer-basics", "ip", "policy-law", "tech-contract", "tech-assessment",
        "negotiation", "tech-finance", "incubation"]
#: A draw (the broker's exclusion included) must stay well under a page load.
TARGET_DRAW_P95_MS = 50.0


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _fill(*, brokers: int, seen: int, questions: int, rng: random.Random) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from exams.models import Question, QuestionExposure, QuestionVersion, Tag

    User = get_user_model()
    started = time.perf_counter()
    tags = {t.code: t for t in Tag.objects.filter(code__in=TAGS)}
    with transaction.atomic():
        bank = Question.objects.bulk_create([
            Question(code=f"B-{n:05d}", type="single", difficulty=1 + n % 5,
                     default_points=Decimal("2")) for n in range(questions)])
        versions = QuestionVersion.objects.bulk_create([
            QuestionVersion(question=q, number=1, stem=f"第{q.pk}题：技术合同的哪一项正确？",
                            options=[{"key": k, "text": f"选项{k}"} for k in "ABCD"],
                            answer="A") for q in bank])
        for question, version in zip(bank, versions, strict=True):
            question.current_version = version
        Question.objects.bulk_update(bank, ["current_version"], batch_size=2000)
        Through = Question.tags.through
        Through.objects.bulk_create([
            Through(question_id=q.pk, tag_id=tags[TAGS[i % len(TAGS)]].pk)
            for i, q in enumerate(bank)], batch_size=5000)
        users = User.objects.bulk_create([
            User(email=f"bench-broker{n:05d}@bench.local", full_name=f"经纪人{n:05d}",
                 password="!") for n in range(brokers)], batch_size=2000)
        now = timezone.now()
        ids = [q.pk for q in bank]
        rows = []
        for user in users:
            rows += [QuestionExposure(user_id=user.pk, question_id=qid, exposed_at=now)
                     for qid in rng.sample(ids, seen)]
        QuestionExposure.objects.bulk_create(rows, batch_size=10000)
    from django.db import connection

    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum keeps them on a live database; without them the
        # planner guesses 8 rows per tag and plans parallel workers for a 150-row scan.
        cursor.execute("ANALYZE")
    return {"users": users, "seconds": round(time.perf_counter() - started, 1),
            "exposures": len(rows)}


def _run(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from exams.models import Attempt, Paper, PaperRule, QuestionExposure, Sitting, Tag
    from exams.services.attempts import attempt_start
    from exams.services.exposure import exposed_question_ids, sitting_question_exposure
    from exams.services.papers import paper_create, paper_draw, sitting_create

    rng = random.Random(2026)
    filled = _fill(brokers=args.brokers, seen=args.seen, questions=args.questions, rng=rng)
    users = filled["users"]
    print(f"filled: {args.questions} questions, {len(users)} brokers, "
          f"{filled['exposures']:,} exposures in {filled['seconds']} s")

    tags = {t.code: t for t in Tag.objects.filter(code__in=TAGS)}
    paper = paper_create(title="结业考试（规则抽题）", kind=Paper.Kind.RULES, created_by=None,
                         shuffle_options=True)
    PaperRule.objects.bulk_create([
        PaperRule(paper=paper, order=i, tag=tags[code], count=5, points_each=Decimal("2.5"))
        for i, code in enumerate(TAGS)])
    practice_paper = paper_create(title="练习", kind=Paper.Kind.RULES, created_by=None)
    PaperRule.objects.create(paper=practice_paper, tag=tags["tech-contract"], count=20,
                             points_each=Decimal("1"))
    now = timezone.now()
    sitting_create(paper=practice_paper, title="单元练习（已结束）", created_by=None,
                   brokers=users, opens_at=now - datetime.timedelta(days=20),
                   closes_at=now - datetime.timedelta(days=10), duration_minutes=30,
                   purpose=Sitting.Purpose.PRACTICE, show_answers=True,
                   release_policy=Sitting.ReleasePolicy.IMMEDIATE)
    began = time.perf_counter()
    sitting = sitting_create(paper=paper, title="结业考试", created_by=None, brokers=users,
                             opens_at=now - datetime.timedelta(minutes=5),
                             closes_at=now + datetime.timedelta(days=1), duration_minutes=120,
                             purpose=Sitting.Purpose.CERTIFYING)
    create_ms = _ms(time.perf_counter() - began)
    print(f"sitting created (exposure-overlap check over {len(users)} brokers): {create_ms} ms")

    draw_times, draw_queries = [], []
    began_all = time.perf_counter()
    for n, user in enumerate(users):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            paper_draw(paper=paper, seed=n, exclude=exposed_question_ids(user))
            draw_times.append(time.perf_counter() - began)
        draw_queries.append(len(queries))
    draws_total = time.perf_counter() - began_all

    start_times = []
    began_all = time.perf_counter()
    for user in users:
        began = time.perf_counter()
        attempt_start(sitting=sitting, user=user)
        start_times.append(time.perf_counter() - began)
    starts_total = time.perf_counter() - began_all

    leaked = _leaks(sitting.pk)
    began = time.perf_counter()
    exposure_rows = sitting_question_exposure(sitting)
    dashboard_ms = _ms(time.perf_counter() - began)

    result = {
        "brokers": len(users), "questions": args.questions, "seen_per_broker": args.seen,
        "exposures": QuestionExposure.objects.count(),
        "items_per_paper": 40,
        "sitting_create_ms": create_ms,
        "draw": {"total_s": round(draws_total, 2),
                 "median_ms": _ms(statistics.median(draw_times)),
                 "p95_ms": _ms(_percentile(draw_times, 0.95)),
                 "max_ms": _ms(max(draw_times)),
                 "queries_per_draw": max(draw_queries)},
        "attempt_start": {"total_s": round(starts_total, 2),
                          "median_ms": _ms(statistics.median(start_times)),
                          "p95_ms": _ms(_percentile(start_times, 0.95)),
                          "max_ms": _ms(max(start_times)),
                          "attempts": Attempt.objects.filter(sitting=sitting).count()},
        "exposed_questions_drawn": leaked,
        "exposure_table_ms": dashboard_ms, "exposure_table_rows": len(exposure_rows),
    }
    result["verdicts"] = {
        f"draw p95 under {TARGET_DRAW_P95_MS:g} ms": result["draw"]["p95_ms"]
        < TARGET_DRAW_P95_MS,
        "four queries per draw, whatever the number of brokers or rules":
            result["draw"]["queries_per_draw"] <= 4,
        "no question whose key the broker saw was drawn": leaked == 0,
        "every broker got an attempt": result["attempt_start"]["attempts"] == len(users),
    }
    return result


def _leaks(sitting_id: int) -> int:
    """Attempt items of the sitting whose question's key the attempt's broker has seen."""
    from django.db.models import F

    from exams.models import AttemptItem

    return AttemptItem.objects.filter(
        attempt__sitting_id=sitting_id,
        question_version__question__exposures__user_id=F("attempt__user_id"),
    ).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brokers", type=int, default=2000)
    parser.add_argument("--seen", type=int, default=60, help="keys each broker has seen")
    parser.add_argument("--questions", type=int, default=1200)
    parser.add_argument("--database", default=os.environ.get("BENCH_DRAW_DATABASE_URL",
                                                             DEFAULT_DB))
    args = parser.parse_args()

    from bench.exam_save import create_database, django_env, migrate

    print(f"database {args.database}: recreating and migrating …")
    create_database(args.database)
    migrate(args.database)
    os.environ.update(django_env(args.database))
    os.environ["LOG_LEVEL"] = "WARNING"
    result = _run(args)
    result["when"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    result["command"] = "bench/paper_draw.py " + " ".join(sys.argv[1:])
    print(json.dumps({k: v for k, v in result.items() if k != "verdicts"}, indent=2,
                     ensure_ascii=False))
    for verdict, met in result["verdicts"].items():
        print(f"  {'met ' if met else 'MISSED'}  {verdict}")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out / f"paper_draw-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
