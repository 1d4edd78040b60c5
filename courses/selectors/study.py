"""What a broker still has to do before a lesson's class hours are credited.

One rule, one place: ``lesson_requirement`` is what the lesson page shows, what the API's
409 carries and what ``lesson_complete`` checks. The policy is the one ``StudyPolicy`` row
(defaults when an admin has not saved one yet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, FloatField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from ..models import (
    Attendance,
    Cohort,
    CreditMethod,
    Enrolment,
    Lesson,
    LessonProgress,
    ProgrammeCourse,
    StudyPolicy,
)


def study_policy() -> StudyPolicy:
    """The bureau's study policy (an unsaved row with the defaults if none was saved)."""
    return StudyPolicy.objects.order_by("pk").first() or StudyPolicy()


def required_seconds(lesson: Lesson, policy: StudyPolicy) -> int:
    """Active seconds a lesson credited by time needs."""
    return math.ceil(lesson.estimated_minutes * 60 * policy.time_share_percent / 100)


def required_video_seconds(lesson: Lesson, policy: StudyPolicy) -> int:
    """Distinct seconds of the hosted video a lesson credited by video needs."""
    return math.ceil((lesson.video_seconds or 0) * policy.video_share_percent / 100)


@dataclass
class Requirement:
    """Where a broker stands against what a lesson requires; ``met`` says whether it may be
    marked done now, ``remaining`` says in words what is missing."""

    method: str
    met: bool
    active_seconds: int = 0
    required_seconds: int = 0
    video_watched_percent: int = 0
    video_required_percent: int = 0
    attended: bool = False
    check_passed: bool = False
    remaining: str = ""

    @property
    def remaining_minutes(self) -> int:
        return max(0, math.ceil((self.required_seconds - self.active_seconds) / 60))

    @property
    def time_percent(self) -> int:
        if not self.required_seconds:
            return 100
        return min(100, self.active_seconds * 100 // self.required_seconds)

    def figures(self) -> dict[str, Any]:
        """The figures as plain data (the API's 409 and the lesson page's script use them)."""
        return {
            "credit_method": self.method, "met": self.met, "remaining": self.remaining,
            "active_seconds": self.active_seconds, "required_seconds": self.required_seconds,
            "remaining_minutes": self.remaining_minutes,
            "video_watched_percent": self.video_watched_percent,
            "video_required_percent": self.video_required_percent,
            "attended": self.attended, "check_passed": self.check_passed,
        }


def _watched_percent(seconds: int, total: int | None) -> int:
    if not total:
        return 0
    return min(100, seconds * 100 // total)


def lesson_requirement(*, user: Any, lesson: Lesson, progress: LessonProgress | None,
                       policy: StudyPolicy | None = None) -> Requirement:
    """What ``user`` still needs for ``lesson`` (at most one query, for attendance)."""
    policy = policy or study_policy()
    method = lesson.credit_method
    spent = progress.seconds_spent if progress else 0
    if method == CreditMethod.VIDEO:
        watched = progress.video_seconds_watched if progress else 0
        needed = required_video_seconds(lesson, policy)
        percent = _watched_percent(watched, lesson.video_seconds)
        met = bool(lesson.video_seconds) and watched >= needed
        missing = max(0, policy.video_share_percent - percent)
        if not met and missing == 0:
            missing = 1
        return Requirement(
            method=method, met=met, active_seconds=spent,
            video_watched_percent=percent, video_required_percent=policy.video_share_percent,
            remaining="" if met else _("Watch %(percent)s%% more of the video")
            % {"percent": missing},
        )
    if method == CreditMethod.ATTENDANCE:
        attended = Attendance.objects.filter(
            user=user, session__course_id=lesson.module.course_id).exists()
        return Requirement(
            method=method, met=attended, active_seconds=spent, attended=attended,
            remaining="" if attended else _("Attend an offline session of this course"),
        )
    if method == CreditMethod.CHECK:
        passed = bool(progress and progress.check_passed_at)
        return Requirement(
            method=method, met=passed, active_seconds=spent, check_passed=passed,
            remaining="" if passed else _("Answer the lesson's check questions correctly"),
        )
    needed = required_seconds(lesson, policy)
    requirement = Requirement(method=CreditMethod.TIME, met=spent >= needed,
                              active_seconds=spent, required_seconds=needed)
    if not requirement.met:
        requirement.remaining = _("%(minutes)s more minutes of study needed") % {
            "minutes": max(1, requirement.remaining_minutes)}
    return requirement


# --- The trainers' view ---------------------------------------------------------------------


@dataclass
class LessonFigures:
    """A lesson's study figures over a cohort's active brokers."""

    lesson: Lesson
    course_title: str
    opened: int
    completed: int
    requirement_met: int
    avg_active_minutes: Decimal
    avg_watched_percent: int | None
    required_minutes: Decimal
    required_video_percent: int | None


def cohort_lesson_figures(*, cohort: Cohort) -> list[LessonFigures]:
    """Per published lesson of the cohort's programme: brokers who opened it, completed it,
    met its requirement, their average active minutes and (video lessons) average share of
    the video watched. Four queries, whatever the number of brokers."""
    policy = study_policy()
    course_order = dict(ProgrammeCourse.objects.filter(programme_id=cohort.programme_id)
                        .values_list("course_id", "order"))
    course_ids = list(course_order)
    active = Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.ACTIVE
                                      ).values("user_id")
    time_needed = F("lesson__estimated_minutes") * 60 * policy.time_share_percent / 100.0
    video_needed = F("lesson__video_seconds") * policy.video_share_percent / 100.0
    met = (
        Q(lesson__credit_method=CreditMethod.TIME, seconds_spent__gte=time_needed)
        | Q(lesson__credit_method=CreditMethod.VIDEO, lesson__video_seconds__gt=0,
            video_seconds_watched__gte=video_needed)
        | Q(lesson__credit_method=CreditMethod.CHECK, check_passed_at__isnull=False)
        | Q(completed_at__isnull=False)
    )
    stats = {
        row["lesson_id"]: row
        for row in LessonProgress.objects.filter(
            lesson__module__course_id__in=course_ids, user_id__in=active)
        .values("lesson_id")
        .annotate(
            opened=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            met=Count("pk", filter=met),
            avg_seconds=Avg("seconds_spent"),
            avg_watched=Avg(Cast("video_seconds_watched", FloatField())),
        )
        .order_by()
    }
    lessons = sorted(
        Lesson.objects.filter(module__course_id__in=course_ids, is_published=True)
        .select_related("module__course"),
        key=lambda x: (course_order[x.module.course_id], x.module.course_id, x.module.order,
                       x.module_id, x.order, x.pk),
    )
    rows = []
    for lesson in lessons:
        row = stats.get(lesson.pk, {})
        video = lesson.credit_method == CreditMethod.VIDEO and lesson.video_seconds
        avg_watched = row.get("avg_watched")
        rows.append(LessonFigures(
            lesson=lesson, course_title=lesson.module.course.title,
            opened=row.get("opened", 0), completed=row.get("completed", 0),
            requirement_met=row.get("met", 0),
            avg_active_minutes=(Decimal(row.get("avg_seconds") or 0) / 60
                                ).quantize(Decimal("0.1")),
            avg_watched_percent=int(avg_watched * 100 / lesson.video_seconds)
            if video and avg_watched is not None else None,
            required_minutes=(Decimal(required_seconds(lesson, policy)) / 60
                              ).quantize(Decimal("0.1")),
            required_video_percent=policy.video_share_percent if video else None,
        ))
    return rows
