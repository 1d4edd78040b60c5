"""Demo notifications for `manage.py seed_demo`: the demo broker's and trainer's centres are
not empty. Idempotent: each one is a reminder of the log (window ``demo``), so a second run
creates nothing. Runs before the courses and exams demos (INSTALLED_APPS order), so the
links go to pages rather than to objects those demos create."""

from __future__ import annotations

from typing import TextIO

from django.contrib.auth import get_user_model

from .kinds import INAPP
from .rendering import url_or_home
from .services import Notice

# The first junior broker: enrolled in the demo cohort, whose exam, deadlines and sessions
# these reminders speak of (broker01–13 are intermediate and enrolled in nothing).
BROKER = "broker14@demo.local"
TRAINER = "trainer1@demo.local"


def _notices(broker_id: int | None, trainer_id: int | None) -> list[Notice]:
    import datetime

    from django.utils import timezone

    # Dates as the courses and exams demos set them, relative to today (the final sitting
    # opened two days ago for two weeks, 120 minutes).
    now = timezone.localtime()
    opens = (now - datetime.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    closes = (now + datetime.timedelta(days=14)).strftime("%Y-%m-%d %H:%M")
    due = (now + datetime.timedelta(days=7)).date().isoformat()
    session = (now + datetime.timedelta(days=1)).replace(hour=9, minute=0).strftime(
        "%Y-%m-%d %H:%M")
    notices = []
    if broker_id:
        notices += [
            Notice(recipient_id=broker_id, kind="exam_window_opening", window="demo",
                   subject_type="demo", subject_id=1,
                   context={"sitting": "2026年中级技术经纪人结业考试",
                            "opens_at": opens, "closes_at": closes, "duration": 120},
                   url=url_or_home("exams:my_exams")),
            Notice(recipient_id=broker_id, kind="course_deadline", window="demo",
                   subject_type="demo", subject_id=2,
                   context={"course": "技术合同认定登记实务", "cohort": "三门峡市2026年第一期中级培训班",
                            "due_on": due, "days": 7, "remaining": 3},
                   url=url_or_home("courses:my_programme")),
            Notice(recipient_id=broker_id, kind="session_tomorrow", window="demo",
                   subject_type="demo", subject_id=3,
                   context={"session": "线下集中授课：技术合同认定登记", "starts_at": session,
                            "place": "三门峡市科技局三楼会议室", "cohort": "三门峡市2026年第一期中级培训班"},
                   url=url_or_home("courses:my_programme")),
        ]
    if trainer_id:
        notices += [
            Notice(recipient_id=trainer_id, kind="trainer_overdue_digest", window="demo",
                   subject_type="demo", subject_id=4,
                   context={"total": 4, "cohorts": [{"name": "三门峡市2026年第一期中级培训班",
                                                      "overdue": 4, "url": ""}]},
                   url=url_or_home("courses:cohort_list")),
            Notice(recipient_id=trainer_id, kind="grading_backlog", window="demo",
                   subject_type="demo", subject_id=5,
                   context={"total": 6, "days": 3, "sittings": [
                       {"title": "2026年中级技术经纪人结业考试", "waiting": 6}]},
                   url=url_or_home("exams:grading_queue")),
        ]
    return notices


def seed(stdout: TextIO) -> None:
    """Leave a few in-app notifications (no e-mail) for the demo broker and trainer."""
    users = dict(get_user_model().objects.filter(email__in=[BROKER, TRAINER])
                 .values_list("email", "pk"))
    created = _deliver_inapp(_notices(users.get(BROKER), users.get(TRAINER)))
    stdout.write(f"Notifications: {created} demo notifications for {BROKER} and {TRAINER}.\n")
    templates = sms_templates_seed()
    stdout.write(f"Notifications: {templates} demo SMS templates (sent to var/sms/ by the "
                 "file backend).\n")
    if users.get(BROKER):
        from .models import UserSettings

        # The demo broker's WeCom account (messages land in var/wecom/); a number for SMS is
        # confirmed on the notification settings page with the code written to var/sms/.
        UserSettings.objects.get_or_create(user_id=users[BROKER],
                                           defaults={"wecom_userid": "broker01"})


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


def _deliver_inapp(notices: list[Notice]) -> int:
    """In-app rows only (nobody's mailbox gets demo e-mails, although some of these kinds
    are mandatory), through the same log, so that the unique constraint keeps each once."""
    from django.db import transaction
    from django.utils import timezone

    from .kinds import get_kind
    from .models import Notification, Reminder
    from .rendering import Renderer, site_path

    now = timezone.now()
    renderer = Renderer()
    created = 0
    with transaction.atomic():
        for notice in notices:
            _reminder, made = Reminder.objects.get_or_create(
                recipient_id=notice.recipient_id, kind=notice.kind,
                subject_type=notice.subject_type, subject_id=notice.subject_id,
                window=notice.window, channel=INAPP,
                defaults={"status": Reminder.Status.SENT, "sent_at": now,
                          "context": dict(notice.context), "url": site_path(notice.url)},
            )
            if made:
                title, body = renderer.title_body(get_kind(notice.kind), notice.context,
                                                  "zh-hans")
                Notification.objects.create(recipient_id=notice.recipient_id, kind=notice.kind,
                                            title=title, body=body, url=site_path(notice.url),
                                            context=dict(notice.context))
                created += 1
    return created
