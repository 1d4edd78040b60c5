"""Reading courses: access rules, progress, class hours, cohorts. Import from here."""

from .access import (
    can_manage_cohort,
    can_view_broker_record,
    can_view_cohort,
    cohorts_visible_to,
    course_access,
    courses_editable_by,
    lesson_access,
    open_cohorts_for,
)
from .catalogue import CatalogueEntry, course_catalogue_for
from .hours import BrokerHours, broker_hours
from .progress import (
    CohortProgressRow,
    CourseProgress,
    LessonState,
    ModuleState,
    ProgrammeProgress,
    cohort_progress,
    course_progress_for,
    lesson_lock_reason,
    programme_progress_for,
)
from .study import (
    LessonFigures,
    Requirement,
    cohort_lesson_figures,
    lesson_requirement,
    study_policy,
)
from .transcript import Transcript, transcript_for

__all__ = [
    "CatalogueEntry",
    "course_catalogue_for",
    "BrokerHours",
    "CohortProgressRow",
    "CourseProgress",
    "LessonFigures",
    "LessonState",
    "ModuleState",
    "ProgrammeProgress",
    "Requirement",
    "Transcript",
    "broker_hours",
    "can_manage_cohort",
    "can_view_broker_record",
    "can_view_cohort",
    "cohort_lesson_figures",
    "cohort_progress",
    "cohorts_visible_to",
    "course_access",
    "course_progress_for",
    "courses_editable_by",
    "lesson_access",
    "lesson_lock_reason",
    "lesson_requirement",
    "open_cohorts_for",
    "programme_progress_for",
    "study_policy",
    "transcript_for",
]
