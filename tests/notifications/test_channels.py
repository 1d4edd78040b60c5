"""SMS and WeCom: each backend against its local stand-in (the real SDKs, signatures checked),
the template mapping, preferences, quiet hours, receipts, retries and fallback."""

from __future__ import annotations

import contextlib
import json

import pytest
from django.core import mail

from academy.notifications.channels import reset_backends
from academy.notifications.models import (
    ChannelPreference,
    Notification,
    Reminder,
    SmsTemplate,
    UserSettings,
)
from academy.notifications.services import (
    DeliveryDeferred,
    notify,
    receipts_poll,
    reminder_send,
    reminders_send_due,
)
from tests.factories import BrokerFactory
from tests.notifications.conftest import local
from tests.notifications.standins import AliyunSms, TencentSms, Wecom

pytestmark = pytest.mark.django_db

DEADLINE = {"course": "技术合同认定登记实务", "cohort": "第一期", "due_on": "2026-03-20",
            "days": 7, "remaining": 2}
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _daytime(clock):
    clock.go(local(2026, 3, 13, 10))


@pytest.fixture(autouse=True)
def _fresh_backends():
    reset_backends()
    yield
    reset_backends()


@pytest.fixture
def template():
    return SmsTemplate.objects.create(
        kind="course_deadline", template_code="SMS_154950909", approved=True,
        variables=[["course", "{{ course }}"], ["days", "{{ days }}"], ["name", "{{ name }}"]])


@pytest.fixture
def aliyun(settings):
    with AliyunSms() as server:
        settings.ACADEMY_NOTIFY_SMS_BACKEND = "aliyun"
        settings.ACADEMY_NOTIFY_ALIYUN_ACCESS_KEY_ID = "LTAI-test"
        settings.ACADEMY_NOTIFY_ALIYUN_ACCESS_KEY_SECRET = "aliyun-secret"
        settings.ACADEMY_NOTIFY_ALIYUN_ENDPOINT = server.address
        settings.ACADEMY_NOTIFY_ALIYUN_PROTOCOL = "http"
        yield server


@pytest.fixture
def tencent(settings):
    with TencentSms() as server:
        settings.ACADEMY_NOTIFY_SMS_BACKEND = "tencent"
        settings.ACADEMY_NOTIFY_TENCENT_SECRET_ID = "AKID-test"
        settings.ACADEMY_NOTIFY_TENCENT_SECRET_KEY = "tencent-key"
        settings.ACADEMY_NOTIFY_TENCENT_SMS_APP_ID = "1400000001"
        settings.ACADEMY_NOTIFY_TENCENT_ENDPOINT = server.address
        settings.ACADEMY_NOTIFY_TENCENT_PROTOCOL = "http"
        yield server


@pytest.fixture
def wecom(settings):
    with Wecom(members={"wangxm"}) as server:
        settings.ACADEMY_NOTIFY_WECOM_BACKEND = "wecom"
        settings.ACADEMY_NOTIFY_WECOM_CORP_ID = "ww-test"
        settings.ACADEMY_NOTIFY_WECOM_SECRET = "wecom-secret"
        settings.ACADEMY_NOTIFY_WECOM_AGENT_ID = 1000002
        settings.ACADEMY_NOTIFY_WECOM_BASE_URL = f"http://{server.address}"
        yield server


def broker_with(*, phone: str = PHONE, wecom: str = "", channels=("sms",),
                kind: str = "course_deadline"):
    broker = BrokerFactory()
    UserSettings.objects.create(user=broker, sms_phone=phone,
                                sms_phone_verified_at=local(2026, 3, 1, 9) if phone else None,
                                wecom_userid=wecom)
    for channel in channels:
        ChannelPreference.objects.create(user=broker, kind=kind, channel=channel)
    return broker


def remind(users, *, kind="course_deadline", window="due-2026-03-20:7d"):
    return notify(recipients=users, kind=kind, subject=("courses.cohortcoursedeadline", 1),
                  window=window, context=DEADLINE, url="/courses/programme/")


def test_aliyun_sends_the_approved_template_with_its_variables(aliyun, template, committed):
    broker = broker_with()
    result = committed(remind, [broker])

    assert result.sms == 1
    assert aliyun.rejected == []
    [sent] = aliyun.sent
    assert sent["phone"] == PHONE
    assert sent["template_code"] == "SMS_154950909"
    assert sent["sign_name"] == "三门峡市科技局"
    assert sent["params"] == {"course": "技术合同认定登记实务", "days": "7",
                              "name": broker.get_full_name()}
    row = Reminder.objects.get(recipient=broker, channel="sms")
    assert (row.status, row.provider_id) == ("sent", sent["biz_id"])
    # Every other channel still went too, and the log shows them all.
    assert set(Reminder.objects.filter(recipient=broker).values_list("channel", flat=True)) \
        == {"sms", "email", "inapp"}


def test_aliyun_request_signed_with_a_wrong_secret_is_refused(aliyun, template, committed,
                                                               settings):
    settings.ACADEMY_NOTIFY_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    broker = broker_with()
    committed(remind, [broker])

    assert aliyun.rejected == ["SignatureDoesNotMatch"]
    row = Reminder.objects.get(recipient=broker, channel="sms")
    assert row.status == "failed"
    assert "SignatureDoesNotMatch" in row.last_error


def test_aliyun_receipt_is_recorded_and_an_undelivered_sms_falls_back(aliyun, template,
                                                                       committed, wecom):
    delivered = broker_with()
    lost = broker_with(phone="13700001111", wecom="wangxm")
    aliyun.numbers["13700001111"] = "undelivered"
    committed(remind, [delivered, lost])

    assert committed(receipts_poll) == 2
    assert Reminder.objects.get(recipient=delivered, channel="sms").receipt == "delivered"
    failed = Reminder.objects.get(recipient=lost, channel="sms")
    assert failed.receipt == "undelivered"
    fallback = Reminder.objects.get(recipient=lost, channel="wecom")
    assert (fallback.fallback_of_id, fallback.status) == (failed.pk, "sent")
    assert [m["touser"] for m in wecom.messages] == ["wangxm"]
    assert committed(receipts_poll) == 0  # each receipt once


def test_tencent_sends_positional_parameters_signed_tc3(tencent, template, committed):
    broker = broker_with()
    committed(remind, [broker])

    assert tencent.rejected == []
    [sent] = tencent.sent
    assert sent["phone"] == f"+86{PHONE}"
    assert sent["template_id"] == "SMS_154950909"
    assert sent["params"] == ["技术合同认定登记实务", "7", broker.get_full_name()]
    assert Reminder.objects.get(recipient=broker, channel="sms").provider_id == sent["serial"]
    assert committed(receipts_poll) == 1
    assert Reminder.objects.get(recipient=broker, channel="sms").receipt == "delivered"


def test_tencent_request_with_a_wrong_key_is_refused(tencent, template, committed, settings):
    settings.ACADEMY_NOTIFY_TENCENT_SECRET_KEY = "wrong"
    broker = broker_with()
    committed(remind, [broker])

    assert tencent.rejected == ["AuthFailure.SignatureFailure"]
    assert Reminder.objects.get(recipient=broker, channel="sms").status == "failed"


def test_throttled_sms_is_retried_a_bounded_number_of_times_then_falls_back_to_email(
        tencent, template, committed, clock):
    broker = broker_with()
    tencent.numbers[f"+86{PHONE}"] = "throttled"
    committed(remind, [broker])
    row = Reminder.objects.get(recipient=broker, channel="sms")
    assert (row.status, row.attempts) == ("pending", 1)
    for minute in (5, 15, 30, 60):
        clock.go(local(2026, 3, 13, 11, minute % 60) if minute < 60 else local(2026, 3, 13, 12))
        with contextlib.suppress(DeliveryDeferred):  # retried on the next turn
            committed(reminder_send, reminder_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    # The e-mail was sent already, so the fallback creates nothing new: still one e-mail.
    assert Reminder.objects.filter(recipient=broker, channel="email").count() == 1
    assert len(mail.outbox) == 1


def test_illegal_number_fails_at_once_and_falls_back(aliyun, template, committed):
    broker = broker_with(phone="13800000000", channels=("sms",))
    aliyun.numbers["13800000000"] = "illegal"
    # A kind delivered in-app only for this person: the fallback is the in-app notice.
    from academy.notifications.models import NotificationPreference

    NotificationPreference.objects.create(user=broker, kind="course_deadline", choice="off")
    committed(remind, [broker])

    sms = Reminder.objects.get(recipient=broker, channel="sms")
    assert (sms.status, sms.attempts) == ("failed", 1)
    fallback = Reminder.objects.get(fallback_of=sms)
    assert fallback.channel == "wecom" or fallback.channel in {"email", "inapp"}


def test_no_sms_for_a_kind_without_an_approved_template(aliyun, committed):
    SmsTemplate.objects.create(kind="course_deadline", template_code="SMS_1", approved=False)
    broker = broker_with()
    result = committed(remind, [broker])

    assert result.sms == 0
    assert aliyun.sent == []
    assert not Reminder.objects.filter(channel="sms").exists()


def test_no_sms_to_an_unverified_number(aliyun, template, committed):
    broker = broker_with(phone="")
    UserSettings.objects.filter(user=broker).update(sms_phone=PHONE)  # typed, never confirmed
    committed(remind, [broker])
    assert aliyun.sent == []


def test_sms_once_per_channel_however_often_the_sweep_runs(aliyun, template, committed):
    broker = broker_with()
    committed(remind, [broker])
    again = committed(remind, [broker])

    assert again.created == 0
    assert len(aliyun.sent) == 1
    assert Reminder.objects.filter(recipient=broker, channel="sms").count() == 1


def test_quiet_hours_hold_sms_unless_the_kind_is_urgent(aliyun, committed, clock):
    SmsTemplate.objects.create(kind="course_deadline", template_code="SMS_1", approved=True,
                               variables=[["course", "{{ course }}"]])
    SmsTemplate.objects.create(kind="exam_window_closing", template_code="SMS_2",
                               approved=True, variables=[["title", "{{ title }}"]])
    clock.go(local(2026, 3, 13, 23, 30))
    broker = broker_with()
    ChannelPreference.objects.create(user=broker, kind="exam_window_closing", channel="sms")
    committed(remind, [broker])
    committed(notify, recipients=[broker], kind="exam_window_closing", subject=("exams.sitting", 1),
              window="closes-2026-03-14", context={"title": "结业考试"}, url="/")

    assert [s["template_code"] for s in aliyun.sent] == ["SMS_2"]  # urgent: at once
    held = Reminder.objects.get(recipient=broker, channel="sms", kind="course_deadline")
    assert held.status == "pending"
    assert held.scheduled_for == local(2026, 3, 14, 7)
    clock.go(local(2026, 3, 14, 7, 1))
    assert committed(reminders_send_due) >= 1
    assert [s["template_code"] for s in aliyun.sent] == ["SMS_2", "SMS_1"]


def test_wecom_text_through_gettoken_and_message_send(wecom, committed):
    broker = broker_with(phone="", wecom="wangxm", channels=("wecom",))
    committed(remind, [broker])

    [message] = wecom.messages
    assert message["touser"] == "wangxm"
    assert "技术合同认定登记实务" in message["text"]
    assert "/courses/programme/" in message["text"]
    assert Reminder.objects.get(recipient=broker, channel="wecom").provider_id == \
        message["msgid"]


def test_wecom_expired_token_is_fetched_again(wecom, committed):
    first = broker_with(phone="", wecom="wangxm", channels=("wecom",))
    committed(remind, [first])
    wecom.expire()
    committed(remind, [first], window="due-2026-03-20:3d")

    assert len(wecom.messages) == 2
    assert sum(1 for r in wecom.requests if r["path"] == "/cgi-bin/gettoken") == 2


def test_wecom_unknown_member_fails_and_falls_back_to_email(wecom, committed):
    broker = broker_with(phone="", wecom="nobody", channels=("wecom",))
    from academy.notifications.models import NotificationPreference

    NotificationPreference.objects.create(user=broker, kind="course_deadline", choice="inapp")
    committed(remind, [broker])

    failed = Reminder.objects.get(recipient=broker, channel="wecom")
    assert failed.status == "failed"
    fallback = Reminder.objects.get(fallback_of=failed)
    assert fallback.channel == "email"
    assert len(mail.outbox) == 1


def test_file_backends_write_the_demo_messages(settings, tmp_path, template, committed):
    settings.ACADEMY_NOTIFY_SMS_BACKEND = "file"
    settings.ACADEMY_NOTIFY_WECOM_BACKEND = "file"
    settings.ACADEMY_NOTIFY_SMS_FILE_DIR = str(tmp_path / "sms")
    settings.ACADEMY_NOTIFY_WECOM_FILE_DIR = str(tmp_path / "wecom")
    broker = broker_with(wecom="wangxm", channels=("sms", "wecom"))
    committed(remind, [broker])

    [sms] = [json.loads(p.read_text()) for p in (tmp_path / "sms").iterdir()]
    assert (sms["phone"], sms["template_code"]) == (PHONE, "SMS_154950909")
    [wecom] = [json.loads(p.read_text()) for p in (tmp_path / "wecom").iterdir()]
    assert wecom["touser"] == "wangxm"
    assert Notification.objects.filter(recipient=broker).count() == 1


def test_template_variables_are_checked_and_keep_their_order():
    from django.core.exceptions import ValidationError

    template = SmsTemplate(kind="course_deadline", template_code="1",
                           variables={"z": "{{ course }}", "a": "{{ days }}"})
    template.full_clean()
    assert template.variables == [["z", "{{ course }}"], ["a", "{{ days }}"]]
    for bad in ([["x", "{% if %}"]], "text", [["only-a-name"]]):
        with pytest.raises(ValidationError):
            SmsTemplate(kind="course_deadline", template_code="1", variables=bad).full_clean()
    with pytest.raises(ValidationError):
        SmsTemplate(kind="no_such_kind", template_code="1", variables=[]).full_clean()


def test_the_admin_log_shows_every_channel(client, aliyun, wecom, template, committed):
    from tests.factories import UserFactory, totp_enrol

    broker = broker_with(wecom="wangxm", channels=("sms", "wecom"))
    committed(remind, [broker])
    admin = UserFactory(roles=["admin"], is_staff=True, is_superuser=True)
    totp_enrol(admin)
    client.force_login(admin)
    url = "/admin/notifications/reminder/"
    page = client.get(url)
    assert page.status_code == 200
    shown = {row.channel for row in page.context["cl"].result_list}
    assert shown == {"sms", "wecom", "email", "inapp"}
    only_sms = client.get(url + "?channel__exact=sms").context["cl"].result_list
    assert [(r.channel, r.receipt) for r in only_sms] == [("sms", "")]
