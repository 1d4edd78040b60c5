"""Changing courses: progress, enrolment, attendance, authoring.

The courses app's public face for writes: views, the API, other apps and tests import from
here; the modules behind it are one per subject. ``pdf_font`` (the CJK font of the transcript
PDF, from ``courses.rendering.pdf``) is here for the certificate PDF, which uses the same font.
"""

from .attendance import (
    CheckinToken,
    attendance_checkin,
    attendance_checkin_token,
    attendance_record,
    offline_session_create,
    session_from_token,
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
from .enrolment import EnrolmentBulkResult, enrolment_bulk_create, enrolment_create, enrolment_self
from .progress import StudyIncomplete, lesson_check_submit, lesson_complete, lesson_open


def pdf_font() -> str:
    """Register and return the CJK font of the PDFs (``rendering.pdf.pdf_font``). ReportLab is
    imported by the first PDF drawn, not by every process that imports this face."""
    from ..rendering.pdf import pdf_font as registered

    return registered()


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
    "pdf_font",
    "session_from_token",
]
