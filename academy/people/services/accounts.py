"""Services that change people: roles and role groups, and promotions to a higher level."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from academy.audit.services import AuditEntry, audit_record_many

from ..models import BrokerProfile, Level, User
from ..roles import Role, user_roles_forget

# Apps whose models an admin manages in the Django admin; auditors get their view permissions.
PROJECT_APP_LABELS = ("people", "audit", "courses", "exams", "certificates")
ADMIN_EXTRA_APP_LABELS = ("auth", "django_celery_beat", "authtoken", "account", "mfa")


def role_groups_ensure() -> None:
    """Create the four role groups and give admins and auditors their model permissions.

    Runs after every ``migrate`` so that the permissions of newly added models are included.
    """
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    project = Permission.objects.filter(content_type__app_label__in=PROJECT_APP_LABELS)
    admin_perms = Permission.objects.filter(
        content_type__app_label__in=PROJECT_APP_LABELS + ADMIN_EXTRA_APP_LABELS
    )
    groups[Role.ADMIN].permissions.set(admin_perms)
    groups[Role.AUDITOR].permissions.set(project.filter(codename__startswith="view_"))


def user_set_roles(*, user: User, roles: Iterable[str]) -> User:
    """Give ``user`` exactly ``roles``. Admins also get access to the Django admin.

    The change is written to the audit trail by the ``m2m_changed`` handler in
    ``people.signals``, which also catches changes made in the Django admin.
    """
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    with transaction.atomic():
        groups = list(Group.objects.filter(name__in=wanted))
        if len(groups) != len(wanted):
            role_groups_ensure()
            groups = list(Group.objects.filter(name__in=wanted))
        keep = user.groups.exclude(name__in=Role.values)
        user.groups.set([*keep, *groups])
        is_staff = Role.ADMIN in wanted or user.is_superuser
        if user.is_staff != is_staff:
            user.is_staff = is_staff
            user.save(update_fields=["is_staff"])
    user_roles_forget(user)
    return user


# --- Levels -------------------------------------------------------------------------------------


@dataclass
class Promotion:
    """One broker raised to ``level`` on ``since``; ``after`` adds to the event (e.g. the
    certificate's serial)."""

    profile: BrokerProfile  # locked by the caller, with ``user`` and ``level`` loaded
    level: Level
    since: datetime.date
    after: dict[str, Any] = field(default_factory=dict)


def brokers_promote(*, promotions: Sequence[Promotion], now: datetime.datetime,
                    actor: Any = None, actor_label: str = "",
                    audit: list[AuditEntry] | None = None) -> list[BrokerProfile]:
    """Raise brokers to a higher level: the one place that changes a profile's level for a
    promotion. Each profile gets its level and date (one UPDATE per level reached) and the
    level history its ``people.level_changed`` event, with the level before and after.

    The caller holds the profiles' row locks (inside its transaction). A profile already at
    or above the level is left alone. The events are appended to ``audit`` when the caller
    writes its own batch of events (``audit_record_many``, once, at its end), else written
    here. Returns the profiles raised.
    """
    raised: dict[int, list[BrokerProfile]] = {}
    entries: list[AuditEntry] = []
    for promotion in promotions:
        profile, level = promotion.profile, promotion.level
        if profile.level.rank >= level.rank:
            continue
        before = {"level": profile.level.code,
                  "level_since": profile.level_since.isoformat() if profile.level_since
                  else None}
        profile.level, profile.level_since, profile.updated_at = level, promotion.since, now
        raised.setdefault(level.pk, []).append(profile)
        entries.append(AuditEntry(
            action="people.level_changed", subject=profile, person=profile.user, actor=actor,
            actor_label=actor_label or ("" if actor else "system"), before=before,
            after={"level": level.code, "level_since": promotion.since.isoformat(),
                   **promotion.after}))
    with transaction.atomic():
        for level_id, profiles in raised.items():
            since = {p.level_since for p in profiles}
            for day in since:
                BrokerProfile.objects.filter(
                    pk__in=[p.pk for p in profiles if p.level_since == day]
                ).update(level_id=level_id, level_since=day, updated_at=now)
        if audit is None:
            audit_record_many(entries)
        else:
            audit.extend(entries)
    return [p for group in raised.values() for p in group]


# Practice records (academy/people/practice/): what other apps use.
