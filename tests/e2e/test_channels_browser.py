"""In a real browser: a broker confirms a mobile number with the code the SMS brought, chooses
SMS for course deadlines and WeCom for sessions, and the next reminders go out that way; the
calendar feed's address is on the same page."""

from __future__ import annotations

import json

import pytest

from academy.notifications.channels import reset_backends
from academy.notifications.demo import sms_templates_seed
from academy.notifications.models import ChannelPreference, Reminder, UserSettings
from academy.notifications.services import notify
from tests.browser import log_in
from tests.factories import BrokerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outbox(settings, tmp_path):
    settings.ACADEMY_NOTIFY_SMS_BACKEND = "file"
    settings.ACADEMY_NOTIFY_WECOM_BACKEND = "file"
    settings.ACADEMY_NOTIFY_SMS_FILE_DIR = str(tmp_path / "sms")
    settings.ACADEMY_NOTIFY_WECOM_FILE_DIR = str(tmp_path / "wecom")
    settings.ACADEMY_NOTIFY_QUIET_START = settings.ACADEMY_NOTIFY_QUIET_END = "00:00"
    reset_backends()
    yield tmp_path
    reset_backends()


def _messages(folder) -> list[dict]:
    if not folder.exists():
        return []
    return sorted((json.loads(p.read_text()) for p in folder.iterdir()), key=lambda m: m["at"])


def test_broker_verifies_a_number_and_chooses_sms_and_wecom(live_server, page, outbox,
                                                              screenshot):
    sms_templates_seed()
    broker = BrokerFactory(user__full_name="王小明")
    UserSettings.objects.create(user=broker, wecom_userid="wangxm")
    log_in(page, live_server.url, broker.email)

    page.goto(live_server.url + "/notifications/preferences/")
    page.fill("input[name='phone']", "139 1234 5678")
    page.locator("[data-testid='send-code']").click()
    page.locator("[data-testid='confirm-code']").wait_for()
    [sms] = _messages(outbox / "sms")
    assert sms["phone"] == "13912345678"
    page.fill("input[name='code']", sms["params"]["code"])
    page.locator("[data-testid='confirm-code']").click()
    page.locator("[data-testid='verified-phone']").wait_for()
    assert "139****5678" in page.locator("[data-testid='verified-phone']").inner_text()

    page.locator("#sms-course_deadline").check()
    page.locator("#wecom-session_tomorrow").check()
    page.locator("[data-testid='save-channels']").click()
    page.wait_for_url("**/notifications/preferences/#channels")
    assert page.locator("#sms-course_deadline").is_checked()
    assert page.locator("#wecom-session_tomorrow").is_checked()
    assert not page.locator("#sms-session_tomorrow").is_checked()
    screenshot(page, "notification-channels-zh")
    assert set(ChannelPreference.objects.filter(user=broker).values_list("kind", "channel")) \
        == {("course_deadline", "sms"), ("session_tomorrow", "wecom")}

    page.locator("[data-testid='calendar-reset']").click()
    assert page.locator("[data-testid='calendar-url']").input_value().endswith(".ics")

    from django.db import transaction

    with transaction.atomic():
        notify(recipients=[broker], kind="course_deadline",
               subject=("courses.cohortcoursedeadline", 1), window="due:7d",
               context={"course": "技术合同认定登记实务", "cohort": "第一期",
                        "due_on": "2026-12-20", "days": 7, "remaining": 2},
               url="/courses/programme/")
        notify(recipients=[broker], kind="session_tomorrow",
               subject=("courses.offlinesession", 1), window="day-before",
               context={"session": "线下集中授课", "starts_at": "2026-12-02 09:00",
                        "place": "三门峡市科技局三楼会议室", "cohort": "第一期"},
               url="/courses/programme/")
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (
            len(_messages(outbox / "sms")) == 2 and _messages(outbox / "wecom")):
        time.sleep(0.2)
    sms_sent = _messages(outbox / "sms")
    assert [m["template_code"] for m in sms_sent] == ["SMS_480001", "SMS_480002"]
    assert sms_sent[1]["params"]["course"] == "技术合同认定登记实务"
    [wecom] = _messages(outbox / "wecom")
    assert wecom["touser"] == "wangxm" and "线下集中授课" in wecom["text"]
    assert set(Reminder.objects.filter(recipient=broker, status="sent")
               .values_list("channel", flat=True)) >= {"sms", "wecom", "email", "inapp"}
