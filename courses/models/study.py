"""What counts as study: the bureau's policy (data an admin edits) and each broker's study clock.

Class hours are credited only for study the system observed. ``StudyPolicy`` holds the shares
of a lesson that must be observed (active time on the page, distinct seconds of an
academy-hosted video); it is one row, edited in the admin. ``StudyClock`` is one row per
broker: the moment up to which their active time has been credited, whatever lesson or tab
reported it, so that two open tabs never count the same minute twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class StudyPolicy(models.Model):
    """How much of a lesson must be observed before its class hours are credited."""

    time_share_percent = models.PositiveSmallIntegerField(
        _("active time required (percent of the estimated duration)"), default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Lessons credited by time: minutes of visible, active study on the lesson "
                    "page, as a share of the lesson's estimated minutes."),
    )
    video_share_percent = models.PositiveSmallIntegerField(
        _("video watched required (percent of distinct seconds)"), default=90,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Lessons credited by video: distinct seconds of the academy-hosted video "
                    "played in order (skipping forward does not count)."),
    )
    idle_minutes = models.PositiveSmallIntegerField(
        _("idle after (minutes)"), default=5, validators=[MinValueValidator(1)],
        help_text=_("Time stops counting when the page has had no keyboard, mouse, touch or "
                    "scroll activity (and no video playing) for this long."),
    )
    max_playback_rate = models.DecimalField(
        _("fastest playback counted"), max_digits=3, decimal_places=1, default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("1.0"))],
        help_text=_("Watched seconds claimed faster than this many times real time are not "
                    "counted."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("study policy")
        verbose_name_plural = _("study policy")
        constraints = [
            models.CheckConstraint(condition=models.Q(time_share_percent__lte=100,
                                                      video_share_percent__lte=100),
                                   name="courses_studypolicy_shares_percent"),
        ]

    def __str__(self) -> str:
        return str(_("Study policy"))


class StudyClock(models.Model):
    """Up to when a broker's active study time has been credited (any lesson, any tab)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("broker"), on_delete=models.CASCADE,
        primary_key=True, related_name="study_clock",
    )
    credited_until = models.DateTimeField(_("credited until"))

    class Meta:
        verbose_name = _("study clock")
        verbose_name_plural = _("study clocks")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.credited_until}"
