"""Papers (fixed or rule-drawn) and sittings (a paper offered to brokers in a window)."""

from __future__ import annotations

import ipaddress
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bank import Question, Tag


def validate_network(value: str) -> None:
    """A network in CIDR notation (``203.0.113.0/28``) or a single address."""
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValidationError(
            _("Enter a network such as 203.0.113.0/28, or a single address."), code="invalid"
        ) from None


class Paper(models.Model):
    """An exam paper: chosen questions (fixed) or rules that draw questions per attempt."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed questions")
        RULES = "rules", _("Drawn by rules")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FIXED)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_options = models.BooleanField(_("shuffle options"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("paper")
        verbose_name_plural = _("papers")

    def __str__(self) -> str:
        return self.title


class PaperItem(models.Model):
    """A question chosen for a fixed paper, with its points and order."""

    paper = models.ForeignKey(Paper, verbose_name=_("paper"), on_delete=models.CASCADE,
                              related_name="items")
    question = models.ForeignKey(Question, verbose_name=_("question"),
                                 on_delete=models.PROTECT, related_name="paper_items")
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["paper", "order", "pk"]
        verbose_name = _("paper item")
        verbose_name_plural = _("paper items")
        constraints = [
            models.UniqueConstraint(fields=["paper", "question"],
                                    name="exams_paper_item_unique"),
            models.CheckConstraint(condition=models.Q(points__gt=0),
                                   name="exams_paper_item_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} · {self.question}"


class PaperRule(models.Model):
    """Draw ``count`` active questions with ``tag`` (or a child tag) and optional difficulty."""

    paper = models.ForeignKey(Paper, verbose_name=_("paper"), on_delete=models.CASCADE,
                              related_name="rules")
    tag = models.ForeignKey(Tag, verbose_name=_("tag"), on_delete=models.PROTECT,
                            related_name="paper_rules")
    type = models.CharField(_("question type"), max_length=20, blank=True,
                            choices=Question._meta.get_field("type").choices,
                            help_text=_("Leave empty for any type."))
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Leave empty for any difficulty."),
    )
    count = models.PositiveIntegerField(_("number of questions"),
                                        validators=[MinValueValidator(1)])
    points_each = models.DecimalField(_("points each"), max_digits=6, decimal_places=2,
                                      validators=[MinValueValidator(Decimal("0.01"))])
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["paper", "order", "pk"]
        verbose_name = _("paper rule")
        verbose_name_plural = _("paper rules")
        constraints = [
            models.CheckConstraint(condition=models.Q(count__gte=1),
                                   name="exams_paper_rule_count_positive"),
            models.CheckConstraint(condition=models.Q(points_each__gt=0),
                                   name="exams_paper_rule_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} · {self.tag} × {self.count}"


class Sitting(models.Model):
    """A paper offered to a cohort and/or a list of brokers within an open/close window."""

    class ReleasePolicy(models.TextChoices):
        IMMEDIATE = "immediate", _("As soon as fully graded")
        AFTER_GRADING = "after_grading", _("When a trainer releases them")

    class Purpose(models.TextChoices):
        PRACTICE = "practice", _("Practice")
        MOCK = "mock", _("Mock exam")
        CERTIFYING = "certifying", _("Certifying exam")

    paper = models.ForeignKey(Paper, verbose_name=_("paper"), on_delete=models.PROTECT,
                              related_name="sittings")
    title = models.CharField(_("title"), max_length=200)
    cohort = models.ForeignKey(
        "courses.Cohort", verbose_name=_("cohort"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="sittings",
        help_text=_("Every active broker of the cohort may sit."),
    )
    brokers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("brokers"), blank=True,
        related_name="exam_sittings", help_text=_("Further brokers who may sit."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1)]
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=1, validators=[MinValueValidator(1)]
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"), max_digits=5, decimal_places=2, default=Decimal("60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    release_policy = models.CharField(
        _("release of results"), max_length=20, choices=ReleasePolicy.choices,
        default=ReleasePolicy.AFTER_GRADING,
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.CERTIFYING,
        help_text=_("A certifying sitting never draws, for a broker, a question whose answer "
                    "key that broker has seen."),
    )
    show_answers = models.BooleanField(
        _("show correct answers after release"), default=False
    )
    keys_after_certifying = models.BooleanField(
        _("show keys only after the certifying sittings close"), default=False,
        help_text=_("The answer keys of this sitting stay hidden from a broker while a "
                    "certifying sitting that shares questions with it is still open to them."),
    )
    require_fullscreen = models.BooleanField(
        _("ask for full screen"), default=False,
        help_text=_("The exam page asks to be shown full screen and logs every exit."),
    )
    flag_leave_count = models.PositiveSmallIntegerField(
        _("flag after leaving the page (times)"), default=3,
        help_text=_("Integrity log thresholds flag an attempt for staff to look at; they "
                    "never fail it."),
    )
    flag_away_seconds = models.PositiveIntegerField(
        _("flag after time away from the page (seconds)"), default=60)
    flag_fullscreen_exits = models.PositiveSmallIntegerField(
        _("flag after full-screen exits"), default=2)
    flag_pastes = models.PositiveSmallIntegerField(_("flag after pastes into answers"),
                                                   default=1)
    flag_sessions = models.PositiveSmallIntegerField(
        _("flag after sessions or devices"), default=2,
        validators=[MinValueValidator(1)])
    flag_offline_seconds = models.PositiveIntegerField(
        _("flag after answers saved after an offline gap of (seconds)"), default=120)
    anonymous_grading = models.BooleanField(_("anonymous grading"), default=True)
    double_marking = models.BooleanField(_("double marking"), default=False)
    moderation_threshold = models.DecimalField(
        _("moderation threshold (points)"), max_digits=6, decimal_places=2,
        default=Decimal("2.00"), validators=[MinValueValidator(Decimal("0"))],
        help_text=_("With double marking, a difference above this goes to a third grader."),
    )
    graders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("graders"), blank=True,
        related_name="graded_sittings",
        help_text=_("Trainers who grade; empty means the cohort's trainers."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    venue_network = models.CharField(
        _("exam room network"), max_length=64, blank=True, default="",
        validators=[validate_network],
        help_text=_("The venue's network as seen by the server (CIDR, e.g. 203.0.113.0/28, "
                    "or one address), when brokers sit the exam together in a room behind "
                    "one address. From shortly before the sitting opens until it closes, "
                    "limits per address (failed logins, lookups) are raised for it."),
    )

    class Meta:
        ordering = ["-opens_at", "pk"]
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="exams_sitting_closes_after_opens"),
            models.CheckConstraint(condition=models.Q(pass_mark__gte=0, pass_mark__lte=100),
                                   name="exams_sitting_pass_mark_percent"),
            models.CheckConstraint(condition=models.Q(duration_minutes__gte=1),
                                   name="exams_sitting_duration_positive"),
            models.CheckConstraint(condition=models.Q(attempts_allowed__gte=1),
                                   name="exams_sitting_attempts_positive"),
        ]

    def __str__(self) -> str:
        return self.title
