"""Progress through programmes and courses, for brokers and for the trainers' cohort view.

Every function here costs a fixed number of queries whatever the number of brokers,
lessons and records: rows are loaded in bulk and put together in Python.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.people.models import User
from academy.people.selectors import person_q

from ..models import (
    Cohort,
    CohortCourseDeadline,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    Programme,
    ProgrammeCourse,
)
from .hours import ZERO, broker_hours


def _percent(done: int, total: int) -> int:
    # Floor: 100% only when everything is done.
    return (100 * done) // total if total else 0


@dataclass
class LessonState:
    lesson: Lesson
    done: bool = False
    opened: bool = False
    locked: bool = False
    lock_reason: str = ""
    credited_hours: Decimal | None = None


@dataclass
class ModuleState:
    module: Module
    lessons: list[LessonState] = field(default_factory=list)
    locked: bool = False
    lock_reason: str = ""

    @property
    def done(self) -> bool:
        return all(item.done for item in self.lessons)

    @property
    def lessons_done(self) -> int:
        return sum(1 for item in self.lessons if item.done)


@dataclass
class CourseProgress:
    course: Course
    required: bool = True
    due_on: datetime.date | None = None
    modules: list[ModuleState] = field(default_factory=list)

    @property
    def lessons(self) -> list[LessonState]:
        return [item for module in self.modules for item in module.lessons]

    @property
    def lessons_total(self) -> int:
        return len(self.lessons)

    @property
    def lessons_done(self) -> int:
        return sum(1 for item in self.lessons if item.done)

    @property
    def percent(self) -> int:
        return _percent(self.lessons_done, self.lessons_total)

    @property
    def is_complete(self) -> bool:
        return self.lessons_total > 0 and self.lessons_done == self.lessons_total

    @property
    def hours_offered(self) -> Decimal:
        return sum((item.lesson.class_hours for item in self.lessons), ZERO)

    @property
    def hours_earned(self) -> Decimal:
        return sum((item.credited_hours or ZERO for item in self.lessons if item.done), ZERO)

    @property
    def overdue(self) -> bool:
        return bool(self.due_on and self.due_on < timezone.localdate() and not self.is_complete)

    @property
    def next_lesson(self) -> LessonState | None:
        for item in self.lessons:
            if not item.done and not item.locked:
                return item
        return None

    def state_of(self, lesson_id: int) -> LessonState | None:
        for item in self.lessons:
            if item.lesson.pk == lesson_id:
                return item
        return None


@dataclass
class ProgrammeProgress:
    enrolment: Enrolment
    courses: list[CourseProgress] = field(default_factory=list)

    @property
    def cohort(self) -> Cohort:
        return self.enrolment.cohort

    @property
    def programme(self) -> Programme:
        return self.enrolment.cohort.programme

    @property
    def required_courses(self) -> list[CourseProgress]:
        return [c for c in self.courses if c.required]

    @property
    def elective_courses(self) -> list[CourseProgress]:
        return [c for c in self.courses if not c.required]

    @property
    def percent(self) -> int:
        """Overall progress over the required courses (all courses if none is required)."""
        counted = self.required_courses or self.courses
        return _percent(
            sum(c.lessons_done for c in counted), sum(c.lessons_total for c in counted)
        )

    @property
    def hours_earned(self) -> Decimal:
        return sum((c.hours_earned for c in self.courses), ZERO)

    @property
    def due_next(self) -> list[CourseProgress]:
        """Incomplete courses with a deadline, soonest first (overdue ones included)."""
        pending = [c for c in self.courses if c.due_on and not c.is_complete]
        return sorted(pending, key=lambda c: c.due_on or datetime.date.max)

    @property
    def overdue_count(self) -> int:
        return sum(1 for c in self.courses if c.overdue)


# --- Building course outlines ---------------------------------------------------------------


def _build_courses(
    *, user: Any, course_ids: Iterable[int]
) -> dict[int, list[ModuleState]]:
    """Module and lesson states of ``course_ids`` for ``user``: three queries."""
    course_ids = list(course_ids)
    if not course_ids:
        return {}
    modules = list(Module.objects.filter(course_id__in=course_ids).order_by("order", "pk"))
    lessons = list(
        Lesson.objects.filter(module__course_id__in=course_ids, is_published=True)
        .select_related("requires")
        .order_by("order", "pk")
    )
    records = {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(user=user, lesson__in=[x.pk for x in lessons])
    } if user is not None and lessons else {}
    lessons_by_module: dict[int, list[Lesson]] = defaultdict(list)
    for lesson in lessons:
        lessons_by_module[lesson.module_id].append(lesson)
    done_ids = {pk for pk, p in records.items() if p.completed_at is not None}
    published_ids = {x.pk for x in lessons}
    module_done = {
        m.pk: all(x.pk in done_ids for x in lessons_by_module[m.pk]) for m in modules
    }
    module_title = {m.pk: m.title for m in modules}

    result: dict[int, list[ModuleState]] = defaultdict(list)
    for module in modules:
        state = ModuleState(module=module)
        if module.requires_id and not module_done.get(module.requires_id, True):
            state.locked = True
            state.lock_reason = _("Complete the module “%(title)s” first.") % {
                "title": module_title.get(module.requires_id, "")
            }
        for lesson in lessons_by_module[module.pk]:
            record = records.get(lesson.pk)
            item = LessonState(
                lesson=lesson,
                opened=record is not None,
                done=record is not None and record.completed_at is not None,
                credited_hours=record.credited_hours if record else None,
            )
            if not item.done:
                if state.locked:
                    item.locked, item.lock_reason = True, state.lock_reason
                elif (
                    lesson.requires_id
                    and lesson.requires_id in published_ids
                    and lesson.requires_id not in done_ids
                ):
                    requires = lesson.requires
                    assert requires is not None  # requires_id is set
                    item.locked = True
                    item.lock_reason = _("Complete the lesson “%(title)s” first.") % {
                        "title": requires.title
                    }
            state.lessons.append(item)
        if state.lessons:
            result[module.course_id].append(state)
    return result


def lesson_lock_reason(*, user: Any, lesson: Lesson) -> str:
    """Why ``user`` may not take ``lesson`` yet ("" if they may). At most two queries."""
    required = lesson.requires
    if (
        required is not None
        and required.is_published
        and not LessonProgress.objects.filter(
            user=user, lesson=required, completed_at__isnull=False
        ).exists()
    ):
        return _("Complete the lesson “%(title)s” first.") % {"title": required.title}
    required_module = lesson.module.requires
    if required_module is not None:
        missing = (
            Lesson.objects.filter(module=required_module, is_published=True)
            .exclude(progress__user=user, progress__completed_at__isnull=False)
            .exists()
        )
        if missing:
            return _("Complete the module “%(title)s” first.") % {"title": required_module.title}
    return ""


def course_progress_for(*, user: Any, course: Course, due_on=None, required=True
                        ) -> CourseProgress:
    """One course's outline with ``user``'s states (locked, opened, done)."""
    modules = _build_courses(user=user, course_ids=[course.pk]).get(course.pk, [])
    return CourseProgress(course=course, required=required, due_on=due_on, modules=modules)


def programme_progress_for(
    *, user: Any, cohort_ids: Iterable[int] | None = None
) -> list[ProgrammeProgress]:
    """The broker's programmes with per-course progress; six queries whatever the size.

    Without ``cohort_ids``: the broker's active enrolments. With them: those cohorts'
    enrolments of the broker, whatever their status (for the trainer's detail page).
    """
    enrolments_qs = Enrolment.objects.filter(user=user).select_related(
        "cohort", "cohort__programme", "cohort__programme__from_level",
        "cohort__programme__to_level",
    )
    if cohort_ids is None:
        enrolments_qs = enrolments_qs.filter(status=Enrolment.Status.ACTIVE)
    else:
        enrolments_qs = enrolments_qs.filter(cohort_id__in=list(cohort_ids))
    enrolments = list(enrolments_qs.order_by("-cohort__starts_on", "pk"))
    if not enrolments:
        return []
    programme_ids = {e.cohort.programme_id for e in enrolments}
    links = list(
        ProgrammeCourse.objects.filter(programme_id__in=programme_ids, course__is_published=True)
        .select_related("course", "course__area")
        .order_by("order", "pk")
    )
    deadlines = {
        (d.cohort_id, d.course_id): d.due_on
        for d in CohortCourseDeadline.objects.filter(cohort_id__in=[e.cohort_id for e in enrolments])
    }
    outlines = _build_courses(user=user, course_ids={link.course_id for link in links})
    result = []
    for enrolment in enrolments:
        progress = ProgrammeProgress(enrolment=enrolment)
        for link in links:
            if link.programme_id != enrolment.cohort.programme_id:
                continue
            progress.courses.append(CourseProgress(
                course=link.course,
                required=link.required,
                due_on=deadlines.get((enrolment.cohort_id, link.course_id)),
                modules=outlines.get(link.course_id, []),
            ))
        result.append(progress)
    return result


# --- The trainers' cohort view --------------------------------------------------------------


@dataclass
class CohortProgressRow:
    enrolment: Enrolment
    lessons_done: int
    lessons_total: int
    percent: int
    hours: Decimal
    overdue: int
    last_activity: datetime.datetime | None

    @property
    def user(self):
        return self.enrolment.user


COHORT_SORTS = {
    # Pinyin order of the names (李 before 王), as a Chinese reader expects.
    "name": lambda r: (r.user.name_pinyin or r.user.email),
    "progress": lambda r: (r.percent, r.user.full_name),
    "hours": lambda r: (r.hours, r.user.full_name),
    "overdue": lambda r: (r.overdue, r.user.full_name),
    "activity": lambda r: (r.last_activity or datetime.datetime.min.replace(tzinfo=datetime.UTC)),
}


def cohort_progress(
    *,
    cohort: Cohort,
    search: str = "",
    sort: str = "name",
    descending: bool = False,
    overdue_only: bool = False,
    status: str = Enrolment.Status.ACTIVE,
) -> list[CohortProgressRow]:
    """Each enrolled broker's progress %, hours and overdue courses; five queries.

    Progress counts the published lessons of the programme's required courses (all
    courses when none is required). Hours are the broker's whole credited hours. ``search``
    finds brokers as every person search does (``person_q``: name, pinyin initials, e-mail,
    phone or ID tail) or by their organisation's name.
    """
    links = list(
        ProgrammeCourse.objects.filter(programme_id=cohort.programme_id, course__is_published=True)
        .values_list("course_id", "required")
    )
    course_ids = [cid for cid, _req in links]
    counted = {cid for cid, req in links if req} or set(course_ids)
    totals = dict(
        Lesson.objects.filter(module__course_id__in=course_ids, is_published=True)
        .values("module__course_id")
        .annotate(n=Count("pk"))
        .values_list("module__course_id", "n")
        .order_by()
    )
    deadlines = dict(
        CohortCourseDeadline.objects.filter(cohort=cohort, course_id__in=course_ids)
        .values_list("course_id", "due_on")
    )
    enrolments_qs = Enrolment.objects.filter(cohort=cohort).select_related(
        "user", "user__broker_profile", "user__broker_profile__region",
        "user__broker_profile__organisation",
    )
    if status:
        enrolments_qs = enrolments_qs.filter(status=status)
    people = person_q(search)
    if people is not None:
        enrolments_qs = enrolments_qs.filter(
            Q(user__in=User.objects.filter(people).values("pk"))
            | Q(user__broker_profile__organisation__name__icontains=search)
        )
    enrolments = list(enrolments_qs)
    user_ids = [e.user_id for e in enrolments]
    done: dict[int, dict[int, int]] = defaultdict(dict)
    last: dict[int, datetime.datetime] = {}
    if user_ids and course_ids:
        for user_id, course_id, n, latest in (
            LessonProgress.objects.filter(
                user_id__in=user_ids,
                lesson__module__course_id__in=course_ids,
                lesson__is_published=True,
            )
            .values("user_id", "lesson__module__course_id")
            .annotate(n=Count("pk", filter=Q(completed_at__isnull=False)),
                      latest=Max("last_viewed_at"))
            .values_list("user_id", "lesson__module__course_id", "n", "latest")
            .order_by()
        ):
            done[user_id][course_id] = n
            if latest and (user_id not in last or latest > last[user_id]):
                last[user_id] = latest
    hours = broker_hours(user_ids=user_ids)
    today = timezone.localdate()
    total_counted = sum(totals.get(cid, 0) for cid in counted)
    rows = []
    for enrolment in enrolments:
        mine = done.get(enrolment.user_id, {})
        done_counted = sum(mine.get(cid, 0) for cid in counted)
        overdue = sum(
            1 for cid, due in deadlines.items()
            if due < today and totals.get(cid, 0) and mine.get(cid, 0) < totals[cid]
        )
        rows.append(CohortProgressRow(
            enrolment=enrolment,
            lessons_done=done_counted,
            lessons_total=total_counted,
            percent=_percent(done_counted, total_counted),
            hours=hours[enrolment.user_id].total,
            overdue=overdue,
            last_activity=last.get(enrolment.user_id),
        ))
    if overdue_only:
        rows = [r for r in rows if r.overdue]
    rows.sort(key=COHORT_SORTS.get(sort, COHORT_SORTS["name"]), reverse=descending)
    return rows
