"""Dated events of courses in people's calendar feeds: offline sessions (brokers of the
cohort, its trainers) and course deadlines (brokers of the cohort)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from academy.notifications.selectors import feed_since, url_or_home
from academy.notifications.services import CalendarEvent
from academy.people.selectors import Role, user_roles

from ..models import Cohort, CohortCourseDeadline, Enrolment, OfflineSession


def session_event(session: OfflineSession) -> CalendarEvent:
    """One offline session as a calendar event (also the session page's .ics download)."""
    return CalendarEvent(
        uid=f"courses-session-{session.pk}", summary=session.title,
        start=session.starts_at, end=session.ends_at, location=session.place,
        description=_("Offline session of %(cohort)s") % {"cohort": session.cohort.name},
        url=url_or_home("courses:session_detail", session.pk),
    )


def _cohorts_of(user: Any) -> tuple[set[int], set[int]]:
    """(cohorts ``user`` studies in, cohorts ``user`` teaches)."""
    roles = user_roles(user)
    studying = set(Enrolment.objects.filter(user=user, status=Enrolment.Status.ACTIVE)
                   .values_list("cohort_id", flat=True)) if Role.BROKER in roles else set()
    teaching = set(Cohort.objects.filter(trainers=user).values_list("pk", flat=True)) \
        if Role.TRAINER in roles else set()
    return studying, teaching


def course_events(user: Any) -> Iterable[CalendarEvent]:
    """The calendar source of courses (registered in ``CoursesConfig.ready``)."""
    studying, teaching = _cohorts_of(user)
    if not studying and not teaching:
        return []
    since = feed_since()
    sessions = OfflineSession.objects.filter(cohort_id__in=studying | teaching,
                                             ends_at__gte=since) \
        .select_related("cohort").order_by("starts_at")
    events = [session_event(s) for s in sessions]
    for deadline in (CohortCourseDeadline.objects.filter(cohort_id__in=studying,
                                                         due_on__gte=since.date())
                     .select_related("course", "cohort")):
        events.append(CalendarEvent(
            uid=f"courses-deadline-{deadline.pk}",
            summary=_("Due: %(course)s") % {"course": deadline.course.title},
            start=deadline.due_on,
            description=_("Finish the required lessons of this course for %(cohort)s.")
            % {"cohort": deadline.cohort.name},
            url=url_or_home("courses:my_programme")))
    return events
