"""Class hours (学时): the one selector the certification rules read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, Count, F, IntegerField, Sum, Value

from ..models import Attendance, LessonProgress

ZERO = Decimal("0.00")
ONLINE, OFFLINE = "online", "offline"


@dataclass
class BrokerHours:
    """A broker's credited class hours.

    ``by_course`` is keyed by course id (``None``: offline sessions outside any course),
    ``by_area`` by course-area code (``None`` likewise). Each completed lesson counts once,
    whatever number of cohorts or programmes include its course.
    """

    user_id: int
    online: Decimal = ZERO
    offline: Decimal = ZERO
    by_course: dict[int | None, Decimal] = field(default_factory=dict)
    by_area: dict[str | None, Decimal] = field(default_factory=dict)
    online_by_course: dict[int, Decimal] = field(default_factory=dict)
    offline_by_course: dict[int | None, Decimal] = field(default_factory=dict)
    lessons_by_course: dict[int, int] = field(default_factory=dict)
    sessions_attended: int = 0

    @property
    def total(self) -> Decimal:
        return self.online + self.offline

    @property
    def lessons_completed(self) -> int:
        return sum(self.lessons_by_course.values())


def broker_hours(*, user_ids: Iterable[int]) -> dict[int, BrokerHours]:
    """Hours per course, per area and in total for each of ``user_ids``, in ONE query.

    Sums the hours credited at completion (``LessonProgress.credited_hours``) and at
    attendance (``Attendance.credited_hours``), so later edits of a lesson or session never
    change what was earned. Every requested id is in the result, with zeros if need be.
    """
    ids = list(dict.fromkeys(int(pk) for pk in user_ids))
    result = {pk: BrokerHours(user_id=pk) for pk in ids}
    if not ids:
        return result
    online = (
        LessonProgress.objects.filter(user_id__in=ids, completed_at__isnull=False)
        .values("user_id")
        .annotate(
            course=F("lesson__module__course_id"),
            area=F("lesson__module__course__area__code"),
            kind=Value(ONLINE, output_field=CharField()),
            hours=Sum("credited_hours"),
            items=Count("pk", output_field=IntegerField()),
        )
        .values_list("user_id", "course", "area", "kind", "hours", "items")
        .order_by()
    )
    offline = (
        Attendance.objects.filter(user_id__in=ids)
        .values("user_id")
        .annotate(
            course=F("session__course_id"),
            area=F("session__course__area__code"),
            kind=Value(OFFLINE, output_field=CharField()),
            hours=Sum("credited_hours"),
            items=Count("pk", output_field=IntegerField()),
        )
        .values_list("user_id", "course", "area", "kind", "hours", "items")
        .order_by()
    )
    for user_id, course_id, area, kind, hours, items in online.union(offline, all=True):
        hours = Decimal(hours or 0).quantize(Decimal("0.01"))
        entry = result[user_id]
        entry.by_course[course_id] = entry.by_course.get(course_id, ZERO) + hours
        entry.by_area[area] = entry.by_area.get(area, ZERO) + hours
        if kind == ONLINE:
            entry.online += hours
            entry.online_by_course[course_id] = hours
            entry.lessons_by_course[course_id] = items
        else:
            entry.offline += hours
            entry.offline_by_course[course_id] = (
                entry.offline_by_course.get(course_id, ZERO) + hours
            )
            entry.sessions_attended += items
    return result
