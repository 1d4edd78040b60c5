"""The course catalogue a broker browses: every published course, and how to get into it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from ..models import Cohort, Course
from ..models.programmes import ProgrammeCourse
from .access import broker_course_ids, open_cohorts_for


@dataclass
class CatalogueEntry:
    course: Course
    class_hours: Decimal
    mine: bool
    open_cohorts: list[Cohort] = field(default_factory=list)


def course_catalogue_for(user: Any) -> tuple[list[Cohort], list[tuple[Any, list[CatalogueEntry]]]]:
    """The cohorts ``user`` may join themself (where the administrator opened a cohort for
    self-enrolment) and every published course by area: whether it is in the user's
    programme already, and which open cohort teaches it. Four queries."""
    cohorts = list(open_cohorts_for(user))
    mine = broker_course_ids(user)
    teaching: dict[int, list[Cohort]] = {}
    if cohorts:
        by_programme: dict[int, list[Cohort]] = {}
        for cohort in cohorts:
            by_programme.setdefault(cohort.programme_id, []).append(cohort)
        for programme_id, course_id in ProgrammeCourse.objects.filter(
                programme_id__in=by_programme).values_list("programme_id", "course_id"):
            teaching.setdefault(course_id, []).extend(by_programme[programme_id])
    courses = (Course.objects.filter(is_published=True).select_related("area", "level")
               .annotate(hours=Sum("modules__lessons__class_hours",
                                   filter=Q(modules__lessons__is_published=True)))
               .order_by("area__order", "level__rank", "title"))
    areas: list[tuple[Any, list[CatalogueEntry]]] = []
    for course in courses:
        entry = CatalogueEntry(course=course, class_hours=course.hours or Decimal(0),
                               mine=course.pk in mine, open_cohorts=teaching.get(course.pk, []))
        if not areas or areas[-1][0] != course.area:
            areas.append((course.area, []))
        areas[-1][1].append(entry)
    return cohorts, areas
