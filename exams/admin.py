"""Admin for the bank and papers; attempts, answers and marks are read-mostly here.

Scores must change through ``exams.services.grading`` (which records the reason and the audit
event), never by editing rows in the admin, so those fields are read-only.
"""

from django.contrib import admin

from .models import (
    Answer,
    Attempt,
    AttemptItem,
    Mark,
    Paper,
    PaperItem,
    PaperRule,
    Question,
    QuestionVersion,
    ScoreChange,
    Sitting,
    Tag,
)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "area", "parent")
    list_filter = ("area",)
    search_fields = ("code", "name", "name_en")

class QuestionVersionInline(admin.StackedInline):
    model = QuestionVersion
    extra = 0
    fields = ("number", "stem", "options", "answer", "scoring", "explanation", "rubric",
              "created_by", "created_at")
    readonly_fields = ("created_at",)
    show_change_link = True

@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("code", "type", "difficulty", "is_active", "current_version", "created_at")
    list_filter = ("type", "difficulty", "is_active", "tags")
    search_fields = ("code", "versions__stem")
    filter_horizontal = ("tags",)
    raw_id_fields = ("current_version", "created_by")
    inlines = [QuestionVersionInline]

class PaperItemInline(admin.TabularInline):
    model = PaperItem
    extra = 0
    raw_id_fields = ("question",)

class PaperRuleInline(admin.TabularInline):
    model = PaperRule
    extra = 0

@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "shuffle_questions", "shuffle_options", "created_at")
    list_filter = ("kind",)
    search_fields = ("title",)
    inlines = [PaperItemInline, PaperRuleInline]

@admin.register(Sitting)
class SittingAdmin(admin.ModelAdmin):
    list_display = ("title", "paper", "cohort", "opens_at", "closes_at", "duration_minutes",
                    "release_policy", "double_marking", "venue_network")
    list_filter = ("release_policy", "double_marking", "anonymous_grading")
    search_fields = ("title", "paper__title")
    filter_horizontal = ("brokers", "graders")
    raw_id_fields = ("paper", "cohort", "created_by")

class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

class AttemptItemInline(ReadOnlyInline):
    model = AttemptItem
    fields = ("position", "question_version", "points", "option_order")
    readonly_fields = fields

class AnswerInline(ReadOnlyInline):
    model = Answer
    fields = ("item", "value", "client_ts", "saved_at", "auto_score", "final_score",
              "grading_status")
    readonly_fields = fields

class ReadMostlyAdmin(admin.ModelAdmin):
    """No adding or deleting: these rows are written by the exam services only."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

@admin.register(Attempt)
class AttemptAdmin(ReadMostlyAdmin):
    list_display = ("code", "sitting", "user", "number", "status", "score", "max_score",
                    "passed", "submitted_at", "released_at")
    list_filter = ("status", "passed", "auto_submitted", "sitting")
    search_fields = ("code", "user__email", "user__full_name", "sitting__title")
    readonly_fields = ("sitting", "user", "number", "seed", "started_at", "deadline",
                       "submitted_at", "status", "auto_submitted", "score", "max_score",
                       "passed", "code", "graded_at", "released_at")
    inlines = [AttemptItemInline, AnswerInline]

class MarkInline(ReadOnlyInline):
    model = Mark
    fields = ("round", "grader", "criteria", "score", "comment", "submitted_at")
    readonly_fields = fields

@admin.register(Answer)
class AnswerAdmin(ReadMostlyAdmin):
    list_display = ("attempt", "item", "grading_status", "auto_score", "final_score",
                    "saved_at")
    list_filter = ("grading_status",)
    search_fields = ("attempt__code",)
    readonly_fields = ("attempt", "item", "value", "client_ts", "saved_at", "first_saved_at",
                       "elapsed_ms", "auto_score", "final_score", "grading_status")
    inlines = [MarkInline]

@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadMostlyAdmin):
    list_display = ("attempt", "answer", "old", "new", "changed_by", "changed_at")
    search_fields = ("attempt__code", "reason")
    readonly_fields = ("attempt", "answer", "old", "new", "reason", "changed_by",
                       "changed_at")

    def has_change_permission(self, request, obj=None):
        return False

