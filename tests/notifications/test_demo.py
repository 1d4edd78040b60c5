"""The demo's notifications are the product's own reminders over the seeded data: each one
names objects that exist, with their titles and dates, and was true on the day it is dated."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from academy.notifications.demo import BROKER, TRAINER
from academy.notifications.models import Notification, Reminder
from courses.models import Cohort
from exams.models import Attempt, Sitting

pytestmark = pytest.mark.django_db


def _local(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _subject(reminder: Reminder):
    model = apps.get_model(reminder.subject_type)
    return model.objects.get(pk=reminder.subject_id)  # raises if it does not exist


def _check_sitting(reminder: Reminder, sent: datetime.datetime) -> None:
    sitting = _subject(reminder)
    assert reminder.context["sitting"] == sitting.title
    if reminder.kind == "exam_window_opening":
        assert reminder.context["opens_at"] == _local(sitting.opens_at)
        assert reminder.context["closes_at"] == _local(sitting.closes_at)
        assert sent < sitting.opens_at  # announced before it opened, never after
        assert not Attempt.objects.filter(sitting=sitting, user_id=reminder.recipient_id,
                                          started_at__lte=sent).exists()
    else:
        assert reminder.context["closes_at"] == _local(sitting.closes_at)
        assert sitting.opens_at <= sent < sitting.closes_at


def _check(reminder: Reminder) -> None:  # noqa: C901 - one branch per kind
    sent = reminder.sent_at
    kind, context, recipient = reminder.kind, reminder.context, reminder.recipient_id
    if kind in ("exam_window_opening", "exam_window_closing"):
        _check_sitting(reminder, sent)
    elif kind == "session_tomorrow":
        session = _subject(reminder)
        assert context["session"] == session.title and context["cohort"] == session.cohort.name
        assert context["starts_at"] == _local(session.starts_at)
        assert timezone.localdate(session.starts_at) == timezone.localdate(sent) \
            + datetime.timedelta(days=1)
        assert session.cohort.enrolments.filter(user_id=recipient).exists()
    elif kind == "course_deadline":
        deadline = _subject(reminder)
        assert context["course"] == deadline.course.title
        assert context["cohort"] == deadline.cohort.name
        assert context["due_on"] == f"{deadline.due_on:%Y-%m-%d}"
        assert (deadline.due_on - timezone.localdate(sent)).days == context["days"] >= 0
        assert deadline.cohort.enrolments.filter(user_id=recipient).exists()
    elif kind == "cohort_deadline":
        cohort = _subject(reminder)
        assert context["cohort"] == cohort.name
        assert context["ends_on"] == f"{cohort.ends_on:%Y-%m-%d}"
    elif kind == "exam_result_released":
        attempt = _subject(reminder)
        assert attempt.user_id == recipient and context["sitting"] == attempt.sitting.title
        assert attempt.released_at <= sent
    elif kind == "practice_reviewed":
        record = _subject(reminder)
        assert record.broker_id == recipient and context["contract"] == record.contract_name
        assert record.reviewed_at <= sent
    elif kind == "certificate_issued":
        certificate = _subject(reminder)
        assert certificate.broker_id == recipient and context["serial"] == certificate.serial
    elif kind == "trainer_overdue_digest":
        for row in context["cohorts"]:
            assert Cohort.objects.filter(name=row["name"], trainers=recipient).exists(), row
    elif kind == "grading_backlog":
        for row in context["sittings"]:
            assert Sitting.objects.filter(title=row["title"]).exists(), row
            waiting_since = sent - datetime.timedelta(days=context["days"])
            assert Attempt.objects.filter(sitting__title=row["title"],
                                          submitted_at__lte=waiting_since).exists(), row
    elif kind == "practice_waiting_review":
        assert context["oldest"] <= f"{timezone.localdate(sent):%Y-%m-%d}"
    else:
        pytest.fail(f"a demo notification of a kind this test does not check: {kind}")


def test_every_demo_notification_names_seeded_objects_with_their_titles_and_dates():
    call_command("seed_demo", "--force", stdout=StringIO())

    reminders = list(Reminder.objects.filter(channel="inapp"))
    # Every notification is a reminder of the log (no hand-made ones), at its moment.
    assert len(reminders) == Notification.objects.count()
    assert sorted(r.sent_at for r in reminders) \
        == sorted(Notification.objects.values_list("created_at", flat=True))
    for reminder in reminders:
        _check(reminder)
    kinds = {r.kind for r in reminders}
    assert {"session_tomorrow", "course_deadline", "exam_window_opening",
            "trainer_overdue_digest"} <= kinds, kinds
    for email in (BROKER, TRAINER):
        assert Notification.objects.filter(recipient__email=email).exists(), email


def test_seeding_the_demo_twice_sends_nothing_new():
    call_command("seed_demo", "--force", stdout=StringIO())
    before = (Reminder.objects.count(), Notification.objects.count())

    call_command("seed_demo", "--force", stdout=StringIO())

    assert (Reminder.objects.count(), Notification.objects.count()) == before
