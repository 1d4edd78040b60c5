"""Changing courses: progress, enrolment, attendance, authoring. Import from here."""

from ..pdf import pdf_font as pdf_font  # the CJK font, shared with certificates' PDF
from .attendance import (
    CheckinToken,
    attendance_checkin,
    attendance_checkin_token,
    attendance_record,
    offline_session_create,
)
from .authoring import (
    course_create,
    course_set_published,
    lesson_attachment_add,
    lesson_create,
    lesson_move,
    lesson_set_published,
    lesson_update,
    module_create,
    module_move,
    module_update,
)
from .enrolment import (
    EnrolmentBulkResult,
    enrolment_bulk_create,
    enrolment_create,
    enrolment_self,
)
from .progress import StudyIncomplete, lesson_check_submit, lesson_complete, lesson_open

__all__ = [
    "CheckinToken",
    "EnrolmentBulkResult",
    "StudyIncomplete",
    "attendance_checkin",
    "attendance_checkin_token",
    "attendance_record",
    "course_create",
    "course_set_published",
    "enrolment_bulk_create",
    "enrolment_create",
    "enrolment_self",
    "lesson_attachment_add",
    "lesson_check_submit",
    "lesson_complete",
    "lesson_create",
    "lesson_move",
    "lesson_open",
    "lesson_set_published",
    "lesson_update",
    "module_create",
    "module_move",
    "module_update",
    "offline_session_create",
]
