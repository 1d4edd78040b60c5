"""Which brokers a user may see, with hooks for higher apps.

``people`` knows nothing of cohorts, so the apps above it register how a trainer's brokers
are found (``courses`` registers "brokers enrolled in a cohort the trainer teaches"). Every
list of brokers in the product goes through ``broker_users_visible_to``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from .roles import Role, user_roles

TrainerScope = Callable[[Any], Q]
_trainer_scopes: list[TrainerScope] = []


def register_trainer_scope(scope: TrainerScope) -> TrainerScope:
    """Register a function ``viewer -> Q`` over ``User`` naming the brokers a trainer sees."""
    if scope not in _trainer_scopes:
        _trainer_scopes.append(scope)
    return scope


def broker_user_q(viewer: Any) -> Q | None:
    """A Q over User selecting the brokers ``viewer`` may see; None means none at all."""
    roles = user_roles(viewer)
    if Role.ADMIN in roles or Role.AUDITOR in roles:
        return Q(broker_profile__isnull=False)
    q: Q | None = None
    if Role.TRAINER in roles:
        for scope in _trainer_scopes:
            q = scope(viewer) if q is None else q | scope(viewer)
    if Role.BROKER in roles:
        own = Q(pk=viewer.pk, broker_profile__isnull=False)
        q = own if q is None else q | own
    return q


def broker_users_visible_to(viewer: Any) -> QuerySet:
    """The users with a broker profile that ``viewer`` may see (distinct)."""
    from .models import User

    q = broker_user_q(viewer)
    if q is None:
        return User.objects.none()
    return User.objects.filter(q).distinct()


def can_see_personal_data(viewer: Any, subject_user: Any) -> bool:
    """Unmasked national ID and phone: the person themself and admins only."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.pk == subject_user.pk or Role.ADMIN in user_roles(viewer)
