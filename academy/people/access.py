"""What a signed-in user may do, read once and kept in the cache between requests.

Every request of a signed-in person needs the same few facts: their roles, whether they are
still active, the session hash that ties their sessions to their password, and (for staff)
whether they have enrolled a second factor. Read from the database that costs three queries
per request on top of the session; here it is one cache read (Redis in production), keyed by
the user id, filled from the database on a miss (``ACADEMY_ACCESS_CACHE_SECONDS``, default
300 s, bounds the life of an entry).

The entry is dropped the moment any of its facts changes, and again when that transaction
commits (so a request that read the old rows in between cannot keep them):

- the user row saved or deleted (password, ``is_active``, ``is_superuser``);
- the user's groups changed, from either side (``user.groups.add``, ``group.user_set.add``),
  or a group renamed or deleted;
- a second-factor authenticator (allauth ``Authenticator``) added or removed.

Writes that bypass signals (``QuerySet.update``, ``bulk_create``) are not seen until the entry
expires. Nothing in the project changes an existing user's roles, password or activity that
way (the roster import bulk-creates memberships of brand-new accounts only, which no entry can
describe yet). A mismatch is also harmless where it matters most: an entry is only trusted
for a session whose stored hash it matches, otherwise the caller falls back to Django's own
checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils.crypto import constant_time_compare

from .conf import app_settings

#: How long an entry lives at most (setting ``ACADEMY_ACCESS_CACHE_SECONDS``).
DEFAULT_TIMEOUT = 300
_KEY = "people:access:{}"
_REQUEST_ATTR = "_academy_access"


@dataclass(frozen=True)
class Access:
    """The cached facts about one user (see the module docstring)."""

    user_id: int
    group_roles: frozenset[str]  # the role groups the user belongs to
    is_superuser: bool
    is_active: bool
    session_hash: str  # what Django's login stores as the session's auth hash
    mfa_enrolled: bool  # has a TOTP authenticator

    @property
    def roles(self) -> frozenset[str]:
        """The role names; a superuser is always an admin."""
        from .roles import Role

        return (self.group_roles | {Role.ADMIN}) if self.is_superuser else self.group_roles

    @property
    def needs_mfa_setup(self) -> bool:
        """Staff (trainer, auditor, admin) without a second factor, while that is required."""
        from .roles import STAFF_ROLES

        return (app_settings.STAFF_MFA_REQUIRED and not self.mfa_enrolled
                and bool(self.roles & STAFF_ROLES))


def _timeout() -> int:
    return app_settings.ACCESS_CACHE_SECONDS


def _key(user_id: Any) -> str:
    return _KEY.format(int(user_id))


def _load(user_id: int) -> Access | None:
    """One query: the user row's flags and password (for the session hash), whether a TOTP
    authenticator exists, and its groups (one row per group, or one row without)."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    from .roles import Role

    User = get_user_model()
    rows = list(User.objects.filter(pk=user_id).order_by()
                .annotate(mfa_enrolled=Exists(Authenticator.objects.filter(
                    user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)))
                .values_list("password", "is_active", "is_superuser", "mfa_enrolled",
                             "groups__name"))
    if not rows:
        return None
    password, is_active, is_superuser, enrolled, _group = rows[0]
    roles = frozenset(name for *_flags, name in rows if name in Role.values)
    return Access(user_id=user_id, group_roles=roles, is_superuser=is_superuser,
                  is_active=is_active,
                  session_hash=User(pk=user_id, password=password).get_session_auth_hash(),
                  mfa_enrolled=enrolled)


def user_access(user_id: Any) -> Access | None:
    """The facts about user ``user_id`` (cache, else database); None if no such user."""
    if user_id is None:
        return None
    key = _key(user_id)
    raw = cache.get(key)
    if raw is not None:
        roles, is_superuser, is_active, session_hash, enrolled = raw
        return Access(int(user_id), frozenset(roles), is_superuser, is_active, session_hash,
                      enrolled)
    access = _load(int(user_id))
    if access is not None:
        cache.set(key, (sorted(access.group_roles), access.is_superuser, access.is_active,
                        access.session_hash, access.mfa_enrolled), _timeout())
    return access


def user_access_for(user: Any) -> Access | None:
    """The cached facts about a loaded user object, checked against it: an entry whose
    session hash does not match the object (stale, or another database's user with the same
    id) is read again from the database."""
    access = user_access(user.pk)
    if access is not None and not constant_time_compare(access.session_hash,
                                                        user.get_session_auth_hash()):
        user_access_forget(user.pk, on_commit=False)
        access = user_access(user.pk)
    return access


def request_access(request: Any) -> Access | None:
    """The facts about the user signed in with this request's session, without loading the
    user row; None when the session holds no user or cannot be vouched for from the cache
    alone (unknown backend, inactive user, a hash that does not match: Django's own checks on
    ``request.user`` then decide, and log the session out where they should).

    Token-authenticated API calls have no session user: they get None too.
    """
    if hasattr(request, _REQUEST_ATTR):
        return getattr(request, _REQUEST_ATTR)
    access = None
    session = getattr(request, "session", None)
    if session is not None:
        user_id = session.get(SESSION_KEY)
        backend = session.get(BACKEND_SESSION_KEY)
        session_hash = session.get(HASH_SESSION_KEY)
        if user_id is not None and backend in settings.AUTHENTICATION_BACKENDS \
                and session_hash:
            try:
                candidate = user_access(user_id)
            except (TypeError, ValueError):
                candidate = None
            if candidate is not None and candidate.is_active and constant_time_compare(
                    candidate.session_hash, session_hash):
                access = candidate
    setattr(request, _REQUEST_ATTR, access)
    return access


def user_access_forget(user_id: Any, *, on_commit: bool = True) -> None:
    """Drop the cached facts of ``user_id`` now and, inside a transaction, again at commit."""
    if user_id is None:
        return
    key = _key(user_id)
    cache.delete(key)
    if on_commit and transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete(key))


def _users_forget(user_ids: Any) -> None:
    keys = [_key(pk) for pk in user_ids]
    if not keys:
        return
    cache.delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys))


# --- Invalidation -------------------------------------------------------------------------

def _on_user_change(sender, instance, update_fields=None, **kwargs) -> None:
    # A login saves last_login alone, which no cached fact depends on: keeping the entry
    # spares every login's next request two queries.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    user_access_forget(instance.pk)


def _on_membership_change(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    if not reverse:
        user_access_forget(instance.pk)  # instance is the user
    elif action == "pre_clear":
        # group.user_set.clear(): the members are gone after the clear; remember them now.
        _users_forget(list(instance.user_set.values_list("pk", flat=True)))
    elif pk_set:
        _users_forget(pk_set)  # instance is the group, pk_set its users


def _on_group_change(sender, instance, **kwargs) -> None:
    if instance.pk is not None:
        _users_forget(list(instance.user_set.values_list("pk", flat=True)))


def _on_authenticator_change(sender, instance, **kwargs) -> None:
    user_access_forget(instance.user_id)


def connect_signals() -> None:
    """Called once when this module is imported (see the bottom of the module)."""
    user_model = settings.AUTH_USER_MODEL
    uid = "academy.people.access"
    post_save.connect(_on_user_change, sender=user_model, dispatch_uid=f"{uid}.user_save")
    post_delete.connect(_on_user_change, sender=user_model, dispatch_uid=f"{uid}.user_delete")
    app_label, model = user_model.split(".")
    m2m_changed.connect(_on_membership_change, sender=f"{app_label}.{model}_groups",
                        dispatch_uid=f"{uid}.groups")
    post_save.connect(_on_group_change, sender="auth.Group", dispatch_uid=f"{uid}.group_save")
    pre_delete.connect(_on_group_change, sender="auth.Group",
                       dispatch_uid=f"{uid}.group_delete")
    post_save.connect(_on_authenticator_change, sender="mfa.Authenticator",
                      dispatch_uid=f"{uid}.mfa_save")
    post_delete.connect(_on_authenticator_change, sender="mfa.Authenticator",
                        dispatch_uid=f"{uid}.mfa_delete")


connect_signals()
