"""What a broker still has to do before a lesson's class hours are credited.

One rule, one place: ``requirement_of`` (through ``lesson_requirement``) is what the lesson
page shows, what the API's 409 carries and what ``lesson_complete`` checks; the trainers'
figures per broker and lesson (``cohort_lesson_study``) and per lesson
(``cohort_lesson_figures``, their sums) apply the same function to the same records, and the
cohort page and the cohort-progress API both read them. The policy is the one ``StudyPolicy``
row (defaults when an admin has not saved one yet).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
    attended = lesson.credit_method == CreditMethod.ATTENDANCE and Attendance.objects.filter(
        user=user, session__course_id=lesson.module.course_id).exists()
    return requirement_of(
        lesson, policy or study_policy(), spent=progress.seconds_spent if progress else 0,
        watched=progress.video_seconds_watched if progress else 0,
        check_passed=bool(progress and progress.check_passed_at), attended=attended)


def requirement_of(lesson: Lesson, policy: StudyPolicy, *, spent: int, watched: int,
                   check_passed: bool, attended: bool) -> Requirement:
    """The rule itself, from the figures observed (no query): ``spent`` active seconds,
    ``watched`` distinct seconds of the hosted video, the lesson's check passed, an offline
    session of its course attended."""
    method = lesson.credit_method
    if method == CreditMethod.VIDEO:
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
        return Requirement(
            method=method, met=attended, active_seconds=spent, attended=attended,
            remaining="" if attended else _("Attend an offline session of this course"),
        )
    if method == CreditMethod.CHECK:
        return Requirement(
            method=method, met=check_passed, active_seconds=spent, check_passed=check_passed,
            remaining="" if check_passed else _("Answer the lesson's check questions correctly"),
        )
    needed = required_seconds(lesson, policy)
    requirement = Requirement(method=CreditMethod.TIME, met=spent >= needed,
                              active_seconds=spent, required_seconds=needed)
    if not requirement.met:
        requirement.remaining = _("%(minutes)s more minutes of study needed") % {
            "minutes": max(1, requirement.remaining_minutes)}
    return requirement


# --- The trainers' view ---------------------------------------------------------------------


@dataclass(frozen=True)
class LessonStudy:
    """One broker's study of one lesson as the rule sees it (``requirement``: the figures
    the lesson page shows the broker), and whether its class hours were credited."""

    lesson: Lesson
    requirement: Requirement
    opened: bool = False
    video_seconds_watched: int = 0
    credited: bool = False
    credited_hours: Decimal | None = None

    @property
    def hosted_video(self) -> bool:
        """Credited for watching an academy-hosted video (a share watched applies)."""
        return self.lesson.credit_method == CreditMethod.VIDEO and bool(self.lesson.video_seconds)

    @property
    def active_seconds(self) -> int:
        return self.requirement.active_seconds

    @property
    def required_seconds(self) -> int | None:
        """Active seconds needed, for a lesson credited by time (else None)."""
        return self.requirement.required_seconds \
            if self.lesson.credit_method == CreditMethod.TIME else None

    @property
    def video_watched_percent(self) -> int | None:
        return self.requirement.video_watched_percent if self.hosted_video else None

    @property
    def video_required_percent(self) -> int | None:
        return self.requirement.video_required_percent if self.hosted_video else None

    @property
    def requirement_met(self) -> bool:
        return self.requirement.met


@dataclass
class CohortStudy:
    """The study of a cohort's brokers, lesson by lesson: ``lessons`` in the programme's
    order, and each broker's ``LessonStudy`` of each (``of(user_id)``)."""

    lessons: list[Lesson]
    policy: StudyPolicy
    user_ids: list[int]
    studied: dict[int, dict[int, LessonStudy]]
    #: Per lesson, the study of a broker who never opened it (the same for every such broker).
    unopened: dict[int, LessonStudy]

    def of(self, user_id: int) -> list[LessonStudy]:
        """``user_id``'s study of every lesson, in the lessons' order."""
        mine = self.studied.get(user_id, {})
        return [mine.get(lesson.pk) or self.unopened[lesson.pk] for lesson in self.lessons]


def _programme_lessons(cohort: Cohort) -> list[Lesson]:
    """The published lessons of the cohort's programme, in its order: two queries."""
    course_order = dict(ProgrammeCourse.objects.filter(programme_id=cohort.programme_id)
                        .values_list("course_id", "order"))
    return sorted(
        Lesson.objects.filter(module__course_id__in=list(course_order), is_published=True)
        .select_related("module__course"),
        key=lambda x: (course_order[x.module.course_id], x.module.course_id, x.module.order,
                       x.module_id, x.order, x.pk),
    )


def cohort_lesson_study(*, cohort: Cohort, user_ids: list[int] | None = None) -> CohortStudy:
    """Each broker's study of each published lesson of the cohort's programme: active
    seconds, the share of a hosted video watched, the requirement met (``requirement_of``,
    the rule the lesson page and ``lesson_complete`` apply), credited or not and the hours
    credited. Brokers: ``user_ids``, or the cohort's active brokers. At most six queries,
    whatever the number of brokers and lessons."""
    policy = study_policy()
    lessons = _programme_lessons(cohort)
    if user_ids is None:
        user_ids = list(Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.ACTIVE)
                        .values_list("user_id", flat=True))
    by_pk = {lesson.pk: lesson for lesson in lessons}
    by_attendance: dict[int, list[Lesson]] = {}  # course → its lessons credited by attendance
    for lesson in lessons:
        if lesson.credit_method == CreditMethod.ATTENDANCE:
            by_attendance.setdefault(lesson.module.course_id, []).append(lesson)
    attended: set[tuple[int, int]] = set()
    if by_attendance and user_ids:
        attended = set(Attendance.objects.filter(user_id__in=user_ids,
                                                 session__course_id__in=list(by_attendance))
                       .values_list("user_id", "session__course_id").order_by().distinct())
    studied: dict[int, dict[int, LessonStudy]] = {}
    rows = LessonProgress.objects.none() if not (user_ids and by_pk) else \
        LessonProgress.objects.filter(user_id__in=user_ids, lesson_id__in=list(by_pk))
    for user_id, lesson_id, spent, watched, passed, completed, hours in rows.values_list(
            "user_id", "lesson_id", "seconds_spent", "video_seconds_watched", "check_passed_at",
            "completed_at", "credited_hours").order_by():
        lesson = by_pk[lesson_id]
        studied.setdefault(user_id, {})[lesson_id] = LessonStudy(
            lesson=lesson, opened=True, video_seconds_watched=watched,
            credited=completed is not None, credited_hours=hours if completed else None,
            requirement=requirement_of(
                lesson, policy, spent=spent, watched=watched, check_passed=passed is not None,
                attended=(user_id, lesson.module.course_id) in attended))
    for user_id, course_id in attended:  # attended, lesson never opened: the rule is met
        for lesson in by_attendance[course_id]:
            if lesson.pk not in studied.get(user_id, {}):
                studied.setdefault(user_id, {})[lesson.pk] = LessonStudy(
                    lesson=lesson, requirement=requirement_of(
                        lesson, policy, spent=0, watched=0, check_passed=False, attended=True))
    unopened = {lesson.pk: LessonStudy(lesson=lesson, requirement=requirement_of(
        lesson, policy, spent=0, watched=0, check_passed=False, attended=False))
        for lesson in lessons}
    return CohortStudy(lessons=lessons, policy=policy, user_ids=list(user_ids),
                       studied=studied, unopened=unopened)


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


def cohort_lesson_figures(*, cohort: Cohort, study: CohortStudy | None = None
                          ) -> list[LessonFigures]:
    """Per published lesson of the cohort's programme: brokers who opened it, completed it,
    met its requirement (or were credited), their average active minutes and (hosted-video
    lessons) average share of the video watched, averages over the brokers who opened it.
    Figures of ``cohort_lesson_study`` (``study``, or the cohort's active brokers'), so the
    page's figures and each broker's are one computation."""
    study = study or cohort_lesson_study(cohort=cohort)
    opened_by_lesson: dict[int, list[LessonStudy]] = {x.pk: [] for x in study.lessons}
    for user_id in study.user_ids:
        for lesson_id, studied in study.studied.get(user_id, {}).items():
            if studied.opened:
                opened_by_lesson[lesson_id].append(studied)
    rows = []
    for lesson in study.lessons:
        opened = opened_by_lesson[lesson.pk]
        seconds = sum(s.active_seconds for s in opened)
        watched = sum(s.video_seconds_watched for s in opened)
        length = lesson.video_seconds or 0
        video = lesson.credit_method == CreditMethod.VIDEO and length > 0
        rows.append(LessonFigures(
            lesson=lesson, course_title=lesson.module.course.title, opened=len(opened),
            completed=sum(1 for s in opened if s.credited),
            requirement_met=sum(1 for s in opened if s.requirement_met or s.credited),
            avg_active_minutes=(Decimal(seconds) / len(opened) / 60).quantize(Decimal("0.1"))
            if opened else Decimal("0.0"),
            avg_watched_percent=watched * 100 // (len(opened) * length)
            if video and opened else None,
            required_minutes=(Decimal(required_seconds(lesson, study.policy)) / 60
                              ).quantize(Decimal("0.1")),
            required_video_percent=study.policy.video_share_percent if video else None,
        ))
    return rows
