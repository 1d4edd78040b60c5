"""REST API of notifications (under /api/v1/, routed by ``api_urls.py``): the caller's own
notifications and preferences. ``views`` holds the endpoints, ``serializers`` their shapes."""

from .views import (
    MyNotificationPreferencesView,
    NotificationListView,
    NotificationReadView,
    PreferencesView,
    ReadAllView,
    UnreadCountView,
)

__all__ = [
    "MyNotificationPreferencesView",
    "NotificationListView",
    "NotificationReadView",
    "PreferencesView",
    "ReadAllView",
    "UnreadCountView",
]
