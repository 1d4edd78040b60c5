"""The question bank pages (trainers and admins): list, author, history, archive, import."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError
from academy.people.selectors import spreadsheet_errors_shown

from ..forms import QuestionFilterForm, QuestionForm, QuestionImportForm
from ..models import Question, QuestionType, QuestionVersion, Tag
from ..services import (
    importing,
    question_archive,
    question_create,
    question_update,
    question_version_in_use,
)
from .staff_common import author_required, paginate


def _questions(filters: dict) -> object:
    questions = (
        Question.objects.select_related("current_version")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("area__order", "code")))
        .order_by("-updated_at", "code")
    )
    status = filters.get("status") or ""
    if status == "archived":
        questions = questions.filter(is_active=False)
    elif status != "all":
        questions = questions.filter(is_active=True)
    if filters.get("type"):
        questions = questions.filter(type=filters["type"])
    if filters.get("difficulty"):
        questions = questions.filter(difficulty=filters["difficulty"])
    if filters.get("tag"):
        tag_id = filters["tag"]
        questions = questions.filter(
            pk__in=Question.objects.filter(Q(tags=tag_id) | Q(tags__parent=tag_id)).values("pk")
        )
    text = (filters.get("q") or "").strip()
    if text:
        questions = questions.filter(Q(code__icontains=text)
                                     | Q(current_version__stem__icontains=text))
    return questions


@author_required
def question_list(request):
    """The bank with filters (type, tag, difficulty, status, text) and pagination."""
    form = QuestionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, _questions(filters))
    return render(request, "exams/staff/question_list.html", {
        "form": form,
        "page": page,
        "questions": page.object_list,
        "types": QuestionType.choices,
        "filtered": any(filters.get(k) for k in ("q", "type", "tag", "difficulty", "status")),
    })


def _tags(ids) -> list[Tag]:
    return list(Tag.objects.filter(pk__in=ids))


def _render_form(request, form, *, qtype, question=None, in_use=False):
    return render(request, "exams/staff/question_form.html", {
        "form": form,
        "qtype": qtype,
        "qtype_label": QuestionType(qtype).label,
        "question": question,
        "in_use": in_use,
        "has_options": qtype in QuestionType.with_options(),
        "is_subjective": qtype in QuestionType.subjective(),
        "has_scoring": qtype in (QuestionType.MULTIPLE, QuestionType.FILLIN),
    })


@author_required
def question_create_view(request, qtype: str):
    """Author a new question of ``qtype``, with a live preview."""
    if qtype not in QuestionType.values:
        raise Http404
    form = QuestionForm(request.POST or None, qtype=qtype)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = question_create(
                type=qtype, created_by=request.user, code=data["code"],
                difficulty=data["difficulty"], default_points=data["default_points"],
                tags=_tags(data["tags"]), **form.cleaned_content(),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Question %(code)s is in the bank.")
                             % {"code": question.code})
            if "save_another" in request.POST:
                return redirect("exams:question_create", qtype=qtype)
            return redirect("exams:question_list")
    return _render_form(request, form, qtype=qtype)


@author_required
def question_edit(request, pk: int):
    """Edit a question; when examinees have seen the current text, saving makes a version."""
    question = get_object_or_404(
        Question.objects.select_related("current_version").prefetch_related("tags"), pk=pk
    )
    in_use = question.current_version is not None and question_version_in_use(
        question.current_version)
    form = QuestionForm(request.POST or None, qtype=question.type, code_editable=False,
                        initial=QuestionForm.initial_from(question))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        before = question.current_version_id
        try:
            question = question_update(
                question=question, actor=request.user, difficulty=data["difficulty"],
                default_points=data["default_points"], tags=_tags(data["tags"]),
                **form.cleaned_content(),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if question.current_version_id != before:
                messages.success(request, _(
                    "Saved as version %(n)s. Attempts that showed the earlier text keep it."
                ) % {"n": question.current_version.number})
            else:
                messages.success(request, _("Question %(code)s is saved.")
                                 % {"code": question.code})
            return redirect("exams:question_edit", pk=question.pk)
    return _render_form(request, form, qtype=question.type, question=question, in_use=in_use)


@author_required
def question_history(request, pk: int):
    """Every version of a question with its text, and how many attempts showed each."""
    question = get_object_or_404(Question.objects.select_related("current_version"), pk=pk)
    versions = list(
        QuestionVersion.objects.filter(question=question)
        .select_related("created_by").prefetch_related("images")
        .annotate(attempt_count=Count("attempt_items__attempt", distinct=True))
        .order_by("-number")
    )
    papers = list(question.paper_items.select_related("paper").order_by("paper__title"))
    return render(request, "exams/staff/question_history.html", {
        "question": question,
        "versions": versions,
        "paper_items": papers,
    })


@author_required
@require_POST
def question_archive_view(request, pk: int):
    """Archive (never drawn again) or restore a question."""
    question = get_object_or_404(Question, pk=pk)
    restore = request.POST.get("restore") == "1"
    question_archive(question=question, actor=request.user, active=restore)
    if restore:
        messages.success(request, _("Question %(code)s is active again.")
                         % {"code": question.code})
    else:
        messages.success(request, _("Question %(code)s is archived: it is not drawn for new "
                                    "attempts.") % {"code": question.code})
    return redirect("exams:question_edit", pk=question.pk)


ERRORS_SHOWN = 200


@author_required
def question_import(request):
    """Upload an XLSX/CSV of questions: all rows valid → all saved; otherwise nothing is
    saved and every bad row is listed. "Check only" validates without saving."""
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = importing.question_import(
            file_name=upload.name, content=upload.read(), actor=request.user,
            dry_run="check" in request.POST,
        )
        if result.ok and not result.dry_run:
            count = len(result.created)
            messages.success(request, ngettext("%(n)s question was imported.",
                                               "%(n)s questions were imported.", count)
                             % {"n": count})
            return redirect("exams:question_list")
    return render(request, "exams/staff/question_import.html", {
        "form": form,
        "result": result,
        **spreadsheet_errors_shown(result.errors if result else [], limit=ERRORS_SHOWN),
        "columns": importing.COLUMNS,
        "tags": Tag.objects.select_related("parent").order_by("area__order", "parent_id",
                                                              "code"),
        "max_rows": importing.import_max_rows(),
        "max_megabytes": importing.import_max_bytes() // (1024 * 1024),
    })


@author_required
def question_import_template(request):
    """The import template as XLSX (default) or CSV."""
    fmt = request.GET.get("format", "xlsx")
    if fmt == "csv":
        content, content_type = importing.question_template_csv(), "text/csv; charset=utf-8"
    elif fmt == "docx":
        from ..services import question_template_docx

        content = question_template_docx()
        content_type = ("application/vnd.openxmlformats-officedocument.wordprocessingml."
                        "document")
    elif fmt == "xlsx":
        content = importing.question_template_xlsx()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="question-import-template.{fmt}"'
    return response


EXPORT_FORMATS = {
    "moodle": ("xml", "application/xml; charset=utf-8"),
    "gift": ("gift", "text/plain; charset=utf-8"),
}


@author_required
def question_export(request):
    """The active questions as Moodle XML or GIFT: the page says what each format cannot
    carry; ``download=1`` downloads the file (audited)."""
    from ..services import question_bank_export

    fmt = request.GET.get("format", "moodle")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    exported = question_bank_export(fmt=fmt, actor=request.user,
                                    audit=request.GET.get("download") == "1")
    if request.GET.get("download") == "1":
        extension, content_type = EXPORT_FORMATS[fmt]
        response = HttpResponse(exported.content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="question-bank.{extension}"'
        return response
    return render(request, "exams/staff/question_export.html", {
        "format": fmt, "exported": exported, "formats": list(EXPORT_FORMATS),
    })
