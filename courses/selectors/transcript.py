"""The class-hour transcript (学时记录) of one broker, for the page and the PDF."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from academy.people.models import BrokerProfile

from ..models import Attendance, Course, CourseArea
from .hours import ZERO, BrokerHours, broker_hours


@dataclass
class CourseLine:
    course: Course | None
    lessons_completed: int = 0
    online_hours: Decimal = ZERO
    offline_hours: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.online_hours + self.offline_hours


@dataclass
class AreaBlock:
    area: CourseArea | None
    lines: list[CourseLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)


@dataclass
class Transcript:
    user: Any
    profile: BrokerProfile | None
    hours: BrokerHours
    areas: list[AreaBlock]
    attendances: list[Attendance]
    generated_at: datetime.datetime

    @property
    def total(self) -> Decimal:
        return self.hours.total

    @property
    def online(self) -> Decimal:
        return self.hours.online

    @property
    def offline(self) -> Decimal:
        return self.hours.offline


def transcript_for(*, user: Any) -> Transcript:
    """Hours per area and course, and the offline sessions attended: five queries."""
    profile = (
        BrokerProfile.objects.select_related("level", "region", "organisation")
        .filter(user=user).first()
    )
    hours = broker_hours(user_ids=[user.pk])[user.pk]
    course_ids = [cid for cid in hours.by_course if cid is not None]
    courses = {
        c.pk: c for c in Course.objects.filter(pk__in=course_ids).order_by("code")
    } if course_ids else {}
    areas = list(CourseArea.objects.order_by("order", "code"))
    blocks = {area.pk: AreaBlock(area=area) for area in areas}
    for course in sorted(courses.values(), key=lambda c: c.code):
        blocks[course.area_id].lines.append(CourseLine(
            course=course,
            lessons_completed=hours.lessons_by_course.get(course.pk, 0),
            online_hours=hours.online_by_course.get(course.pk, ZERO),
            offline_hours=hours.offline_by_course.get(course.pk, ZERO),
        ))
    result = list(blocks.values())
    if None in hours.offline_by_course:
        result.append(AreaBlock(area=None, lines=[CourseLine(
            course=None, offline_hours=hours.offline_by_course[None]
        )]))
    attendances = list(
        Attendance.objects.filter(user=user)
        .select_related("session", "session__course", "session__cohort")
        .order_by("session__starts_at")
    )
    return Transcript(
        user=user, profile=profile, hours=hours, areas=result,
        attendances=attendances, generated_at=timezone.now(),
    )
