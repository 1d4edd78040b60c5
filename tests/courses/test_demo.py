"""The courses demo seed: a programme across the four areas, a cohort mid-way, idempotent."""

import io

import pytest

from academy.people import demo as people_demo
from courses import demo
from courses.models import (
    Attendance,
    Cohort,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    OfflineSession,
)
from courses.selectors import cohort_progress


def counts():
    return [m.objects.count() for m in (Course, Lesson, Cohort, Enrolment, LessonProgress,
                                        Attendance, OfflineSession)]


@pytest.mark.django_db
def test_demo_seed_builds_a_cohort_mid_way_and_is_idempotent():
    out = io.StringIO()
    people_demo.seed(out)
    demo.seed(out)
    first = counts()
    demo.seed(out)
    assert counts() == first

    assert set(Course.objects.values_list("area__code", flat=True)) == {
        "general", "policy", "practice", "advanced"}
    # Development notes stay off the learners' pages (example values are marked to admins
    # where the requirement sets are edited).
    assert not any("示例值" in c.summary for c in Course.objects.all())
    cohort = Cohort.objects.get(code=demo.COHORT_CODE)
    rows = cohort_progress(cohort=cohort)
    assert len(rows) == 43
    percents = {r.percent for r in rows}
    assert min(percents) < 30 and max(percents) > 70  # varied progress
    past, upcoming = OfflineSession.objects.order_by("starts_at")
    assert past.attendances.exists() and not upcoming.attendances.exists()
    assert cohort.trainers.filter(email="trainer1@demo.local").exists()
    # Observed study: every seeded completion meets the study policy it would be held to.
    from courses.selectors import cohort_lesson_figures, lesson_requirement

    figures = cohort_lesson_figures(cohort=cohort)
    for record in LessonProgress.objects.filter(completed_at__isnull=False).select_related(
            "lesson__module")[:200]:
        assert lesson_requirement(user=record.user, lesson=record.lesson, progress=record).met
    video = [f for f in figures if f.lesson.credit_method == "video"]
    assert len(video) == 1 and video[0].lesson.video_file
    assert video[0].avg_watched_percent is not None
    assert "example values" in out.getvalue()
