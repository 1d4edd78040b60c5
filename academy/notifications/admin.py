"""The reminder log (searchable, filterable, failed e-mails re-sendable) and the rest."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from academy.people.selectors import mask_phone

from .kinds import all_kinds
from .models import (
    ChannelPreference,
    Notification,
    NotificationPreference,
    PhoneVerification,
    QuietHoursOverride,
    Reminder,
    SmsTemplate,
    UserSettings,
)
from .selectors import notifications_in_language
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
                    "window", "scheduled_for", "sent_at", "receipt", "fallback_of")
    list_filter = ("status", "channel", "receipt", KindFilter, "created_at")
    search_fields = ("recipient__email", "recipient__full_name", "kind", "window",
                     "subject_type", "last_error", "provider_id")
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
    list_display = ("created_at", "recipient", "kind", "shown_title", "read_at")
    ordering = ("-pk",)
    list_filter = (KindFilter, "read_at")
    search_fields = ("recipient__email", "recipient__full_name")
    list_select_related = ("recipient",)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "shown_title", "shown_body")

    @admin.display(description=_("title"))
    def shown_title(self, obj: Notification) -> str:
        """As the recipient's centre shows it (rendered from the context), in the admin's
        language."""
        notifications_in_language([obj], get_language())
        return obj.title

    @admin.display(description=_("text"))
    def shown_body(self, obj: Notification) -> str:
        notifications_in_language([obj], get_language())
        return obj.body


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "choice", "updated_at")
    list_filter = (KindFilter, "choice")
    search_fields = ("user__email", "user__full_name")
    raw_id_fields = ("user",)


@admin.register(UserSettings)
class UserSettingsAdmin(admin.ModelAdmin):
    """The verified number is set only by its owner's code (read-only here); the WeCom id
    is what administrators fill in from the bureau's WeCom directory."""

    list_display = ("user", "language", "sms_phone_masked", "wecom_userid", "updated_at")
    list_filter = ("language",)
    search_fields = ("user__email", "user__full_name", "wecom_userid")
    raw_id_fields = ("user",)
    fields = ("user", "language", "wecom_userid", "sms_phone", "sms_phone_verified_at")
    readonly_fields = ("sms_phone", "sms_phone_verified_at")

    @admin.display(description=_("verified mobile for SMS"))
    def sms_phone_masked(self, obj):
        return mask_phone(obj.sms_phone)


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    """Which approved SMS template carries each kind, and what fills its variables."""

    list_display = ("kind", "template_code", "approved", "variables", "updated_at")
    list_filter = ("approved", KindFilter)
    search_fields = ("kind", "template_code", "note")


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "channel", "created_at")
    list_filter = ("channel", KindFilter)
    search_fields = ("user__email", "user__full_name")
    raw_id_fields = ("user",)


@admin.register(QuietHoursOverride)
class QuietHoursOverrideAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "allowed", "updated_at")
    list_filter = ("allowed", KindFilter)
    search_fields = ("user__email", "user__full_name")
    raw_id_fields = ("user",)


@admin.register(PhoneVerification)
class PhoneVerificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "expires_at", "attempts", "verified_at")
    search_fields = ("user__email", "user__full_name")
    list_select_related = ("user",)
    exclude = ("code_hash", "phone")
