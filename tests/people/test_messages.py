"""People's e-mails go through the notifications service: a practice review is a normal
kind (preferences, quiet hours, digest, in-app copy), an invitation an urgent e-mail whose
link is never stored."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core import mail
from django.db import models
from django.utils import timezone

from academy.notifications.models import Notification, NotificationPreference, Reminder
from academy.people.models import Invitation
from academy.people.services import (
    invitation_create,
    practice_record_review,
    practice_review_notify,
)
from tests.factories import BrokerFactory
from tests.notices import shown
from tests.people.test_invitations import LINK_RE
from tests.people.test_practice import create

pytestmark = pytest.mark.django_db


def _reviewed(broker, admin_user):
    record = create(broker)
    practice_record_review(record_id=record.pk, reviewer=admin_user, approve=True)
    return record


def test_practice_review_is_emailed_and_shown_in_the_app(admin_user):
    broker = BrokerFactory()
    record = _reviewed(broker, admin_user)
    assert practice_review_notify(record.pk) is True
    assert [m.to for m in mail.outbox] == [[broker.email]]
    notice = shown(Notification.objects.get(recipient=broker, kind="practice_reviewed"))
    assert record.contract_name in notice.title
    assert Reminder.objects.filter(recipient=broker, kind="practice_reviewed",
                                   channel="email", status="sent").count() == 1


@pytest.mark.parametrize("choice", ["inapp", "digest", "off"])
def test_practice_review_follows_the_brokers_preference(admin_user, choice):
    broker = BrokerFactory()
    NotificationPreference.objects.create(user=broker, kind="practice_reviewed", choice=choice)
    record = _reviewed(broker, admin_user)
    assert practice_review_notify(record.pk) is True
    assert mail.outbox == []
    in_app = Notification.objects.filter(recipient=broker, kind="practice_reviewed").exists()
    assert in_app == (choice != "off")
    digest = Reminder.objects.filter(recipient=broker, kind="practice_reviewed",
                                     channel="digest").exists()
    assert digest == (choice == "digest")


def test_practice_review_email_waits_for_the_end_of_quiet_hours(admin_user, settings):
    now = timezone.localtime()
    settings.ACADEMY_NOTIFY_QUIET_START = f"{(now - datetime.timedelta(hours=1)):%H:%M}"
    settings.ACADEMY_NOTIFY_QUIET_END = f"{(now + datetime.timedelta(hours=1)):%H:%M}"
    broker = BrokerFactory()
    record = _reviewed(broker, admin_user)
    assert practice_review_notify(record.pk) is True
    assert mail.outbox == []
    email = Reminder.objects.get(recipient=broker, kind="practice_reviewed", channel="email")
    assert email.status == "pending" and email.scheduled_for > timezone.now()
    assert Notification.objects.filter(recipient=broker, kind="practice_reviewed").exists()


def test_invitation_is_sent_through_the_service_and_breaks_quiet_hours(
    admin_user, settings, django_capture_on_commit_callbacks
):
    now = timezone.localtime()
    settings.ACADEMY_NOTIFY_QUIET_START = f"{(now - datetime.timedelta(hours=1)):%H:%M}"
    settings.ACADEMY_NOTIFY_QUIET_END = f"{(now + datetime.timedelta(hours=1)):%H:%M}"
    user = BrokerFactory(user__verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(user=user, created_by=admin_user)
    (message,) = mail.outbox
    assert LINK_RE.search(message.body)
    reminder = Reminder.objects.get(recipient=user, kind="invitation")
    assert (reminder.channel, reminder.status) == ("email", "sent")
    assert (reminder.subject_type, reminder.subject_id) == ("people.invitation", invitation.pk)
    assert not Notification.objects.filter(recipient=user).exists()  # e-mail only


def _stored_text() -> str:
    """Every text and JSON value of every row of every table, as one string."""
    parts = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        if fields:
            parts.extend(str(row) for row in model.objects.values_list(*fields))
    return "\n".join(parts)


def test_the_invitation_token_is_stored_nowhere_in_plain_text(
    admin_user, django_capture_on_commit_callbacks
):
    user = BrokerFactory(user__verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(user=user, created_by=admin_user)
    (message,) = mail.outbox
    token = LINK_RE.search(message.body).group(1)
    stored = _stored_text()
    assert Invitation.objects.get(user=user).token_hash in stored  # the scan sees the hash
    assert token not in stored
