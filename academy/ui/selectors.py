"""What each role's home page shows."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from academy.audit.models import AuditEvent
from academy.people.models import BrokerProfile, Level, Organisation, Region, User
from academy.people.roles import Role


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
            from certificates.readiness import broker_readiness

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
        "recent_events": AuditEvent.objects.order_by("-seq")[:8],
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


# --- Broker and trainer homes (owned by the courses app's engineer) ---------------------------


def _broker_learning(user: User) -> dict[str, Any]:
    """The broker's programmes with progress and what is due next, and their class hours."""
    from courses.selectors import broker_hours, programme_progress_for

    programmes = programme_progress_for(user=user)
    due = sorted(
        ((course, p) for p in programmes for course in p.due_next),
        key=lambda pair: pair[0].due_on,
    )
    return {
        "programmes": programmes,
        "due_items": due[:5],
        "hours": broker_hours(user_ids=[user.pk])[user.pk],
    }


def _trainer_context(user: User) -> dict[str, Any]:
    """The cohorts the trainer teaches, with broker counts, and the courses they own."""
    from django.db.models import Q

    from courses.models import Cohort, Course

    cohorts = list(
        Cohort.objects.filter(trainers=user)
        .select_related("programme")
        .annotate(broker_count=Count("enrolments", filter=Q(enrolments__status="active"),
                                     distinct=True),
                  session_count=Count("sessions", distinct=True))
        .order_by("-starts_on", "code")
    )
    return {"cohorts": cohorts, "course_count": Course.objects.filter(owners=user).count()}

