"""The population every figure counts: the filters (``TalentFilters``) and the broker
profiles they select, plus the filter bar's suggestions.

Every other selector module builds on ``profiles(filters)``, so a figure and the list behind
it always count the same brokers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from academy.people.models import BrokerProfile, Level, Organisation, Region, User
from courses.models import Cohort, Enrolment


@dataclass(frozen=True)
class TalentFilters:
    """What the auditor narrowed the pool to. Empty values mean "all"."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    region: Region | None = None
    organisation: Organisation | None = None
    cohort: Cohort | None = None
    level: Level | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as GET parameters (for drill-down links and exports)."""
        query: dict[str, str] = {}
        if self.date_from:
            query["date_from"] = self.date_from.isoformat()
        if self.date_to:
            query["date_to"] = self.date_to.isoformat()
        if self.region:
            query["region"] = self.region.code
        if self.organisation:
            query["organisation"] = str(self.organisation.pk)
        if self.cohort:
            query["cohort"] = self.cohort.code
        if self.level:
            query["level"] = self.level.code
        return query

    def as_json(self) -> dict[str, str]:
        return self.as_query()

    def _in_period(self, field_name: str, *, is_datetime: bool = False) -> Q:
        q = Q()
        lookup = f"{field_name}__date" if is_datetime else field_name
        if self.date_from:
            q &= Q(**{f"{lookup}__gte": self.date_from})
        if self.date_to:
            q &= Q(**{f"{lookup}__lte": self.date_to})
        return q



def _model_or_none(model: Any, **lookup: Any) -> Any:
    return model.objects.filter(**lookup).first() if all(lookup.values()) else None


def _day(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def filters_from_query(query: dict[str, str]) -> TalentFilters:
    """The filters that ``TalentFilters.as_query()`` wrote (for a task: codes and ids only);
    a region, organisation, cohort or level deleted since is dropped."""
    organisation = query.get("organisation")
    return TalentFilters(
        date_from=_day(query.get("date_from")), date_to=_day(query.get("date_to")),
        region=_model_or_none(Region, code=query.get("region")),
        organisation=_model_or_none(Organisation, pk=int(organisation)) if organisation else None,
        cohort=_model_or_none(Cohort, code=query.get("cohort")),
        level=_model_or_none(Level, code=query.get("level")),
    )


def profiles(filters: TalentFilters) -> QuerySet[BrokerProfile]:
    """The broker profiles the filters select (region, organisation, cohort, level), of
    active accounts only: written as "not a deactivated account" (people_user_inactive_idx),
    which PostgreSQL counts without joining every profile to its user."""
    qs = BrokerProfile.objects.filter(~Exists(User.objects.filter(
        pk=OuterRef("user_id"), is_active=False)))
    if filters.region is not None:
        qs = qs.filter(region=filters.region)
    if filters.organisation is not None:
        qs = qs.filter(organisation=filters.organisation)
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    if filters.cohort is not None:
        qs = qs.filter(Exists(Enrolment.objects.filter(
            user_id=OuterRef("user_id"), cohort=filters.cohort,
        ).exclude(status=Enrolment.Status.WITHDRAWN)))
    return qs


def broker_ids(filters: TalentFilters) -> QuerySet:
    return profiles(filters).values("user_id")



def narrowed(filters: TalentFilters) -> bool:
    """Whether the filters select part of the pool (not only a period)."""
    return any(value is not None for value in (filters.region, filters.organisation,
                                               filters.level, filters.cohort))


def compiled_sql(qs: QuerySet) -> tuple[str, tuple]:
    """The SQL of ``qs`` and its parameters, to embed in a ``WITH`` clause."""
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def organisation_options(*, text: str, region_code: str = "", limit: int = 20
                         ) -> list[dict[str, Any]]:
    """Organisations for the filter's suggestions: name containing ``text`` (names starting
    with it first); with ``region_code``, those of that region or with a broker there."""
    text = text.strip()[:100]
    qs = Organisation.objects.all()
    if region_code:
        qs = qs.filter(Q(region__code=region_code) | Exists(BrokerProfile.objects.filter(
            organisation=OuterRef("pk"), region__code=region_code)))
    if text:
        qs = qs.filter(name__icontains=text).annotate(
            later=Case(When(name__istartswith=text, then=Value(0)), default=Value(1),
                       output_field=IntegerField())).order_by("later", "name")
    else:
        qs = qs.order_by("name")
    return [{"id": pk, "name": name} for pk, name in qs.values_list("pk", "name")[:limit]]


def cohort_options(*, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Cohorts for the filter's suggestions: code or name containing ``text``, the latest
    first. ``value`` is what the filter takes (the code), ``name`` what it is called."""
    text = text.strip()[:100]
    qs = Cohort.objects.all()
    if text:
        qs = qs.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return [{"value": code, "name": name}
            for code, name in qs.order_by("-starts_on", "code").values_list("code", "name")[:limit]]
