"""Who holds which role: one user's role groups and flags, and the list of them.

A user's roles are two things that the rest of the code reads together: the role groups
(``roles.Role``) and ``is_superuser``, which makes an administrator whatever the groups say.
``is_staff`` (access to the Django admin) follows from them. ``user_role_state`` reads the
three for one user the way the roles service records them in the audit trail, so that an
event's ``before`` and the API's answer are one shape.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q, QuerySet

from ..models import User
from ..roles import Role
from ..search import person_q

#: Where ``user_role_holders`` puts each user's role groups.
ROLE_GROUPS_ATTR = "role_groups"


def user_role_names(user: User) -> list[str]:
    """The names of ``user``'s role groups, sorted (one query, none when prefetched by
    ``user_role_holders``)."""
    prefetched = getattr(user, ROLE_GROUPS_ATTR, None)
    if prefetched is not None:
        return sorted(group.name for group in prefetched)
    return sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


def user_role_state(user: User) -> dict[str, Any]:
    """``{"roles": [...], "is_staff": ..., "is_superuser": ...}``: the user's role groups and
    flags as the object holds them (the audit trail's ``before``/``after`` of a role change)."""
    return {"roles": user_role_names(user), "is_staff": bool(user.is_staff),
            "is_superuser": bool(user.is_superuser)}


def active_admins(*, exclude_user_id: int | None = None) -> QuerySet[User]:
    """The active administrators (admin group or superuser), without ``exclude_user_id``."""
    in_group = Group.objects.filter(name=Role.ADMIN).values("user")
    qs = User.objects.filter(Q(is_superuser=True) | Q(pk__in=in_group), is_active=True)
    if exclude_user_id is not None:
        qs = qs.exclude(pk=exclude_user_id)
    return qs


def user_role_holders(*, role: str = "", search: str = "") -> QuerySet[User]:
    """Users with their role groups (prefetched into ``role_groups``), in name order:
    everyone, or those holding ``role`` (``admin`` includes superusers), matching ``search``
    (``person_q``). A page costs two queries whatever its length."""
    qs = User.objects.prefetch_related(Prefetch(
        "groups", queryset=Group.objects.filter(name__in=Role.values).order_by("name"),
        to_attr=ROLE_GROUPS_ATTR))
    if role:
        members = Q(pk__in=Group.objects.filter(name=role).values("user"))
        qs = qs.filter(members | Q(is_superuser=True) if role == Role.ADMIN else members)
    q = person_q(search)
    if q is not None:
        qs = qs.filter(pk__in=User.objects.filter(q).values("pk"))
    return qs.order_by("name_pinyin", "email", "pk")
