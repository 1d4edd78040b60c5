"""The running count of completed published lessons per (broker, course) that the reminder
sweeps read: database triggers keep it equal to a count from the progress itself, whatever
writes the progress (the study service, the ORM, a raw UPDATE) or moves or unpublishes a
lesson. Runs on the configured database: SQLite on embedded defaults, PostgreSQL in CI."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from courses.models import CompletedLessons, Lesson, LessonProgress, Module
from courses.services import lesson_complete, lesson_set_published
from tests.courses.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    completed,
    study,
)
from tests.factories import BrokerFactory


def counts() -> dict[tuple[int, int], int]:
    """The stored counts, without pairs at zero."""
    return {(r.user_id, r.course_id): r.completed
            for r in CompletedLessons.objects.filter(completed__gt=0)}


def truth() -> dict[tuple[int, int], int]:
    """The same, counted from the progress."""
    rows = (LessonProgress.objects.filter(completed_at__isnull=False, lesson__is_published=True)
            .values("user_id", "lesson__module__course_id").annotate(n=Count("pk")))
    return {(r["user_id"], r["lesson__module__course_id"]): r["n"] for r in rows}


def world():
    """Two courses of two modules of two published lessons, and two brokers."""
    courses = [CourseFactory(), CourseFactory()]
    lessons = [LessonFactory(module=ModuleFactory(course=c, order=m), order=n)
               for c in courses for m in range(2) for n in range(2)]
    return courses, lessons, BrokerFactory(), BrokerFactory()


def test_completing_lessons_counts_them_per_course(db):
    (first, second), lessons, ann, bob = world()
    for lesson in lessons[:3]:
        completed(ann, lesson)
    completed(bob, lessons[4])
    LessonProgress.objects.create(user=bob, lesson=lessons[5], first_viewed_at=timezone.now(),
                                  last_viewed_at=timezone.now())  # opened, not completed

    assert counts() == {(ann.pk, first.pk): 3, (bob.pk, second.pk): 1} == truth()


def test_a_lesson_completed_through_the_study_service_counts_once(enrolled, lessons):
    study(enrolled, lessons[0])
    lesson_complete(user=enrolled, lesson=lessons[0])
    lesson_complete(user=enrolled, lesson=lessons[0])  # completing twice changes nothing
    study(enrolled, lessons[0], seconds=60)  # nor does more study of a completed lesson

    assert LessonProgress.objects.get(user=enrolled, lesson=lessons[0]).completed_at is not None
    assert counts() == {(enrolled.pk, lessons[0].module.course_id): 1} == truth()


def test_updates_that_do_not_touch_completion_leave_the_count(db):
    (first, _second), lessons, ann, _bob = world()
    progress = completed(ann, lessons[0])
    progress.seconds_spent += 120
    progress.save()  # every column written, completion unchanged
    LessonProgress.objects.filter(pk=progress.pk).update(last_viewed_at=timezone.now())

    assert counts() == {(ann.pk, first.pk): 1} == truth()


def test_unpublishing_a_lesson_takes_its_completions_out_and_publishing_puts_them_back(
        db, admin_user):
    (first, _second), lessons, ann, bob = world()
    for broker in (ann, bob):
        completed(broker, lessons[0])
        completed(broker, lessons[1])

    lesson_set_published(lesson=lessons[0], published=False, actor=admin_user)
    assert counts() == {(ann.pk, first.pk): 1, (bob.pk, first.pk): 1} == truth()

    lesson_set_published(lesson=lessons[0], published=True, actor=admin_user)
    assert counts() == {(ann.pk, first.pk): 2, (bob.pk, first.pk): 2} == truth()


def test_a_completion_of_an_unpublished_lesson_counts_once_it_is_published(db):
    (first, _second), lessons, ann, _bob = world()
    Lesson.objects.filter(pk=lessons[0].pk).update(is_published=False)
    completed(ann, lessons[0])
    assert counts() == {} == truth()

    Lesson.objects.filter(pk=lessons[0].pk).update(is_published=True)
    assert counts() == {(ann.pk, first.pk): 1} == truth()


def test_moving_a_lesson_or_a_module_to_another_course_moves_its_completions(db):
    (first, second), lessons, ann, bob = world()
    for lesson in lessons[:2]:  # the first module of the first course
        completed(ann, lesson)
    completed(bob, lessons[2])  # the second module of the first course

    Lesson.objects.filter(pk=lessons[0].pk).update(module=lessons[4].module)
    assert counts() == {(ann.pk, first.pk): 1, (ann.pk, second.pk): 1,
                        (bob.pk, first.pk): 1} == truth()

    Module.objects.filter(pk=lessons[2].module_id).update(course=second)
    assert counts() == {(ann.pk, first.pk): 1, (ann.pk, second.pk): 1,
                        (bob.pk, second.pk): 1} == truth()

    # Within its course a move changes nothing.
    Lesson.objects.filter(pk=lessons[1].pk).update(module=lessons[2].module)
    assert counts() == truth()


def test_undoing_a_completion_or_deleting_progress_takes_it_out(db):
    (first, _second), lessons, ann, _bob = world()
    kept, undone, deleted = (completed(ann, lesson) for lesson in lessons[:3])
    LessonProgress.objects.filter(pk=undone.pk).update(completed_at=None, credited_hours=None)
    deleted.delete()

    assert counts() == {(ann.pk, first.pk): 1} == truth()


def test_raw_sql_is_counted_too(db):
    (first, _second), lessons, ann, _bob = world()
    progress = completed(ann, lessons[0])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE courses_lessonprogress SET completed_at = NULL, "
                       "credited_hours = NULL WHERE id = %s", [progress.pk])
    assert counts() == {} == truth()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE courses_lessonprogress SET completed_at = %s, "
                       "credited_hours = 1 WHERE id = %s", [timezone.now(), progress.pk])
    assert counts() == {(ann.pk, first.pk): 1} == truth()
