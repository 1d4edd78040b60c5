"""This app's own sweep (administrators hear of e-mails that failed for good), and the
reminders about people's subjects, which people, below this app, cannot register itself."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from . import people_reminders  # noqa: F401 - registers people's kinds and sweeps
from .kinds import DELIVERY_FAILED
from .models import Reminder
from .rendering import url_or_home
from .services import Notice, notices_deliver
from .sweeps import register_sweep


@register_sweep("notifications.delivery_failed", kinds=(DELIVERY_FAILED.code,),
                schedule={"minute": "0", "hour": "9"})
def delivery_failed(*, now: datetime.datetime) -> int:
    """Administrators, once a day, while e-mails of the last week failed for good."""
    since = now - datetime.timedelta(days=7)
    failed = Reminder.objects.filter(status=Reminder.Status.FAILED, channel__in=[
        Reminder.Channel.EMAIL], created_at__gte=since)
    count = failed.count()
    if not count:
        return 0
    admins = (get_user_model().objects
              .filter(Q(groups__name="admin") | Q(is_superuser=True), is_active=True)
              .values_list("pk", flat=True).distinct())
    today = timezone.localdate(now)
    return notices_deliver(now=now, notices=(
        Notice(recipient_id=admin_id, kind=DELIVERY_FAILED.code,
               window=f"failed-{today:%Y-%m-%d}", context={"count": count},
               url=url_or_home("admin:notifications_reminder_changelist") + "?status__exact=failed")
        for admin_id in admins
    )).created
