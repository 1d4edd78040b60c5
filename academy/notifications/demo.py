"""Demo notifications for `manage.py seed_demo`, sent by the product itself.

``seed`` (run before the courses and exams demos, INSTALLED_APPS order) leaves the approved SMS
templates and the demo broker's WeCom account. ``seed_final`` (run once every app has seeded)
replays the reminder sweeps over the demo's last days, once a day at 08:30 as the beat would
have run them: every notification is a sweep's own reminder (its kind's template, over the
seeded sessions, deadlines, sittings, answers and practice records), dated the day it would
have been sent, and says only what was true of the seeded data at that moment. The e-mails they
queue go to the demo's mailbox (var/mail/). Idempotent: the reminder log's unique constraint
keeps each reminder once, and the beat's next run of a sweep finds them sent.
"""

from __future__ import annotations

import datetime
from typing import TextIO

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Notification
from .sweeps import sweeps_run_all

# The first junior broker: enrolled in the demo cohort (broker01–13 are intermediate).
BROKER = "broker14@demo.local"
TRAINER = "trainer1@demo.local"
#: Days of the demo's past over which the sweeps are replayed, and the hour of each run.
REPLAY_DAYS = 14
REPLAY_AT = datetime.time(8, 30)


def seed(stdout: TextIO) -> None:
    """The approved SMS templates and the demo broker's WeCom account."""
    templates = sms_templates_seed()
    stdout.write(f"Notifications: {templates} demo SMS templates (sent to var/sms/ by the "
                 "file backend).\n")
    broker = get_user_model().objects.filter(email=BROKER).values_list("pk", flat=True).first()
    if broker:
        from .models import UserSettings

        # The demo broker's WeCom account (messages land in var/wecom/); a number for SMS is
        # confirmed on the notification settings page with the code written to var/sms/.
        UserSettings.objects.get_or_create(user_id=broker,
                                           defaults={"wecom_userid": "broker01"})


def replay_moments(now: datetime.datetime, days: int = REPLAY_DAYS) -> list[datetime.datetime]:
    """08:30 local time on each of the last ``days`` days and today, up to ``now``: one run
    a day sees every exam window and session that opens or starts within the next 24 hours,
    and every deadline band."""
    today = timezone.localdate(now)
    moments = []
    for back in range(days, -1, -1):
        moment = timezone.make_aware(datetime.datetime.combine(
            today - datetime.timedelta(days=back), REPLAY_AT))
        if moment <= now:
            moments.append(moment)
    return moments


def seed_final(stdout: TextIO) -> None:
    """The notifications the reminder sweeps would have sent over the demo's last days."""
    before = Notification.objects.count()
    for moment in replay_moments(timezone.now()):
        sweeps_run_all(now=moment)
    stdout.write(f"Notifications: the reminder sweeps replayed over the last {REPLAY_DAYS} "
                 f"days ({Notification.objects.count() - before} new in-app notifications).\n")


#: SMS templates as a bureau would have them approved: the kind, the provider's code and
#: which reminder values fill its variables. Tencent uses the values in this order.
DEMO_SMS_TEMPLATES: dict[str, tuple[str, list[list[str]]]] = {
    "phone_verification": ("SMS_480001", [["code", "{{ code }}"], ["minutes", "{{ minutes }}"]]),
    "course_deadline": ("SMS_480002", [["course", "{{ course }}"], ["days", "{{ days }}"]]),
    "session_tomorrow": ("SMS_480003", [["session", "{{ session }}"],
                                        ["time", "{{ starts_at }}"], ["place", "{{ place }}"]]),
    "exam_window_opening": ("SMS_480004", [["exam", "{{ sitting }}"],
                                           ["time", "{{ opens_at }}"]]),
    "exam_window_closing": ("SMS_480005", [["exam", "{{ sitting }}"],
                                           ["time", "{{ closes_at }}"]]),
    "exam_result_released": ("SMS_480006", [["exam", "{{ sitting }}"]]),
    "certificate_expiring": ("SMS_480007", [["serial", "{{ serial }}"],
                                            ["date", "{{ valid_until }}"]]),
}


def sms_templates_seed() -> int:
    """The demo's approved SMS templates (existing rows, maybe edited, are left alone)."""
    from .models import SmsTemplate

    created = 0
    for kind, (code, variables) in DEMO_SMS_TEMPLATES.items():
        _template, made = SmsTemplate.objects.get_or_create(
            kind=kind, defaults={"template_code": code, "variables": variables,
                                 "approved": True, "note": "demo"})
        created += made
    return created
