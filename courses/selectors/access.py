"""Who may see and change what in courses. Every view and endpoint asks here."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.utils import timezone

from academy.people.selectors import Role, broker_users_visible_to, user_roles

from ..models import Cohort, Course, Enrolment, Lesson, ProgrammeCourse


def cohorts_visible_to(viewer: Any) -> QuerySet[Cohort]:
    """Cohorts ``viewer`` may see: all for admins and auditors, taught ones for trainers,
    their own for brokers."""
    roles = user_roles(viewer)
    if Role.ADMIN in roles or Role.AUDITOR in roles:
        return Cohort.objects.all()
    q: Q | None = None
    if Role.TRAINER in roles:
        q = Q(trainers=viewer)
    if Role.BROKER in roles:
        own = Q(enrolments__user=viewer)
        q = own if q is None else q | own
    if q is None:
        return Cohort.objects.none()
    return Cohort.objects.filter(pk__in=Cohort.objects.filter(q).values("pk"))


def can_view_cohort(viewer: Any, cohort: Cohort) -> bool:
    """The cohort's progress table: admins, auditors and the cohort's own trainers."""
    roles = user_roles(viewer)
    if Role.ADMIN in roles or Role.AUDITOR in roles:
        return True
    return Role.TRAINER in roles and cohort.trainers.filter(pk=viewer.pk).exists()


def can_manage_cohort(viewer: Any, cohort: Cohort) -> bool:
    """Record attendance, show the QR code: admins and the cohort's own trainers."""
    roles = user_roles(viewer)
    if Role.ADMIN in roles:
        return True
    return Role.TRAINER in roles and cohort.trainers.filter(pk=viewer.pk).exists()


def can_view_broker_record(viewer: Any, subject: Any) -> bool:
    """A broker's progress and transcript: themself, and whoever may see that broker."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == subject.pk:
        return True
    return broker_users_visible_to(viewer).filter(pk=subject.pk).exists()


def courses_editable_by(viewer: Any) -> QuerySet[Course]:
    """Courses ``viewer`` may author: owners among trainers; admins all."""
    roles = user_roles(viewer)
    if Role.ADMIN in roles:
        return Course.objects.all()
    if Role.TRAINER in roles:
        return Course.objects.filter(owners=viewer)
    return Course.objects.none()


def broker_course_ids(user: Any) -> set[int]:
    """Published courses of the programmes of the broker's active enrolments."""
    return set(
        ProgrammeCourse.objects.filter(
            programme__cohorts__enrolments__user=user,
            programme__cohorts__enrolments__status=Enrolment.Status.ACTIVE,
            course__is_published=True,
        ).values_list("course_id", flat=True)
    )


def lesson_access(viewer: Any, lesson: Lesson) -> Literal["learner", "preview"] | None:
    """How ``viewer`` may see ``lesson``: as a learner (progress recorded), as a preview
    (staff: nothing recorded), or not at all. Unpublished lessons are for staff only."""
    course = lesson.module.course
    access = course_access(viewer, course)
    if access == "learner" and not lesson.is_published:
        return "preview" if _staff_course_access(viewer, course) else None
    return access


def open_cohorts_for(user: Any) -> QuerySet[Cohort]:
    """Cohorts a broker may enrol in themself: open, not ended, starting at their level,
    and not already joined."""
    profile = getattr(user, "broker_profile", None)
    if profile is None:
        return Cohort.objects.none()
    return (
        Cohort.objects.filter(
            is_open_for_enrolment=True,
            ends_on__gte=timezone.localdate(),
            programme__from_level_id=profile.level_id,
        )
        .exclude(enrolments__user=user)
        .select_related("programme", "programme__from_level", "programme__to_level")
        .order_by("starts_on")
    )


def course_access(viewer: Any, course: Course) -> Literal["learner", "preview"] | None:
    """How ``viewer`` may see ``course``'s outline: as a learner, a previewer, or not."""
    roles = user_roles(viewer)
    if Role.BROKER in roles and course.is_published and course.pk in broker_course_ids(viewer):
        return "learner"
    return "preview" if _staff_course_access(viewer, course) else None


def _staff_course_access(viewer: Any, course: Course) -> bool:
    roles = user_roles(viewer)
    if Role.ADMIN in roles or Role.AUDITOR in roles:
        return True
    return Role.TRAINER in roles and (
        course.owners.filter(pk=viewer.pk).exists()
        or Cohort.objects.filter(trainers=viewer, programme__courses=course).exists()
    )
