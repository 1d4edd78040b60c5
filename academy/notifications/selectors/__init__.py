"""The notifications app's reads: what other apps, views and tests may use.

A person's notifications, preferences and channels (``reading.py``), the registered kinds and
sweeps, the helpers a sweep or a calendar source builds its links and bands with
(``url_or_home``, ``url_maker``, ``band``, ``feed_since``), the calendar response a page
returns, and this app's settings by their full names (``notify_conf``: the batch size, the
look-back and the reminder offsets that other apps' sweeps read).
"""

from ..calendar import calendar_events_for, calendar_response, feed_since
from ..conf import notify_conf
from ..kinds import all_kinds, get_kind, kinds_for_roles
from ..rendering import url_maker, url_or_home
from ..sweeps import all_sweeps, band, get_sweep
from .reading import (
    ChannelRow,
    ChannelSettings,
    KindPreferences,
    NotificationPreferences,
    PreferenceRow,
    channel_settings_of,
    language_of,
    notification_preferences_of,
    notifications_in_language,
    notifications_of,
    preferences_of,
    unread_count,
)

__all__ = [
    "ChannelRow",
    "ChannelSettings",
    "KindPreferences",
    "NotificationPreferences",
    "PreferenceRow",
    "all_kinds",
    "all_sweeps",
    "band",
    "calendar_events_for",
    "calendar_response",
    "channel_settings_of",
    "feed_since",
    "get_kind",
    "get_sweep",
    "kinds_for_roles",
    "language_of",
    "notification_preferences_of",
    "notifications_in_language",
    "notifications_of",
    "notify_conf",
    "preferences_of",
    "unread_count",
    "url_maker",
    "url_or_home",
]
