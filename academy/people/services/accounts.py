"""Services that change people: roles and role groups, and promotions to a higher level."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _

from academy.audit.services import AuditEntry, audit_record, audit_record_many
from academy.errors import ApplicationError

from ..models import BrokerProfile, Level, User
from ..roles import Role, user_roles_forget
from ..selectors.roles import active_admins, user_role_state
from ..signals import role_audit_by_caller

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


def user_set_roles(*, user: User, roles: Iterable[str], is_superuser: bool | None = None,
                   actor: Any = None, reason: str = "") -> User:
    """Give ``user`` exactly ``roles`` (and ``is_superuser``, unless None: left as it is): the
    one place that changes a user's roles, for the API, the demo data and the tests alike.

    ``is_staff`` (the Django admin) follows: administrators and superusers have it, nobody
    else. One transaction holds the role groups' row locks, so that two changes cannot each
    count on the other's administrator remaining. Refused (``ApplicationError``): taking the
    last active administrator's role away, and ``actor`` (who makes the change) changing
    their own superuser flag.

    A change is one ``people.roles_changed`` event: before and after (roles, ``is_staff``,
    ``is_superuser``), ``reason``, ``actor`` (default: the request's user). The handlers of
    ``people.signals`` that record the Django admin's changes stay silent for it. No change,
    no event. The cached access facts of ``user`` are dropped at once and again at commit.
    """
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    with transaction.atomic():
        groups = _role_groups_locked(wanted)
        # The row as stored, locked: the flags of ``user`` may be older than the request.
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = user_role_state(locked)
        superuser = locked.is_superuser if is_superuser is None else bool(is_superuser)
        staff = Role.ADMIN in wanted or superuser
        after = {"roles": sorted(wanted), "is_staff": staff, "is_superuser": superuser}
        if after != before:
            _role_change_check(user=locked, actor=actor, before=before, after=after)
            with role_audit_by_caller(locked):
                if after["roles"] != before["roles"]:
                    keep = locked.groups.exclude(name__in=Role.values)
                    locked.groups.set([*keep, *groups])
                if (staff, superuser) != (locked.is_staff, locked.is_superuser):
                    locked.is_staff, locked.is_superuser = staff, superuser
                    locked.save(update_fields=["is_staff", "is_superuser"])
            audit_record(action="people.roles_changed", subject=locked, person=locked,
                         actor=actor, before=before,
                         after={**after, "reason": reason} if reason else after)
        for name in ("is_active", "is_staff", "is_superuser"):
            setattr(user, name, getattr(locked, name))
        user_roles_forget(user)
    return user


def _role_groups_locked(names: set[str]) -> list[Group]:
    """The groups of ``names``, with the role groups' rows locked until commit, so that role
    changes queue behind one another (FOR NO KEY UPDATE: memberships can still be added)."""
    locked = Group.objects.select_for_update(no_key=True).filter(name__in=Role.values)
    groups = list(locked.order_by("pk"))
    if len(groups) != len(Role.values):
        role_groups_ensure()
        groups = list(locked.order_by("pk"))
    return [group for group in groups if group.name in names]


def _role_change_check(*, user: User, actor: Any, before: dict[str, Any],
                       after: dict[str, Any]) -> None:
    """Refuse what would lock people out or let someone raise themselves."""
    if (actor is not None and getattr(actor, "pk", None) == user.pk
            and after["is_superuser"] != before["is_superuser"]):
        raise ApplicationError(_("You cannot change your own superuser status: ask another "
                                 "administrator to do it."))
    was_admin = user.is_active and (before["is_superuser"] or Role.ADMIN in before["roles"])
    stays_admin = after["is_superuser"] or Role.ADMIN in after["roles"]
    if was_admin and not stays_admin and not active_admins(exclude_user_id=user.pk).exists():
        raise ApplicationError(
            _("%(name)s is the last active administrator: make someone else an administrator "
              "first, so that nobody is locked out.") % {"name": user.get_full_name()})


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
