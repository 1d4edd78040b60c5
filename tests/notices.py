"""Notifications as their recipients see them."""

from __future__ import annotations

from academy.notifications.models import Notification
from academy.notifications.selectors import notifications_in_language


def shown(notification: Notification, language: str = "zh-hans") -> Notification:
    """``notification`` with its title and text rendered as the notification centre shows
    them to a reader of ``language`` (delivery stores only the kind's label)."""
    notifications_in_language([notification], language)
    return notification
