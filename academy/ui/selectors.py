"""What each role's home page shows."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count

from academy.audit.models import AuditEvent
from academy.people.models import BrokerProfile, Level, Organisation, Region, User
from academy.people.selectors import Role
from talent.selectors import describe_events


def home_context(*, user: User, role: str) -> dict[str, Any]:
    if role == Role.BROKER:
        profile = (
            BrokerProfile.objects.select_related("level", "region", "organisation")
            .filter(user=user)
            .first()
        )
        next_level = profile.level.next_level() if profile else None
        readiness = None
        if next_level is not None:
            from certificates.selectors import broker_readiness

            readiness = broker_readiness(user)
        return {"profile": profile, "next_level": next_level, "readiness": readiness,
                **_broker_learning(user)}
    if role == Role.TRAINER:
        return _trainer_context(user)
    if role == Role.AUDITOR:
        return _auditor_context()
    return _admin_context()


def _auditor_context() -> dict[str, Any]:
    """The talent-pool entry: brokers by level and by region (aggregate queries only)."""
    levels, total = _brokers_by_level()
    return {
        "levels": levels,
        "broker_total": total,
        "regions": _brokers_by_region(total),
        "organisation_total": Organisation.objects.filter(brokers__isnull=False)
        .distinct()
        .count(),
    }


def _admin_context() -> dict[str, Any]:
    """The back office: the talent pool in figures, accounts by role, recent audit events."""
    from django.contrib.auth.models import Group

    levels, total = _brokers_by_level()
    role_counts = dict(
        Group.objects.filter(name__in=Role.values, user__is_active=True)
        .annotate(n=Count("user"))
        .values_list("name", "n")
    )
    return {
        "levels": levels,
        "broker_total": total,
        "user_total": User.objects.filter(is_active=True).count(),
        "role_counts": [
            {"role": role, "label": role.label, "count": role_counts.get(role.value, 0)}
            for role in (Role.BROKER, Role.TRAINER, Role.AUDITOR, Role.ADMIN)
        ],
        "recent_events": describe_events(AuditEvent.objects.order_by("-seq")[:8]),
    }


def _brokers_by_level() -> tuple[list[dict[str, Any]], int]:
    """Each level with its broker count and share of all brokers, and the total."""
    levels = list(Level.objects.annotate(broker_count=Count("brokers")).order_by("rank"))
    total = sum(level.broker_count for level in levels)
    return [
        {
            "level": level,
            "count": level.broker_count,
            "percent": round(level.broker_count * 100 / total) if total else 0,
        }
        for level in levels
    ], total


def _brokers_by_region(total: int) -> list[dict[str, Any]]:
    regions = Region.objects.annotate(broker_count=Count("brokers")).order_by(
        "-broker_count", "sort_order"
    )
    return [
        {
            "region": region,
            "count": region.broker_count,
            "percent": round(region.broker_count * 100 / total) if total else 0,
        }
        for region in regions
    ]


# --- Broker and trainer homes -----------------------------------------------------------------


def _broker_learning(user: User) -> dict[str, Any]:
    """The broker's programmes with progress and what is due next, and their class hours."""
    from courses.selectors import broker_hours, programme_progress_for

    programmes = programme_progress_for(user=user)
    due = sorted(
        ((course, p) for p in programmes for course in p.due_next),
        key=lambda pair: pair[0].due_on or datetime.date.max,  # due_next: all have a date
    )
    return {
        "programmes": programmes,
        "due_items": due[:5],
        "hours": broker_hours(user_ids=[user.pk])[user.pk],
    }


def _trainer_context(user: User) -> dict[str, Any]:
    """A trainer's day: the answers waiting for their grading, their next offline sessions,
    the brokers behind on a deadline in the cohorts running now, their cohorts and courses.

    A fixed number of queries: the overdue brokers are read for at most
    ``TRAINER_HOME_COHORTS`` running cohorts (five queries each)."""
    from django.db.models import Q
    from django.utils import timezone

    from courses.models import Cohort, Course, OfflineSession
    from courses.selectors import cohort_progress
    from exams.selectors import grader_backlog

    today = timezone.localdate()
    cohorts = list(
        Cohort.objects.filter(trainers=user)
        .select_related("programme")
        .annotate(broker_count=Count("enrolments", filter=Q(enrolments__status="active"),
                                     distinct=True),
                  session_count=Count("sessions", distinct=True))
        .order_by("-starts_on", "code")
    )
    backlog = grader_backlog(grader=user)
    sessions = list(
        OfflineSession.objects.filter(cohort__trainers=user, ends_at__gte=timezone.now())
        .select_related("cohort").order_by("starts_at")[:5]
    )
    running = [c for c in cohorts if c.starts_on <= today and (c.ends_on is None
                                                               or c.ends_on >= today)]
    overdue = []
    for cohort in running[:TRAINER_HOME_COHORTS]:
        for row in cohort_progress(cohort=cohort, overdue_only=True, sort="overdue",
                                   descending=True)[:OVERDUE_SHOWN]:
            overdue.append({"cohort": cohort, "row": row})
    return {
        "cohorts": cohorts,
        "course_count": Course.objects.filter(owners=user).count(),
        "backlog": backlog,
        "backlog_total": sum(b["waiting"] for b in backlog),
        "next_sessions": sessions,
        "overdue": overdue,
    }


TRAINER_HOME_COHORTS = 3
OVERDUE_SHOWN = 8
