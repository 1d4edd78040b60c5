"""The reminder log (searchable, filterable, failed e-mails re-sendable) and the rest."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .kinds import all_kinds
from .models import Notification, NotificationPreference, Reminder, UserSettings
from .services import reminders_resend


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.code, kind.label) for kind in all_kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """Every reminder: who, what, when, by which channel, and what became of it."""

    change_list_template = "admin/notifications/reminder/change_list.html"
    list_display = ("created_at", "recipient", "kind", "channel", "status", "attempts",
                    "window", "scheduled_for", "sent_at")
    list_filter = ("status", "channel", KindFilter, "created_at")
    search_fields = ("recipient__email", "recipient__full_name", "kind", "window",
                     "subject_type", "last_error")
    list_select_related = ("recipient",)
    ordering = ("-pk",)  # newest first, by the primary key's index (the log grows large)
    show_full_result_count = False
    list_per_page = 50
    actions = ["resend"]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False  # the log is the proof of what was sent

    @admin.action(description=_("Send the selected failed e-mails again"))
    def resend(self, request, queryset):
        count = reminders_resend(reminder_ids=queryset.values_list("pk", flat=True),
                                 actor=request.user)
        if count:
            self.message_user(request, ngettext(
                "%(count)d e-mail queued to be sent again.",
                "%(count)d e-mails queued to be sent again.", count) % {"count": count},
                messages.SUCCESS)
        else:
            self.message_user(request, _("Only failed or skipped e-mails can be sent again."),
                              messages.WARNING)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    ordering = ("-pk",)
    list_filter = (KindFilter, "read_at")
    search_fields = ("recipient__email", "recipient__full_name", "title")
    list_select_related = ("recipient",)
    show_full_result_count = False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "choice", "updated_at")
    list_filter = (KindFilter, "choice")
    search_fields = ("user__email", "user__full_name")
    raw_id_fields = ("user",)


@admin.register(UserSettings)
class UserSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "language", "updated_at")
    list_filter = ("language",)
    search_fields = ("user__email", "user__full_name")
    raw_id_fields = ("user",)
