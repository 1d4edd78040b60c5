"""Programmes (from one level to the next), cohorts that run them, and enrolments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalogue import Course


class Programme(models.Model):
    """A training programme leading from one level to the next; lists its courses."""

    title = models.CharField(_("title"), max_length=200)
    from_level = models.ForeignKey(
        "people.Level", verbose_name=_("from level"), on_delete=models.PROTECT,
        related_name="programmes_from",
    )
    to_level = models.ForeignKey(
        "people.Level", verbose_name=_("to level"), on_delete=models.PROTECT,
        related_name="programmes_to",
    )
    description = models.TextField(_("description"), blank=True)
    courses = models.ManyToManyField(
        Course, through="ProgrammeCourse", verbose_name=_("courses"), related_name="programmes"
    )

    class Meta:
        ordering = ["from_level__rank", "title"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.title


class ProgrammeCourse(models.Model):
    """A course in a programme: required or elective, in order."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE,
        related_name="programme_courses",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT,
        related_name="programme_courses",
    )
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["programme", "order", "pk"]
        verbose_name = _("programme course")
        verbose_name_plural = _("programme courses")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "course"], name="courses_programme_course_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.course}"


class Cohort(models.Model):
    """A training batch (培训班) running a programme, with dates, trainers and brokers."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="cohorts"
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_open_for_enrolment = models.BooleanField(
        _("open for self-enrolment"), default=False,
        help_text=_("Brokers of the programme's starting level may enrol themselves."),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("trainers"), blank=True,
        related_name="taught_cohorts",
    )

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="courses_cohort_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CohortCourseDeadline(models.Model):
    """By when a cohort's brokers should have completed a course."""

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="deadlines"
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="deadlines"
    )
    due_on = models.DateField(_("due on"))

    class Meta:
        ordering = ["cohort", "due_on"]
        verbose_name = _("course deadline")
        verbose_name_plural = _("course deadlines")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "course"], name="courses_cohort_course_deadline_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.course} · {self.due_on}"


class Enrolment(models.Model):
    """A broker in a cohort."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.PROTECT, related_name="enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("broker"), on_delete=models.PROTECT,
        related_name="enrolments",
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enrolled by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["cohort", "user__name_pinyin", "user__email"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="courses_enrolment_unique"),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.cohort}"
