"""Reading the certification rules' state for pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from academy.people.models import BrokerProfile, Level, User
from academy.people.selectors import broker_users_visible_to

from ..models import BrokerReadiness, RequirementSet
from .readiness import Readiness, broker_readiness


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


def promotion_candidates(pairs: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """The rows of the ready-for-promotion list for ``pairs`` (``(user_id, level_id)``, one
    page of ``readiness_sets.ready_for_promotion``): each broker's profile, the engine's
    answer with every requirement's figure (the evidence), since when they are recorded
    ready, and whether a certificate of the level was revoked (then only a manual issue, with
    a reason, may give it again). A fixed number of queries whatever the page's size."""
    from academy.people.models import BrokerProfile

    from ..models.issued import Certificate
    from .readiness import brokers_readiness

    ids = [user_id for user_id, _level in pairs]
    if not ids:
        return []
    profiles = {p.user_id: p for p in BrokerProfile.objects.filter(user_id__in=ids)
                .select_related("user", "level", "region", "organisation")}
    answers = brokers_readiness(ids)
    since = {(s.broker_id, s.level_id): s.ready_since for s in BrokerReadiness.objects.filter(
        broker_id__in=ids, ready=True)}
    revoked = set(Certificate.objects.filter(broker_id__in=ids,
                                             status=Certificate.Status.REVOKED)
                  .values_list("broker_id", "level_id"))
    return [{
        "profile": profiles[user_id], "readiness": answers[user_id], "level_id": level_id,
        "ready_since": since.get((user_id, level_id)),
        "revoked": (user_id, level_id) in revoked,
    } for user_id, level_id in pairs if user_id in profiles]


@dataclass
class IssuePreview:
    """What an administrator sees before issuing a certificate by hand: the broker, their
    level, and how they stand toward the level chosen.

    ``relation`` says how the chosen level relates to the broker's: ``next`` (their readiness
    toward it is shown), ``held`` (at or below their level: the certificate changes no level),
    ``beyond`` (above their next level: no requirements are evaluated toward it).
    """

    profile: BrokerProfile
    level: Level
    relation: str
    readiness: Readiness | None

    @property
    def unmet(self) -> int:
        if self.readiness is None:
            return 0
        return self.readiness.total_count - self.readiness.met_count

    @property
    def ready(self) -> bool:
        return self.readiness is not None and self.readiness.ready


def issue_preview(profile: BrokerProfile, level: Level) -> IssuePreview:
    """The preview of a manual issue of ``level`` to the broker of ``profile``."""
    if level.rank <= profile.level.rank:
        return IssuePreview(profile, level, "held", None)
    readiness = broker_readiness(profile.user_id)
    if readiness.level is not None and readiness.level.pk == level.pk:
        return IssuePreview(profile, level, "next", readiness)
    return IssuePreview(profile, level, "beyond", None)
