"""Class-hour accounting: what the transcript and the certification rules read."""

from decimal import Decimal

from courses.selectors import broker_hours
from courses.services import lesson_complete, lesson_update
from tests.courses.factories import (
    CohortFactory,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    OfflineSessionFactory,
    ProgrammeCourseFactory,
    ProgrammeFactory,
    attended,
    completed,
    enrol,
    study,
)
from tests.factories import BrokerFactory


def test_hours_sum_lessons_and_sessions_per_course_and_area(enrolled, cohort, lessons):
    completed(enrolled, lessons[0])  # 2 h, course 1 (policy)
    completed(enrolled, lessons[4])  # 2 h, course 2 (practice)
    session = OfflineSessionFactory(cohort=cohort, course=lessons[0].module.course,
                                    class_hours=Decimal("3.5"))
    attended(enrolled, session)
    loose = OfflineSessionFactory(cohort=cohort, class_hours=Decimal("1"))
    attended(enrolled, loose)

    hours = broker_hours(user_ids=[enrolled.pk])[enrolled.pk]

    course1, course2 = lessons[0].module.course, lessons[4].module.course
    assert hours.online == Decimal("4.00")
    assert hours.offline == Decimal("4.50")
    assert hours.total == Decimal("8.50")
    assert hours.by_course == {course1.pk: Decimal("5.50"), course2.pk: Decimal("2.00"),
                               None: Decimal("1.00")}
    assert hours.by_area == {"policy": Decimal("5.50"), "practice": Decimal("2.00"),
                             None: Decimal("1.00")}
    assert hours.lessons_by_course == {course1.pk: 1, course2.pk: 1}
    assert hours.sessions_attended == 2


def test_hours_for_many_brokers_in_one_query(django_assert_num_queries, cohort, lessons):
    brokers = [BrokerFactory() for _ in range(3)]
    for i, b in enumerate(brokers):
        for lesson in lessons[: i + 1]:
            completed(b, lesson)
    with django_assert_num_queries(1):
        result = broker_hours(user_ids=[b.pk for b in brokers] + [999999])
    assert [result[b.pk].total for b in brokers] == [Decimal("2"), Decimal("4"), Decimal("6")]
    assert result[999999].total == 0


def test_lesson_edited_after_completion_keeps_credit(enrolled, lessons, trainer):
    lesson = lessons[0]
    study(enrolled, lesson)
    lesson_complete(user=enrolled, lesson=lesson)
    lesson_update(lesson=lesson, actor=trainer, class_hours=Decimal("0.5"), body="改写后的内容")

    lesson.refresh_from_db()
    assert lesson.version == 2
    assert broker_hours(user_ids=[enrolled.pk])[enrolled.pk].online == Decimal("2.00")

    later = BrokerFactory()
    enrol(later, enrolled.enrolments.get().cohort)
    study(later, lesson)
    lesson_complete(user=later, lesson=lesson)
    assert broker_hours(user_ids=[later.pk])[later.pk].online == Decimal("0.50")


def test_unpublished_lesson_keeps_credit(enrolled, lessons, trainer):
    from courses.services import lesson_set_published

    completed(enrolled, lessons[0])
    lesson_set_published(lesson=lessons[0], published=False, actor=trainer)
    assert broker_hours(user_ids=[enrolled.pk])[enrolled.pk].online == Decimal("2.00")


def test_broker_in_two_cohorts_sharing_a_course_counts_lesson_once(broker):
    shared = CourseFactory()
    lesson = LessonFactory(module=ModuleFactory(course=shared), class_hours=Decimal("3"))
    first, second = ProgrammeFactory(), ProgrammeFactory()
    ProgrammeCourseFactory(programme=first, course=shared)
    ProgrammeCourseFactory(programme=second, course=shared)
    enrol(broker, CohortFactory(programme=first))
    enrol(broker, CohortFactory(programme=second))

    study(broker, lesson)
    lesson_complete(user=broker, lesson=lesson)
    lesson_complete(user=broker, lesson=lesson)  # again, from the other programme's page

    hours = broker_hours(user_ids=[broker.pk])[broker.pk]
    assert hours.total == Decimal("3.00")
    assert hours.lessons_by_course == {shared.pk: 1}


def test_attendance_credit_is_kept_when_session_hours_change(enrolled, cohort):
    session = OfflineSessionFactory(cohort=cohort, class_hours=Decimal("4"))
    attended(enrolled, session)
    session.class_hours = Decimal("2")
    session.save()
    assert broker_hours(user_ids=[enrolled.pk])[enrolled.pk].offline == Decimal("4.00")
