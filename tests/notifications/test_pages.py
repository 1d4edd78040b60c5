"""The notification centre, the badge, preferences, manual reminders, template previews and
the admin's reminder log (the demo notifications: ``test_demo.py``)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from academy.notifications.kinds import all_kinds
from academy.notifications.models import (
    Notification,
    NotificationPreference,
    Reminder,
    UserSettings,
)
from academy.notifications.services import notify
from tests.courses.factories import CohortFactory, enrol, programme_with_lessons
from tests.factories import BrokerFactory, UserFactory, totp_enrol
from tests.notices import shown
from tests.notifications.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _daytime(clock):
    clock.go(local(2026, 3, 13, 10))


def _note(user, title="课程即将截止", url="/courses/programme/", **kwargs) -> Notification:
    return Notification.objects.create(recipient=user, kind="course_deadline", title=title,
                                       url=url, **kwargs)


def _staff(role: str):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


def test_the_centre_lists_only_my_notifications_newest_first(client):
    me, other = BrokerFactory(), BrokerFactory()
    _note(me, "第一条")
    _note(me, "第二条")
    _note(other, "别人的")
    client.force_login(me)
    response = client.get(reverse("notifications:centre"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("第二条") < html.index("第一条")
    assert "别人的" not in html
    assert response.context["unread"] == 2


def test_the_centre_has_an_empty_state(client):
    client.force_login(BrokerFactory())
    response = client.get(reverse("notifications:centre"))
    assert b'data-testid="notifications-empty"' in response.content


def test_the_navbar_badge_shows_the_unread_count_on_every_page(client):
    me = BrokerFactory()
    for _ in range(3):
        _note(me)
    client.force_login(me)
    html = client.get(reverse("home")).content.decode()
    assert 'data-notification-badge data-unread="3"' in html
    assert "data-unread-count>3</span>" in html


def test_no_badge_for_anonymous_visitors(client):
    assert b"data-notification-badge" not in client.get(reverse("account_login")).content


def test_opening_a_notification_marks_it_read_and_follows_it_in_my_language(client):
    me = BrokerFactory()
    note = _note(me)
    client.force_login(me)
    with translation.override("en"):
        url = reverse("notifications:open", args=[note.pk])
    assert url.startswith("/en/")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == "/en/courses/programme/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_nobody_opens_someone_elses_notification(client):
    note = _note(BrokerFactory())
    client.force_login(BrokerFactory())
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 403
    assert client.post(reverse("notifications:read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_one_and_mark_all_read(client):
    me = BrokerFactory()
    first, second, third = _note(me), _note(me), _note(me)
    client.force_login(me)
    client.post(reverse("notifications:read", args=[first.pk]))
    assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 2
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert {n.pk for n in (first, second, third)} == set(
        Notification.objects.filter(recipient=me).values_list("pk", flat=True))


def test_unread_filter(client):
    me = BrokerFactory()
    from django.utils import timezone

    _note(me, "旧消息甲", read_at=timezone.now())
    _note(me, "新消息乙")
    client.force_login(me)
    html = client.get(reverse("notifications:centre") + "?unread=1").content.decode()
    assert "新消息乙" in html and "旧消息甲" not in html


def test_preferences_offer_optional_kinds_of_my_role_and_save(client):
    me = BrokerFactory()
    client.force_login(me)
    response = client.get(reverse("notifications:preferences"))
    fields = set(response.context["form"].fields)
    assert "kind_course_deadline" in fields
    assert "kind_exam_window_opening" not in fields  # mandatory
    assert "kind_grading_backlog" not in fields  # trainers'
    assert "kind_practice_reviewed" in fields
    # A review's outcome is a normal kind: every choice is offered.
    choices = [value for value, _label in
               response.context["form"].fields["kind_practice_reviewed"].choices]
    assert choices == ["email", "inapp", "digest", "off"]

    data = {name: field.initial for name, field in response.context["form"].fields.items()}
    data.update({"kind_course_deadline": "digest", "kind_broker_inactive": "off",
                 "language": "en", "kind_exam_window_opening": "off"})
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert dict(NotificationPreference.objects.filter(user=me).values_list("kind", "choice")) == {
        "course_deadline": "digest", "broker_inactive": "off"}
    assert UserSettings.objects.get(user=me).language == "en"


def test_an_invalid_choice_is_shown_next_to_the_field(client):
    client.force_login(BrokerFactory())
    response = client.post(reverse("notifications:preferences"),
                           {"kind_practice_reviewed": "sms", "language": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["kind_practice_reviewed"]
    assert b"invalid-feedback" in response.content


def _cohort_with(trainer, *, behind: int, done: int = 0):
    from tests.courses.factories import completed

    programme = programme_with_lessons(courses=1, modules=1, lessons=1)
    cohort = CohortFactory(programme=programme, trainers=[trainer])
    lesson = programme.programme_courses.get().course.modules.get().lessons.get()
    brokers = []
    for i in range(behind + done):
        broker = BrokerFactory()
        enrol(broker, cohort)
        if i >= behind:
            completed(broker, lesson)
        brokers.append(broker)
    return cohort, brokers[:behind]


def test_a_trainer_previews_then_reminds_their_cohort_once_a_day(client):
    trainer = _staff("trainer")
    cohort, behind = _cohort_with(trainer, behind=2, done=1)
    client.force_login(trainer)
    listing = client.get(reverse("notifications:remind"))
    assert cohort.name in listing.content.decode()

    url = reverse("notifications:remind_preview", args=["courses.cohort_nudge", cohort.pk])
    preview = client.get(url)
    assert preview.status_code == 200
    assert preview.context["preview"].to_send == 2
    assert {row.user_id for row in preview.context["preview"].rows} == {b.pk for b in behind}

    response = client.post(url, {"message": "请本周内完成。"})
    assert response.status_code == 302
    notes = Notification.objects.filter(kind="cohort_nudge")
    assert {n.recipient_id for n in notes} == {b.pk for b in behind}
    assert "请本周内完成。" in shown(notes.first()).body
    again = client.post(url, {"message": "再提醒一次"}, follow=True)
    assert Notification.objects.filter(kind="cohort_nudge").count() == 2
    assert again.context["preview"].to_send == 0


def test_only_the_cohorts_trainers_and_admins_may_remind_it(client):
    owner = _staff("trainer")
    cohort, _behind = _cohort_with(owner, behind=1)
    url = reverse("notifications:remind_preview", args=["courses.cohort_nudge", cohort.pk])
    client.force_login(_staff("trainer"))
    assert client.get(url).status_code == 403
    assert client.post(url, {"message": ""}).status_code == 403
    client.force_login(BrokerFactory())
    assert client.get(url).status_code == 403
    client.force_login(_staff("admin"))
    assert client.get(url).status_code == 200
    assert not Notification.objects.exists()
    missing = reverse("notifications:remind_preview", args=["nope", cohort.pk])
    assert client.get(missing).status_code == 404


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_kind_has_an_email_preview_in_each_language(client, language):
    client.force_login(_staff("admin"))
    listing = client.get(reverse("notifications:templates"))
    assert listing.status_code == 200
    for kind in all_kinds():
        page = client.get(reverse("notifications:template_preview", args=[kind.code, language]))
        assert page.status_code == 200, kind.code
        assert page.context["preview"].subject.strip(), kind.code
        html = client.get(reverse("notifications:template_preview_html",
                                  args=[kind.code, language]))
        assert html.status_code == 200
        assert b"<html" in html.content
        policy = html["Content-Security-Policy"]
        assert "style-src 'unsafe-inline'" in policy and "script-src 'none'" in policy
    english = client.get(reverse("notifications:template_preview",
                                 args=["course_deadline", "en"]))
    assert "is due in 3 days" in english.context["preview"].subject


def test_ordinary_pages_keep_the_strict_policy(client):
    client.force_login(BrokerFactory())
    policy = client.get(reverse("notifications:centre"))["Content-Security-Policy"]
    assert "unsafe-inline" not in policy


def test_the_admins_reminder_log_filters_searches_and_resends(client, committed):
    import smtplib

    from tests.notifications.backends import outage

    admin = _staff("admin")
    broker = BrokerFactory(user__email="refused@example.test")
    outage(1, smtplib.SMTPRecipientsRefused({"refused@example.test": (550, b"unknown")}))
    committed(notify, recipients=[broker], kind="course_deadline", window="w",
              context={"course": "课程", "cohort": "班", "due_on": "2026-03-20", "days": 7,
                       "remaining": 1})
    failed = Reminder.objects.get(channel="email")
    assert failed.status == "failed"
    client.force_login(admin)
    changelist = reverse("admin:notifications_reminder_changelist")
    page = client.get(changelist + "?status__exact=failed&q=refused@example.test")
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [failed]
    assert reverse("notifications:templates").encode() in page.content

    def post_resend():
        return client.post(changelist, {"action": "resend", "_selected_action": [failed.pk]})

    response = committed(post_resend)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "sent"
    assert len(mail.outbox) == 1


def test_the_admins_notification_log_shows_each_notification_as_its_reader_sees_it(client):
    broker = BrokerFactory()
    notify(recipients=[broker], kind="course_deadline", window="w",
           context={"course": "技术合同认定登记实务", "cohort": "班", "due_on": "2026-03-20",
                    "days": 7, "remaining": 2})
    note = Notification.objects.get(recipient=broker)
    client.force_login(_staff("admin"))
    listing = client.get(reverse("admin:notifications_notification_changelist"))
    assert listing.status_code == 200
    assert "技术合同认定登记实务" in listing.content.decode()
    detail = client.get(reverse("admin:notifications_notification_change", args=[note.pk]))
    assert detail.status_code == 200
    assert "您还有 2 个课节未完成" in detail.content.decode()
