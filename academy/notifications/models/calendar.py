"""What the calendar feeds last told each calendar about an event."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarEventState(models.Model):
    """What calendar feeds last published for one event: its SEQUENCE grows whenever its
    time, title or place change, so calendar programs update the event in place."""

    uid = models.CharField(_("UID"), max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("calendar event")
        verbose_name_plural = _("calendar events")

    def __str__(self) -> str:
        return f"{self.uid} #{self.sequence}"
