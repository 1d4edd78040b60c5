"""What examinees did: attempts, the items each attempt drew, answers, marks, score changes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bank import QuestionVersion
from .papers import Sitting


class Attempt(models.Model):
    """One broker's attempt at a sitting.

    ``deadline`` is fixed when the attempt starts (the earlier of start + duration and the
    sitting's close); the server refuses answers after it. ``seed`` reproduces the questions
    drawn and the option order. ``code`` is the random answer code graders see instead of the
    broker's name when grading is anonymous.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        GRADED = "graded", _("Graded")
        RELEASED = "released", _("Released")

    sitting = models.ForeignKey(Sitting, verbose_name=_("sitting"), on_delete=models.PROTECT,
                                related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("broker"),
                             on_delete=models.PROTECT, related_name="exam_attempts")
    number = models.PositiveSmallIntegerField(_("attempt number"), default=1)
    seed = models.BigIntegerField(_("seed"))
    started_at = models.DateTimeField(_("started"))
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.IN_PROGRESS)
    auto_submitted = models.BooleanField(_("submitted automatically"), default=False)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True,
                                blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=8, decimal_places=2,
                                    default=Decimal("0"))
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    code = models.CharField(_("answer code"), max_length=16, unique=True)
    graded_at = models.DateTimeField(_("graded"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        ordering = ["sitting", "user", "number"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(fields=["sitting", "user", "number"],
                                    name="exams_attempt_number_unique"),
            models.UniqueConstraint(
                fields=["sitting", "user"], condition=models.Q(status="in_progress"),
                name="exams_attempt_one_in_progress",
            ),
            models.CheckConstraint(
                condition=models.Q(status="in_progress") | models.Q(submitted_at__isnull=False),
                name="exams_attempt_submitted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="exams_attempt_status_deadline"),
            models.Index(fields=["user", "status"], name="exams_attempt_user_status"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def percent(self) -> Decimal | None:
        if self.score is None or not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.01"))

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS


class AttemptItem(models.Model):
    """A question version as it appears in one attempt: position, points, option order."""

    attempt = models.ForeignKey(Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE,
                                related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    question_version = models.ForeignKey(
        QuestionVersion, verbose_name=_("question version"), on_delete=models.PROTECT,
        related_name="attempt_items",
    )
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    option_order = models.JSONField(_("option order"), default=list, blank=True,
                                    help_text=_("Option keys in the order shown."))

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("attempt item")
        verbose_name_plural = _("attempt items")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"],
                                    name="exams_attempt_item_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} #{self.position}"


class Answer(models.Model):
    """An examinee's answer to one item; saved by a single upsert, newest ``client_ts`` wins.

    ``client_ts`` is the browser's clock (ms) when the answer was typed, so answers queued
    while offline and replayed later never overwrite a newer one. ``auto_score`` is the
    objective grade; ``final_score`` is what counts (auto, people's marks or a regrade).
    """

    class GradingStatus(models.TextChoices):
        NONE = "none", _("Not graded yet")
        AUTO = "auto", _("Graded automatically")
        PENDING = "pending", _("Waiting for graders")
        MODERATION = "moderation", _("Waiting for moderation")
        GRADED = "graded", _("Graded")

    attempt = models.ForeignKey(Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE,
                                related_name="answers")
    item = models.ForeignKey(AttemptItem, verbose_name=_("item"), on_delete=models.CASCADE,
                             related_name="answers")
    value = models.JSONField(_("answer"), null=True, blank=True)
    client_ts = models.BigIntegerField(_("client time (ms)"), default=0)
    saved_at = models.DateTimeField(_("saved"))
    first_saved_at = models.DateTimeField(_("first saved"), null=True, blank=True)
    elapsed_ms = models.BigIntegerField(
        _("time on the item (ms)"), null=True, blank=True,
        help_text=_("As reported by the exam page, if it did."),
    )
    auto_score = models.DecimalField(_("automatic score"), max_digits=6, decimal_places=2,
                                     null=True, blank=True)
    final_score = models.DecimalField(_("final score"), max_digits=6, decimal_places=2,
                                      null=True, blank=True)
    grading_status = models.CharField(_("grading"), max_length=20,
                                      choices=GradingStatus.choices,
                                      default=GradingStatus.NONE)

    class Meta:
        ordering = ["attempt", "item__position"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "item"], name="exams_answer_unique"),
        ]
        indexes = [models.Index(fields=["grading_status"], name="exams_answer_grading")]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.item_id}"


class Mark(models.Model):
    """A grader's mark of a subjective answer. Round 1 and 2 (double marking), 3 moderation."""

    class Round(models.IntegerChoices):
        FIRST = 1, _("First marking")
        SECOND = 2, _("Second marking")
        MODERATION = 3, _("Moderation")

    answer = models.ForeignKey(Answer, verbose_name=_("answer"), on_delete=models.CASCADE,
                               related_name="marks")
    grader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grader"),
                               on_delete=models.PROTECT, related_name="exam_marks")
    round = models.PositiveSmallIntegerField(_("round"), choices=Round.choices,
                                             default=Round.FIRST)
    criteria = models.JSONField(_("criteria scores"), default=list, blank=True,
                                help_text=_('[{"criterion": "...", "score": N}, ...]'))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        ordering = ["answer", "round"]
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        constraints = [
            models.UniqueConstraint(fields=["answer", "round"], name="exams_mark_round_unique"),
            models.UniqueConstraint(fields=["answer", "grader"],
                                    name="exams_mark_grader_unique"),
            models.CheckConstraint(condition=models.Q(score__gte=0),
                                   name="exams_mark_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.answer} · R{self.round}"


class GradingClaim(models.Model):
    """A grader holds a subjective answer for a while (``expires_at``): the queue hands it to
    nobody else who would mark the same round. Under double marking two graders may hold the
    same answer at once (one per round); a claim ends when its holder marks the answer, or
    when it expires (``EXAMS_GRADING_CLAIM_MINUTES``)."""

    answer = models.ForeignKey(Answer, verbose_name=_("answer"), on_delete=models.CASCADE,
                               related_name="claims")
    grader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grader"),
                               on_delete=models.CASCADE, related_name="exam_grading_claims")
    claimed_at = models.DateTimeField(_("claimed"))
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("grading claim")
        verbose_name_plural = _("grading claims")
        constraints = [
            models.UniqueConstraint(fields=["answer", "grader"],
                                    name="exams_gradingclaim_unique"),
        ]
        indexes = [models.Index(fields=["grader", "expires_at"],
                                name="exams_claim_grader_expiry")]

    def __str__(self) -> str:
        return f"{self.answer} · {self.grader_id}"


class ScoreChange(models.Model):
    """A change of a score after grading (regrade), with its reason. Also in the audit trail."""

    attempt = models.ForeignKey(Attempt, verbose_name=_("attempt"), on_delete=models.PROTECT,
                                related_name="score_changes")
    answer = models.ForeignKey(Answer, verbose_name=_("answer"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="score_changes")
    old = models.DecimalField(_("old score"), max_digits=8, decimal_places=2, null=True,
                              blank=True)
    new = models.DecimalField(_("new score"), max_digits=8, decimal_places=2)
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"),
                                   on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        ordering = ["attempt", "changed_at"]
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")

    def __str__(self) -> str:
        return f"{self.attempt}: {self.old} → {self.new}"
