"""Pages of notifications under /notifications/ (inside i18n_patterns)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/channels/", views.preferences_channels, name="preferences_channels"),
    path("preferences/phone/", views.phone_start, name="phone_start"),
    path("preferences/phone/confirm/", views.phone_confirm, name="phone_confirm"),
    path("preferences/phone/remove/", views.phone_remove, name="phone_remove"),
    path("preferences/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("remind/", views.remind, name="remind"),
    path("remind/<str:action>/<int:subject_id>/", views.remind_preview, name="remind_preview"),
    path("templates/", views.templates_list, name="templates"),
    path("templates/<str:kind>/<str:language>/", views.template_preview,
         name="template_preview"),
    path("templates/<str:kind>/<str:language>/html/", views.template_preview_html,
         name="template_preview_html"),
]
