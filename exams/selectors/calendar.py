"""Dated events of exams in people's calendar feeds: the windows of the sittings a broker may
take, and for graders the day answers should be graded by."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from academy.notifications.selectors import feed_since, notify_conf, url_or_home
from academy.notifications.services import CalendarEvent
from academy.people.selectors import Role, user_roles

from ..models import Sitting
from .taking import sittings_for_broker


def sitting_event(sitting: Sitting) -> CalendarEvent:
    """A sitting's window as a calendar event (also the sitting page's .ics download)."""
    return CalendarEvent(
        uid=f"exams-sitting-{sitting.pk}",
        summary=_("Exam: %(title)s") % {"title": sitting.title},
        start=sitting.opens_at, end=sitting.closes_at,
        description=_("The exam can be taken in this window (%(minutes)s minutes once "
                      "started).") % {"minutes": sitting.duration_minutes},
        url=url_or_home("exams:take_start", sitting.pk),
    )


def grading_due(sitting: Sitting) -> datetime.date:
    """The day a sitting's answers should be graded by: the grading backlog reminder's
    days after the window closes."""
    from django.utils import timezone

    days = notify_conf.NOTIFY_GRADING_BACKLOG_DAYS
    return timezone.localdate(sitting.closes_at) + datetime.timedelta(days=days)


def exam_events(user: Any) -> Iterable[CalendarEvent]:
    """The calendar source of exams (registered in ``ExamsConfig.ready``)."""
    roles = user_roles(user)
    events: list[CalendarEvent] = []
    if Role.BROKER in roles:
        events += [sitting_event(s) for s in
                   sittings_for_broker(user).filter(closes_at__gte=feed_since())]
    if Role.TRAINER in roles:
        grading = (Sitting.objects.filter(Q(graders=user) | Q(cohort__trainers=user))
                   .filter(closes_at__gte=feed_since()).distinct().order_by("closes_at"))
        for sitting in grading:
            events.append(CalendarEvent(
                uid=f"exams-grading-{sitting.pk}",
                summary=_("Grading due: %(title)s") % {"title": sitting.title},
                start=grading_due(sitting),
                description=_("Grade the written answers of this exam by this day."),
                url=url_or_home("exams:grading_queue")))
    return events
