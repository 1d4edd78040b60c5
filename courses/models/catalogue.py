"""The course catalogue: areas of the national framework, courses, modules, lessons."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from academy.people.models import BilingualName

HOURS_HELP = _(
    "Class hours (学时) credited when a broker completes this. The minimum hours each level "
    "requires are not fixed by the national syllabus; values here are set by the bureau."
)


class CourseArea(BilingualName, models.Model):  # noqa: DJ008 (__str__ from BilingualName)
    """One of the four course areas of the national syllabus (公共知识, 政策法规, ...)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("course area")
        verbose_name_plural = _("course areas")



class Course(models.Model):
    """A course of one area and level, authored by the trainers who own it."""

    title = models.CharField(_("title"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    area = models.ForeignKey(
        CourseArea, verbose_name=_("course area"), on_delete=models.PROTECT,
        related_name="courses",
    )
    level = models.ForeignKey(
        "people.Level", verbose_name=_("level"), on_delete=models.PROTECT,
        related_name="courses",
    )
    summary = models.TextField(_("summary"), blank=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("owners"), blank=True,
        related_name="owned_courses",
        help_text=_("Trainers who author this course."),
    )
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["area__order", "code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    """An ordered part of a course; may require another module of the course first."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="modules"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    requires = models.ForeignKey(
        "self", verbose_name=_("requires"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="required_by",
        help_text=_("Every lesson of that module must be completed first."),
    )

    class Meta:
        ordering = ["course", "order", "pk"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        indexes = [models.Index(fields=["course", "order"])]

    def __str__(self) -> str:
        return self.title


def video_upload_to(instance: Lesson, filename: str) -> str:
    return f"courses/videos/{instance.module_id}/{filename}"


class CreditMethod(models.TextChoices):
    """How a lesson's study is observed before its class hours are credited."""

    TIME = "time", _("Active time on the lesson page")
    VIDEO = "video", _("Watching the academy-hosted video")
    CHECK = "check", _("Passing the lesson's short check")
    ATTENDANCE = "attendance", _("Attending an offline session of the course")


class Lesson(models.Model):
    """A lesson: Markdown body, optional video (a link, or a file the academy hosts and plays),
    attachments, a class-hour credit and how study of it is observed (``credit_method``)."""

    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="lessons"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"), blank=True)
    video_url = models.URLField(
        _("video link"), blank=True,
        help_text=_("An external page cannot be checked: watching it credits nothing by itself."),
    )
    video_file = models.FileField(
        _("video file"), upload_to=video_upload_to, max_length=255, blank=True,
        help_text=_("MP4 or WebM played by the lesson page's own player, which counts the "
                    "seconds watched."),
    )
    video_seconds = models.PositiveIntegerField(
        _("video length (seconds)"), null=True, blank=True,
        help_text=_("Filled in from the file when you choose it."),
    )
    credit_method = models.CharField(
        _("class hours credited for"), max_length=20, choices=CreditMethod.choices,
        default=CreditMethod.TIME,
    )
    check_questions = models.JSONField(
        _("check questions"), default=list, blank=True,
        help_text=_('[{"question": "...", "options": ["...", "..."], "answer": 0}, ...]'),
    )
    class_hours = models.DecimalField(
        _("class hours"), max_digits=5, decimal_places=2, default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))], help_text=HOURS_HELP,
    )
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=30)
    requires = models.ForeignKey(
        "self", verbose_name=_("requires"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="required_by", help_text=_("A lesson to complete first."),
    )
    is_published = models.BooleanField(_("published"), default=False)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised on every edit of the content.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["module", "order", "pk"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        indexes = [models.Index(fields=["module", "order"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(class_hours__gte=0), name="courses_lesson_hours_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(credit_method="video") | ~models.Q(video_file=""),
                name="courses_lesson_video_credit_has_file",
            ),
        ]

    def __str__(self) -> str:
        return self.title


def attachment_upload_to(instance: LessonAttachment, filename: str) -> str:
    return f"courses/lessons/{instance.lesson_id}/{filename}"


class LessonAttachment(models.Model):
    """A file attached to a lesson, stored through Django's storage API."""

    lesson = models.ForeignKey(
        Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["lesson", "pk"]
        verbose_name = _("lesson attachment")
        verbose_name_plural = _("lesson attachments")

    def __str__(self) -> str:
        return self.title or self.filename

    @property
    def filename(self) -> str:
        return (self.file.name or "").rsplit("/", 1)[-1]
