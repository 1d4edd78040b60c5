"""The delivery service: at most once, preferences, quiet hours, digests, outages, language."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from academy.notifications.models import (
    Notification,
    NotificationPreference,
    Reminder,
    UserSettings,
)
from academy.notifications.services import (
    digests_send,
    notify,
    reminder_send,
    reminders_resend,
    reminders_send_due,
)
from tests.factories import BrokerFactory, UserFactory
from tests.notices import shown
from tests.notifications.backends import OUTAGE, outage
from tests.notifications.conftest import local

pytestmark = pytest.mark.django_db

DEADLINE = {"course": "技术合同认定登记实务", "cohort": "第一期", "due_on": "2026-03-20",
            "days": 7, "remaining": 2}


@pytest.fixture(autouse=True)
def _daytime(clock):
    """Tests run at 10:00 unless they move the clock (not in quiet hours)."""
    clock.go(local(2026, 3, 13, 10))


def remind(users, *, kind="course_deadline", window="due-2026-03-20:7d", context=None,
           subject=("courses.cohortcoursedeadline", 1), url="/courses/programme/"):
    return notify(recipients=users, kind=kind, subject=subject, window=window,
                  context=context or DEADLINE, url=url)


def test_a_reminder_is_delivered_once_in_the_app_and_by_email(clock, committed):
    clock.go(local(2026, 3, 13, 9))
    broker = BrokerFactory()
    first = committed(remind, [broker])
    again = committed(remind, [broker])

    assert (first.created, first.inapp, first.email) == (2, 1, 1)
    assert again.created == 0
    assert len(mail.outbox) == 1
    notification = shown(Notification.objects.get(recipient=broker))
    assert "技术合同认定登记实务" in notification.title
    assert notification.url == "/courses/programme/"
    rows = Reminder.objects.filter(recipient=broker).order_by("channel")
    assert [(r.channel, r.status) for r in rows] == [("email", "sent"), ("inapp", "sent")]
    assert all(r.sent_at is not None for r in rows)


def test_another_window_of_the_same_subject_reminds_again(committed):
    broker = BrokerFactory()
    committed(remind, [broker], window="due-2026-03-20:7d")
    committed(remind, [broker], window="due-2026-03-20:3d")
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(recipient=broker).count() == 2


def test_many_recipients_each_get_one_and_inactive_people_none(committed):
    brokers = [BrokerFactory() for _ in range(5)]
    gone = BrokerFactory()
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    result = committed(remind, [*brokers, gone, brokers[0]])
    assert result.people == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(b.email for b in brokers)
    assert not Reminder.objects.filter(recipient=gone).exists()


def test_only_in_the_app_sends_no_email(committed):
    broker = BrokerFactory()
    NotificationPreference.objects.create(user=broker, kind="course_deadline", choice="inapp")
    committed(remind, [broker])
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=broker).count() == 1


def test_nothing_means_nothing(committed):
    broker = BrokerFactory()
    NotificationPreference.objects.create(user=broker, kind="course_deadline", choice="off")
    result = committed(remind, [broker])
    assert result.created == 0
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_mandatory_kinds_ignore_opting_out(committed):
    broker = BrokerFactory()
    NotificationPreference.objects.create(user=broker, kind="exam_window_opening", choice="off")
    committed(remind, [broker], kind="exam_window_opening", window="opens-2026-04-20T09:00",
              context={"sitting": "结业考试", "opens_at": "2026-04-20 09:00",
                       "closes_at": "2026-04-22 18:00", "duration": 90},
              subject=("exams.sitting", 1))
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=broker).count() == 1


def test_non_urgent_email_waits_for_the_end_of_quiet_hours(clock, committed):
    clock.go(local(2026, 3, 13, 23, 30))
    broker = BrokerFactory()
    committed(remind, [broker])
    # In the app at once; the e-mail waits for 07:00.
    assert Notification.objects.filter(recipient=broker).count() == 1
    assert mail.outbox == []
    email = Reminder.objects.get(recipient=broker, channel="email")
    assert email.status == "pending"
    assert email.scheduled_for == local(2026, 3, 14, 7)

    clock.go(local(2026, 3, 14, 6, 59))
    assert committed(reminders_send_due) == 0
    assert mail.outbox == []

    clock.go(local(2026, 3, 14, 7, 0))
    assert committed(reminders_send_due) == 1
    assert committed(reminders_send_due) == 0
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == "sent"


def test_urgent_email_is_sent_in_quiet_hours(clock, committed):
    clock.go(local(2026, 4, 22, 2, 0))
    broker = BrokerFactory()
    committed(remind, [broker], kind="exam_window_closing", window="closes-2026-04-22T06:00",
              context={"sitting": "结业考试", "closes_at": "2026-04-22 06:00", "started": False},
              subject=("exams.sitting", 1))
    assert len(mail.outbox) == 1


def test_quiet_hours_follow_the_settings(clock, committed, settings):
    settings.ACADEMY_NOTIFY_QUIET_START = "12:00"
    settings.ACADEMY_NOTIFY_QUIET_END = "14:00"
    clock.go(local(2026, 3, 13, 23, 30))
    committed(remind, [BrokerFactory()], window="a")
    assert len(mail.outbox) == 1
    clock.go(local(2026, 3, 13, 12, 30))
    committed(remind, [BrokerFactory()], window="b")
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(window="b", channel="email").scheduled_for == local(
        2026, 3, 13, 14)


def test_digest_gathers_the_days_items_into_one_email(clock, committed):
    clock.go(local(2026, 3, 13, 10))
    broker = BrokerFactory()
    NotificationPreference.objects.create(user=broker, kind="course_deadline", choice="digest")
    committed(remind, [broker], window="w1")
    committed(remind, [broker], window="w2", subject=("courses.cohortcoursedeadline", 2))
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=broker).count() == 2

    clock.go(local(2026, 3, 14, 7, 59))
    assert committed(digests_send) == 0
    clock.go(local(2026, 3, 14, 8, 0))
    assert committed(digests_send) == 1
    assert committed(digests_send) == 0
    assert len(mail.outbox) == 1
    assert "2" in mail.outbox[0].subject
    digest = Reminder.objects.get(kind="daily_digest")
    items = Reminder.objects.filter(channel="digest")
    assert {i.status for i in items} == {"sent"}
    assert {i.digest_id for i in items} == {digest.pk}
    # The items are in the digest's text, once each.
    assert mail.outbox[0].body.count("技术合同认定登记实务") == 2


def test_mail_server_outage_delays_then_delivers_once(clock, committed, settings):
    settings.ACADEMY_NOTIFY_RETRY_SECONDS = 60
    settings.ACADEMY_NOTIFY_STALE_SECONDS = 600
    clock.go(local(2026, 3, 13, 9))
    broker = BrokerFactory()
    outage(2)
    committed(remind, [broker])
    email = Reminder.objects.get(recipient=broker, channel="email")
    assert (email.status, email.attempts) == ("pending", 1)
    assert "SMTPServerDisconnected" in email.last_error
    assert email.scheduled_for == local(2026, 3, 13, 9, 1)
    assert mail.outbox == []
    # The in-app notification did not wait for the mail server.
    assert Notification.objects.filter(recipient=broker).count() == 1

    # The task's own retry (at 09:01) fails again: the next waits 120 s.
    clock.go(local(2026, 3, 13, 9, 1))
    with pytest.raises(Exception):  # noqa: B017 - DeliveryDeferred, re-raised for Celery
        reminder_send(reminder_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("pending", 2)
    assert email.scheduled_for == local(2026, 3, 13, 9, 3)

    # Its retry task was lost: the beat task queues it again once it is overdue.
    clock.go(local(2026, 3, 13, 9, 5))
    assert committed(reminders_send_due) == 0  # handed to the retry until 09:13
    clock.go(local(2026, 3, 13, 9, 13))
    assert committed(reminders_send_due) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 3)
    assert len(mail.outbox) == 1
    assert OUTAGE["tried"] == 3

    clock.go(local(2026, 3, 13, 10))
    assert committed(reminders_send_due) == 0
    assert reminder_send(reminder_id=email.pk) == "done"
    assert len(mail.outbox) == 1


def test_a_lost_task_is_queued_again(clock, committed, monkeypatch, settings):
    settings.ACADEMY_NOTIFY_STALE_SECONDS = 600
    clock.go(local(2026, 3, 13, 9))
    broker = BrokerFactory()

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr("academy.notifications.tasks.reminder_send.delay", broker_down)
    committed(remind, [broker])  # the commit succeeds; the hand-over is logged
    monkeypatch.undo()
    assert mail.outbox == []
    clock.go(local(2026, 3, 13, 9, 5))
    assert committed(reminders_send_due) == 0
    clock.go(local(2026, 3, 13, 9, 10))
    assert committed(reminders_send_due) == 1
    assert len(mail.outbox) == 1


def test_sending_twice_sends_once(committed, django_capture_on_commit_callbacks):
    broker = BrokerFactory()
    with django_capture_on_commit_callbacks(execute=False):
        remind([broker])
    email = Reminder.objects.get(recipient=broker, channel="email")
    assert reminder_send(reminder_id=email.pk) == "sent"
    assert reminder_send(reminder_id=email.pk) == "done"
    assert len(mail.outbox) == 1


def test_refused_address_fails_for_good_and_an_admin_can_resend(committed):
    broker = BrokerFactory()
    admin = UserFactory(roles=["admin"])
    outage(1, smtplib.SMTPRecipientsRefused({broker.email: (550, b"no such user")}))
    committed(remind, [broker])
    email = Reminder.objects.get(recipient=broker, channel="email")
    assert (email.status, email.attempts) == ("failed", 1)
    assert "SMTPRecipientsRefused" in email.last_error

    assert committed(reminders_resend, reminder_ids=[email.pk], actor=admin) == 1
    email.refresh_from_db()
    assert email.status == "sent"
    assert len(mail.outbox) == 1
    # Sent reminders are not sent again.
    assert committed(reminders_resend, reminder_ids=[email.pk], actor=admin) == 0
    assert len(mail.outbox) == 1


def test_the_last_attempt_records_a_failure(clock, committed, settings):
    settings.ACADEMY_NOTIFY_MAX_ATTEMPTS = 2
    clock.go(local(2026, 3, 13, 9))
    broker = BrokerFactory()
    outage(5)
    committed(remind, [broker])
    email = Reminder.objects.get(recipient=broker, channel="email")
    clock.go(local(2026, 3, 13, 9, 1))
    assert reminder_send(reminder_id=email.pk) == "failed"
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 2)
    clock.go(local(2026, 3, 14, 9))
    assert committed(reminders_send_due) == 0


def test_email_is_in_the_persons_language_with_html_and_absolute_links(committed):
    chinese = BrokerFactory()
    english = BrokerFactory()
    UserSettings.objects.create(user=english, language="en")
    committed(remind, [chinese, english], url="/courses/programme/")
    by_address = {m.to[0]: m for m in mail.outbox}
    zh, en = by_address[chinese.email], by_address[english.email]
    assert "https://academy.example.org/courses/programme/" in zh.body
    assert "https://academy.example.org/en/courses/programme/" in en.body
    assert "is due in 7 days" in en.subject
    for message in (zh, en):
        html = dict((mimetype, content) for content, mimetype in message.alternatives)
        assert "text/html" in html
        assert 'href="https://academy.example.org/' in html["text/html"]
        assert message.extra_headers["Message-ID"].startswith("<reminder-")
    assert 'lang="en"' in dict((m, c) for c, m in en.alternatives)["text/html"]
    assert "/notifications/preferences/" in en.body  # optional kinds say how to change them


def test_links_given_in_english_are_stored_in_the_default_language(committed):
    broker = BrokerFactory()
    committed(remind, [broker], url="/en/courses/programme/")
    assert Notification.objects.get(recipient=broker).url == "/courses/programme/"


def test_a_deactivated_person_is_skipped_at_sending_time(committed,
                                                         django_capture_on_commit_callbacks):
    broker = BrokerFactory()
    with django_capture_on_commit_callbacks(execute=False):
        remind([broker])
    broker.is_active = False
    broker.save(update_fields=["is_active"])
    email = Reminder.objects.get(recipient=broker, channel="email")
    assert reminder_send(reminder_id=email.pk) == "skipped"
    assert mail.outbox == []


def test_notify_costs_a_fixed_number_of_queries(committed, django_assert_max_num_queries):
    few = [BrokerFactory() for _ in range(3)]
    many = [BrokerFactory() for _ in range(30)]
    with django_assert_max_num_queries(10):
        remind(few, window="few")
    with django_assert_max_num_queries(10):
        remind(many, window="many")


def test_a_batch_of_emails_goes_out_over_one_connection_and_a_failure_is_retried_alone(
    clock, committed, settings
):
    from academy.notifications.services import reminders_send_many

    brokers = [BrokerFactory() for _ in range(3)]
    remind(brokers)  # not committed: nothing queued yet
    ids = list(Reminder.objects.filter(channel="email").order_by("pk")
               .values_list("pk", flat=True))
    outage(1)
    report = reminders_send_many(reminder_ids=ids)
    assert report["outcomes"] == {"deferred": 1, "sent": 2}
    assert report["deferred"] == [(ids[0], 60)]
    assert len(mail.outbox) == 2
    clock.go(local(2026, 3, 13, 10, 1))
    assert reminders_send_many(reminder_ids=ids)["outcomes"] == {"sent": 1, "done": 2}
    assert len(mail.outbox) == 3


def test_a_worker_killed_mid_send_leaves_the_email_pending_and_it_goes_out_once(
    clock, committed, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.ACADEMY_NOTIFY_STALE_SECONDS = 600
    broker = BrokerFactory()
    with django_capture_on_commit_callbacks(execute=False):
        remind([broker])
    email = Reminder.objects.get(channel="email")

    def killed(self, fail_silently=False):
        raise SystemExit("worker killed")  # not an Exception: nothing in the service catches it

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", killed)
    with pytest.raises(SystemExit):
        reminder_send(reminder_id=email.pk)
    monkeypatch.undo()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("pending", 0)  # the transaction rolled back
    clock.go(local(2026, 3, 13, 10, 11))
    assert committed(reminders_send_due) == 1
    email.refresh_from_db()
    assert email.status == "sent"
    assert len(mail.outbox) == 1
