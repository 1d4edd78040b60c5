from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import BrokerProfile, Level, Organisation, Region, User


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
