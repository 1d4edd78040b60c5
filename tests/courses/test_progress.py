"""Opening and completing lessons; prerequisites; derived module and course completion; the
cohort's progress list and its search."""

import datetime

import pytest
from django.utils import timezone

from academy.errors import ApplicationError
from academy.people.models import BrokerProfile
from courses.models import LessonProgress
from courses.selectors import cohort_progress, course_progress_for, programme_progress_for
from courses.services import lesson_complete, lesson_open
from tests.courses.factories import DeadlineFactory, completed, enrol, study
from tests.factories import BrokerFactory, OrganisationFactory

# Service messages are asserted in their English source wording.
pytestmark = pytest.mark.usefixtures("english")


def test_complete_refused_before_the_lesson_was_opened(enrolled, lessons):
    with pytest.raises(ApplicationError, match="Open the lesson"):
        lesson_complete(user=enrolled, lesson=lessons[0])
    assert not LessonProgress.objects.exists()


def test_open_records_first_view_and_complete_credits_hours(enrolled, lessons):
    progress = lesson_open(user=enrolled, lesson=lessons[0])
    assert progress.first_viewed_at and progress.completed_at is None
    study(enrolled, lessons[0])
    progress = lesson_complete(user=enrolled, lesson=lessons[0])
    assert progress.completed_at is not None
    assert progress.credited_hours == lessons[0].class_hours
    assert progress.lesson_version == 1


def test_time_spent_is_capped_by_elapsed_time(enrolled, lessons):
    start = timezone.now()
    lesson_open(user=enrolled, lesson=lessons[0], now=start)
    lesson_open(user=enrolled, lesson=lessons[0], seconds=30,
                now=start + datetime.timedelta(seconds=30))
    # A forged report of an hour, ten seconds later, adds only ten seconds.
    progress = lesson_open(user=enrolled, lesson=lessons[0], seconds=3600,
                           now=start + datetime.timedelta(seconds=40))
    assert progress.seconds_spent == 40
    assert progress.first_viewed_at == start


def test_completing_twice_keeps_the_first_completion(enrolled, lessons):
    study(enrolled, lessons[0])
    first = lesson_complete(user=enrolled, lesson=lessons[0])
    second = lesson_complete(user=enrolled, lesson=lessons[0],
                             now=timezone.now() + datetime.timedelta(days=1))
    assert second.completed_at == first.completed_at


def test_broker_not_enrolled_cannot_open_lesson(lessons):
    outsider = BrokerFactory()
    with pytest.raises(ApplicationError, match="not part of a programme"):
        lesson_open(user=outsider, lesson=lessons[0])


def test_unpublished_lesson_cannot_be_opened(enrolled, lessons):
    lessons[0].is_published = False
    lessons[0].save()
    with pytest.raises(ApplicationError):
        lesson_open(user=enrolled, lesson=lessons[0])


def test_lesson_prerequisite_locks_until_done(enrolled, lessons):
    first, second = lessons[0], lessons[1]
    second.requires = first
    second.save()
    with pytest.raises(ApplicationError, match="Complete the lesson"):
        lesson_open(user=enrolled, lesson=second)
    outline = course_progress_for(user=enrolled, course=first.module.course)
    assert outline.state_of(second.pk).locked
    study(enrolled, first)
    lesson_complete(user=enrolled, lesson=first)
    study(enrolled, second)
    lesson_complete(user=enrolled, lesson=second)
    outline = course_progress_for(user=enrolled, course=first.module.course)
    assert not outline.state_of(second.pk).locked
    assert outline.modules[0].done


def test_lesson_opened_before_prerequisite_added_cannot_be_completed(enrolled, lessons):
    first, second = lessons[0], lessons[1]
    lesson_open(user=enrolled, lesson=second)
    second.requires = first
    second.save()
    with pytest.raises(ApplicationError, match="Complete the lesson"):
        lesson_complete(user=enrolled, lesson=second)


def test_module_prerequisite_locks_its_lessons(enrolled, lessons):
    module1, module2 = lessons[0].module, lessons[2].module
    module2.requires = module1
    module2.save()
    with pytest.raises(ApplicationError, match="Complete the module"):
        lesson_open(user=enrolled, lesson=lessons[2])
    completed(enrolled, lessons[0])
    with pytest.raises(ApplicationError, match="Complete the module"):
        lesson_open(user=enrolled, lesson=lessons[2])
    completed(enrolled, lessons[1])
    lesson_open(user=enrolled, lesson=lessons[2])


def test_requirement_on_unpublished_lesson_is_ignored(enrolled, lessons):
    first, second = lessons[0], lessons[1]
    first.is_published = False
    first.save()
    second.requires = first
    second.save()
    study(enrolled, second)
    lesson_complete(user=enrolled, lesson=second)


def test_programme_progress_percent_deadlines_and_overdue(enrolled, cohort, lessons):
    course1, course2 = lessons[0].module.course, lessons[4].module.course
    DeadlineFactory(cohort=cohort, course=course1,
                    due_on=timezone.localdate() - datetime.timedelta(days=1))
    DeadlineFactory(cohort=cohort, course=course2,
                    due_on=timezone.localdate() + datetime.timedelta(days=7))
    for lesson in lessons[:3]:
        completed(enrolled, lesson)
    [progress] = programme_progress_for(user=enrolled)
    c1, c2 = progress.courses
    assert (c1.lessons_done, c1.lessons_total, c1.percent) == (3, 4, 75)
    assert c1.overdue and not c2.overdue
    assert progress.percent == 37  # 3 of 8, rounded down
    assert progress.overdue_count == 1
    assert [c.course for c in progress.due_next] == [course1, course2]
    for lesson in lessons[3:4]:
        completed(enrolled, lesson)
    [progress] = programme_progress_for(user=enrolled)
    assert progress.courses[0].is_complete and not progress.courses[0].overdue
    assert [c.course for c in progress.due_next] == [course2]


@pytest.mark.parametrize("term", ["曾国藩", "国藩", "zgf", "zengguofan", "zeng@example", "5678",
                                  "1123x", "黄河技术"])
def test_the_cohort_search_finds_brokers_as_every_person_search_does(cohort, term):
    zeng = BrokerFactory(user__full_name="曾国藩", user__email="zeng@example.test",
                         organisation=OrganisationFactory(name="黄河技术转移中心"))
    BrokerProfile.objects.filter(user=zeng).update(phone="13800005678",
                                                   national_id="41120219900101123X")
    other = BrokerFactory(user__full_name="李强", user__email="li@example.test")
    enrol(zeng, cohort)
    enrol(other, cohort)
    assert [row.user for row in cohort_progress(cohort=cohort, search=term)] == [zeng]
    assert len(cohort_progress(cohort=cohort, search="  ")) == 2
