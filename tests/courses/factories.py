"""Factories for courses: a programme with courses, modules and lessons; cohorts; sessions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from courses.models import (
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
from tests.factories import level


def area(code: str = "policy") -> CourseArea:
    return CourseArea.objects.get(code=code)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"技术合同认定登记实务{n}")
    code = factory.Sequence(lambda n: f"course-{n}")
    area = factory.LazyFunction(area)
    level = factory.LazyFunction(level)
    summary = "课程简介"
    is_published = True

    @factory.post_generation
    def owners(self, create, extracted, **kwargs):
        if create and extracted:
            self.owners.set(extracted)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    order = factory.Sequence(int)
    title = factory.Sequence(lambda n: f"第{n}单元")


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    order = factory.Sequence(int)
    title = factory.Sequence(lambda n: f"第{n}课")
    body = "## 要点\n\n技术合同应当**书面**订立。"
    class_hours = Decimal("2.00")
    estimated_minutes = 30
    is_published = True


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    title = factory.Sequence(lambda n: f"初级升中级培训项目{n}")
    from_level = factory.LazyFunction(lambda: level("junior"))
    to_level = factory.LazyFunction(lambda: level("intermediate"))


class ProgrammeCourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeCourse

    programme = factory.SubFactory(ProgrammeFactory)
    course = factory.SubFactory(CourseFactory)
    required = True
    order = factory.Sequence(int)


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"2026年第{n}期培训班")
    code = factory.Sequence(lambda n: f"cohort-{n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    is_open_for_enrolment = False

    @factory.post_generation
    def trainers(self, create, extracted, **kwargs):
        if create and extracted:
            self.trainers.set(extracted)


class DeadlineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortCourseDeadline

    cohort = factory.SubFactory(CohortFactory)
    course = factory.SubFactory(CourseFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    cohort = factory.SubFactory(CohortFactory)
    user = None  # pass a broker
    status = Enrolment.Status.ACTIVE


class OfflineSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfflineSession

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"线下集中授课{n}")
    place = "三门峡市科技局三楼会议室"
    class_hours = Decimal("4.00")
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    checkin_opens_at = factory.LazyAttribute(lambda o: o.starts_at - datetime.timedelta(minutes=30))
    checkin_closes_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=1))


def completed(user, lesson, *, hours: Decimal | None = None, when=None) -> LessonProgress:
    """A completed-lesson record, written directly (for setting up data)."""
    when = when or timezone.now()
    return LessonProgress.objects.create(
        user=user, lesson=lesson, first_viewed_at=when, last_viewed_at=when,
        seconds_spent=600, completed_at=when,
        credited_hours=lesson.class_hours if hours is None else hours,
        lesson_version=lesson.version,
    )


def study(user, lesson, *, seconds: int | None = None, tick: int = 30):
    """Heartbeats of a visible, active lesson page, ``tick`` seconds apart, until ``seconds``
    of active time (default: what the study policy requires) were reported.

    The pings are stamped from the broker's study clock onwards (in the future), as real
    pages would be, so the credit is exactly what the service allows."""
    from courses.models import StudyClock
    from courses.selectors.study import required_seconds, study_policy
    from courses.services import lesson_open

    needed = required_seconds(lesson, study_policy()) if seconds is None else seconds
    clock = StudyClock.objects.filter(user=user).first()
    now = max(timezone.now(), clock.credited_until if clock else timezone.now())
    progress = lesson_open(user=user, lesson=lesson, now=now)
    reported = 0
    while reported < needed:
        step = min(tick, needed - reported)
        now += datetime.timedelta(seconds=step)
        progress = lesson_open(user=user, lesson=lesson, seconds=step, now=now)
        reported += step
    return progress


def attended(user, session, *, method=Attendance.Method.LIST) -> Attendance:
    return Attendance.objects.create(
        session=session, user=user, method=method, checked_in_at=session.starts_at,
        credited_hours=session.class_hours,
    )


def programme_with_lessons(*, courses: int = 2, modules: int = 2, lessons: int = 2,
                           area_codes=("policy", "practice")):
    """A programme with ``courses`` courses × ``modules`` modules × ``lessons`` lessons."""
    programme = ProgrammeFactory()
    for c in range(courses):
        course = CourseFactory(area=area(area_codes[c % len(area_codes)]))
        ProgrammeCourseFactory(programme=programme, course=course, order=c)
        for m in range(modules):
            module = ModuleFactory(course=course, order=m)
            for n in range(lessons):
                LessonFactory(module=module, order=n)
    return programme


def enrol(user, cohort) -> Enrolment:
    return EnrolmentFactory(user=user, cohort=cohort)
