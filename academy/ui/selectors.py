"""What each role's home page shows."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from academy.audit.models import AuditEvent
from academy.people.models import BrokerProfile, Level, User
from academy.people.roles import Role


def home_context(*, user: User, role: str) -> dict[str, Any]:
    if role == Role.BROKER:
        profile = (
            BrokerProfile.objects.select_related("level", "region", "organisation")
            .filter(user=user)
            .first()
        )
        next_level = profile.level.next_level() if profile else None
        return {"profile": profile, "next_level": next_level}
    if role == Role.TRAINER:
        return {}
    if role == Role.AUDITOR:
        return {"levels": _brokers_by_level(), "broker_total": BrokerProfile.objects.count()}
    return {
        "levels": _brokers_by_level(),
        "broker_total": BrokerProfile.objects.count(),
        "user_total": User.objects.filter(is_active=True).count(),
        "recent_events": AuditEvent.objects.order_by("-seq")[:8],
    }


def _brokers_by_level() -> list[dict[str, Any]]:
    levels = Level.objects.annotate(broker_count=Count("brokers")).order_by("rank")
    return [{"level": level, "count": level.broker_count} for level in levels]
