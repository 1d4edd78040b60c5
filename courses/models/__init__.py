"""Courses: the catalogue, programmes and cohorts, and what brokers did (progress, attendance).

Split in three modules: ``catalogue`` (areas, courses, modules, lessons, attachments),
``programmes`` (programmes, cohorts, deadlines, enrolments) and ``records`` (lesson progress,
offline sessions, attendance). Import models from ``courses.models``.
"""

from .catalogue import Course, CourseArea, CreditMethod, Lesson, LessonAttachment, Module
from .programmes import Cohort, CohortCourseDeadline, Enrolment, Programme, ProgrammeCourse
from .records import Attendance, CompletedLessons, LessonProgress, OfflineSession
from .study import StudyClock, StudyPolicy

__all__ = [
    "Attendance",
    "Cohort",
    "CohortCourseDeadline",
    "CompletedLessons",
    "Course",
    "CourseArea",
    "CreditMethod",
    "Enrolment",
    "Lesson",
    "LessonAttachment",
    "LessonProgress",
    "Module",
    "OfflineSession",
    "Programme",
    "ProgrammeCourse",
    "StudyClock",
    "StudyPolicy",
]
