"""Audit role changes wherever they happen, and staff logins; set up role groups; forget
failed logins after a password reset.

The role and privilege handlers below catch the paths that change a user's groups or flags
without a service of their own (the Django admin's form, a shell, a command). The roles
service (``services.accounts.user_set_roles``) records its change itself, as one event with
everything that changed and why; inside ``role_audit_by_caller`` these handlers leave that
user to it, so the change is not recorded twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from allauth.account.signals import password_reset
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_migrate, post_save, pre_save
from django.dispatch import Signal, receiver

from academy.audit.services import audit_record

from .models import User
from .ratelimits import failed_logins_clear
from .roles import Role, user_is_staff_role, user_roles_forget

# Sent after commit when an admin approved or rejected a practice record (see practice.py):
# ``sender=PracticeRecord, record=<PracticeRecord>, approved=<bool>``. The readiness engine
# (certificates) re-evaluates the broker; the notifications app tells them in the app.
practice_record_reviewed = Signal()


_AUDITED_BY_CALLER = "_academy_roles_audited_by_caller"


@contextmanager
def role_audit_by_caller(user: User) -> Iterator[None]:
    """Inside, changes to ``user``'s role groups, ``is_superuser`` and ``is_staff`` are not
    recorded by the handlers below: the caller records them itself (the caches are still
    dropped). Marks that object alone, not other users nor other copies of the same row."""
    setattr(user, _AUDITED_BY_CALLER, True)
    try:
        yield
    finally:
        delattr(user, _AUDITED_BY_CALLER)


def _audited_by_caller(user: User) -> bool:
    return getattr(user, _AUDITED_BY_CALLER, False)


def _role_names(user: User) -> list[str]:
    return sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


@receiver(m2m_changed, sender=User.groups.through)
def audit_role_change(sender, instance, action, reverse, **kwargs) -> None:
    if reverse or not isinstance(instance, User):
        # Changing a group's members from the group side is not offered anywhere.
        return
    if _audited_by_caller(instance):
        if action.startswith("post_"):
            user_roles_forget(instance)
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


PRIVILEGE_FIELDS = ("is_superuser", "is_staff")


def _touches_privileges(update_fields) -> bool:
    return update_fields is None or bool(set(update_fields) & set(PRIVILEGE_FIELDS))


@receiver(pre_save, sender=User)
def remember_privileges(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    """Note ``is_superuser`` and ``is_staff`` as stored, before any save that may change them
    (a superuser is an admin: the flag grants a role as much as a group does)."""
    if raw or not _touches_privileges(update_fields) or _audited_by_caller(instance):
        return
    stored = (User.objects.filter(pk=instance.pk).values(*PRIVILEGE_FIELDS).first()
              if instance.pk else None)
    instance._privileges_before = stored or dict.fromkeys(PRIVILEGE_FIELDS, False)


@receiver(post_save, sender=User)
def audit_privilege_change(sender, instance, created, update_fields=None, raw=False,
                           **kwargs) -> None:
    """Write ``people.privileges_changed`` (before and after, with the roles they give) when
    a save granted or removed ``is_superuser`` or ``is_staff``: the Django admin's form, a
    management command, a shell, a service."""
    if raw or not _touches_privileges(update_fields):
        return
    if _audited_by_caller(instance):
        user_roles_forget(instance)
        return
    before = getattr(instance, "_privileges_before", None)
    if before is None:
        return
    after = {name: bool(getattr(instance, name)) for name in PRIVILEGE_FIELDS}
    before = {name: bool(value) for name, value in before.items()}
    instance._privileges_before = after
    if before == after:
        return
    groups = set(_role_names(instance)) if not created else set()
    user_roles_forget(instance)

    def roles(flags: dict[str, bool]) -> list[str]:
        return sorted(groups | ({Role.ADMIN.value} if flags["is_superuser"] else set()))

    audit_record(
        action="people.privileges_changed", subject=instance, person=instance,
        before={**before, "roles": roles(before)}, after={**after, "roles": roles(after)},
    )


@receiver(m2m_changed, sender=User.user_permissions.through)
def audit_permission_change(sender, instance, action, reverse, pk_set=None, **kwargs) -> None:
    """Direct permissions given to or taken from a user (outside the role groups)."""
    if reverse or not isinstance(instance, User):
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._permissions_before = sorted(
            instance.user_permissions.values_list("codename", flat=True))
    elif action in ("post_add", "post_remove", "post_clear"):
        before = getattr(instance, "_permissions_before", [])
        after = sorted(instance.user_permissions.values_list("codename", flat=True))
        if before != after:
            audit_record(action="people.permissions_changed", subject=instance,
                         person=instance, before={"permissions": before},
                         after={"permissions": after})
        instance._permissions_before = after


@receiver(user_logged_in)
def audit_staff_login(sender, request, user, **kwargs) -> None:
    if user_is_staff_role(user):
        audit_record(action="auth.staff_login", subject=user, person=user, actor=user)


@receiver(password_reset)
def forget_failed_logins(sender, request, user, **kwargs) -> None:
    """A successful password reset wipes the failed logins counted on the person's addresses
    (the reset itself is rate limited), as allauth does for the attempts it counts."""
    from allauth.account.models import EmailAddress

    for email in EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True):
        failed_logins_clear(login=email)
    failed_logins_clear(login=user.email)


@receiver(post_migrate)
def ensure_role_groups(sender, app_config=None, using="default", **kwargs) -> None:
    # Runs after each app's permissions exist, so later apps' permissions are included.
    from .services.accounts import role_groups_ensure

    role_groups_ensure()
