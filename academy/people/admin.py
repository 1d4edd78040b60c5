from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from academy.audit.services import audit_record
from academy.errors import ApplicationError

from .models import BrokerProfile, Invitation, Level, Organisation, Region, RosterImport, User
from .services.invitations import invitation_resend


def _level_change_record(request, profile: BrokerProfile, form) -> None:
    """Write ``people.level_changed`` when an admin's form changed a profile's level.

    Certificate issuance records the promotions it makes itself; this covers the other way a
    level changes (a correction in the admin), so the level history and the dashboard's
    promotions read one source. A profile being created is not a change.
    """
    if not form.instance.pk or not {"level", "level_since"} & set(form.changed_data):
        return
    before_level = form.initial.get("level")
    before = Level.objects.filter(pk=before_level).values_list("code", flat=True).first()
    audit_record(
        action="people.level_changed", subject=profile, person=profile.user,
        actor=request.user,
        before={"level": before, "level_since": str(form.initial.get("level_since") or "")
                or None},
        after={"level": profile.level.code, "level_since": profile.level_since.isoformat()
               if profile.level_since else None, "source": "admin"},
    )


class BrokerProfileInline(admin.StackedInline):
    model = BrokerProfile
    can_delete = False
    autocomplete_fields = ("organisation",)
    fk_name = "user"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "groups")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (_("Roles and permissions"),
         {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    inlines = [BrokerProfileInline]

    def save_formset(self, request, form, formset, change):
        changed = [f for f in formset.forms
                   if f.instance.pk and f.has_changed() and f not in formset.deleted_forms]
        super().save_formset(request, form, formset, change)
        if formset.model is BrokerProfile:
            for profile_form in changed:
                _level_change_record(request, profile_form.instance, profile_form)


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ("rank", "name", "name_en", "code")
    ordering = ("rank",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "sort_order")
    search_fields = ("name", "code")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region")
    list_filter = ("kind", "region")
    search_fields = ("name",)


@admin.register(BrokerProfile)
class BrokerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "level", "level_since", "region", "organisation")
    list_filter = ("level", "region")
    search_fields = ("user__email", "user__full_name", "organisation__name")
    autocomplete_fields = ("organisation",)
    list_select_related = ("user", "level", "region", "organisation")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            _level_change_record(request, obj, form)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are created by roster import; here admins look them up and resend them."""

    list_display = ("user", "status_label", "created_at", "sent_at", "expires_at", "accepted_at",
                    "roster_import")
    list_filter = ("roster_import", "sent_at", "accepted_at")
    search_fields = ("user__email", "user__full_name")
    list_select_related = ("user", "roster_import")
    readonly_fields = ("user", "token_hash", "created_at", "sent_at", "accepted_at", "expires_at",
                       "created_by", "roster_import")
    fields = readonly_fields
    actions = ["resend"]
    date_hierarchy = "created_at"

    @admin.display(description=_("status"))
    def status_label(self, obj: Invitation) -> str:
        return obj.status_label

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send the selected invitations again (new link)"),
                  permissions=["change"])
    def resend(self, request, queryset) -> None:
        sent = 0
        for invitation in queryset.select_related("user"):
            try:
                invitation_resend(invitation_id=invitation.pk, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                sent += 1
        if sent:
            self.message_user(request, ngettext(
                "%(count)d invitation will be sent again.",
                "%(count)d invitations will be sent again.",
                sent,
            ) % {"count": sent}, messages.SUCCESS)


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    """A read-only log of roster imports."""

    list_display = ("file_name", "created_at", "uploaded_by", "rows_total", "created_count",
                    "unchanged_count")
    list_select_related = ("uploaded_by",)
    search_fields = ("file_name", "file_sha256")
    readonly_fields = ("file_name", "file_sha256", "created_at", "uploaded_by", "rows_total",
                       "created_count", "unchanged_count")
    fields = readonly_fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
