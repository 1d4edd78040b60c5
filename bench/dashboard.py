#!/usr/bin/env python
"""Benchmark of the bureau's pages (dashboard, broker list, dossier, API) on PostgreSQL.

    .venv/bin/python bench/dashboard.py                       # 1,000 → 10,000 → 100,000
    .venv/bin/python bench/dashboard.py --sizes 1000,10000    # smaller, while iterating
    .venv/bin/python bench/dashboard.py --keep --sizes 10000  # measure the database as it is

What it does:

1. Creates the database ``academy_bench_dashboard`` afresh (``BENCH_DASHBOARD_DATABASE_URL``),
   migrates it, and sets up what a bureau has once: two programmes (junior → intermediate,
   20 lessons of 2 class hours; intermediate → senior, 12 lessons), their exam papers (ten
   questions each: single and multiple choice, true/false, a short answer and a case essay),
   the requirement sets in force (intermediate: 40 class hours, the final exam, one approved
   practice record), a three-year certificate policy, 40 trainers, an admin and the auditor
   (a TOTP authenticator enrolled, as production requires of staff).
2. Grows the talent pool in steps (``--sizes``, default 1,000, 10,000 and 100,000 brokers)
   with a year of activity, all of it bulk-inserted by ``INSERT … SELECT`` over
   ``generate_series`` (deterministic: every value is a hash of the broker's number):
   cohorts of 200 starting across the last year (one in ten runs the senior programme), each
   with two offline sessions and a final sitting (two attempts allowed); per broker a profile
   (8 regions, skewed; an organisation among one per 50 brokers, 10% none), an enrolment,
   lesson progress (~13 rows), attendance, attempts with ten attempt items and answers each
   (~1,000,000 answers at 100,000 brokers), marks of the essays, practice records in every
   status, certificates (valid, expiring, expired, revoked) and the audit events of every
   promotion (hash-chained like ``audit_record`` writes them). ``VACUUM ANALYZE`` after each
   step, as a live database would have fresh statistics.
3. At each size, starts gunicorn on ``academy.wsgi`` with ``bench.settings`` (the production
   stack: every middleware, the session, the role check, the staff MFA gate) and sends each
   page ``--requests`` times from ``--clients`` concurrent clients as the auditor (a session
   row written as ``django.contrib.auth.login`` and allauth's MFA login store it): the
   dashboard without filters and filtered by region, by period (the last 90 days) and by
   level, the broker list (first page, and a filtered later page), dossiers, the API summary
   and the API broker list. Median and p95 per page, and the number of SQL queries per page
   (counted in-process once per size: it must not grow with the data).

Results are printed as a table and written to var/bench/dashboard-<time>.json.
Target: p95 under 300 ms at 100,000 brokers.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import math
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench_dashboard"
COHORT_SIZE = 200
BROKERS_PER_ORGANISATION = 50
TRAINERS = 40
ID0 = 1000  # first id of the bulk-inserted rows (the ORM-made rows stay below)
TZ = "Asia/Shanghai"
AUDITOR_EMAIL = "auditor@bench.local"
TARGET_MS = 300.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志宏海燕"


# --- Database -------------------------------------------------------------------------------


SETTINGS = "bench.dashboard_settings"


def _setup_django(url: str) -> None:
    from bench.exam_save import django_env

    os.environ.update(django_env(url, SETTINGS))
    import django

    django.setup()


def _execute(sql: str, params: dict | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.rowcount


def _scalar(sql: str, params: dict | None = None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.fetchone()[0]


@dataclass
class Catalogue:
    """The rows made once, through the ORM, that the bulk rows refer to."""

    today: datetime.date
    levels: dict[str, int]
    regions: list[int]
    trainers: list[int]
    admin: int
    auditor: int
    programmes: dict[int, int] = field(default_factory=dict)  # programme id → lessons
    junior_programme: int = 0
    senior_programme: int = 0
    papers: dict[int, int] = field(default_factory=dict)  # programme id → paper id
    versions: dict[int, list[int]] = field(default_factory=dict)  # paper → 10 versions
    requirement_set: int = 0


def setup_catalogue() -> Catalogue:
    """Programmes, lessons, papers, requirement sets, trainers, the admin and the auditor."""
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from academy.people.models import Level, Region, User
    from academy.people.services import user_set_roles
    from certificates.models import CertificatePolicy, ExamRequirement, RequirementSet
    from courses.models import Course, CourseArea, Lesson, Module, Programme, ProgrammeCourse
    from exams.models import Paper, PaperItem, Question, QuestionVersion

    today = timezone.localdate()
    year_ago = timezone.now() - datetime.timedelta(days=400)
    levels = {lv.code: lv.pk for lv in Level.objects.all()}
    areas = list(CourseArea.objects.all())
    with transaction.atomic():
        trainers = []
        for n in range(TRAINERS):
            user = User.objects.create_user(f"trainer{n:02d}@bench.local", None,
                                            full_name=f"讲师{SURNAMES[n % len(SURNAMES)]}{n}")
            user_set_roles(user=user, roles=["trainer"])
            trainers.append(user.pk)
        admin = User.objects.create_user("admin@bench.local", None, full_name="系统管理员")
        user_set_roles(user=admin, roles=["admin"])
        auditor = User.objects.create_user(AUDITOR_EMAIL, None, full_name="科技局审计员")
        user_set_roles(user=auditor, roles=["auditor"])
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(auditor, generate_totp_secret())

        cat = Catalogue(today=today, levels=levels,
                        regions=list(Region.objects.order_by("sort_order", "code")
                                     .values_list("pk", flat=True)),
                        trainers=trainers, admin=admin.pk, auditor=auditor.pk)
        qtypes = ["single", "single", "single", "single", "multiple", "multiple",
                  "truefalse", "truefalse", "short", "case"]
        answers = {"single": "B", "multiple": ["A", "C"], "truefalse": True}
        options = [{"key": k, "text": f"选项{k}"} for k in "ABCD"]
        for code, (start, end, courses, hours) in {
            "junior": ("junior", "intermediate", 5, Decimal("2.00")),
            "senior": ("intermediate", "senior", 3, Decimal("2.50")),
        }.items():
            programme = Programme.objects.create(
                title="中级技术经纪人培训" if code == "junior" else "高级技术经理人培训",
                from_level_id=levels[start], to_level_id=levels[end])
            for n in range(courses):
                course = Course.objects.create(
                    title=f"{programme.title}·课程{n + 1}", code=f"bench-{code}-{n}",
                    area=areas[n % len(areas)], level_id=levels[start], is_published=True)
                ProgrammeCourse.objects.create(programme=programme, course=course, order=n)
                module = Module.objects.create(course=course, order=0, title="第一单元")
                for k in range(4):
                    Lesson.objects.create(module=module, order=k, title=f"第{k + 1}课",
                                          class_hours=hours, is_published=True)
            cat.programmes[programme.pk] = courses * 4
            paper = Paper.objects.create(title=f"{programme.title}结业考试")
            versions = []
            for n, qtype in enumerate(qtypes):
                question = Question.objects.create(code=f"bench-{code}-q{n}", type=qtype)
                version = QuestionVersion.objects.create(
                    question=question, number=1, stem=f"第{n + 1}题：技术经纪实务",
                    options=options if qtype in ("single", "multiple") else [],
                    answer=answers.get(qtype),
                    rubric=[] if qtype in answers else [{"criterion": "要点", "points": 10}])
                question.current_version = version
                question.save(update_fields=["current_version"])
                PaperItem.objects.create(paper=paper, question=question, order=n,
                                         points=Decimal("10"))
                versions.append(version.pk)
            cat.papers[programme.pk] = paper.pk
            cat.versions[paper.pk] = versions
            rs = RequirementSet.objects.create(
                level_id=levels[end], version=1, title="2025年版", effective_from=year_ago,
                is_current=True, total_hours=Decimal("40") if code == "junior" else Decimal("30"),
                practice_records=1 if code == "junior" else 3)
            ExamRequirement.objects.create(requirement_set=rs, paper=paper)
            if code == "junior":
                cat.junior_programme, cat.requirement_set = programme.pk, rs.pk
            else:
                cat.senior_programme = programme.pk
            CertificatePolicy.objects.update_or_create(
                level_id=levels[end], defaults={"validity_months": 36})
    _execute("""
        CREATE OR REPLACE FUNCTION bench_u(n bigint, salt text) RETURNS double precision
        IMMUTABLE LANGUAGE sql AS
        $$ SELECT (hashtext(n::text || ':' || salt)::bigint + 2147483648) / 4294967296.0 $$
    """)
    _execute("CREATE TABLE bench_lesson (programme_id bigint, k int, lesson_id bigint, "
             "hours numeric)")
    _execute("""
        INSERT INTO bench_lesson
        SELECT pc.programme_id,
               (row_number() OVER (PARTITION BY pc.programme_id
                                   ORDER BY pc."order", m."order", l."order")) - 1,
               l.id, l.class_hours
        FROM courses_programmecourse pc JOIN courses_module m ON m.course_id = pc.course_id
        JOIN courses_lesson l ON l.module_id = m.id
    """)
    return cat


def login_session(user_id: int) -> str:
    """A session row as ``django.contrib.auth.login`` and allauth's password + TOTP login
    store it; returns the session key."""
    from django.contrib.sessions.backends.db import SessionStore

    from academy.people.models import User

    user = User.objects.get(pk=user_id)
    store = SessionStore()
    now = time.time()
    store.update({
        "_auth_user_id": str(user.pk),
        "_auth_user_backend": "allauth.account.auth_backends.AuthenticationBackend",
        "_auth_user_hash": user.get_session_auth_hash(),
        "account_authentication_methods": [
            {"method": "password", "at": now, "email": user.email},
            {"method": "mfa", "at": now, "type": "totp"},
        ],
    })
    store.set_expiry(60 * 60 * 24)
    store.create()
    return store.session_key


def grow(cat: Catalogue, lo: int, hi: int) -> dict[str, int]:
    """Add brokers ``lo`` … ``hi - 1`` (and their cohorts and organisations) with a year of
    activity. Every row comes from one ``INSERT … SELECT``; returns rows added per table."""
    from django.db import transaction

    assert lo % COHORT_SIZE == 0 and hi % COHORT_SIZE == 0
    p = {
        "lo": lo, "hi": hi, "today": cat.today, "tz": TZ, "id0": ID0,
        "size": COHORT_SIZE, "per_org": BROKERS_PER_ORGANISATION,
        "jp": cat.junior_programme, "sp": cat.senior_programme,
        "jlessons": cat.programmes[cat.junior_programme],
        "slessons": cat.programmes[cat.senior_programme],
        "junior": cat.levels["junior"], "intermediate": cat.levels["intermediate"],
        "senior": cat.levels["senior"], "regions": cat.regions, "trainers": cat.trainers,
        "admin": cat.admin, "rs": cat.requirement_set,
        "surnames": list(SURNAMES), "given": list(GIVEN),
    }
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts["organisations"] = _execute("""
            INSERT INTO people_organisation (id, name, kind, region_id)
            SELECT %(id0)s + o, '技术转移机构' || lpad(o::text, 5, '0') || '号',
                   (ARRAY['enterprise','university','institute','agency','government','other'])
                       [1 + floor(bench_u(o, 'ok') * 6)::int],
                   (%(regions)s::bigint[])[1 + floor(bench_u(o, 'or') * 8)::int]
            FROM generate_series(%(lo)s / %(per_org)s, %(hi)s / %(per_org)s - 1) AS o
        """, p)
        # Cohorts: start spread over the last year, 60 days long; one in ten is senior. The
        # first cohort is under way at every size (its final exam not yet closed), as in any
        # bureau's pool: a pool of finished cohorts only would leave the pages' branches for
        # open sittings unmeasured at the smallest size, and its query counts not comparable.
        counts["cohorts"] = _execute("""
            INSERT INTO courses_cohort (id, name, code, starts_on, ends_on,
                                        is_open_for_enrolment, programme_id)
            SELECT %(id0)s + c, '第' || (c + 1) || '期技术经纪人培训班', 'bench-' || c,
                   %(today)s::date - 365 + (c * 131 + 311) %% 330,
                   %(today)s::date - 365 + (c * 131 + 311) %% 330 + 60, false,
                   CASE WHEN c %% 10 = 9 THEN %(sp)s ELSE %(jp)s END
            FROM generate_series(%(lo)s / %(size)s, %(hi)s / %(size)s - 1) AS c
        """, p)
        _execute("""
            INSERT INTO courses_cohort_trainers (cohort_id, user_id)
            SELECT %(id0)s + c, (%(trainers)s::bigint[])[1 + c %% array_length(%(trainers)s::bigint[], 1)]
            FROM generate_series(%(lo)s / %(size)s, %(hi)s / %(size)s - 1) AS c
        """, p)
        counts["sessions"] = _execute("""
            INSERT INTO courses_offlinesession (id, title, starts_at, ends_at, place,
                class_hours, checkin_opens_at, checkin_closes_at, cohort_id, course_id)
            SELECT %(id0)s + 2 * (ch.id - %(id0)s) + s, '线下集中授课' || (s + 1),
                   t, t + interval '4 hours', '科技局培训中心', 4.00,
                   t - interval '30 minutes', t + interval '1 hour', ch.id, NULL
            FROM courses_cohort ch CROSS JOIN generate_series(0, 1) AS s
            CROSS JOIN LATERAL (SELECT ((ch.starts_on + 20 + 20 * s) + time '09:00')
                                       AT TIME ZONE %(tz)s AS t) x
            WHERE ch.id >= %(id0)s + %(lo)s / %(size)s AND ch.id < %(id0)s + %(hi)s / %(size)s
        """, p)
        counts["sittings"] = _execute("""
            INSERT INTO exams_sitting (id, title, opens_at, closes_at, duration_minutes,
                attempts_allowed, pass_mark, release_policy, show_answers, anonymous_grading,
                double_marking, moderation_threshold, created_at, cohort_id, created_by_id,
                paper_id)
            SELECT ch.id, ch.name || '结业考试',
                   ((ch.ends_on - 7) + time '09:00') AT TIME ZONE %(tz)s,
                   ((ch.ends_on - 2) + time '18:00') AT TIME ZONE %(tz)s,
                   90, 2, 60, 'after_grading', false, true, false, 2,
                   (ch.starts_on + time '09:00') AT TIME ZONE %(tz)s, ch.id, %(admin)s,
                   pp.paper_id
            FROM courses_cohort ch
            JOIN (SELECT unnest(%(papers_prog)s::bigint[]) AS programme_id,
                         unnest(%(papers)s::bigint[]) AS paper_id) pp
              ON pp.programme_id = ch.programme_id
            WHERE ch.id >= %(id0)s + %(lo)s / %(size)s AND ch.id < %(id0)s + %(hi)s / %(size)s
        """, {**p, "papers_prog": list(cat.papers), "papers": list(cat.papers.values())})

        # One row per broker with everything the other tables derive from.
        _execute("DROP TABLE IF EXISTS bench_b")
        _execute("""
            CREATE TEMP TABLE bench_b AS
            WITH base AS (
                SELECT g.i, %(id0)s + g.i AS uid, %(id0)s + g.i / %(size)s AS cid,
                       ch.programme_id = %(sp)s AS senior_track, ch.starts_on, ch.ends_on,
                       CASE WHEN ch.programme_id = %(sp)s THEN %(slessons)s
                            ELSE %(jlessons)s END AS nlessons,
                       ((ch.ends_on - 7) + time '09:00') AT TIME ZONE %(tz)s AS sit_open,
                       ((ch.ends_on - 2) + time '18:00') AT TIME ZONE %(tz)s AS sit_close,
                       least(1.0, greatest(0.0, (%(today)s::date - ch.starts_on) / 60.0))
                           AS elapsed,
                       bench_u(g.i, 'lvl') AS u_lvl, bench_u(g.i, 'reg') AS u_reg,
                       bench_u(g.i, 'org') AS u_org, bench_u(g.i, 'les') AS u_les,
                       bench_u(g.i, 'wd') AS u_wd, bench_u(g.i, 'exam') AS u_exam,
                       bench_u(g.i, 'score') AS u_score, bench_u(g.i, 'retake') AS u_retake,
                       bench_u(g.i, 'prac') AS u_prac, bench_u(g.i, 'cert') AS u_cert
                FROM generate_series(%(lo)s, %(hi)s - 1) AS g(i)
                JOIN courses_cohort ch ON ch.id = %(id0)s + g.i / %(size)s
            ), flags AS (
                SELECT *, (u_lvl >= 0.78 AND ends_on + 10 <= %(today)s::date) AS promoted
                FROM base
            )
            SELECT *,
                   NOT promoted AND u_wd < 0.05 AS withdrawn,
                   CASE WHEN promoted THEN nlessons
                        WHEN u_wd < 0.05 THEN floor(u_les * 5)::int
                        ELSE least(nlessons, floor(elapsed * 1.2 * (8 + u_les * 13))::int)
                   END AS done,
                   sit_open < now() AND NOT (NOT promoted AND u_wd < 0.05)
                       AND (promoted OR u_exam < 0.85) AS takes_exam,
                   CASE WHEN promoted THEN 70 + floor(u_score * 30)::int
                        ELSE 25 + floor(u_score * 75)::int END AS score1
            FROM flags
        """, p)
        _execute("ANALYZE bench_b")

        counts["users"] = _execute("""
            INSERT INTO people_user (id, password, last_login, is_superuser, email, full_name,
                                     name_pinyin, name_initials, is_staff, is_active,
                                     date_joined)
            SELECT uid, '!', NULL, false, 'b' || lpad(i::text, 6, '0') || '@bench.local',
                   (%(surnames)s::text[])[1 + i %% array_length(%(surnames)s::text[], 1)]
                   || (%(given)s::text[])[1 + (i / 7) %% array_length(%(given)s::text[], 1)]
                   || (%(given)s::text[])[1 + (i / 131) %% array_length(%(given)s::text[], 1)],
                   'b' || lpad(i::text, 6, '0'), 'b', false, u_wd >= 0.01,
                   ((starts_on - 40) + time '10:00') AT TIME ZONE %(tz)s
            FROM bench_b
        """, p)
        _execute("""
            INSERT INTO people_user_groups (user_id, group_id)
            SELECT uid, (SELECT id FROM auth_group WHERE name = 'broker') FROM bench_b
        """)
        counts["profiles"] = _execute("""
            INSERT INTO people_brokerprofile (id, level_since, phone, national_id, title_series,
                title_level, title_obtained, created_at, updated_at, user_id, level_id,
                organisation_id, region_id)
            SELECT uid,
                   CASE WHEN promoted THEN least(%(today)s::date,
                                                 ends_on + 10 + floor(u_cert * 25)::int)
                        WHEN senior_track THEN %(today)s::date - 380 - floor(u_lvl * 1000)::int
                        ELSE %(today)s::date - 400 - floor(u_lvl * 900)::int END,
                   '13' || lpad((900000000 + i)::text, 9, '0'),
                   '4112' || lpad(i::text, 14, '0'), '', '', '',
                   ((starts_on - 40) + time '10:00') AT TIME ZONE %(tz)s, now(), uid,
                   CASE WHEN senior_track AND promoted THEN %(senior)s
                        WHEN senior_track OR promoted THEN %(intermediate)s
                        ELSE %(junior)s END,
                   CASE WHEN u_org < 0.1 THEN NULL
                        ELSE %(id0)s + floor(bench_u(i, 'org2') * (%(hi)s / %(per_org)s))::int
                   END,
                   (%(regions)s::bigint[])
                       [1 + floor(array_length(%(regions)s::bigint[], 1) * power(u_reg, 1.6))::int]
            FROM bench_b
        """, p)
        counts["enrolments"] = _execute("""
            INSERT INTO courses_enrolment (id, enrolled_at, status, cohort_id, enrolled_by_id,
                                           user_id)
            SELECT uid, ((starts_on - 7) + time '10:00') AT TIME ZONE %(tz)s,
                   CASE WHEN withdrawn THEN 'withdrawn'
                        WHEN promoted OR (done = nlessons AND ends_on < %(today)s::date)
                            THEN 'completed'
                        ELSE 'active' END,
                   cid, %(admin)s, uid
            FROM bench_b
        """, p)
        # Lessons completed in order over the cohort's 60 days, then one lesson opened.
        counts["lesson_progress"] = _execute("""
            INSERT INTO courses_lessonprogress (id, first_viewed_at, last_viewed_at,
                seconds_spent, completed_at, credited_hours, lesson_version, lesson_id, user_id)
            SELECT %(id0)s + b.i * 20 + s.k, t, t + interval '25 minutes',
                   600 + floor(bench_u(b.i * 20 + s.k, 'sec') * 2400)::int,
                   CASE WHEN s.k < b.done THEN t + interval '25 minutes' END,
                   CASE WHEN s.k < b.done THEN bl.hours END,
                   CASE WHEN s.k < b.done THEN 1 END, bl.lesson_id, b.uid
            FROM bench_b b
            CROSS JOIN LATERAL generate_series(0, least(b.done, b.nlessons - 1)) AS s(k)
            JOIN bench_lesson bl
              ON bl.programme_id = CASE WHEN b.senior_track THEN %(sp)s ELSE %(jp)s END
             AND bl.k = s.k
            CROSS JOIN LATERAL (SELECT least(now() - interval '1 hour',
                ((b.starts_on + (s.k * 55) / b.nlessons) + time '19:00') AT TIME ZONE %(tz)s
                + floor(bench_u(b.i * 20 + s.k, 'min') * 180) * interval '1 minute') AS t) x
            WHERE b.done > 0 OR bench_u(b.i, 'opened') < 0.7
        """, p)
        counts["attendance"] = _execute("""
            INSERT INTO courses_attendance (id, method, checked_in_at, credited_hours,
                                            recorded_by_id, user_id, session_id)
            SELECT %(id0)s + 2 * b.i + s.n, CASE WHEN bench_u(b.i + s.n, 'qr') < 0.6 THEN 'qr'
                                               ELSE 'list' END,
                   os.checkin_opens_at + floor(bench_u(b.i, 'chk') * 50) * interval '1 minute',
                   os.class_hours, (%(trainers)s::bigint[])[1 + (b.cid %% array_length(%(trainers)s::bigint[], 1))],
                   b.uid, os.id
            FROM bench_b b CROSS JOIN generate_series(0, 1) AS s(n)
            JOIN courses_offlinesession os ON os.id = %(id0)s + 2 * (b.cid - %(id0)s) + s.n
            WHERE os.starts_at < now() AND NOT b.withdrawn
              AND (b.promoted OR bench_u(b.i * 2 + s.n, 'att') < 0.85)
        """, p)

        # Attempts: the first; a second for half of those who failed. Released once the
        # sitting has closed; in an open sitting submitted (essays waiting) or in progress.
        _execute("DROP TABLE IF EXISTS bench_a")
        _execute("""
            CREATE TEMP TABLE bench_a AS
            WITH one AS (
                SELECT b.i, b.uid, b.cid, b.sit_open, b.sit_close, 1 AS number, b.score1 AS score,
                       b.sit_open + interval '1 hour'
                           + floor(b.u_exam * 40 * 60) * interval '1 minute' AS submitted
                FROM bench_b b WHERE b.takes_exam
                UNION ALL
                SELECT b.i, b.uid, b.cid, b.sit_open, b.sit_close, 2,
                       least(100, b.score1 + 10 + floor(b.u_retake * 30)::int),
                       b.sit_open + interval '2 days' + interval '1 hour'
                           + floor(b.u_exam * 40 * 60) * interval '1 minute'
                FROM bench_b b WHERE b.takes_exam AND b.score1 < 60 AND b.u_retake < 0.5
            )
            , numbered AS (
                SELECT %(id0)s + 2 * i + number - 1 AS id, *,
                       CASE WHEN sit_close < now() THEN 'released'
                            WHEN submitted > now() OR bench_u(i + number, 'inprog') < 0.2
                                THEN 'in_progress'
                            ELSE 'submitted' END AS status
                FROM one
            )
            -- A second attempt only after the first was submitted (one in progress at most).
            SELECT s.* FROM numbered s
            JOIN numbered f ON f.i = s.i AND f.number = 1
            WHERE s.number = 1 OR (s.submitted < now() AND f.status <> 'in_progress')
        """, p)
        counts["attempts"] = _execute("""
            INSERT INTO exams_attempt (id, number, seed, started_at, deadline, submitted_at,
                status, auto_submitted, score, max_score, passed, code, graded_at, released_at,
                user_id, sitting_id)
            SELECT id, number, id, least(submitted, now()) - interval '80 minutes',
                   least(submitted, now()) + interval '10 minutes',
                   CASE WHEN status <> 'in_progress' THEN submitted END, status,
                   bench_u(id, 'auto') < 0.05 AND status <> 'in_progress',
                   CASE WHEN status = 'released' THEN score END, 100,
                   CASE WHEN status = 'released' THEN score >= 60 END, 'B' || id,
                   CASE WHEN status = 'released' THEN sit_close + interval '3 days' END,
                   CASE WHEN status = 'released' THEN sit_close + interval '4 days' END,
                   uid, cid
            FROM bench_a
        """)
        counts["attempt_items"] = _execute("""
            INSERT INTO exams_attemptitem (id, position, points, option_order, attempt_id,
                                           question_version_id)
            SELECT a.id * 10 + pos, pos + 1, 10,
                   CASE WHEN pos < 6 THEN '["A","B","C","D"]'::jsonb ELSE '[]'::jsonb END,
                   a.id, (v.versions)[pos + 1]
            FROM bench_a a JOIN exams_sitting s ON s.id = a.cid
            JOIN (SELECT unnest(%(paper_ids)s::bigint[]) AS paper_id,
                         unnest(%(version_lists)s::text[])::bigint[] AS versions) v
              ON v.paper_id = s.paper_id
            CROSS JOIN generate_series(0, 9) AS pos
        """, {"paper_ids": list(cat.versions),
              "version_lists": ["{" + ",".join(map(str, vs)) + "}"
                                for vs in cat.versions.values()]})
        counts["answers"] = _execute("""
            INSERT INTO exams_answer (id, value, client_ts, saved_at, first_saved_at,
                elapsed_ms, auto_score, final_score, grading_status, attempt_id, item_id)
            SELECT a.id * 10 + pos,
                   CASE WHEN pos < 4 THEN to_jsonb(CASE WHEN ok THEN 'B' ELSE 'C' END)
                        WHEN pos < 6 THEN CASE WHEN ok THEN '["A","C"]'::jsonb
                                               ELSE '["A"]'::jsonb END
                        WHEN pos < 8 THEN to_jsonb(ok)
                        ELSE to_jsonb('技术经纪人在成果转化中的作用：' || repeat('撮合、评估、谈判。', 3 + pos))
                   END,
                   (extract(epoch FROM t) * 1000)::bigint, t, t - interval '2 minutes',
                   60000 + floor(bench_u(a.id * 10 + pos, 'ms') * 240000)::bigint,
                   CASE WHEN pos < 8 AND a.status <> 'in_progress'
                        THEN CASE WHEN ok THEN 10 ELSE 0 END END,
                   CASE WHEN a.status = 'in_progress' THEN NULL
                        WHEN pos < 8 THEN CASE WHEN ok THEN 10 ELSE 0 END
                        WHEN a.status = 'released'
                            THEN round((a.score / 10.0)::numeric, 2) END,
                   CASE WHEN a.status = 'in_progress' THEN 'none'
                        WHEN pos < 8 THEN 'auto'
                        WHEN a.status = 'released' THEN 'graded'
                        ELSE 'pending' END,
                   a.id, a.id * 10 + pos
            FROM bench_a a CROSS JOIN generate_series(0, 9) AS pos
            CROSS JOIN LATERAL (SELECT bench_u(a.id * 10 + pos, 'ok') * 100 < a.score AS ok,
                least(now() - interval '1 minute',
                      a.submitted - interval '70 minutes' + pos * interval '7 minutes') AS t) x
            WHERE a.status <> 'in_progress' OR pos < 5
        """)
        counts["marks"] = _execute("""
            INSERT INTO exams_mark (id, round, criteria, score, comment, submitted_at,
                                    answer_id, grader_id)
            SELECT a.id * 10 + pos, 1, '[{"criterion": "要点", "score": 0}]'::jsonb,
                   round((a.score / 10.0)::numeric, 2), '',
                   a.submitted + (2 + floor(bench_u(a.id * 10 + pos, 'turn') * 70))
                                 * interval '1 hour',
                   a.id * 10 + pos,
                   (%(trainers)s::bigint[])[1 + ((a.cid + pos) %% array_length(%(trainers)s::bigint[], 1))]
            FROM bench_a a CROSS JOIN generate_series(8, 9) AS pos
            WHERE a.status = 'released'
        """, p)

        # Practice records: the promoted have an approved one; four in ten others have 1-2
        # in any status. Contract dates across the year.
        counts["practice_records"] = _execute("""
            INSERT INTO people_practicerecord (id, contract_name, contract_kind,
                registration_number, registry, party_a, party_b, contract_amount,
                technical_income, contract_date, broker_role, description, status,
                submitted_at, reviewed_at, review_comment, review_notified_at, created_at,
                updated_at, broker_id, reviewed_by_id)
            SELECT %(id0)s + 3 * b.i + k, '技术转让合同' || b.i || '-' || k,
                   (ARRAY['development','transfer','licensing','consulting','service'])
                       [1 + floor(bench_u(b.i * 3 + k, 'kind') * 5)::int],
                   '2025411200' || lpad((3 * b.i + k)::text, 8, '0'), '三门峡市技术市场管理办公室',
                   '甲方企业' || (b.i %% 997), '乙方高校' || (b.i %% 389),
                   amount, CASE WHEN bench_u(b.i * 3 + k, 'inc') < 0.7
                                THEN round((amount * (0.6 + bench_u(b.i * 3 + k, 'r') * 0.3))::numeric, 2)
                           END,
                   cdate, 'lead', '', st,
                   CASE WHEN st <> 'draft'
                        THEN ((cdate + 5) + time '10:00') AT TIME ZONE %(tz)s END,
                   CASE WHEN st IN ('approved', 'rejected')
                        THEN least(now(), ((cdate + 20) + time '15:00') AT TIME ZONE %(tz)s) END,
                   CASE WHEN st = 'rejected' THEN '登记编号与合同不符' ELSE '' END, NULL,
                   (cdate + time '09:00') AT TIME ZONE %(tz)s, now(), b.uid,
                   CASE WHEN st IN ('approved', 'rejected') THEN %(admin)s END
            FROM bench_b b
            CROSS JOIN LATERAL generate_series(0, CASE WHEN b.promoted THEN 1 + floor(b.u_prac * 1.5)::int
                                                     ELSE floor(b.u_prac * b.u_prac * 3)::int END - 1) AS k
            CROSS JOIN LATERAL (SELECT
                round((50000 + floor(bench_u(b.i * 3 + k, 'amt') * 2000000))::numeric, 2) AS amount,
                least(%(today)s::date, %(today)s::date - 365
                      + floor(bench_u(b.i * 3 + k, 'day') * 366)::int) AS cdate,
                CASE WHEN b.promoted AND k = 0 THEN 'approved'
                     ELSE (ARRAY['approved','approved','approved','approved','approved',
                                 'approved','submitted','submitted','draft','rejected'])
                          [1 + floor(bench_u(b.i * 3 + k, 'st') * 10)::int] END AS st) x
        """, p)
        # Certificates: the promoted hold one of their new level; the senior track's
        # intermediates one issued years ago (some expired, some expiring); 1% revoked.
        counts["certificates"] = _execute("""
            INSERT INTO certificates_certificate (id, serial, torch_number, holder_name,
                issued_at, valid_from, valid_until, status, status_changed_at, revoked_at,
                revoked_reason, source, reason, pdf, pdf_language, pdf_rendered_at, pdf_en,
                credential, credential_kid, credential_signed_at, subject_salt, broker_id,
                created_by_id, level_id, renewed_from_id, requirement_set_id, revoked_by_id)
            SELECT b.uid, 'SMX-' || lpad(b.i::text, 8, '0'), '', u.full_name,
                   (p.level_since + time '10:00') AT TIME ZONE %(tz)s, p.level_since,
                   (p.level_since + interval '36 months')::date,
                   CASE WHEN b.u_cert < 0.01 THEN 'revoked'
                        WHEN (p.level_since + interval '36 months')::date
                             < %(today)s::date - 7 THEN 'expired'
                        ELSE 'valid' END,
                   (p.level_since + time '10:00') AT TIME ZONE %(tz)s,
                   CASE WHEN b.u_cert < 0.01 THEN now() - interval '30 days' END,
                   CASE WHEN b.u_cert < 0.01 THEN '证明材料不实' ELSE '' END,
                   CASE WHEN b.promoted THEN 'automatic' ELSE 'manual' END, '', '', '', NULL,
                   '', '', '', NULL, md5(b.i::text), b.uid, NULL, p.level_id, NULL,
                   CASE WHEN b.promoted AND NOT b.senior_track THEN %(rs)s END,
                   CASE WHEN b.u_cert < 0.01 THEN %(admin)s END
            FROM bench_b b JOIN people_brokerprofile p ON p.user_id = b.uid
            JOIN people_user u ON u.id = b.uid
            WHERE b.promoted OR b.senior_track
        """, p)
        counts["audit_events"] = _audit_promotions(lo, hi)
        _reset_sequences()
    _execute("DROP TABLE IF EXISTS bench_b")
    _execute("DROP TABLE IF EXISTS bench_a")
    return counts


def _audit_promotions(lo: int, hi: int) -> int:
    """The events ``certificate_issue`` writes for each promotion, appended to the chain with
    the same hashing as ``audit_record`` (so the viewer's verification holds)."""
    from django.db import connection

    from academy.audit.models import AuditChainHead, AuditEvent
    from academy.audit.selectors import event_hash

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.id, c.serial, b.uid, b.i, lv.code, c.issued_at, c.valid_until, c.level_id
            FROM certificates_certificate c JOIN bench_b b ON b.uid = c.broker_id
            JOIN people_level lv ON lv.id = c.level_id
            WHERE b.promoted ORDER BY c.issued_at, c.id
        """)
        rows = cursor.fetchall()
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    seq, prev = head.seq, head.hash
    events = []
    for cert_id, serial, uid, i, level_code, issued_at, valid_until, _level in rows:
        before_code = "junior" if level_code == "intermediate" else "intermediate"
        for action, subject_type, subject_id, label, before, after in (
            ("people.level_changed", "people.brokerprofile", str(uid), f"经纪人{i}",
             {"level": before_code}, {"level": level_code,
                                      "level_since": issued_at.date().isoformat(),
                                      "certificate": serial}),
            ("certificates.issued", "certificates.certificate", str(cert_id), serial, None,
             {"serial": serial, "level": level_code,
              "valid_until": valid_until.isoformat() if valid_until else None}),
        ):
            seq += 1
            event = AuditEvent(seq=seq, occurred_at=issued_at, actor_id=None,
                               actor_label="system", action=action, subject_type=subject_type,
                               subject_id=subject_id, subject_label=label, person_id=uid,
                               before=before, after=after, request_id="", ip_address=None,
                               prev_hash=prev)
            event.hash = prev = event_hash(event)
            events.append(event)
    # bulk_create, not save(): the model refuses updates, and this is an append.
    AuditEvent.objects.bulk_create(events, batch_size=5000)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return len(events)


def _reset_sequences() -> None:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    models = [apps.get_model(label) for label in (
        "people.User", "people.Organisation", "people.BrokerProfile", "people.PracticeRecord",
        "courses.Cohort", "courses.OfflineSession", "courses.Enrolment",
        "courses.LessonProgress", "courses.Attendance", "exams.Sitting", "exams.Attempt",
        "exams.AttemptItem", "exams.Answer", "exams.Mark", "certificates.Certificate",
        "audit.AuditEvent")]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- Pages ----------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    paths: list[str]  # requests cycle through these (dossiers: several brokers)
    api: bool = False
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    queries: int | None = None
    cold_ms: float = float("nan")  # in-process, figures not cached yet
    size: int = 0  # bytes of the largest answer

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, max(0, math.ceil(p / 100 * len(data)) - 1))] * 1000

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


def pages(cat: Catalogue, brokers: int) -> list[Page]:
    """The pages measured, with parameters that select a realistic share of the pool."""
    from academy.people.models import Region

    region = Region.objects.filter(pk=cat.regions[1]).values_list("code", flat=True)[0]
    start = (cat.today - datetime.timedelta(days=90)).isoformat()
    period = f"date_from={start}&date_to={cat.today.isoformat()}"
    # Dossiers of brokers spread over the pool (promoted ones have the fullest record).
    dossiers = [f"/talent/brokers/{ID0 + i}/" for i in
                range(brokers // 40 + 7, brokers, max(1, brokers // 20))][:20]
    return [
        Page("dashboard", ["/talent/"]),
        Page("dashboard, region", [f"/talent/?region={region}"]),
        Page("dashboard, last 90 days", [f"/talent/?{period}"]),
        Page("dashboard, level", ["/talent/?level=intermediate"]),
        Page("broker list, page 1", ["/talent/brokers/"]),
        Page("broker list, filtered p.3", [f"/talent/brokers/?region={region}&level=junior"
                                           "&page=3"]),
        Page("dossier", dossiers),
        Page("API summary", ["/api/v1/talent-pool/summary/"], api=True),
        Page("API brokers, filtered", [f"/api/v1/talent-pool/brokers/?region={region}"],
             api=True),
    ]


def count_queries(page: Page, session_key: str) -> int:
    """SQL queries of one request, in-process with the same settings as gunicorn."""
    from django.db import connection
    from django.test import Client

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    from django.urls import reverse

    from talent.selectors import figures

    # No Celery worker runs here: a dashboard whose figures were never computed asks for one,
    # and its page's poll computes them when none takes the task (selectors.figures_poll);
    # this process polls at once. cold_ms and the queries then include computing them.
    figures.FIGURES_WORKER_WAIT_SECONDS = 0
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session_key
    accept = "application/json" if page.api else "text/html"
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        response = client.get(page.paths[0], HTTP_ACCEPT=accept)
        if b'data-testid="figures-preparing"' in response.content:
            query = page.paths[0].partition("?")[2]
            client.get(f"{reverse('talent:figures_progress')}?{query}")
            response = client.get(page.paths[0], HTTP_ACCEPT=accept)
            if b'data-testid="figures-preparing"' in response.content:
                raise SystemExit(f"{page.paths[0]}: the figures were not computed")
    page.cold_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{page.paths[0]} answered {response.status_code} in-process")
    return queries


def measure(port: int, page: Page, session_key: str, requests: int, clients: int,
            warmup: int) -> None:
    """``requests`` GETs of the page from ``clients`` threads, each waiting for its answer."""
    lock = threading.Lock()
    counter = iter(range(requests + warmup))

    def one(n: int) -> None:
        path = page.paths[n % len(page.paths)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Cookie": f"sessionid={session_key}",
                   "Accept": "application/json" if page.api else "text/html"}
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            size = len(response.read())
            status = response.status
        except OSError as exc:
            status = type(exc).__name__
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        if n < warmup:
            return
        with lock:
            if status == 200:
                page.latencies.append(elapsed)
                page.size = max(page.size, size)
            else:
                page.errors[str(status)] = page.errors.get(str(status), 0) + 1

    def worker() -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            one(n)

    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(worker)


def run_size(url: str, cat: Catalogue, brokers: int, session_key: str, args) -> list[Page]:
    from bench.exam_save import Server

    # A cache namespace of this size's own: its figures are computed afresh.
    os.environ["BENCH_CACHE_PREFIX"] = f"bench-dashboard-{os.getpid()}-{brokers}"
    from django.conf import settings

    settings.CACHES["default"]["KEY_PREFIX"] = os.environ["BENCH_CACHE_PREFIX"]
    from django.core.cache import caches

    caches["default"].key_prefix = os.environ["BENCH_CACHE_PREFIX"]
    measured = pages(cat, brokers)
    # Load the URL configuration, templates and translations first (as a running worker has),
    # then the first request of each page: its queries, and its time with nothing cached.
    count_queries(Page("warm-up", ["/talent/brokers/?page=2"]), session_key)
    for page in measured:
        page.queries = count_queries(page, session_key)
    server = Server("academy.wsgi:application", SETTINGS, url, args.workers, "sync", 1)
    try:
        for page in measured:
            measure(server.port, page, session_key, args.requests, args.clients,
                    warmup=args.workers * 2)
            print(f"    {page.name:<28} median {page.median:7.1f} ms  p95 "
                  f"{page.pct(95):7.1f} ms  queries {page.queries}  first (in-process) "
                  f"{page.cold_ms:7.1f} ms  {page.size / 1024:5.0f} KB"
                  + (f"  errors {page.errors}" if page.errors else ""), flush=True)
    finally:
        server.stop()
    return measured


# --- Report ---------------------------------------------------------------------------------


def table(results: dict[int, list[Page]]) -> str:
    """Median and p95 through gunicorn, and the first request (in-process, nothing cached)."""
    sizes = sorted(results)
    names = [p.name for p in results[sizes[0]]]
    head = (f"{'page':<28}" + "".join(f" {f'{s:,} brokers':>29}" for s in sizes)
            + "  queries")
    sub = f"{'ms':<28}" + "".join(f" {'median':>9} {'p95':>9} {'first':>9}" for _ in sizes)
    lines = [head, sub, "-" * len(head)]
    for index, name in enumerate(names):
        row = f"{name:<28}"
        counts = []
        for s in sizes:
            page = results[s][index]
            row += f" {page.median:>9.1f} {page.pct(95):>9.1f} {page.cold_ms:>9.1f}"
            counts.append(str(page.queries))
        lines.append(row + "  " + "/".join(counts))
    return "\n".join(lines)


def main() -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="brokers at each measurement, growing (multiples of 1,000)")
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2 * cores + 1, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true",
                        help="measure the database as the last run left it (no seeding; "
                             "--sizes must then be the size it has)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DASHBOARD_DATABASE_URL", DEFAULT_DB)
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(s % 1000 for s in sizes) or sizes != sorted(sizes):
        raise SystemExit("--sizes: growing multiples of 1,000")

    from bench.exam_save import create_database, migrate

    wall = time.perf_counter()
    print(f"bench/dashboard.py: sizes {', '.join(f'{s:,}' for s in sizes)}; {args.clients} "
          f"clients, {args.requests} requests per page; gunicorn {args.workers} sync workers "
          f"on {cores} cores; database {url.rsplit('/', 1)[-1]}", flush=True)
    state = ROOT / "var" / "bench" / "dashboard-catalogue.json"
    if args.keep:
        migrate(url)
        _setup_django(url)
        data = json.loads(state.read_text())
        from academy.people.models import BrokerProfile

        held = BrokerProfile.objects.filter(pk__gte=ID0).count()
        if held != sizes[-1]:
            raise SystemExit(f"--keep: the database holds {held:,} bench brokers, not "
                             f"{sizes[-1]:,} (--sizes {held} measures it as it is)")
        data["today"] = datetime.date.fromisoformat(data["today"])
        cat = Catalogue(**{**data, "programmes": {int(k): v for k, v in
                                                  data["programmes"].items()}})
    else:
        create_database(url)
        migrate(url)
        _setup_django(url)
        cat = setup_catalogue()
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({k: v for k, v in vars(cat).items()
                                     if k not in ("papers", "versions")}, default=str))
    session_key = login_session(cat.auditor)

    results: dict[int, list[Page]] = {}
    seeding: dict[int, dict] = {}
    have = sizes[0] if args.keep else 0
    for size in sizes:
        if size > have:
            print(f"  growing the pool {have:,} → {size:,} brokers …", flush=True)
            t0 = time.perf_counter()
            counts = grow(cat, have, size)
            t1 = time.perf_counter()
            vacuum_analyze()
            seeding[size] = {"rows": counts, "insert_seconds": round(t1 - t0, 1),
                             "vacuum_analyze_seconds": round(time.perf_counter() - t1, 1)}
            print("    " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
            print(f"    inserted in {t1 - t0:.1f} s, VACUUM ANALYZE "
                  f"{time.perf_counter() - t1:.1f} s", flush=True)
            have = size
        print(f"  measuring at {size:,} brokers …", flush=True)
        results[size] = run_size(url, cat, size, session_key, args)

    print()
    print(table(results))
    last = results[sizes[-1]]
    worst = max(p.pct(95) for p in last)
    errors = sum(sum(p.errors.values()) for pages_ in results.values() for p in pages_)
    constant = all(len({results[s][i].queries for s in sizes}) == 1
                   for i in range(len(last)))
    verdicts = [
        (f"p95 under {TARGET_MS:.0f} ms at {sizes[-1]:,} brokers (worst page "
         f"{worst:.0f} ms)", worst < TARGET_MS),
        ("queries per page the same at every size", constant),
        ("no errors", errors == 0),
    ]
    print()
    for label, met in verdicts:
        print(f"  [{'met' if met else 'NOT MET'}] {label}")
    print(f"\nwhole run: {time.perf_counter() - wall:.0f} s; load average now "
          f"{os.getloadavg()[0]:.1f} ({cores} cores, shared)")

    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"dashboard-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "args": vars(args), "cores": cores,
        "seeding": seeding,
        "sizes": {str(s): [{"page": p.name, "paths": p.paths[:3], "requests": len(p.latencies),
                            "median_ms": round(p.median, 1), "p95_ms": round(p.pct(95), 1),
                            "max_ms": round(p.pct(100), 1), "queries": p.queries,
                            "first_request_in_process_ms": round(p.cold_ms, 1),
                            "bytes": p.size,
                            "errors": p.errors} for p in pages_]
                  for s, pages_ in results.items()},
        "verdicts": {label: met for label, met in verdicts},
    }, indent=2, ensure_ascii=False))
    print(f"results: {path.relative_to(ROOT)}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
