"""The unread badge of the navigation bar."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def notifications(request):
    """``notifications_unread``: the signed-in person's unread count, counted only if a
    template shows it (one indexed query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}

    def count() -> int:
        from .selectors import unread_count

        return unread_count(user)

    return {"notifications_unread": SimpleLazyObject(count)}
