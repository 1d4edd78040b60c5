"""The cohort view, the transcript and the programme page cost the same number of queries
whatever the number of brokers, lessons and records."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.selectors import cohort_progress, programme_progress_for, transcript_for
from tests.courses.factories import (
    CohortFactory,
    LessonFactory,
    ModuleFactory,
    OfflineSessionFactory,
    ProgrammeCourseFactory,
    attended,
    completed,
    enrol,
    programme_with_lessons,
)
from tests.factories import BrokerFactory


def grow(cohort, *, brokers: int, extra_lessons: int, sessions: int):
    """Add brokers with progress and attendance, more lessons and sessions to ``cohort``."""
    programme = cohort.programme
    course = ProgrammeCourseFactory(programme=programme).course
    module = ModuleFactory(course=course)
    for n in range(extra_lessons):
        LessonFactory(module=module, order=n)
    lessons = list(itertools.chain.from_iterable(
        m.lessons.all() for c in programme.courses.all() for m in c.modules.all()))
    made = [BrokerFactory() for _ in range(brokers)]
    session_objs = [OfflineSessionFactory(cohort=cohort, course=course) for _ in range(sessions)]
    for i, broker in enumerate(made):
        enrol(broker, cohort)
        for lesson in lessons[: (i * 3) % len(lessons) + 1]:
            completed(broker, lesson)
        for session in session_objs[: i % (sessions + 1)]:
            attended(broker, session)
    return made


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


@pytest.fixture
def world(db, trainer, mfa_enrolled):
    mfa_enrolled(trainer)
    cohort = CohortFactory(programme=programme_with_lessons(), trainers=[trainer])
    first = grow(cohort, brokers=2, extra_lessons=1, sessions=1)
    return cohort, first[0]


def test_cohort_progress_selector_is_constant(world, django_assert_num_queries):
    cohort, _ = world
    small = count_queries(lambda: cohort_progress(cohort=cohort, sort="hours"))
    grow(cohort, brokers=12, extra_lessons=6, sessions=3)
    with django_assert_num_queries(small):
        rows = cohort_progress(cohort=cohort, sort="hours")
    assert len(rows) == 14


def test_cohort_page_is_constant(client, world, trainer, django_assert_num_queries):
    cohort, _ = world
    client.force_login(trainer)
    url = reverse("courses:cohort_detail", args=[cohort.pk])
    client.get(url)  # warm up per-session caches (roles, MFA check)
    small = count_queries(lambda: client.get(url, {"sort": "progress"}))
    grow(cohort, brokers=10, extra_lessons=5, sessions=2)
    with django_assert_num_queries(small):
        response = client.get(url, {"sort": "progress"})
    assert response.status_code == 200 and response.content.count(b"data-user=") == 12


def test_transcript_selector_is_constant(world, django_assert_num_queries):
    cohort, broker = world
    small = count_queries(lambda: transcript_for(user=broker))
    more = ProgrammeCourseFactory(programme=cohort.programme).course
    module = ModuleFactory(course=more)
    for n in range(8):
        completed(broker, LessonFactory(module=module, order=n))
    for _ in range(4):
        attended(broker, OfflineSessionFactory(cohort=cohort, course=more))
    with django_assert_num_queries(small):
        transcript = transcript_for(user=broker)
    assert transcript.hours.sessions_attended >= 4


def test_transcript_page_is_constant(client, world, django_assert_num_queries):
    cohort, broker = world
    client.force_login(broker)
    url = reverse("courses:transcript")
    client.get(url)
    small = count_queries(lambda: client.get(url))
    more = ProgrammeCourseFactory(programme=cohort.programme).course
    module = ModuleFactory(course=more)
    for n in range(6):
        completed(broker, LessonFactory(module=module, order=n))
    for _ in range(3):
        attended(broker, OfflineSessionFactory(cohort=cohort, course=more))
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


def test_programme_page_is_constant(client, world, django_assert_num_queries):
    cohort, broker = world
    client.force_login(broker)
    url = reverse("courses:my_programme")
    client.get(url)
    small = count_queries(lambda: client.get(url))
    more = ProgrammeCourseFactory(programme=cohort.programme).course
    for m in range(3):
        module = ModuleFactory(course=more, order=m)
        for n in range(4):
            completed(broker, LessonFactory(module=module, order=n))
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200
    assert len(programme_progress_for(user=broker)[0].courses) == 4
