#!/usr/bin/env python
"""Benchmark of the reminder sweeps over 100,000 enrolments on PostgreSQL.

    .venv/bin/python bench/sweeps.py                 # or: make bench-sweeps
    .venv/bin/python bench/sweeps.py --enrolments 20000 --keep

What it does (about 3 minutes on a 2-core machine, most of it creating the data):

1. Creates the database ``academy_bench_sweeps`` afresh (``BENCH_SWEEPS_DATABASE_URL``),
   migrates it, and fills it with COPY: N brokers (default 100,000) in N/50 cohorts of ten
   programmes (5 required courses × 4 lessons each), cohorts started over the last 120 days
   and lasting 90 (some ended), a deadline per course every 15 days, ~10 completed lessons per broker
   (~1,000,000 progress rows), a session and an exam sitting per cohort, attempts (half of
   the brokers of every cohort whose exam has opened; a tenth auto-submitted; released or
   with an essay waiting for grading), 200 trainers, 3 admins, 5,000 pending invitations,
   6,000 practice records (half waiting for review, half reviewed yesterday) and a
   certificate for every tenth broker, expiring over the next year (20 renewal hours due).
2. Runs every registered sweep once, each in a fresh process (so that its peak memory is its
   own): time, number of SQL queries, reminders created, the process's resident memory
   before the sweep and its peak (VmHWM) after. The reminder log starts empty: this is the
   worst case, the first run ever, with every current reminder created at once. E-mails are
   queued to an in-memory Celery broker (the sweep's job ends at the hand-over).
3. Runs every sweep a second time: nothing may be created (at most once), and the time of a
   routine run with nothing new.

Results are printed as a table and written to var/bench/sweeps-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench_sweeps"
COHORT_SIZE = 50
PROGRAMMES = 10
COURSES_PER_PROGRAMME = 5
LESSONS_PER_COURSE = 4


def _env(url: str) -> dict[str, str]:
    from bench.exam_save import django_env

    env = django_env(url)
    env["LOG_LEVEL"] = "WARNING"
    return env


def _setup_django(url: str) -> None:
    os.environ.update(_env(url))
    import django

    django.setup()


# --- Data ------------------------------------------------------------------------------------


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY ``rows`` into ``table``; returns how many."""
    from django.db import connection

    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _max_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return cursor.fetchone()[0]


def _reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from academy.notifications.models import Reminder  # noqa: F401
    from academy.people.models import Invitation, PracticeRecord, User
    from certificates.models.issued import Certificate
    from courses.models import Enrolment, LessonProgress
    from exams.models import Answer, Attempt, AttemptItem

    models = [User, Invitation, PracticeRecord, Enrolment, LessonProgress, Attempt,
              AttemptItem, Answer, Certificate]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def seed(enrolments: int) -> dict[str, int]:
    """Fill the database (see the module docstring). Deterministic for a given size."""
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from academy.people.models import Level, User
    from academy.people.services import user_set_roles
    from courses.models import (
        Cohort,
        CohortCourseDeadline,
        Course,
        CourseArea,
        Lesson,
        Module,
        OfflineSession,
        Programme,
        ProgrammeCourse,
    )
    from exams.models import Paper, PaperItem, Question, QuestionVersion, Sitting

    rng = random.Random(2026)
    now = timezone.now()
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    day = datetime.timedelta(days=1)
    password = make_password(None)
    counts: dict[str, int] = {}

    def at(date: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(date.year, date.month, date.day, hour, minute, tzinfo=tz)

    with transaction.atomic():
        junior, intermediate = Level.objects.get(code="junior"), Level.objects.get(
            code="intermediate")
        areas = list(CourseArea.objects.all())
        trainers = [User.objects.create_user(f"trainer{i:03d}@bench.local", None,
                                             full_name=f"讲师{i}") for i in range(200)]
        for trainer in trainers:
            user_set_roles(user=trainer, roles=["trainer"])
        for i in range(3):
            user_set_roles(user=User.objects.create_user(f"admin{i}@bench.local", None),
                           roles=["admin"])

        programmes, lessons_of = [], {}
        for p in range(PROGRAMMES):
            programme = Programme.objects.create(title=f"培训项目{p}", from_level=junior,
                                                 to_level=intermediate)
            ordered = []
            for c in range(COURSES_PER_PROGRAMME):
                course = Course.objects.create(title=f"课程{p}-{c}", code=f"bench-{p}-{c}",
                                               area=areas[c % len(areas)], level=junior,
                                               is_published=True)
                ProgrammeCourse.objects.create(programme=programme, course=course, order=c)
                module = Module.objects.create(course=course, order=0, title="第一单元")
                for n in range(LESSONS_PER_COURSE):
                    ordered.append((course.pk, Lesson.objects.create(
                        module=module, order=n, title=f"第{n}课", is_published=True).pk))
            programmes.append(programme)
            lessons_of[programme.pk] = ordered

        question = Question.objects.create(code="bench-essay", type="short", difficulty=3)
        version = QuestionVersion.objects.create(question=question, number=1, stem="简述……",
                                                 options=[], answer=None,
                                                 rubric=[{"criterion": "要点", "points": 10}])
        question.current_version = version
        question.save(update_fields=["current_version"])
        paper = Paper.objects.create(title="结业考试")
        PaperItem.objects.create(paper=paper, question=question, points=Decimal("10"))

        cohort_count = enrolments // COHORT_SIZE
        cohorts, deadlines, sessions, sittings = [], [], [], []
        for k in range(cohort_count):
            starts = today - rng.randint(0, 120) * day
            cohorts.append(Cohort(programme=programmes[k % PROGRAMMES], name=f"第{k}期",
                                  code=f"bench-{k}", starts_on=starts, ends_on=starts + 90 * day))
        Cohort.objects.bulk_create(cohorts, batch_size=1000)
        through = Cohort.trainers.through
        through.objects.bulk_create([through(cohort_id=c.pk, user_id=trainers[i % 200].pk)
                                     for i, c in enumerate(cohorts)], batch_size=5000)
        for cohort in cohorts:
            for c, link in enumerate(lessons_of[cohort.programme_id][::LESSONS_PER_COURSE]):
                deadlines.append(CohortCourseDeadline(cohort=cohort, course_id=link[0],
                                                      due_on=cohort.starts_on + 15 * (c + 1) * day))
            session_day = cohort.starts_on + 30 * day
            sessions.append(OfflineSession(
                cohort=cohort, title="线下集中授课", place="会议室",
                starts_at=at(session_day, 9), ends_at=at(session_day, 12),
                checkin_opens_at=at(session_day, 8, 30), checkin_closes_at=at(session_day, 10)))
            sittings.append(Sitting(
                paper=paper, title=f"结业考试{cohort.pk}", cohort=cohort,
                opens_at=at(cohort.ends_on - 8 * day, 9), closes_at=at(cohort.ends_on - 3 * day, 18),
                duration_minutes=90))
        CohortCourseDeadline.objects.bulk_create(deadlines, batch_size=5000)
        OfflineSession.objects.bulk_create(sessions, batch_size=5000)
        Sitting.objects.bulk_create(sittings, batch_size=5000)
        counts.update(cohorts=cohort_count, deadlines=len(deadlines))

        # Brokers (users only: the sweeps never read profiles) and their enrolments.
        first_user = _max_id("people_user") + 1
        counts["brokers"] = _copy(
            "people_user",
            ["id", "password", "is_superuser", "email", "full_name", "name_pinyin",
             "name_initials", "is_staff", "is_active", "date_joined"],
            ((first_user + i, password, False, f"b{i:06d}@bench.local", f"经纪人{i}",
              f"jingjiren{i}", "jjr", False, True, now)
             for i in range(cohort_count * COHORT_SIZE)),
        )
        broker_of = [(first_user + i, cohorts[i // COHORT_SIZE]) for i in
                     range(cohort_count * COHORT_SIZE)]
        counts["enrolments"] = _copy(
            "courses_enrolment", ["cohort_id", "user_id", "enrolled_at", "status"],
            ((cohort.pk, user_id, at(cohort.starts_on, 9), "active")
             for user_id, cohort in broker_of),
        )

        def progress():
            for user_id, cohort in broker_of:
                done = rng.randint(0, COURSES_PER_PROGRAMME * LESSONS_PER_COURSE)
                last = now - rng.randint(0, 40) * day
                for _course, lesson_id in lessons_of[cohort.programme_id][:done]:
                    yield (user_id, lesson_id, last, last, 600, last, Decimal("1.00"), 1)

        counts["lesson_progress"] = _copy(
            "courses_lessonprogress",
            ["user_id", "lesson_id", "first_viewed_at", "last_viewed_at", "seconds_spent",
             "completed_at", "credited_hours", "lesson_version"],
            progress(),
        )

        # Attempts: half the brokers of each cohort whose exam has opened.
        sitting_of = {s.cohort_id: s for s in sittings}
        attempts, items, answers = [], [], []
        attempt_id = _max_id("exams_attempt")
        for index, (user_id, cohort) in enumerate(broker_of):
            sitting = sitting_of[cohort.pk]
            if sitting.opens_at > now or index % 2:
                continue
            attempt_id += 1
            submitted = min(sitting.opens_at + day / 24, now)
            closed = sitting.closes_at <= now
            auto = index % 10 == 0
            status = "released" if closed else "submitted"
            released = sitting.closes_at + day if closed else None
            attempts.append((attempt_id, sitting.pk, user_id, 1, index, submitted,
                             submitted + day / 16, submitted, status, auto, Decimal("8"),
                             Decimal("10"), True, f"B{attempt_id:08d}", released))
            if not closed:
                items.append((attempt_id, attempt_id, 0, version.pk, Decimal("10"), "[]"))
                answers.append((attempt_id, attempt_id, '"……"', 0, submitted, "pending"))
        counts["attempts"] = _copy(
            "exams_attempt",
            ["id", "sitting_id", "user_id", "number", "seed", "started_at", "deadline",
             "submitted_at", "status", "auto_submitted", "score", "max_score", "passed", "code",
             "released_at"], attempts)
        _copy("exams_attemptitem",
              ["id", "attempt_id", "position", "question_version_id", "points", "option_order"],
              items)
        counts["answers_waiting"] = _copy(
            "exams_answer", ["attempt_id", "item_id", "value", "client_ts", "saved_at",
                             "grading_status"], answers)

        # Invitees who have not accepted; practice records waiting and reviewed.
        invitee = _max_id("people_user") + 1
        _copy("people_user", ["id", "password", "is_superuser", "email", "full_name",
                              "is_staff", "is_active", "date_joined"],
              ((invitee + i, password, False, f"inv{i:05d}@bench.local", "", False, True, now)
               for i in range(5000)))
        counts["invitations"] = _copy(
            "people_invitation", ["user_id", "token_hash", "created_at", "sent_at",
                                  "expires_at"],
            ((invitee + i, f"{i:064x}", now - 10 * day, now - rng.randint(4, 10) * day,
              now + 4 * day) for i in range(5000)))
        admin_id = User.objects.filter(email="admin0@bench.local").values_list("pk", flat=True)[0]

        def practice():
            for i in range(6000):
                user_id = first_user + rng.randrange(cohort_count * COHORT_SIZE)
                reviewed = i % 2 == 1
                yield (user_id, f"技术转让合同{i}", "transfer", f"R{i:07d}", "登记处", "甲方",
                       "乙方", Decimal("100000"), today - 60 * day, "lead", "",
                       "approved" if reviewed else "submitted", now - 5 * day,
                       admin_id if reviewed else None, now - day if reviewed else None, "",
                       now - 10 * day, now)

        counts["practice_records"] = _copy(
            "people_practicerecord",
            ["broker_id", "contract_name", "contract_kind", "registration_number", "registry",
             "party_a", "party_b", "contract_amount", "contract_date", "broker_role",
             "description", "status", "submitted_at", "reviewed_by_id", "reviewed_at",
             "review_comment", "created_at", "updated_at"], practice())
        # Certificates: a tenth of the brokers hold one, expiring over the next year; the
        # level asks for 20 renewal hours.
        from certificates.models.issued import CertificatePolicy

        CertificatePolicy.objects.update_or_create(
            level=junior, defaults={"validity_months": 36, "renewal_hours": Decimal("20")})
        counts["certificates"] = _copy(
            "certificates_certificate",
            ["broker_id", "level_id", "serial", "torch_number", "holder_name", "issued_at",
             "valid_from", "valid_until", "status", "revoked_reason", "source", "reason",
             "pdf", "pdf_language", "pdf_en", "credential", "credential_kid", "subject_salt"],
            ((first_user + i, junior.pk, f"BENCH-{i:07d}", "", f"经纪人{i}", now,
              today - 700 * day, today + rng.randint(0, 365) * day, "valid", "", "demo", "",
              "", "", "", "", "", "salt") for i in range(0, cohort_count * COHORT_SIZE, 10)))
        _reset_sequences()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


# --- One sweep in its own process ---------------------------------------------------------------


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def run_one(name: str) -> dict:
    """Run the sweep ``name`` once here; what it did, how long, how many queries, memory."""
    from django.db import connection

    from academy.celery import app
    from academy.notifications.sweeps import sweep_run

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    # Warm up as a running worker is: the database connection, the broker connection, the
    # translation catalogues, the templates and the URL resolver (in both languages) are
    # loaded before the clock starts.
    from django.urls import reverse
    from django.utils import translation

    from academy.notifications import previews, tasks

    connection.ensure_connection()
    for language in ("zh-hans", "en"):
        previews.preview("course_deadline", language)
        with translation.override(language):  # the URL resolver, built once per process
            reverse("home")
    with app.producer_or_acquire() as producer:
        producer.publish({}, routing_key="warm-up")
    del tasks
    rss_before = _rss_kib("VmRSS")
    with connection.execute_wrapper(count):
        report = sweep_run(name)
    return {"sweep": name, "created": report.created, "seconds": round(report.seconds, 3),
            "queries": queries, "rss_before_mib": round(rss_before / 1024, 1),
            "rss_peak_mib": round(_rss_kib("VmHWM") / 1024, 1)}


def _sweep_in_subprocess(url: str, name: str) -> dict:
    completed = subprocess.run([PYTHON, __file__, "--one", name], cwd=ROOT, env=_env(url),
                               capture_output=True, text=True)
    if completed.returncode:
        raise SystemExit(f"sweep {name} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _table(title: str, rows: list[dict]) -> str:
    lines = [title, f"{'sweep':34} {'created':>9} {'seconds':>8} {'queries':>8} "
                    f"{'RSS before':>11} {'RSS peak':>9}"]
    for r in rows:
        lines.append(f"{r['sweep']:34} {r['created']:>9} {r['seconds']:>8.2f} {r['queries']:>8} "
                     f"{r['rss_before_mib']:>9.1f}MB {r['rss_peak_mib']:>7.1f}MB")
    lines.append(f"{'total':34} {sum(r['created'] for r in rows):>9} "
                 f"{sum(r['seconds'] for r in rows):>8.2f} {sum(r['queries'] for r in rows):>8}"
                 f" {'':>11} {max(r['rss_peak_mib'] for r in rows):>7.1f}MB")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true",
                        help="reuse the seeded database (only the reminder log is emptied)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_SWEEPS_DATABASE_URL", DEFAULT_DB)

    if args.one:
        _setup_django(url)
        print(json.dumps(run_one(args.one)))
        return

    from bench.exam_save import create_database, migrate

    started = time.perf_counter()
    if not args.keep:
        print(f"Creating {url} and {args.enrolments:,} enrolments ...", flush=True)
        create_database(url)
        migrate(url)
        _setup_django(url)
        counts = seed(args.enrolments)
        print("  " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
        print(f"  ready in {time.perf_counter() - started:.0f}s", flush=True)
    else:
        migrate(url)
        _setup_django(url)
        counts = {}
        from django.db import connection

        with connection.cursor() as cursor:  # an empty reminder log, as after seeding
            cursor.execute("TRUNCATE notifications_notification, notifications_reminder")

    from academy.notifications.sweeps import all_sweeps

    names = [s.name for s in all_sweeps()]
    first = [_sweep_in_subprocess(url, name) for name in names]
    print(_table("\nFirst run (empty reminder log: every current reminder created)", first))
    second = [_sweep_in_subprocess(url, name) for name in names]
    print(_table("\nSecond run (nothing new: must create nothing)", second))

    total = sum(r["seconds"] for r in first)
    peak = max(r["rss_peak_mib"] for r in first + second)
    verdict = {
        "all sweeps under 10 s": total < 10,
        "second run creates nothing": all(r["created"] == 0 for r in second),
        "peak memory under 200 MB": peak < 200,
    }
    print()
    for claim, ok in verdict.items():
        print(f"{'OK  ' if ok else 'MISS'} {claim}")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"sweeps-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"enrolments": args.enrolments, "data": counts, "first": first,
                                "second": second, "verdict": verdict}, indent=2,
                               ensure_ascii=False))
    print(f"\nWritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
