"""Exam integrity: answer keys a broker has seen, and what happened around an attempt.

``QuestionExposure`` is one row per broker and question whose key that broker has been
shown (a released result with the key visible). A certifying sitting never draws such a
question for that broker. ``AttemptEvent`` is the attempt's integrity log: what the exam page
reported (leaving the tab or window, leaving full screen, pastes) and what the server saw (a
second session or device, answers saved after a long offline gap). ``AttemptSession`` holds the
sessions that opened the attempt, hashed, so that a second one is noticed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .attempts import Attempt, AttemptItem
from .bank import Question


class QuestionExposure(models.Model):
    """A broker has been shown this question's answer key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("broker"),
                             on_delete=models.CASCADE, related_name="question_exposures")
    question = models.ForeignKey(Question, verbose_name=_("question"),
                                 on_delete=models.CASCADE, related_name="exposures")
    attempt = models.ForeignKey(Attempt, verbose_name=_("attempt"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")
    exposed_at = models.DateTimeField(_("key shown"))

    class Meta:
        ordering = ["user", "question"]
        verbose_name = _("question exposure")
        verbose_name_plural = _("question exposures")
        constraints = [
            models.UniqueConstraint(fields=["user", "question"],
                                    name="exams_exposure_unique"),
        ]
        indexes = [models.Index(fields=["question", "user"], name="exams_exposure_question")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.question_id}"


class AttemptEvent(models.Model):
    """One entry of an attempt's integrity log. Never changes a score by itself."""

    class Kind(models.TextChoices):
        LEFT_PAGE = "left_page", _("Left the exam page")
        FULLSCREEN_EXIT = "fullscreen_exit", _("Left full screen")
        SECOND_SESSION = "second_session", _("Another session or device")
        PASTE = "paste", _("Pasted into an answer")
        OFFLINE_SAVE = "offline_save", _("Answers saved after an offline gap")

    attempt = models.ForeignKey(Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE,
                                related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"))
    duration_ms = models.BigIntegerField(_("duration (ms)"), null=True, blank=True)
    item = models.ForeignKey(AttemptItem, verbose_name=_("item"), on_delete=models.CASCADE,
                             null=True, blank=True, related_name="events")
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["attempt", "occurred_at", "pk"]
        verbose_name = _("integrity event")
        verbose_name_plural = _("integrity events")
        indexes = [models.Index(fields=["attempt", "kind"], name="exams_event_attempt_kind")]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.kind}"

    @property
    def duration_seconds(self) -> int | None:
        return None if self.duration_ms is None else round(self.duration_ms / 1000)


class AttemptSession(models.Model):
    """A browser session (hashed key) that opened or wrote to the attempt."""

    attempt = models.ForeignKey(Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE,
                                related_name="sessions")
    session_hash = models.CharField(_("session"), max_length=64)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["attempt", "first_seen_at"]
        verbose_name = _("attempt session")
        verbose_name_plural = _("attempt sessions")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "session_hash"],
                                    name="exams_attempt_session_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.session_hash[:8]}"
