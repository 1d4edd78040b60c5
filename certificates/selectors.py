"""Reading the certification rules' state for pages and the API."""

from __future__ import annotations

from typing import Any

from academy.people.models import User
from academy.people.scoping import broker_users_visible_to

from .models import BrokerReadiness, RequirementSet
from .readiness import Readiness


def can_view_broker_path(viewer: Any, subject: User) -> bool:
    """A broker's path: themself, trainers of their cohorts, auditors and admins."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == subject.pk:
        return True
    return broker_users_visible_to(viewer).filter(pk=subject.pk).exists()


def readiness_state(readiness: Readiness) -> BrokerReadiness | None:
    """The recorded state (ready since when, last evaluated) for the answer's level."""
    if readiness.level is None:
        return None
    return BrokerReadiness.objects.filter(
        broker_id=readiness.broker_id, level=readiness.level
    ).first()


def requirement_sets_assignable(level_id: int) -> list[RequirementSet]:
    """Versions in force for a level, newest first (what an admin may move a broker to)."""
    return list(
        RequirementSet.objects.filter(level_id=level_id, effective_from__isnull=False)
        .order_by("-version")
    )
