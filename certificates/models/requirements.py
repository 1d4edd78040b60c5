"""What each level requires, which set judges which broker, and each broker's readiness.

A ``RequirementSet`` is one version of a level's requirements: class hours in total, per
course area and per course, exams to pass, approved practice records (and optionally their
total contract amount or certified technical income), and months at the previous level. An
admin edits them as data (never constants). Versions: a draft is prepared, then put in force
(``is_current``; one per level); a broker is judged by the version in force when they enrolled
in a programme leading to that level, unless an admin moves them (``BrokerRequirementSet``,
audited). ``BrokerReadiness`` keeps the engine's last answer per broker and level, and since
when the broker has been ready.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

HOURS = {"max_digits": 7, "decimal_places": 2,
         "validators": [MinValueValidator(Decimal("0"))]}
MONEY = {"max_digits": 14, "decimal_places": 2,
         "validators": [MinValueValidator(Decimal("0"))]}


class RequirementSet(models.Model):
    """One version of what reaching ``level`` requires. Empty figures mean "not required"."""

    level = models.ForeignKey(
        "people.Level", verbose_name=_("level to reach"), on_delete=models.PROTECT,
        related_name="requirement_sets",
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    effective_from = models.DateTimeField(
        _("in force from"), null=True, blank=True,
        help_text=_("Brokers who enrol in a programme from this moment on are judged by this "
                    "version. Empty: a draft, judging nobody."),
    )
    is_current = models.BooleanField(
        _("current version"), default=False,
        help_text=_("The version new enrolments are judged by (one per level)."),
    )
    example_values = models.BooleanField(
        _("example values"), default=False,
        help_text=_("The figures are examples, not the bureau's adopted rules: the national "
                    "syllabus does not fix minimum hours. Administrators see a note saying so "
                    "on brokers' path pages."),
    )
    notes = models.TextField(_("notes"), blank=True)

    total_hours = models.DecimalField(_("class hours in total"), null=True, blank=True, **HOURS)
    practice_records = models.PositiveSmallIntegerField(
        _("approved practice records"), default=0,
    )
    practice_min_contract_amount = models.DecimalField(
        _("minimum total contract amount (yuan)"), null=True, blank=True, **MONEY,
        help_text=_("Of the approved practice records together. Empty: not required."),
    )
    practice_min_technical_income = models.DecimalField(
        _("minimum total certified technical income (yuan)"), null=True, blank=True, **MONEY,
        help_text=_("Of the approved practice records together (技术性收入额). Empty: not "
                    "required."),
    )
    months_at_previous_level = models.PositiveSmallIntegerField(
        _("months at the previous level"), null=True, blank=True,
        validators=[MaxValueValidator(600)],
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )

    class Meta:
        ordering = ["level__rank", "-version"]
        verbose_name = _("requirement set")
        verbose_name_plural = _("requirement sets")
        constraints = [
            models.UniqueConstraint(fields=["level", "version"],
                                    name="certificates_set_level_version_unique"),
            models.UniqueConstraint(fields=["level"], condition=models.Q(is_current=True),
                                    name="certificates_set_one_current_per_level"),
            models.CheckConstraint(
                condition=models.Q(is_current=False) | models.Q(effective_from__isnull=False),
                name="certificates_set_current_is_in_force",
            ),
        ]
        indexes = [models.Index(fields=["level", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.level} · v{self.version}" + (f" · {self.title}" if self.title else "")

    @property
    def is_draft(self) -> bool:
        return self.effective_from is None


class AreaHoursRequirement(models.Model):
    """Class hours required in one course area (公共知识, 政策法规, 实务技能, 能力提升)."""

    requirement_set = models.ForeignKey(
        RequirementSet, verbose_name=_("requirement set"), on_delete=models.CASCADE,
        related_name="area_hours",
    )
    area = models.ForeignKey(
        "courses.CourseArea", verbose_name=_("course area"), on_delete=models.PROTECT,
        related_name="+",
    )
    hours = models.DecimalField(_("class hours"), **HOURS)

    class Meta:
        ordering = ["requirement_set", "area__order"]
        verbose_name = _("hours in a course area")
        verbose_name_plural = _("hours per course area")
        constraints = [
            models.UniqueConstraint(fields=["requirement_set", "area"],
                                    name="certificates_area_hours_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.area} ≥ {self.hours}"


class CourseHoursRequirement(models.Model):
    """Class hours required in one course (a required course of the programme)."""

    requirement_set = models.ForeignKey(
        RequirementSet, verbose_name=_("requirement set"), on_delete=models.CASCADE,
        related_name="course_hours",
    )
    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="+",
    )
    hours = models.DecimalField(_("class hours"), **HOURS)

    class Meta:
        ordering = ["requirement_set", "course__code"]
        verbose_name = _("hours in a course")
        verbose_name_plural = _("hours per course")
        constraints = [
            models.UniqueConstraint(fields=["requirement_set", "course"],
                                    name="certificates_course_hours_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.course} ≥ {self.hours}"


class ExamRequirement(models.Model):
    """An exam paper to pass; ``min_percent`` raises the bar above the sitting's pass mark."""

    requirement_set = models.ForeignKey(
        RequirementSet, verbose_name=_("requirement set"), on_delete=models.CASCADE,
        related_name="exams",
    )
    paper = models.ForeignKey(
        "exams.Paper", verbose_name=_("exam paper"), on_delete=models.PROTECT, related_name="+",
    )
    min_percent = models.DecimalField(
        _("minimum score (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Only if higher than the sitting's pass mark; empty: passing is enough."),
    )
    label = models.CharField(
        _("label"), max_length=200, blank=True,
        help_text=_("How the requirement is named to brokers; empty: the paper's title."),
    )

    class Meta:
        ordering = ["requirement_set", "pk"]
        verbose_name = _("exam to pass")
        verbose_name_plural = _("exams to pass")
        constraints = [
            models.UniqueConstraint(fields=["requirement_set", "paper"],
                                    name="certificates_exam_unique"),
        ]

    def __str__(self) -> str:
        return self.label or str(self.paper)


class BrokerRequirementSet(models.Model):
    """An admin's decision that a broker is judged by ``requirement_set`` for its level.

    Without such a row the broker is judged by the version in force when they enrolled.
    """

    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("broker"), on_delete=models.CASCADE,
        related_name="requirement_set_assignments",
    )
    level = models.ForeignKey(
        "people.Level", verbose_name=_("level to reach"), on_delete=models.PROTECT,
        related_name="+",
    )
    requirement_set = models.ForeignKey(
        RequirementSet, verbose_name=_("requirement set"), on_delete=models.PROTECT,
        related_name="assignments",
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("requirement set of a broker")
        verbose_name_plural = _("requirement sets of brokers")
        constraints = [
            models.UniqueConstraint(fields=["broker", "level"],
                                    name="certificates_broker_set_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.broker} → {self.requirement_set}"


class BrokerReadiness(models.Model):
    """The readiness engine's last answer for a broker and the level they are working toward.

    ``ready_since`` is set when every requirement became met (and the
    ``certificates.signals.broker_became_ready`` event was sent, once); cleared if that stops
    being true (a requirement set changed, a record withdrawn).
    """

    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("broker"), on_delete=models.CASCADE,
        related_name="readiness",
    )
    level = models.ForeignKey(
        "people.Level", verbose_name=_("level to reach"), on_delete=models.PROTECT,
        related_name="+",
    )
    requirement_set = models.ForeignKey(
        RequirementSet, verbose_name=_("requirement set"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    ready = models.BooleanField(_("ready"), default=False)
    ready_since = models.DateTimeField(_("ready since"), null=True, blank=True)
    met_count = models.PositiveSmallIntegerField(_("requirements met"), default=0)
    total_count = models.PositiveSmallIntegerField(_("requirements"), default=0)
    snapshot = models.JSONField(_("figures"), default=list, blank=True)
    last_evaluated_at = models.DateTimeField(_("last evaluated"))

    class Meta:
        verbose_name = _("broker readiness")
        verbose_name_plural = _("broker readiness")
        constraints = [
            models.UniqueConstraint(fields=["broker", "level"],
                                    name="certificates_readiness_unique"),
            models.CheckConstraint(
                condition=models.Q(ready=False) | models.Q(ready_since__isnull=False),
                name="certificates_readiness_ready_has_since",
            ),
        ]
        indexes = [models.Index(fields=["level", "ready"])]

    def __str__(self) -> str:
        return f"{self.broker} → {self.level}: {self.met_count}/{self.total_count}"

