"""Reading courses: access rules, progress, class hours, cohorts, calendar events.

The courses app's public face for reads: views, the API, other apps and tests import from here;
the modules behind it are one per subject.
"""

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
from .calendar import course_events, session_event
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
    CohortStudy,
    LessonFigures,
    LessonStudy,
    Requirement,
    cohort_lesson_figures,
    cohort_lesson_study,
    lesson_requirement,
    required_seconds,
    requirement_of,
    study_policy,
)
from .transcript import Transcript, transcript_for

__all__ = [
    "BrokerHours",
    "CatalogueEntry",
    "CohortProgressRow",
    "CohortStudy",
    "CourseProgress",
    "LessonFigures",
    "LessonState",
    "LessonStudy",
    "ModuleState",
    "ProgrammeProgress",
    "Requirement",
    "Transcript",
    "broker_hours",
    "can_manage_cohort",
    "can_view_broker_record",
    "can_view_cohort",
    "cohort_lesson_figures",
    "cohort_lesson_study",
    "cohort_progress",
    "cohorts_visible_to",
    "course_access",
    "course_catalogue_for",
    "course_events",
    "course_progress_for",
    "courses_editable_by",
    "lesson_access",
    "lesson_lock_reason",
    "lesson_requirement",
    "open_cohorts_for",
    "programme_progress_for",
    "required_seconds",
    "requirement_of",
    "session_event",
    "study_policy",
    "transcript_for",
]
