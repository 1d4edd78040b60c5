"""Services that change people: roles and role groups."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import User
from .roles import Role, user_roles_forget

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
