"""Audit role changes wherever they happen, and staff logins; set up role groups."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_migrate
from django.dispatch import Signal, receiver

from academy.audit.services import audit_record

from .models import User
from .roles import Role, user_is_staff_role, user_roles_forget

# Sent after commit when an admin approved or rejected a practice record (see practice.py):
# ``sender=PracticeRecord, record=<PracticeRecord>, approved=<bool>``. The readiness engine
# (certificates) re-evaluates the broker; the notifications app tells them in the app.
practice_record_reviewed = Signal()


def _role_names(user: User) -> list[str]:
    return sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


@receiver(m2m_changed, sender=User.groups.through)
def audit_role_change(sender, instance, action, reverse, **kwargs) -> None:
    if reverse or not isinstance(instance, User):
        # Changing a group's members from the group side is not offered anywhere.
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._roles_before = _role_names(instance)
    elif action in ("post_add", "post_remove", "post_clear"):
        before = getattr(instance, "_roles_before", [])
        after = _role_names(instance)
        user_roles_forget(instance)
        if before != after:
            audit_record(
                action="people.roles_changed",
                subject=instance,
                person=instance,
                before={"roles": before},
                after={"roles": after},
            )
        instance._roles_before = after


@receiver(user_logged_in)
def audit_staff_login(sender, request, user, **kwargs) -> None:
    if user_is_staff_role(user):
        audit_record(action="auth.staff_login", subject=user, person=user, actor=user)


@receiver(post_migrate)
def ensure_role_groups(sender, app_config=None, using="default", **kwargs) -> None:
    # Runs after each app's permissions exist, so later apps' permissions are included.
    from .services import role_groups_ensure

    role_groups_ensure()
