"""What brokers did: lesson progress, offline sessions and attendance. Kept for the archive."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalogue import HOURS_HELP, Course, Lesson
from .programmes import Cohort


class LessonProgress(models.Model):
    """One broker's record of one lesson, whatever cohort they took it in.

    ``credited_hours`` is the lesson's class hours at the moment of completion, so that
    later edits of the lesson never change a completed broker's credit.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("broker"), on_delete=models.PROTECT,
        related_name="lesson_progress",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("lesson"), on_delete=models.PROTECT, related_name="progress"
    )
    first_viewed_at = models.DateTimeField(_("first viewed"))
    last_viewed_at = models.DateTimeField(_("last viewed"))
    seconds_spent = models.PositiveIntegerField(
        _("active seconds"), default=0,
        help_text=_("Visible, active time on the lesson page, never counted twice across tabs."),
    )
    video_ranges = models.JSONField(
        _("video seconds watched"), default=list, blank=True,
        help_text=_("Merged [start, end) ranges of the hosted video played in order."),
    )
    video_seconds_watched = models.PositiveIntegerField(_("distinct video seconds"), default=0)
    video_reported_at = models.DateTimeField(_("video last reported"), null=True, blank=True)
    check_passed_at = models.DateTimeField(_("check passed"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    credited_hours = models.DecimalField(
        _("credited class hours"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    lesson_version = models.PositiveIntegerField(_("lesson version completed"), null=True,
                                                 blank=True)

    class Meta:
        ordering = ["user", "lesson"]
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="courses_progress_unique"),
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True, credited_hours__isnull=True)
                | models.Q(completed_at__isnull=False, credited_hours__isnull=False),
                name="courses_progress_credit_iff_completed",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "completed_at"]),
            models.Index(fields=["lesson", "completed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


class CompletedLessons(models.Model):
    """How many of a course's published lessons a broker has completed.

    A running count for the reminder sweeps, which ask it of every enrolment each morning
    (``courses.reminders``): reading it is one row per (broker, course) instead of grouping
    every completed lesson again. Database triggers keep it, for PostgreSQL and SQLite, as
    migration ``0006_completed_lessons`` installs them: whatever writes the progress or moves or
    unpublishes a lesson, so it is never set from Python. A pair with nothing completed may
    have no row.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("broker"), on_delete=models.CASCADE,
        related_name="+",
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE,
                               related_name="+")
    completed = models.PositiveIntegerField(_("published lessons completed"), default=0)

    class Meta:
        verbose_name = _("completed lessons of a course")
        verbose_name_plural = _("completed lessons of courses")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"],
                                    name="courses_completedlessons_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.course_id}: {self.completed}"


class OfflineSession(models.Model):
    """An in-person class of a cohort; attendance credits its class hours.

    ``course`` is optional: when set, the hours count toward that course and its area on
    the transcript; otherwise they show as offline hours outside any course.
    """

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.PROTECT, related_name="sessions"
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="sessions",
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    class_hours = models.DecimalField(
        _("class hours"), max_digits=5, decimal_places=2, default=Decimal("4.00"),
        help_text=HOURS_HELP,
    )
    checkin_opens_at = models.DateTimeField(_("check-in opens at"))
    checkin_closes_at = models.DateTimeField(_("check-in closes at"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("offline session")
        verbose_name_plural = _("offline sessions")
        indexes = [models.Index(fields=["cohort", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="courses_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(checkin_closes_at__gt=models.F("checkin_opens_at")),
                name="courses_session_checkin_window",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """A broker present at an offline session, recorded from the list or by QR check-in."""

    class Method(models.TextChoices):
        LIST = "list", _("Recorded by trainer")
        QR = "qr", _("QR check-in")

    session = models.ForeignKey(
        OfflineSession, verbose_name=_("session"), on_delete=models.PROTECT,
        related_name="attendances",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("broker"), on_delete=models.PROTECT,
        related_name="attendances",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    checked_in_at = models.DateTimeField(_("checked in at"))
    credited_hours = models.DecimalField(_("credited class hours"), max_digits=5,
                                         decimal_places=2)

    class Meta:
        ordering = ["session", "user"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="courses_attendance_unique"),
        ]
        indexes = [models.Index(fields=["user", "session"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.session}"
