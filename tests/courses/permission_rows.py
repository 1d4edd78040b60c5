"""Who may open each course page (read by tests/ui/test_permission_matrix.py).

Each ``kwargs`` builder gets the role's user and builds data that makes the page "theirs"
where a role can own it: the broker is enrolled in the cohort, the trainer teaches it and
owns its course. So the rows show what each role may do with its own things; the
``test_permissions`` module checks the other side (another cohort, another broker).
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from academy.people.roles import user_has_role
from courses.models import LessonAttachment
from courses.services import attendance_checkin_token
from tests.courses.factories import (
    CohortFactory,
    LessonFactory,
    OfflineSessionFactory,
    ProgrammeCourseFactory,
    enrol,
)
from tests.factories import BrokerFactory
from tests.ui.matrix import API_ANON, DENIED, OK, REDIRECT, Row, logged_in


def _world(user: Any) -> dict[str, Any]:
    """A cohort with one course, module, lesson and session; ``user`` is in it by role."""
    lesson = LessonFactory()
    module = lesson.module
    course = module.course
    link = ProgrammeCourseFactory(course=course)
    cohort = CohortFactory(programme=link.programme)
    if user is not None and user_has_role(user, "broker"):
        enrol(user, cohort)
    if user is not None and user_has_role(user, "trainer"):
        cohort.trainers.add(user)
        course.owners.add(user)
    classmate = BrokerFactory()
    enrol(classmate, cohort)
    session = OfflineSessionFactory(cohort=cohort)
    return {"lesson": lesson, "module": module, "course": course, "cohort": cohort,
            "classmate": classmate, "session": session}


def _course(user):
    return {"pk": _world(user)["course"].pk}


def _lesson(user):
    return {"pk": _world(user)["lesson"].pk}


def _video_lesson(user):
    from django.core.files.base import ContentFile

    lesson = _world(user)["lesson"]
    lesson.video_file.save("clip.webm", ContentFile(b"\x1a\x45\xdf\xa3 not a real video"),
                           save=False)
    lesson.video_seconds = 20
    lesson.save()
    return {"pk": lesson.pk}


def _module(user):
    return {"pk": _world(user)["module"].pk}


def _cohort(user):
    return {"pk": _world(user)["cohort"].pk}


def _session(user):
    return {"pk": _world(user)["session"].pk}


def _classmate(user):
    """Another broker of the cohort: their trainer sees them, a fellow broker does not."""
    return {"user_id": _world(user)["classmate"].pk}


def _cohort_classmate(user):
    world = _world(user)
    return {"pk": world["cohort"].pk, "user_id": world["classmate"].pk}


def _attachment(user):
    lesson = _world(user)["lesson"]
    attachment = LessonAttachment(lesson=lesson, title="讲义")
    attachment.file.save("handout.txt", ContentFile(b"notes"), save=True)
    return {"pk": attachment.pk}


def _checkin(user):
    return {"token": attendance_checkin_token(session=_world(user)["session"]).token}


def _open_cohort(user):
    world = _world(None)
    world["cohort"].is_open_for_enrolment = True
    world["cohort"].save()
    return {"pk": world["cohort"].pk}


def api(expect_by_role: dict[str, Any]) -> dict[str, Any]:
    """Like ``logged_in`` but the anonymous caller gets a JSON 401/403, not a redirect."""
    return {**logged_in(expect_by_role), "anonymous": API_ANON}


LEARNERS_AND_STAFF = {"broker": OK, "trainer": OK, "auditor": OK, "admin": OK}
EDITORS = {"trainer": OK, "admin": OK}
EDITORS_POST = {"trainer": REDIRECT, "admin": REDIRECT}
COHORT_READERS = {"trainer": OK, "auditor": OK, "admin": OK}
# A classmate (the matrix's other_broker, enrolled in the same cohort) shares the cohort's
# courses, lessons, attachments and sessions: those rows say so instead of deriving a refusal.
CLASSMATES_SHARE = {"other_broker": OK}

ROWS: dict[str, Row] = {
    # Brokers' own learning
    "courses:my_programme": Row(logged_in({"broker": OK})),
    "courses:open_cohorts": Row(logged_in({"broker": OK})),
    "courses:cohort_join": Row(logged_in({"broker": REDIRECT, "other_broker": REDIRECT}),
                               kwargs=_open_cohort, method="post",
                               note="any broker may join a cohort open for enrolment"),
    "courses:course_detail": Row(logged_in({**LEARNERS_AND_STAFF, **CLASSMATES_SHARE}),
                                 kwargs=_course,
                                 note="broker enrolled; trainer owns it; staff preview"),
    "courses:lesson_detail": Row(logged_in({**LEARNERS_AND_STAFF, **CLASSMATES_SHARE}),
                                 kwargs=_lesson),
    "courses:lesson_ping": Row(logged_in({"broker": OK, **CLASSMATES_SHARE}), kwargs=_lesson,
                               method="post", data={"seconds": "5"}),
    "courses:lesson_done": Row(logged_in({"broker": REDIRECT, "other_broker": REDIRECT}),
                               kwargs=_lesson, method="post",
                               note="redirects back with a message: not opened yet"),
    "courses:lesson_check": Row(logged_in({"broker": REDIRECT, "other_broker": REDIRECT}),
                                kwargs=_lesson, method="post", data={"q0": "0"},
                                note="redirects back with a message: no check questions"),
    "courses:lesson_video": Row(logged_in({**LEARNERS_AND_STAFF, **CLASSMATES_SHARE}),
                                kwargs=_video_lesson),
    "courses:attachment_download": Row(logged_in({**LEARNERS_AND_STAFF, **CLASSMATES_SHARE}),
                                       kwargs=_attachment),
    "courses:checkin": Row(logged_in({"broker": OK, **CLASSMATES_SHARE}), kwargs=_checkin,
                           note="only brokers of the session's cohort may check in"),
    "courses:transcript": Row(logged_in({"broker": OK})),
    "courses:transcript_pdf": Row(logged_in({"broker": OK})),
    "courses:broker_transcript": Row(
        logged_in({"broker": DENIED, **COHORT_READERS}), kwargs=_classmate,
        note="a broker never sees another broker's transcript",
    ),
    "courses:broker_transcript_pdf": Row(
        logged_in({"broker": DENIED, **COHORT_READERS}), kwargs=_classmate,
    ),
    # Trainers' course editor (the courses they own; admins all)
    "courses:trainer_courses": Row(logged_in(EDITORS)),
    "courses:course_new": Row(logged_in(EDITORS)),
    "courses:course_edit": Row(logged_in(EDITORS), kwargs=_course),
    "courses:course_publish": Row(logged_in(EDITORS_POST), kwargs=_course, method="post",
                                  data={"published": "1"}),
    "courses:module_new": Row(logged_in(EDITORS), kwargs=_course),
    "courses:module_edit": Row(logged_in(EDITORS), kwargs=_module),
    "courses:module_move": Row(logged_in(EDITORS_POST), kwargs=_module, method="post",
                               data={"direction": "up"}),
    "courses:lesson_new": Row(logged_in(EDITORS), kwargs=_module),
    "courses:lesson_edit": Row(logged_in(EDITORS), kwargs=_lesson),
    "courses:lesson_move": Row(logged_in(EDITORS_POST), kwargs=_lesson, method="post",
                               data={"direction": "down"}),
    "courses:lesson_publish": Row(logged_in(EDITORS_POST), kwargs=_lesson, method="post",
                                  data={"published": "0"}),
    "courses:attachment_add": Row(logged_in(EDITORS_POST), kwargs=_lesson, method="post",
                                  note="without a file: redirects back with the error"),
    # Cohorts and offline sessions
    "courses:cohort_list": Row(logged_in(COHORT_READERS)),
    "courses:cohort_detail": Row(logged_in(COHORT_READERS), kwargs=_cohort),
    "courses:cohort_broker": Row(logged_in(COHORT_READERS), kwargs=_cohort_classmate),
    "courses:cohort_enrol": Row(logged_in({"admin": OK}), kwargs=_cohort),
    "courses:session_new": Row(logged_in(EDITORS), kwargs=_cohort),
    "courses:session_detail": Row(logged_in(COHORT_READERS), kwargs=_session),
    "courses:session_qr": Row(logged_in(EDITORS), kwargs=_session),
    "courses:session_ics": Row(logged_in({"broker": OK, **COHORT_READERS, **CLASSMATES_SHARE}),
                               kwargs=_session),
    "courses:session_qr_svg": Row(logged_in(EDITORS), kwargs=_session),
    "courses:session_qr_status": Row(logged_in(EDITORS), kwargs=_session),
    # REST API
    "api-me-transcript": Row(api({"broker": OK})),
    "api-me-courses": Row(api({"broker": OK})),
    "api-lesson-open": Row(api({"broker": OK, **CLASSMATES_SHARE}), kwargs=_lesson,
                           method="post", data={"seconds": 0}),
    "api-lesson-complete": Row(api({"broker": 400, "other_broker": 400}), kwargs=_lesson,
                               method="post",
                               note="400: the lesson was not opened first"),
    "api-attendance-checkin": Row(api({"broker": 400}), method="post",
                                  note="400: no token given"),
    "api-cohort-progress": Row(api(COHORT_READERS), kwargs=_cohort),
}
