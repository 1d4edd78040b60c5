import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.courses.factories import (
    CohortFactory,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    ProgrammeCourseFactory,
    ProgrammeFactory,
    area,
    completed,
    enrol,
)


@pytest.fixture
def programme(db):
    """Junior → intermediate, with a policy course and a practice course."""
    programme = ProgrammeFactory()
    for order, code in enumerate(("policy", "practice")):
        course = CourseFactory(area=area(code))
        ProgrammeCourseFactory(programme=programme, course=course, order=order)
    return programme


@pytest.fixture
def cohort(programme, trainer):
    return CohortFactory(programme=programme, trainers=[trainer])


@pytest.fixture
def enrolled(broker, cohort):
    enrol(broker, cohort)
    return broker


def course_of(programme, code: str):
    return programme.courses.get(area__code=code)


def earn(user, course, hours: str | Decimal, *, when=None):
    """Credit ``hours`` in ``course`` to ``user`` through one completed lesson."""
    module = ModuleFactory(course=course)
    lesson = LessonFactory(module=module, class_hours=Decimal(hours))
    return completed(user, lesson, when=when)


def ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


@pytest.fixture(autouse=True)
def _english():
    """These tests read the English source texts: English is active, so ``reverse`` gives the
    /en/ pages. (Never change LANGUAGE_CODE in a test: the URL resolver caches its prefixes.)"""
    from django.utils import translation

    with translation.override("en"):
        yield
