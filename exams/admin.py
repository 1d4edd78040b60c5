"""Admin for the bank and papers; attempts, answers and marks are read-mostly here.

Scores must change through ``exams.services.grading`` (which records the reason and the audit
event), never by editing rows in the admin, so those fields are read-only. In the same way a
paper's questions, rules and kind change only through ``exams.services.papers`` (on the
paper's page), which refuses a paper already sat and a change that would let an open
sitting's pool overlap a key-revealing one; here they are shown read-only.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

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

class ReadOnlyPaperInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

class PaperItemInline(ReadOnlyPaperInline):
    model = PaperItem
    fields = ("order", "question", "points")
    readonly_fields = fields

class PaperRuleInline(ReadOnlyPaperInline):
    model = PaperRule
    fields = ("order", "tag", "type", "difficulty", "count", "points_each")
    readonly_fields = fields

@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "shuffle_questions", "shuffle_options", "created_at")
    list_filter = ("kind",)
    search_fields = ("title",)
    inlines = [PaperItemInline, PaperRuleInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("kind", "questions_page")

    @admin.display(description=_("Questions and rules"))
    def questions_page(self, obj: Paper) -> str:
        return format_html('<a href="{}">{}</a>', reverse("exams:paper_detail", args=[obj.pk]),
                           _("Change them on the paper's page"))

@admin.register(Sitting)
class SittingAdmin(admin.ModelAdmin):
    list_display = ("title", "paper", "cohort", "opens_at", "closes_at", "duration_minutes",
                    "release_policy", "double_marking", "venue_network")
    list_filter = ("release_policy", "double_marking", "anonymous_grading")
    search_fields = ("title", "paper__title")
    filter_horizontal = ("brokers", "graders")
    raw_id_fields = ("paper", "cohort", "created_by")
    # Who sits which questions when, and whether keys show, are checked against every other
    # sitting (answer-key exposure, full papers) by the sitting pages' services; here they are
    # shown only, and sittings are created there.
    checked_fields = ("paper", "cohort", "brokers", "opens_at", "closes_at", "attempts_allowed",
                      "purpose", "show_answers", "keys_after_certifying", "release_policy")

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return (*self.checked_fields, "sitting_page")

    @admin.display(description=_("Paper, brokers, times and answer keys"))
    def sitting_page(self, obj: Sitting) -> str:
        return format_html('<a href="{}">{}</a>', reverse("exams:sitting_edit", args=[obj.pk]),
                           _("Change them on the sitting's page"))

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

