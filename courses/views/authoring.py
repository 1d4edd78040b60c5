"""The trainer's course editor: only the courses they own (admins: all)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError
from academy.people.selectors import Role, role_required

from ..forms import AttachmentForm, CourseForm, LessonForm, ModuleForm
from ..models import Course, Lesson, Module
from ..rendering.markdown import render_markdown
from ..selectors import courses_editable_by
from ..services import (
    course_create,
    course_set_published,
    lesson_attachment_add,
    lesson_create,
    lesson_move,
    lesson_set_published,
    lesson_update,
    module_create,
    module_move,
    module_update,
)

editor_required = role_required(Role.TRAINER, Role.ADMIN)


def _course(request, pk: int) -> Course:
    course = get_object_or_404(Course.objects.select_related("area", "level"), pk=pk)
    if not courses_editable_by(request.user).filter(pk=course.pk).exists():
        raise PermissionDenied
    return course


def _module(request, pk: int) -> Module:
    module = get_object_or_404(Module.objects.select_related("course"), pk=pk)
    _course(request, module.course_id)
    return module


def _lesson(request, pk: int) -> Lesson:
    lesson = get_object_or_404(Lesson.objects.select_related("module__course"), pk=pk)
    _course(request, lesson.module.course_id)
    return lesson


@editor_required
def course_list(request):
    courses = (
        courses_editable_by(request.user).select_related("area", "level")
        .annotate(
            lesson_count=Count("modules__lessons", distinct=True),
            published_count=Count("modules__lessons",
                                  filter=Q(modules__lessons__is_published=True), distinct=True),
        )
        .order_by("area__order", "code")
    )
    return render(request, "courses/teach/course_list.html", {"courses": courses})


@editor_required
def course_new(request):
    """A trainer (or admin) starts a course of their own, as a draft."""
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = course_create(owner=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, _("Course created. Add its modules and lessons."))
            return redirect("courses:course_edit", pk=course.pk)
    return render(request, "courses/teach/course_new.html", {"form": form})


@editor_required
def course_edit(request, pk: int):
    course = _course(request, pk)
    modules = list(course.modules.order_by("order", "pk"))
    lessons = list(Lesson.objects.filter(module__course=course)
                   .annotate(attachment_count=Count("attachments"))
                   .order_by("order", "pk"))
    by_module = {m.pk: [] for m in modules}
    for lesson in lessons:
        by_module[lesson.module_id].append(lesson)
    return render(request, "courses/teach/course_edit.html", {
        "course": course,
        "modules": [(m, by_module[m.pk]) for m in modules],
        "module_form": ModuleForm(course=course),
    })


@require_POST
@editor_required
def course_publish(request, pk: int):
    course = _course(request, pk)
    course_set_published(course=course, published=request.POST.get("published") == "1",
                         actor=request.user)
    return redirect("courses:course_edit", pk=course.pk)


@editor_required
def module_new(request, pk: int):
    course = _course(request, pk)
    form = ModuleForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            module_create(course=course, title=form.cleaned_data["title"],
                          requires=form.cleaned_data["requires"], actor=request.user)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Module added."))
            return redirect("courses:course_edit", pk=course.pk)
    return render(request, "courses/teach/module_form.html", {"course": course, "form": form})


@editor_required
def module_edit(request, pk: int):
    module = _module(request, pk)
    form = ModuleForm(request.POST or None, instance=module, course=module.course)
    if request.method == "POST" and form.is_valid():
        try:
            module_update(module=Module.objects.get(pk=module.pk),
                          title=form.cleaned_data["title"],
                          requires=form.cleaned_data["requires"], actor=request.user)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Module saved."))
            return redirect("courses:course_edit", pk=module.course_id)
    return render(request, "courses/teach/module_form.html",
                  {"course": module.course, "form": form, "module": module})


@require_POST
@editor_required
def module_reorder(request, pk: int):
    module = _module(request, pk)
    direction = request.POST.get("direction")
    if direction in ("up", "down"):
        module_move(module=module, direction=direction)
    return redirect("courses:course_edit", pk=module.course_id)


def _lesson_form_page(request, *, course: Course, module: Module, lesson: Lesson | None):
    form = LessonForm(request.POST or None, request.FILES or None, instance=lesson,
                      course=course)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        requires = data.pop("requires")
        data["check_questions"] = data.pop("check_text")
        if lesson is None and not data.get("video_file"):
            data.pop("video_file", None)
        if "preview" in request.POST:
            preview = render_markdown(data["body"])
        else:
            try:
                if lesson is None:
                    saved = lesson_create(module=module, requires=requires, actor=request.user,
                                          **data)
                else:
                    saved = lesson_update(lesson=lesson, requires=requires, actor=request.user,
                                          **data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Lesson saved."))
                return redirect("courses:lesson_edit", pk=saved.pk)
    elif lesson is not None:
        preview = render_markdown(lesson.body)
    return render(request, "courses/teach/lesson_form.html", {
        "course": course, "module": module, "lesson": lesson, "form": form,
        "preview": preview,
        "attachments": list(lesson.attachments.all()) if lesson else [],
        "attachment_form": AttachmentForm() if lesson else None,
    })


@editor_required
def lesson_new(request, pk: int):
    module = _module(request, pk)
    return _lesson_form_page(request, course=module.course, module=module, lesson=None)


@editor_required
def lesson_edit(request, pk: int):
    lesson = _lesson(request, pk)
    return _lesson_form_page(request, course=lesson.module.course, module=lesson.module,
                             lesson=lesson)


@require_POST
@editor_required
def lesson_reorder(request, pk: int):
    lesson = _lesson(request, pk)
    direction = request.POST.get("direction")
    if direction in ("up", "down"):
        lesson_move(lesson=lesson, direction=direction)
    return redirect("courses:course_edit", pk=lesson.module.course_id)


@require_POST
@editor_required
def lesson_publish(request, pk: int):
    lesson = _lesson(request, pk)
    lesson_set_published(lesson=lesson, published=request.POST.get("published") == "1",
                         actor=request.user)
    if request.POST.get("next") == "lesson":
        return redirect("courses:lesson_edit", pk=lesson.pk)
    return redirect("courses:course_edit", pk=lesson.module.course_id)


@require_POST
@editor_required
def attachment_add(request, pk: int):
    lesson = _lesson(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        lesson_attachment_add(lesson=lesson, file=form.cleaned_data["file"],
                              title=form.cleaned_data["title"], actor=request.user)
        messages.success(request, _("Attachment added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("courses:lesson_edit", pk=lesson.pk)
