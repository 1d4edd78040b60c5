"""Reading notifications, preferences and the reminder log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from academy.people.roles import user_roles

from .kinds import Kind, kinds_for_roles
from .models import Notification, NotificationPreference, UserSettings


def notifications_of(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s notifications, newest first."""
    queryset = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def unread_count(user: Any) -> int:
    """How many of ``user``'s notifications are unread (one query on the (recipient, read_at)
    index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@dataclass(frozen=True)
class PreferenceRow:
    kind: Kind
    choice: str  # the effective choice (the kind's default if the person chose nothing)
    chosen: bool  # whether the person chose it


def preferences_of(user: Any) -> list[PreferenceRow]:
    """Every kind ``user`` may get (by role), with their choice; mandatory kinds included
    (shown as always on). One query."""
    chosen = dict(NotificationPreference.objects.filter(user=user)
                  .values_list("kind", "choice"))
    rows = []
    for kind in kinds_for_roles(user_roles(user)):
        choice = chosen.get(kind.code)
        effective = choice if choice in kind.choices() else kind.default_choice
        rows.append(PreferenceRow(kind=kind, choice=effective,
                                  chosen=choice is not None and not kind.mandatory))
    return rows


def language_of(user: Any) -> str:
    """The language ``user`` chose for e-mails ("" for the site's)."""
    return (UserSettings.objects.filter(user=user).values_list("language", flat=True).first()
            or "")


def notifications_in_language(items: Iterable[Notification], language: str) -> None:
    """Render each notification's title and text again in ``language`` (the reader's, which
    may have changed since it was sent), from the context it was made from. No query; a
    notification without context, or of a kind no longer registered, keeps its stored text."""
    from .kinds import get_kind
    from .rendering import Renderer

    renderer = Renderer()
    for item in items:
        if not item.context:
            continue
        try:
            kind = get_kind(item.kind)
        except KeyError:
            continue
        try:
            item.title, item.body = renderer.title_body(kind, item.context, language)
        except Exception:  # noqa: BLE001, S112 - a template changed since: the stored text stands
            continue
