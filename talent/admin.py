"""The talent pool in the Django admin: registered totals (entered through the audited
service), and exports as a read-only log."""

from __future__ import annotations

from django.contrib import admin

from .models import RegisteredTotal, TalentExport
from .services import registered_total_delete, registered_total_save


@admin.register(RegisteredTotal)
class RegisteredTotalAdmin(admin.ModelAdmin):
    list_display = ("month", "region", "deal_count", "contract_amount", "technical_income",
                    "updated_by", "updated_at")
    list_filter = ("region",)
    list_select_related = ("region", "updated_by")
    date_hierarchy = "month"
    fields = ("region", "month", "deal_count", "contract_amount", "technical_income", "note")

    def save_model(self, request, obj, form, change) -> None:
        saved = registered_total_save(
            actor=request.user, region=obj.region, month=obj.month, deal_count=obj.deal_count,
            contract_amount=obj.contract_amount, technical_income=obj.technical_income,
            note=obj.note, total_id=obj.pk if change else None)
        obj.pk, obj.month = saved.pk, saved.month

    def delete_model(self, request, obj) -> None:
        registered_total_delete(actor=request.user, total_id=obj.pk)

    def delete_queryset(self, request, queryset) -> None:
        for pk in queryset.values_list("pk", flat=True):
            registered_total_delete(actor=request.user, total_id=pk)


@admin.register(TalentExport)
class TalentExportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "requested_by", "kind", "file_format", "status", "rows",
                    "expires_at")
    list_filter = ("kind", "status")
    list_select_related = ("requested_by",)
    search_fields = ("requested_by__email", "label")
    readonly_fields = ("requested_by", "kind", "label", "file_format", "filters", "personal",
                       "status", "progress", "rows", "total", "error", "created_at",
                       "finished_at", "expires_at")
    fields = readonly_fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
