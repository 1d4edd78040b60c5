"""REST endpoints of notifications, included under /api/v1/ by academy/api_urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/unread-count/", api.UnreadCountView.as_view(),
         name="api-notifications-unread-count"),
    path("notifications/<int:pk>/read/", api.NotificationReadView.as_view(),
         name="api-notification-read"),
    path("notifications/read-all/", api.ReadAllView.as_view(), name="api-notifications-read-all"),
    path("notifications/preferences/", api.PreferencesView.as_view(),
         name="api-notification-preferences"),
    path("me/notification-preferences/", api.MyNotificationPreferencesView.as_view(),
         name="api-me-notification-preferences"),
]
