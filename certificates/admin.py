"""Back office of the certification rules: requirement sets an admin edits as data.

A set's figures and rows are edited here; a new version is prepared with the "new draft
version" action and put in force with "put in force". Every save is audited and re-evaluates
the brokers working toward the set's level. Which set judges a broker is changed on the
broker's path page (audited); readiness is read-only here. Each level's certificate policy
(issued automatically or by an administrator, validity, renewal) is edited here too, audited.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError

from .models import (
    AreaHoursRequirement,
    BrokerReadiness,
    BrokerRequirementSet,
    BulkRun,
    BulkRunItem,
    CertificateDesign,
    CertificatePolicy,
    CourseHoursRequirement,
    ExamRequirement,
    RequirementSet,
)
from .models.ecert import EcertIdentifier, EcertSettings
from .models.holders import HolderDid
from .services import (
    certificate_policy_changed,
    certificate_policy_summary,
    requirement_set_changed,
    requirement_set_new_version,
    requirement_set_publish,
    requirement_set_summary,
)


class AreaHoursInline(admin.TabularInline):
    model = AreaHoursRequirement
    extra = 0


class CourseHoursInline(admin.TabularInline):
    model = CourseHoursRequirement
    extra = 0
    autocomplete_fields = ["course"]


class ExamInline(admin.TabularInline):
    model = ExamRequirement
    extra = 0


@admin.register(RequirementSet)
class RequirementSetAdmin(admin.ModelAdmin):
    list_display = ["level", "version", "title", "effective_from", "is_current",
                    "example_values", "total_hours", "practice_records",
                    "months_at_previous_level"]
    list_filter = ["level", "is_current", "example_values"]
    readonly_fields = ["effective_from", "is_current", "created_at", "created_by"]
    inlines = [AreaHoursInline, CourseHoursInline, ExamInline]
    actions = ["new_draft_version", "put_in_force"]
    fieldsets = [
        (None, {"fields": ["level", "version", "title", "example_values", "notes"]}),
        (_("Class hours"), {"fields": ["total_hours"]}),
        (_("Practice"), {"fields": ["practice_records", "practice_min_contract_amount",
                                    "practice_min_technical_income"]}),
        (_("Time at the previous level"), {"fields": ["months_at_previous_level"]}),
        (_("Versions"), {"fields": ["effective_from", "is_current", "created_at",
                                    "created_by"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["level", "version"]
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        elif obj.pk:
            # Remember what it was, for the audit event written once the rows are saved too.
            request._requirement_set_before = requirement_set_summary(
                RequirementSet.objects.get(pk=obj.pk)
            )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            requirement_set_changed(
                requirement_set=form.instance, actor=request.user,
                before=getattr(request, "_requirement_set_before", None),
            )

    def delete_model(self, request, obj):
        if obj.effective_from is not None:
            messages.error(request, _("A version that was in force is kept for the record."))
            return
        super().delete_model(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.effective_from is not None:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Create a new draft version from the selected set"))
    def new_draft_version(self, request, queryset):
        for source in queryset:
            draft = requirement_set_new_version(source=source, actor=request.user)
            self.message_user(request, _("Draft %(set)s created.") % {"set": draft})

    @admin.action(description=_("Put the selected draft in force now"))
    def put_in_force(self, request, queryset):
        for rs in queryset:
            try:
                requirement_set_publish(requirement_set=rs, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{rs}: {exc}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(set)s is now in force.") % {"set": rs})


@admin.register(CertificatePolicy)
class CertificatePolicyAdmin(admin.ModelAdmin):
    list_display = ["level", "issue_automatically", "validity_months", "renewal_hours"]
    list_filter = ["issue_automatically"]

    def get_readonly_fields(self, request, obj=None):
        return ["level"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            before = certificate_policy_summary(CertificatePolicy.objects.get(pk=obj.pk))
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            certificate_policy_changed(policy=obj, actor=request.user, before=before)


@admin.register(BrokerRequirementSet)
class BrokerRequirementSetAdmin(admin.ModelAdmin):
    list_display = ["broker", "level", "requirement_set", "assigned_by", "assigned_at", "reason"]
    list_filter = ["level"]
    search_fields = ["broker__email", "broker__full_name"]

    def has_add_permission(self, request):
        return False  # on the broker's path page, audited

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BrokerReadiness)
class BrokerReadinessAdmin(admin.ModelAdmin):
    list_display = ["broker", "level", "ready", "ready_since", "met_count", "total_count",
                    "last_evaluated_at"]
    list_filter = ["level", "ready"]
    search_fields = ["broker__email", "broker__full_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Certificate design and bulk runs: read-only here ---------------------------------------
# Designs are edited, previewed and put in use on the app's own page (/certificates/design/),
# which keeps the history and writes the audit trail; bulk runs are started and watched on
# /certificates/bulk/. The back office shows both for the record.


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CertificateDesign)
class CertificateDesignAdmin(_ReadOnlyAdmin):
    list_display = ["version", "status", "note", "title_zh", "activated_at", "activated_by",
                    "updated_at"]
    list_filter = ["status"]


class BulkRunItemInline(admin.TabularInline):
    model = BulkRunItem
    extra = 0
    can_delete = False
    fields = ["subject_id", "label", "outcome", "detail", "certificate"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BulkRun)
class BulkRunAdmin(_ReadOnlyAdmin):
    list_display = ["pk", "kind", "status", "done", "total", "succeeded", "skipped", "failed",
                    "started_by", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    inlines = [BulkRunItemInline]


@admin.register(EcertSettings)
class EcertSettingsAdmin(admin.ModelAdmin):
    """The bureau's electronic licence codes: one row, never made up (empty = unset)."""

    list_display = ["__str__", "licence_type_code", "issuer_code", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not EcertSettings.objects.exists()


@admin.register(EcertIdentifier)
class EcertIdentifierAdmin(admin.ModelAdmin):
    list_display = ["certificate", "identifier"]
    search_fields = ["certificate__serial", "identifier"]
    raw_id_fields = ["certificate"]


@admin.register(HolderDid)
class HolderDidAdmin(admin.ModelAdmin):
    list_display = ["user", "did", "source", "updated_at"]
    search_fields = ["user__email", "did"]
    raw_id_fields = ["user"]
