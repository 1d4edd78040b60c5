"""Trainers authoring the courses they own: modules, lessons, order, publishing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError

from ..models import Course, CreditMethod, Lesson, LessonAttachment, Module

Direction = Literal["up", "down"]
LESSON_CONTENT_FIELDS = ("title", "body", "video_url", "class_hours", "estimated_minutes",
                         "video_seconds", "credit_method", "check_questions")


def _check_credit_method(lesson: Lesson) -> None:
    if lesson.credit_method not in CreditMethod.values:
        raise ApplicationError(_("Unknown way of crediting class hours."))
    if lesson.credit_method == CreditMethod.VIDEO and not (lesson.video_file
                                                          and lesson.video_seconds):
        raise ApplicationError(_("Only a video the academy hosts can be checked: upload the "
                                 "file with its length, or choose another way of crediting."))
    if lesson.credit_method == CreditMethod.CHECK and not lesson.check_questions:
        raise ApplicationError(_("A lesson credited by a check needs check questions."))


def _check_module_requirement(module: Module | None, requires: Module | None) -> None:
    if requires is None:
        return
    if module is not None and requires.pk == module.pk:
        raise ApplicationError(_("A module cannot require itself."))
    course_id = module.course_id if module is not None else None
    if course_id is not None and requires.course_id != course_id:
        raise ApplicationError(_("A module can only require a module of the same course."))


def _check_lesson_requirement(module: Module, lesson: Lesson | None, requires: Lesson | None
                              ) -> None:
    if requires is None:
        return
    if lesson is not None and requires.pk == lesson.pk:
        raise ApplicationError(_("A lesson cannot require itself."))
    if requires.module.course_id != module.course_id:
        raise ApplicationError(_("A lesson can only require a lesson of the same course."))
    # Walk the chain so that no cycle is created.
    seen = {lesson.pk} if lesson is not None else set()
    current: Lesson | None = requires
    while current is not None:
        if current.pk in seen:
            raise ApplicationError(_("These requirements would form a circle."))
        seen.add(current.pk)
        current = current.requires


def module_create(*, course: Course, title: str, requires: Module | None = None,
                  actor: Any) -> Module:
    """Add a module at the end of ``course``."""
    if requires is not None and requires.course_id != course.pk:
        raise ApplicationError(_("A module can only require a module of the same course."))
    with transaction.atomic():
        last = course.modules.aggregate(m=Max("order"))["m"]
        module = Module.objects.create(
            course=course, title=title, requires=requires, order=0 if last is None else last + 1
        )
        audit_record(action="courses.module_created", subject=module, actor=actor,
                     after={"course": course.code, "title": title})
    return module


def module_update(*, module: Module, title: str, requires: Module | None, actor: Any) -> Module:
    _check_module_requirement(module, requires)
    with transaction.atomic():
        module.title = title
        module.requires = requires
        module.save(update_fields=["title", "requires"])
    return module


def _move_within(siblings: QuerySet, pk: int, direction: Direction) -> None:
    """Swap the row ``pk`` with its neighbour among ``siblings`` and renumber 0..n-1.

    The siblings are locked, so two trainers reordering at once cannot interleave.
    """
    with transaction.atomic():
        items = list(siblings.select_for_update().order_by("order", "pk"))
        index = next(i for i, item in enumerate(items) if item.pk == pk)
        other = index - 1 if direction == "up" else index + 1
        if other < 0 or other >= len(items):
            return
        items[index], items[other] = items[other], items[index]
        for order, item in enumerate(items):
            if item.order != order:
                item.order = order
                item.save(update_fields=["order"])


def module_move(*, module: Module, direction: Direction) -> None:
    """Move a module one place up or down in its course (orders are renumbered 0..n-1)."""
    _move_within(Module.objects.filter(course_id=module.course_id), module.pk, direction)


def lesson_create(
    *,
    module: Module,
    title: str,
    body: str = "",
    video_url: str = "",
    class_hours: Decimal = Decimal("1"),
    estimated_minutes: int = 30,
    requires: Lesson | None = None,
    is_published: bool = False,
    video_file: UploadedFile | None = None,
    video_seconds: int | None = None,
    credit_method: str = CreditMethod.TIME,
    check_questions: list[dict] | None = None,
    actor: Any,
) -> Lesson:
    """Add a lesson at the end of ``module`` (unpublished unless said otherwise).

    ``video_file`` is stored through the storage API and played by the lesson page;
    ``credit_method`` says how study of the lesson is observed (``CreditMethod``)."""
    _check_lesson_requirement(module, None, requires)
    with transaction.atomic():
        last = module.lessons.aggregate(m=Max("order"))["m"]
        lesson = Lesson(
            module=module, title=title, body=body, video_url=video_url,
            class_hours=class_hours, estimated_minutes=estimated_minutes, requires=requires,
            is_published=is_published, order=0 if last is None else last + 1,
            video_seconds=video_seconds, credit_method=credit_method,
            check_questions=check_questions or [],
        )
        if video_file:
            lesson.video_file.save(video_file.name, video_file, save=False)
        _check_credit_method(lesson)
        lesson.save()
        audit_record(action="courses.lesson_created", subject=lesson, actor=actor,
                     after={f: str(getattr(lesson, f)) for f in ("title", "class_hours")})
    return lesson


def lesson_update(*, lesson: Lesson, actor: Any, requires: Lesson | None = None,
                  video_file: UploadedFile | bool | None = None, **fields: Any) -> Lesson:
    """Edit a lesson's content. Raises its version when anything changed.

    Brokers who completed it keep the class hours credited at their completion
    (``LessonProgress.credited_hours``); a new class-hour value counts for later completions.
    """
    unknown = set(fields) - set(LESSON_CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown lesson fields: {sorted(unknown)}")
    _check_lesson_requirement(lesson.module, lesson, requires)
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        before = {f: getattr(lesson, f) for f in fields}
        changed = [f for f, v in fields.items() if getattr(lesson, f) != v]
        for name in changed:
            setattr(lesson, name, fields[name])
        update_fields = list(changed)
        if lesson.requires_id != (requires.pk if requires else None):
            lesson.requires = requires
            update_fields.append("requires")
        if video_file is False and lesson.video_file:  # cleared in the form
            lesson.video_file = ""
            changed.append("video_file")
        elif (not isinstance(video_file, bool) and video_file and hasattr(video_file, "read")
              and not getattr(video_file, "_committed", False)):
            lesson.video_file.save(video_file.name, video_file, save=False)
            changed.append("video_file")
        update_fields = [*changed, *(f for f in update_fields if f not in changed)]
        if changed:
            lesson.version += 1
            update_fields += ["version", "updated_at"]
        _check_credit_method(lesson)
        if update_fields:
            lesson.save(update_fields=update_fields)
        if "credit_method" in changed:
            audit_record(
                action="courses.lesson_credit_method_changed", subject=lesson, actor=actor,
                before={"credit_method": before["credit_method"]},
                after={"credit_method": lesson.credit_method},
            )
        if "class_hours" in changed:
            audit_record(
                action="courses.lesson_hours_changed", subject=lesson, actor=actor,
                before={"class_hours": str(before["class_hours"])},
                after={"class_hours": str(lesson.class_hours), "version": lesson.version},
            )
    return lesson


def lesson_move(*, lesson: Lesson, direction: Direction) -> None:
    """Move a lesson one place up or down in its module."""
    _move_within(Lesson.objects.filter(module_id=lesson.module_id), lesson.pk, direction)


def lesson_set_published(*, lesson: Lesson, published: bool, actor: Any) -> Lesson:
    """Publish or unpublish; brokers' completed records and credit are kept either way."""
    with transaction.atomic():
        if lesson.is_published != published:
            lesson.is_published = published
            lesson.save(update_fields=["is_published", "updated_at"])
            audit_record(
                action="courses.lesson_published" if published else "courses.lesson_unpublished",
                subject=lesson, actor=actor,
            )
    return lesson


def course_create(*, title: str, code: str, area: Any, level: Any, summary: str = "",
                  owner: Any) -> Course:
    """A new draft course owned by ``owner`` (a trainer or an admin), audited. The code is
    unique: a taken code is the user's error, in their language."""
    with transaction.atomic():
        if Course.objects.filter(code=code).exists():
            raise ApplicationError(_("Another course already has the code %(code)s.")
                                   % {"code": code})
        course = Course.objects.create(title=title, code=code, area=area, level=level,
                                       summary=summary, is_published=False)
        course.owners.add(owner)
        audit_record(action="courses.course_created", subject=course, actor=owner,
                     after={"title": title, "code": code, "level": level.code})
    return course


def course_set_published(*, course: Course, published: bool, actor: Any) -> Course:
    with transaction.atomic():
        if course.is_published != published:
            course.is_published = published
            course.save(update_fields=["is_published", "updated_at"])
            audit_record(
                action="courses.course_published" if published else "courses.course_unpublished",
                subject=course, actor=actor,
            )
    return course


def lesson_attachment_add(*, lesson: Lesson, file: UploadedFile, title: str = "",
                          actor: Any) -> LessonAttachment:
    """Store a file with the lesson through the default storage."""
    with transaction.atomic():
        attachment = LessonAttachment(lesson=lesson, title=title, uploaded_by=actor)
        attachment.file.save(file.name, file, save=False)
        attachment.save()
    return attachment
