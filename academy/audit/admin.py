from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes an audit event, not even a superuser."""

    list_display = ("seq", "occurred_at", "actor_label", "action", "subject_label", "request_id")
    list_filter = ("action",)
    search_fields = ("actor_label", "subject_label", "action", "request_id")
    date_hierarchy = "occurred_at"
    ordering = ("-seq",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
