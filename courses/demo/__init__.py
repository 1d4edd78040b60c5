"""Demo content of courses for `manage.py seed_demo` (runs after the people app's accounts).

A junior → intermediate programme with seven courses across the four course areas, one
cohort mid-way for the 43 junior demo brokers with varied progress, and two offline sessions
(one past with attendance, one upcoming). Class hours are EXAMPLE values. Deterministic and
idempotent: a second run finds every row and changes nothing.

Study is observed as the live system observes it: completed lessons carry at least the active
time (or, for the lesson with the academy-hosted clip, the share of the video) the study
policy requires, and the lesson each broker is on carries only part of it, so that its page
says what is still needed. Lessons whose video is an external link are credited by time.
"""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from academy.people.models import Level, User

from ..models import (
    Attendance,
    Cohort,
    CohortCourseDeadline,
    Course,
    CourseArea,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    OfflineSession,
    Programme,
    ProgrammeCourse,
)
from ..services import enrolment_bulk_create
from .content import COURSES

PROGRAMME_TITLE = "初级技术经纪人晋升中级培训项目"
#: A short clip the academy hosts and plays itself: the first lesson is credited by watching it.
DEMO_CLIP = Path(__file__).resolve().parents[1] / "demo_media" / "lesson-clip-20s.webm"
DEMO_CLIP_SECONDS = 20
COHORT_CODE = "smx-2026-intermediate-1"
_SEED = 2026_0303


# The development note earlier demo data appended to texts that learners read.
_OLD_NOTE = "> 说明：本课程各课时的学时数为演示用的示例值"


def _courses(trainers: dict[str, User], level: Level) -> list[tuple[Course, bool]]:
    areas = {a.code: a for a in CourseArea.objects.all()}
    result = []
    for code, area, title, summary, owner, required, modules in COURSES:
        course, _ = Course.objects.get_or_create(
            code=code,
            defaults={"title": title, "area": areas[area], "level": level,
                      "summary": summary, "is_published": True},
        )
        if _OLD_NOTE in course.summary:
            # Demo data seeded before development notes left the learners' pages.
            course.summary = course.summary.split(_OLD_NOTE)[0].rstrip()
            course.save(update_fields=["summary", "updated_at"])
        if owner in trainers:
            course.owners.add(trainers[owner])
        previous_module = None
        for m_order, (m_title, m_requires_prev, lessons) in enumerate(modules):
            module, _ = Module.objects.get_or_create(
                course=course, title=m_title,
                defaults={"order": m_order,
                          "requires": previous_module if m_requires_prev else None},
            )
            previous_lesson = None
            for l_order, (l_title, hours, minutes, l_requires_prev, body) in enumerate(lessons):
                lesson, _ = Lesson.objects.get_or_create(
                    module=module, title=l_title,
                    defaults={
                        "order": l_order, "body": body.strip(), "class_hours": Decimal(hours),
                        "estimated_minutes": minutes, "is_published": True,
                        "requires": previous_lesson if l_requires_prev else None,
                        "video_url": "https://www.chinatorch.gov.cn/" if l_order == 0 else "",
                    },
                )
                previous_lesson = lesson
            previous_module = module
        result.append((course, required))
    return result


def seed(stdout: TextIO) -> None:
    """Create the demo programme, cohort, progress and sessions if they are missing."""
    junior = Level.objects.get(code="junior")
    intermediate = Level.objects.get(code="intermediate")
    trainers = {
        "trainer1": User.objects.filter(email="trainer1@demo.local").first(),
        "trainer2": User.objects.filter(email="trainer2@demo.local").first(),
    }
    trainers = {k: v for k, v in trainers.items() if v is not None}
    admin = User.objects.filter(email="admin@demo.local").first()
    today = timezone.localdate()
    with transaction.atomic():
        courses = _courses(trainers, intermediate)
        programme, _ = Programme.objects.get_or_create(
            title=PROGRAMME_TITLE,
            defaults={
                "from_level": junior, "to_level": intermediate,
                "description": "面向三门峡市初级技术经纪人的中级能力培训，覆盖公共知识、政策法规、"
                               "实务技能和能力提升四个课程模块，线上学习与线下集中授课相结合。",
            },
        )
        if _OLD_NOTE in programme.description:
            programme.description = programme.description.split(_OLD_NOTE)[0].rstrip()
            programme.save(update_fields=["description"])
        for order, (course, required) in enumerate(courses):
            ProgrammeCourse.objects.get_or_create(
                programme=programme, course=course,
                defaults={"required": required, "order": order},
            )
        cohort, created = Cohort.objects.get_or_create(
            code=COHORT_CODE,
            defaults={
                "programme": programme,
                "name": "三门峡市2026年中级技术经纪人培训班（第一期）",
                "starts_on": today - datetime.timedelta(days=45),
                "ends_on": today + datetime.timedelta(days=60),
                "is_open_for_enrolment": True,
            },
        )
        cohort.trainers.add(*trainers.values())
        if created:
            # Deadlines: the first courses are already due, the rest later.
            offsets = [-20, -5, 10, 25, 40, 55, 60]
            for (course, _required), offset in zip(courses, offsets, strict=False):
                CohortCourseDeadline.objects.get_or_create(
                    cohort=cohort, course=course,
                    defaults={"due_on": cohort.starts_on + datetime.timedelta(days=45 + offset)},
                )
        juniors = list(
            User.objects.filter(broker_profile__level=junior, is_active=True).order_by("email")
        )
        if juniors and admin is not None:
            enrolment_bulk_create(cohort=cohort, actor=admin,
                                  emails=[u.email for u in juniors])
        enrolled = list(
            User.objects.filter(enrolments__cohort=cohort).order_by("email")
        )
        _video_lesson(courses=[c for c, _ in courses])
        _progress(cohort=cohort, brokers=enrolled, courses=[c for c, _ in courses])
        _sessions(cohort=cohort, brokers=enrolled, trainers=list(trainers.values()),
                  courses={c.code: c for c, _ in courses})
    stdout.write(
        f"courses: programme «{programme.title}», cohort «{cohort.name}» with "
        f"{Enrolment.objects.filter(cohort=cohort).count()} brokers "
        "(class hours are example values).\n"
    )


def _video_lesson(*, courses: list[Course]) -> None:
    """The programme's first lesson plays the hosted clip and is credited by watching it."""
    from django.core.files import File

    from ..models import CreditMethod

    lesson = (Lesson.objects.filter(module__course=courses[0], is_published=True)
              .order_by("module__order", "order", "pk").first()) if courses else None
    if lesson is None or lesson.video_file or not DEMO_CLIP.exists():
        return
    with DEMO_CLIP.open("rb") as handle:
        lesson.video_file.save("lesson-clip-20s.webm", File(handle), save=False)
    lesson.video_seconds = DEMO_CLIP_SECONDS
    lesson.credit_method = CreditMethod.VIDEO
    lesson.save(update_fields=["video_file", "video_seconds", "credit_method"])


def _progress(*, cohort: Cohort, brokers: list[User], courses: list[Course]) -> None:
    """Varied progress: each broker has done the first N lessons in programme order."""
    lessons = list(
        Lesson.objects.filter(module__course__in=courses, is_published=True)
        .select_related("module")
        .order_by("module__course__programme_courses__order", "module__order", "order")
        .distinct()
    )
    if not lessons or LessonProgress.objects.filter(
        user__in=brokers, lesson__in=lessons
    ).exists():
        return  # already seeded (or brokers have real progress): leave it alone
    rng = random.Random(_SEED)
    start = timezone.make_aware(datetime.datetime.combine(cohort.starts_on, datetime.time(9)))
    now = timezone.now()
    span = max(1.0, (now - start).total_seconds())
    rows = []
    for index, broker in enumerate(brokers):
        # A spread from "not started" to "nearly done"; broker01 sits mid-way for the demo.
        share = 0.4 if index == 0 else min(1.0, max(0.0, rng.betavariate(2.0, 2.2)))
        done_count = int(round(share * (len(lessons) - 1)))
        moments = sorted(start + datetime.timedelta(seconds=rng.uniform(0, span))
                         for _ in range(done_count + 1))
        for position, lesson in enumerate(lessons[: done_count + 1]):
            viewed = moments[position]
            finished = position < done_count
            # Finished: at least the policy's 80 % of the estimate; the current lesson: part.
            share = rng.uniform(0.85, 1.4) if finished else rng.uniform(0.1, 0.6)
            watched = math.floor(DEMO_CLIP_SECONDS * (1 if finished else share)) \
                if lesson.video_file else 0
            rows.append(LessonProgress(
                user=broker, lesson=lesson, first_viewed_at=viewed,
                last_viewed_at=viewed + datetime.timedelta(minutes=lesson.estimated_minutes),
                seconds_spent=int(lesson.estimated_minutes * 60 * share),
                video_ranges=[[0, watched]] if watched else [],
                video_seconds_watched=watched,
                completed_at=viewed + datetime.timedelta(minutes=lesson.estimated_minutes)
                if finished else None,
                credited_hours=lesson.class_hours if finished else None,
                lesson_version=lesson.version if finished else None,
            ))
    LessonProgress.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


def _sessions(*, cohort: Cohort, brokers: list[User], trainers: list[User],
              courses: dict[str, Course]) -> None:
    now = timezone.localtime()
    past_start = (now - datetime.timedelta(days=10)).replace(hour=9, minute=0, second=0,
                                                             microsecond=0)
    past, created = OfflineSession.objects.get_or_create(
        cohort=cohort, title="线下集中授课：技术合同认定登记实务",
        defaults={
            "course": courses.get("TT-S301"),
            "place": "三门峡市科学技术局四楼会议室",
            "class_hours": Decimal("4.00"),
            "starts_at": past_start,
            "ends_at": past_start + datetime.timedelta(hours=3, minutes=30),
            "checkin_opens_at": past_start - datetime.timedelta(minutes=30),
            "checkin_closes_at": past_start + datetime.timedelta(minutes=45),
        },
    )
    if created and brokers:
        rng = random.Random(_SEED + 1)
        recorder = trainers[0] if trainers else None
        rows = []
        for broker in brokers:
            if rng.random() < 0.18:
                continue  # absent
            by_qr = rng.random() < 0.7
            rows.append(Attendance(
                session=past, user=broker,
                method=Attendance.Method.QR if by_qr else Attendance.Method.LIST,
                recorded_by=broker if by_qr else recorder,
                checked_in_at=past_start - datetime.timedelta(minutes=rng.randint(-10, 25)),
                credited_hours=past.class_hours,
            ))
        Attendance.objects.bulk_create(rows, ignore_conflicts=True)
    upcoming_start = (now + datetime.timedelta(days=7)).replace(hour=14, minute=30, second=0,
                                                                microsecond=0)
    OfflineSession.objects.get_or_create(
        cohort=cohort, title="供需对接与技术商务谈判模拟",
        defaults={
            "course": courses.get("TT-A401"),
            "place": "三门峡高新区科技企业孵化器路演厅",
            "class_hours": Decimal("3.00"),
            "starts_at": upcoming_start,
            "ends_at": upcoming_start + datetime.timedelta(hours=3),
            "checkin_opens_at": upcoming_start - datetime.timedelta(minutes=30),
            "checkin_closes_at": upcoming_start + datetime.timedelta(minutes=40),
        },
    )
