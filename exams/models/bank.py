"""The question bank: knowledge tags, questions (the identity) and their versions (the text).

A question's text, options, answer key and rubric live in ``QuestionVersion`` rows. Editing a
question that has already been put in front of an examinee creates a new version, so that old
attempts keep exactly the text they were shown; ``Question.current_version`` is the one new
attempts use.

A version's images (``QuestionImage``, from a Moodle XML import) are shown where its stem or
explanation says ``[[image:NAME]]`` (or ``[[image:NAME|alternative text]]``); they are stored
through Django's storage API and served only through a view that checks who asks.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from academy.people.models import BilingualName


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUEFALSE = "truefalse", _("True or false")
    FILLIN = "fillin", _("Fill in the blank")
    SHORT = "short", _("Short answer")
    CASE = "case", _("Case analysis")

    @classmethod
    def objective(cls) -> frozenset[str]:
        """Types graded automatically at submit."""
        return frozenset({cls.SINGLE, cls.MULTIPLE, cls.TRUEFALSE, cls.FILLIN})

    @classmethod
    def subjective(cls) -> frozenset[str]:
        """Types graded by people against a rubric."""
        return frozenset({cls.SHORT, cls.CASE})

    @classmethod
    def with_options(cls) -> frozenset[str]:
        return frozenset({cls.SINGLE, cls.MULTIPLE})


class Scoring(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
    PARTIAL = "partial", _("Partial credit")


class Tag(BilingualName, models.Model):  # noqa: DJ008 (__str__ from BilingualName)
    """A knowledge tag: one of the four course areas, or a finer topic under one."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    area = models.ForeignKey(
        "courses.CourseArea", verbose_name=_("course area"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="exam_tags",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent tag"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="children",
    )

    class Meta:
        ordering = ["area__order", "parent_id", "code"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")



class Question(models.Model):
    """A question of the bank: its identity, type, difficulty and tags; text is versioned."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (easiest) to 5 (hardest)."),
    )
    default_points = models.DecimalField(
        _("default points"), max_digits=6, decimal_places=2, default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Points proposed when the question is added to a paper."),
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True,
                                  related_name="questions")
    current_version = models.ForeignKey(
        "QuestionVersion", verbose_name=_("current version"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Archived questions are never drawn again."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["type", "difficulty", "is_active"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(difficulty__gte=1, difficulty__lte=5),
                name="exams_question_difficulty_1_5",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_objective(self) -> bool:
        return self.type in QuestionType.objective()


class QuestionVersion(models.Model):
    """One version of a question's content. Never edited once an examinee has seen it.

    ``answer`` by type: single ``"B"``; multiple ``["A", "C"]``; truefalse ``true``/``false``;
    fillin a list of accepted answers for one blank (``["专利", "专利权"]``) or, for several
    blanks, a list of such lists (``[["甲"], ["乙", "B"]]``); short and case: none (the rubric
    is used instead).
    """

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"), default=1)
    stem = models.TextField(_("stem"))
    options = models.JSONField(_("options"), default=list, blank=True,
                               help_text=_('[{"key": "A", "text": "..."}, ...]'))
    answer = models.JSONField(_("answer key"), null=True, blank=True)
    scoring = models.CharField(_("scoring"), max_length=20, choices=Scoring.choices,
                               default=Scoring.ALL_OR_NOTHING)
    explanation = models.TextField(_("explanation"), blank=True)
    rubric = models.JSONField(_("rubric"), default=list, blank=True,
                              help_text=_('[{"criterion": "...", "points": N}, ...]'))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )

    class Meta:
        ordering = ["question", "number"]
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        constraints = [
            models.UniqueConstraint(fields=["question", "number"],
                                    name="exams_question_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def rubric_total(self) -> Decimal:
        return sum((Decimal(str(c.get("points", 0))) for c in self.rubric or []), Decimal("0"))


def question_image_upload_to(instance: QuestionImage, filename: str) -> str:
    # A random stored name: the name the text refers to is kept in a field, never in a path.
    import uuid

    extension = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif",
                 "image/webp": "webp"}.get(instance.content_type, "bin")
    return f"exams/images/{uuid.uuid4().hex}.{extension}"


class QuestionImage(models.Model):
    """An image of a question version, referred to by ``name`` in its stem or explanation.

    A new version of the question gets rows of its own pointing at the same stored file, so
    each version keeps exactly the images it was shown with.
    """

    version = models.ForeignKey(
        QuestionVersion, verbose_name=_("question version"), on_delete=models.CASCADE,
        related_name="images",
    )
    name = models.CharField(_("name"), max_length=255,
                            help_text=_("As the text refers to it: [[image:NAME]]."))
    file = models.FileField(_("file"), upload_to=question_image_upload_to, max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["version", "name"]
        verbose_name = _("question image")
        verbose_name_plural = _("question images")
        constraints = [
            models.UniqueConstraint(fields=["version", "name"],
                                    name="exams_question_image_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.name}"
