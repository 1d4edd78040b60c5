"""Pages of notifications, one module per family: the centre, the person's preferences,
manual reminders, e-mail template previews and the calendar feed.

Thin: check access, validate with a form, call a service, redirect or render. The view
functions are named here for ``urls.py`` and the project's URLs (the calendar feed).
"""

from .calendar import calendar_feed
from .centre import centre, mark_all_read, mark_read, open_notification
from .email_previews import template_preview, template_preview_html, templates_list
from .preferences import (
    calendar_reset,
    phone_confirm,
    phone_remove,
    phone_start,
    preferences,
    preferences_channels,
)
from .remind import remind, remind_preview

__all__ = [
    "calendar_feed",
    "calendar_reset",
    "centre",
    "mark_all_read",
    "mark_read",
    "open_notification",
    "phone_confirm",
    "phone_remove",
    "phone_start",
    "preferences",
    "preferences_channels",
    "remind",
    "remind_preview",
    "template_preview",
    "template_preview_html",
    "templates_list",
]
