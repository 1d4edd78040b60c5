import pytest

from tests.courses.factories import CohortFactory, enrol, programme_with_lessons


@pytest.fixture
def programme(db):
    return programme_with_lessons()


@pytest.fixture
def cohort(programme, trainer):
    return CohortFactory(programme=programme, trainers=[trainer])


@pytest.fixture
def enrolled(broker, cohort):
    """The ``broker`` fixture enrolled in ``cohort``."""
    enrol(broker, cohort)
    return broker


def lessons_of(programme):
    from courses.models import Lesson

    return list(
        Lesson.objects.filter(module__course__programmes=programme)
        .order_by("module__course__programme_courses__order", "module__order", "order")
    )


@pytest.fixture
def lessons(programme):
    return lessons_of(programme)
