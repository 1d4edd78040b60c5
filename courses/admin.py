from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Attendance,
    Cohort,
    CohortCourseDeadline,
    Course,
    CourseArea,
    Enrolment,
    Lesson,
    LessonAttachment,
    LessonProgress,
    Module,
    OfflineSession,
    Programme,
    ProgrammeCourse,
    StudyPolicy,
)


@admin.register(CourseArea)
class CourseAreaAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "name_en", "code")
    ordering = ("order",)


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ("order", "title", "requires")
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "area", "level", "is_published")
    list_filter = ("area", "level", "is_published")
    search_fields = ("code", "title")
    filter_horizontal = ("owners",)
    inlines = [ModuleInline]


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0
    fields = ("order", "title", "class_hours", "estimated_minutes", "is_published", "requires")
    show_change_link = True


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "order")
    list_filter = ("course",)
    search_fields = ("title", "course__title")
    inlines = [LessonInline]


class AttachmentInline(admin.TabularInline):
    model = LessonAttachment
    extra = 0
    fields = ("title", "file")


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("title", "module", "order", "class_hours", "credit_method", "is_published",
                    "version")
    list_filter = ("is_published", "credit_method", "module__course")
    search_fields = ("title", "module__title", "module__course__title")
    readonly_fields = ("version",)
    inlines = [AttachmentInline]


class ProgrammeCourseInline(admin.TabularInline):
    model = ProgrammeCourse
    extra = 0
    autocomplete_fields = ("course",)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("title", "from_level", "to_level")
    inlines = [ProgrammeCourseInline]


class DeadlineInline(admin.TabularInline):
    model = CohortCourseDeadline
    extra = 0


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "programme", "starts_on", "ends_on", "is_open_for_enrolment")
    list_filter = ("programme", "is_open_for_enrolment")
    search_fields = ("code", "name")
    filter_horizontal = ("trainers",)
    inlines = [DeadlineInline]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("user", "cohort", "status", "enrolled_at", "enrolled_by")
    list_filter = ("cohort", "status")
    search_fields = ("user__email", "user__full_name")
    raw_id_fields = ("user", "enrolled_by")


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    """Read-only: progress is what brokers did and is kept for the training archive."""

    list_display = ("user", "lesson", "first_viewed_at", "seconds_spent",
                    "video_seconds_watched", "completed_at", "credited_hours")
    list_filter = ("lesson__module__course",)
    search_fields = ("user__email", "user__full_name")
    raw_id_fields = ("user", "lesson")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ("user", "method", "checked_in_at", "credited_hours", "recorded_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OfflineSession)
class OfflineSessionAdmin(admin.ModelAdmin):
    list_display = ("title", "cohort", "starts_at", "place", "class_hours")
    list_filter = ("cohort",)
    inlines = [AttendanceInline]
    fieldsets = (
        (None, {"fields": ("cohort", "course", "title", "place", "class_hours")}),
        (_("Time"), {"fields": ("starts_at", "ends_at", "checkin_opens_at", "checkin_closes_at")}),
    )


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    """Read-only here: corrections go through the trainer's attendance page, which audits them."""

    list_display = ("user", "session", "method", "checked_in_at", "credited_hours")
    list_filter = ("session__cohort", "method")
    search_fields = ("user__email", "user__full_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StudyPolicy)
class StudyPolicyAdmin(admin.ModelAdmin):
    """The one policy row: what share of a lesson must be observed before hours are credited.

    Changes apply to completions from then on; credit already earned keeps its snapshot."""

    list_display = ("__str__", "time_share_percent", "video_share_percent", "idle_minutes",
                    "max_playback_rate", "updated_at")

    def has_add_permission(self, request):
        return not StudyPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from academy.audit.services import audit_record

        super().save_model(request, obj, form, change)
        audit_record(action="courses.study_policy_changed", subject=obj, actor=request.user,
                     after={name: str(getattr(obj, name)) for name in form.changed_data})
