"""Quiet hours per person and kind: whether a kind may reach someone at night is their choice
(on by default for urgent kinds, off otherwise), a never-urgent kind cannot be let through, and
delivery holds or sends accordingly (e-mail and SMS alike)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from academy.errors import ApplicationError
from academy.notifications.kinds import get_kind
from academy.notifications.models import Notification, QuietHoursOverride, Reminder
from academy.notifications.selectors import preferences_of
from academy.notifications.services import (
    KindPreferenceChange,
    notification_preferences_update,
    notify,
    reminders_send_due,
)
from tests.factories import BrokerFactory
from tests.notifications.conftest import local

pytestmark = pytest.mark.django_db

DEADLINE = {"course": "技术合同认定登记实务", "cohort": "第一期", "due_on": "2026-03-20",
            "days": 7, "remaining": 2}
CLOSING = {"sitting": "结业考试", "closes_at": "2026-04-22 06:00", "started": False}


def _deadline(broker):
    return notify(recipients=[broker], kind="course_deadline",
                  subject=("courses.cohortcoursedeadline", 1), window="due:7d",
                  context=DEADLINE, url="/courses/programme/")


def _closing(broker):
    return notify(recipients=[broker], kind="exam_window_closing",
                  subject=("exams.sitting", 1), window="closes", context=CLOSING)


def _night(broker, code: str, allowed: bool) -> None:
    notification_preferences_update(
        user=broker, kinds={code: KindPreferenceChange(quiet_override=allowed)})


def test_defaults_follow_urgency_and_never_urgent_kinds_are_fixed():
    rows = {row.kind.code: row for row in preferences_of(BrokerFactory())}
    assert rows["exam_window_closing"].quiet_override is True  # urgent
    assert rows["course_deadline"].quiet_override is False
    assert rows["broker_inactive"].quiet_override_fixed
    assert rows["broker_inactive"].quiet_override is False
    assert rows["daily_digest"].quiet_override_fixed and rows["daily_digest"].quiet_override
    assert get_kind("course_deadline").breaks_quiet_hours(True) is True
    assert get_kind("broker_inactive").breaks_quiet_hours(True) is False


def test_a_kind_let_through_is_emailed_during_quiet_hours(clock, committed):
    broker = BrokerFactory()
    _night(broker, "course_deadline", True)
    assert QuietHoursOverride.objects.get(user=broker, kind="course_deadline").allowed
    clock.go(local(2026, 3, 13, 23, 30))
    committed(_deadline, broker)
    assert len(mail.outbox) == 1
    email = Reminder.objects.get(recipient=broker, channel="email")
    assert email.status == "sent" and email.scheduled_for is None


def test_without_the_override_the_same_kind_waits_for_the_morning(clock, committed):
    broker = BrokerFactory()
    _night(broker, "course_deadline", True)
    _night(broker, "course_deadline", False)  # back to the default: no row kept
    assert not QuietHoursOverride.objects.filter(user=broker).exists()
    clock.go(local(2026, 3, 13, 23, 30))
    committed(_deadline, broker)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=broker).count() == 1  # in the app at once
    email = Reminder.objects.get(recipient=broker, channel="email")
    assert email.status == "pending" and email.scheduled_for == local(2026, 3, 14, 7)
    clock.go(local(2026, 3, 14, 7))
    committed(reminders_send_due)
    assert len(mail.outbox) == 1


def test_an_urgent_kind_switched_off_waits_too(clock, committed):
    broker, other = BrokerFactory(), BrokerFactory()
    _night(broker, "exam_window_closing", False)
    clock.go(local(2026, 4, 22, 2))
    committed(_closing, broker)
    committed(_closing, other)  # the default: urgent, sent now
    assert [m.to[0] for m in mail.outbox] == [other.email]
    held = Reminder.objects.get(recipient=broker, channel="email")
    assert held.scheduled_for == local(2026, 4, 22, 7)


def test_outside_quiet_hours_the_choice_changes_nothing(clock, committed):
    broker = BrokerFactory()
    _night(broker, "exam_window_closing", False)
    clock.go(local(2026, 4, 21, 15))
    committed(_closing, broker)
    assert len(mail.outbox) == 1


def test_a_never_urgent_kind_cannot_be_let_through(english):
    broker = BrokerFactory()
    with pytest.raises(ApplicationError) as caught:
        _night(broker, "broker_inactive", True)
    assert caught.value.extra["fields"] == {
        "kinds": {"broker_inactive": {"quiet_override": [
            "This kind never reaches you during quiet hours."]}}}
    assert not QuietHoursOverride.objects.exists()
    _night(broker, "broker_inactive", False)  # its fixed value is accepted as it is


def test_the_override_holds_sms_as_well(clock, committed, settings, tmp_path):
    from academy.notifications.channels import reset_backends
    from academy.notifications.demo import sms_templates_seed
    from academy.notifications.models import UserSettings

    settings.ACADEMY_NOTIFY_SMS_BACKEND = "file"
    settings.ACADEMY_NOTIFY_SMS_FILE_DIR = str(tmp_path)
    reset_backends()
    sms_templates_seed()
    broker, sleeper = BrokerFactory(), BrokerFactory()
    for person in (broker, sleeper):
        UserSettings.objects.create(user=person, sms_phone="13912345678",
                                    sms_phone_verified_at=local(2026, 3, 1, 9))
        notification_preferences_update(
            user=person, kinds={"course_deadline": KindPreferenceChange(sms=True)})
    _night(broker, "course_deadline", True)
    clock.go(local(2026, 3, 13, 23, 30))
    committed(_deadline, broker)
    committed(_deadline, sleeper)
    assert Reminder.objects.get(recipient=broker, channel="sms").status == "sent"
    assert Reminder.objects.get(recipient=sleeper, channel="sms").scheduled_for == local(
        2026, 3, 14, 7)
    reset_backends()


def test_the_page_shows_and_saves_the_choice_per_kind(client, clock):
    clock.go(local(2026, 3, 13, 10))
    broker = BrokerFactory()
    client.force_login(broker)
    page = client.get(reverse("notifications:preferences"))
    form = page.context["form"]
    assert form.fields["quiet_exam_window_closing"].initial is True
    assert form.fields["quiet_course_deadline"].initial is False
    assert "quiet_broker_inactive" not in form.fields  # fixed: listed, not offered
    assert "quiet_daily_digest" not in form.fields
    assert b'data-testid="quiet-hours"' in page.content

    data = {name: field.initial for name, field in form.fields.items()
            if not name.startswith("quiet_")}
    data["language"] = ""
    data["quiet_course_deadline"] = "on"  # exam_window_closing left unticked: off
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert dict(QuietHoursOverride.objects.filter(user=broker).values_list(
        "kind", "allowed")) == {"course_deadline": True, "exam_window_closing": False}
