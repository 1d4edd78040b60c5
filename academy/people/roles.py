"""Roles, and the one way to check them in views, API endpoints and querysets.

A role is a Django group of the same name. ``user_roles`` reads them from the per-user cache
entry of ``academy.people.access`` (no query while the entry lives; dropped whenever the
user's groups change) and keeps them on the user object for the rest of the request;
``role_required`` guards function views, ``RoleRequiredMixin`` class views and ``HasRole``
API endpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

# Imported here, not lazily: importing it connects the signals that keep its cache right, and
# every process that can change roles imports this module at start-up.
from .access import user_access_for, user_access_forget


class Role(models.TextChoices):
    BROKER = "broker", _("Broker")
    TRAINER = "trainer", _("Trainer")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.TRAINER, Role.AUDITOR, Role.ADMIN})
_CACHE_ATTR = "_academy_roles"


def user_roles(user: Any) -> frozenset[str]:
    """The role names of ``user`` (a superuser is always an admin). Cached per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        access = user_access_for(user)
        cached = access.group_roles if access is not None else frozenset()
        if user.is_superuser:
            cached |= {Role.ADMIN}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_roles_forget(user: Any) -> None:
    """Drop the cached roles after they changed (on the object and in the cache)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    user_access_forget(getattr(user, "pk", None))


def user_has_role(user: Any, *roles: str) -> bool:
    """Whether ``user`` holds at least one of ``roles``."""
    return bool(user_roles(user) & set(roles))


def user_is_staff_role(user: Any) -> bool:
    """Trainers, auditors and admins: the people who must use a second factor."""
    return bool(user_roles(user) & STAFF_ROLES)


def primary_role(user: Any) -> str | None:
    """The role whose home page the user sees: the most powerful one they hold."""
    roles = user_roles(user)
    for role in (Role.ADMIN, Role.AUDITOR, Role.TRAINER, Role.BROKER):
        if role in roles:
            return role
    return None


def role_required(*roles: str) -> Callable:
    """Decorator for function views: anonymous → login page, wrong role → 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator


class RoleRequiredMixin:
    """For class-based views: set ``required_roles``."""

    required_roles: Iterable[str] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_has_role(request.user, *self.required_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class HasRole(BasePermission):
    """DRF permission: ``permission_classes = [HasRole.of(Role.TRAINER, Role.ADMIN)]``."""

    roles: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *roles: str) -> type[HasRole]:
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": frozenset(roles)})

    def has_permission(self, request, view) -> bool:
        return bool(request.user and user_has_role(request.user, *self.roles))
