"""Invitations: one e-mail per invitation, a link that works once, sets a password, signs in."""

from __future__ import annotations

import datetime
import hashlib
import re
import smtplib

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from academy.people import tasks
from academy.people.models import Invitation, User
from academy.people.services.invitations import (
    InvitationInvalid,
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_send,
)
from tests.factories import BrokerFactory

NEW_PASSWORD = "Zhiyuan-Lingbao-2026"
LINK_RE = re.compile(r"https?://\S+/people/invitation/([\w-]+)/")


@pytest.fixture
def invited(db, admin_user, django_capture_on_commit_callbacks, settings):
    """A broker created by the bureau (no password, unverified e-mail) and their sent invitation.

    Returns (user, token) where token is read from the e-mail, as the person would.
    """
    settings.ACADEMY_SITE_URL = "https://academy.smx.example.gov.cn/"
    user = BrokerFactory(user__password=None, user__verified=False,
                         user__email="wangfang@example.test", user__full_name="王芳")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(user=user, created_by=admin_user)
    (message,) = mail.outbox
    token = LINK_RE.search(message.body).group(1)
    return user, token


def test_invitation_email_has_subject_text_html_and_an_absolute_link(invited):
    user, token = invited
    (message,) = mail.outbox
    assert message.to == ["wangfang@example.test"]
    assert message.subject and "\n" not in message.subject
    assert "王芳" in message.body
    link = f"https://academy.smx.example.gov.cn/people/invitation/{token}/"
    assert link in message.body
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html" and link in html


def test_only_the_hash_of_the_token_is_stored(invited):
    user, token = invited
    invitation = Invitation.objects.get(user=user)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert invitation.sent_at is not None
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=13)


def test_accept_page_greets_the_person_without_login(client, invited):
    user, token = invited
    response = client.get(reverse("people:invitation_accept", args=[token]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "王芳" in html and 'name="new_password1"' in html and 'name="new_password2"' in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_accept_sets_password_verifies_email_and_logs_in(client, invited):
    user, token = invited
    assert not EmailAddress.objects.get(user=user).verified
    response = client.post(reverse("people:invitation_accept", args=[token]),
                           {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert address.verified and address.primary
    assert int(client.session[SESSION_KEY]) == user.pk
    assert Invitation.objects.get(user=user).accepted_at is not None
    event = AuditEvent.objects.get(action="people.invitation_accepted")
    assert event.person_id == user.pk and event.actor_id == user.pk
    home = client.get(reverse("home"))
    assert home.status_code == 200


def test_after_accepting_the_person_can_log_in_with_the_password(client, invited):
    user, token = invited
    invitation_accept(token=token, password=NEW_PASSWORD)
    response = client.post(reverse("account_login"),
                           {"login": "wangfang@example.test", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == user.pk


def test_reused_token_is_refused(client, invited):
    user, token = invited
    url = reverse("people:invitation_accept", args=[token])
    client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()
    response = client.get(url)
    assert response.status_code == 410
    assert "already been used" in client.get("/en" + url).content.decode()
    response = client.post(url, {"new_password1": "Other-Password-2026",
                                 "new_password2": "Other-Password-2026"})
    assert response.status_code == 410
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    with pytest.raises(InvitationInvalid) as excinfo:
        invitation_accept(token=token, password="Other-Password-2026")
    assert excinfo.value.reason == "accepted"


def test_expired_token_is_refused(client, invited):
    user, token = invited
    Invitation.objects.filter(user=user).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    url = "/en" + reverse("people:invitation_accept", args=[token])
    response = client.get(url)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 410
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert SESSION_KEY not in client.session
    with pytest.raises(InvitationInvalid) as excinfo:
        invitation_accept(token=token, password=NEW_PASSWORD)
    assert excinfo.value.reason == "expired"


def test_unknown_token_gives_a_clear_page(client, db):
    response = client.get("/en" + reverse("people:invitation_accept", args=["no-such-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_deactivated_person_cannot_accept(client, invited):
    user, token = invited
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(reverse("people:invitation_accept", args=[token])).status_code == 404


@pytest.mark.parametrize(
    ("password1", "password2", "field"),
    [("12345", "12345", "new_password2"),          # too short, numeric, common
     (NEW_PASSWORD, NEW_PASSWORD + "x", "new_password2"),
     ("wangfang@example", "wangfang@example", "new_password2")],  # too like the e-mail
)
def test_weak_or_mismatched_password_is_refused_inline(client, invited, password1, password2,
                                                       field):
    user, token = invited
    url = reverse("people:invitation_accept", args=[token])
    response = client.post(url, {"new_password1": password1, "new_password2": password2})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "is-invalid" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert Invitation.objects.get(user=user).accepted_at is None


# --- Sending --------------------------------------------------------------------------------------


def test_sending_twice_sends_one_email(invited):
    user, token = invited
    invitation = Invitation.objects.get(user=user)
    assert invitation_send(invitation.pk) is False
    tasks.invitation_send.delay(invitation.pk)
    tasks.invitation_send.apply(args=[invitation.pk])
    assert len(mail.outbox) == 1
    assert Invitation.objects.get(pk=invitation.pk).token_hash == invitation.token_hash


def test_creating_twice_keeps_one_open_invitation(invited, admin_user,
                                                  django_capture_on_commit_callbacks):
    user, _ = invited
    with django_capture_on_commit_callbacks(execute=True):
        again = invitation_create(user=user, created_by=admin_user)
    assert Invitation.objects.filter(user=user).count() == 1
    assert again == Invitation.objects.get(user=user)
    assert len(mail.outbox) == 1


def test_mail_server_failure_records_nothing_and_the_task_retries(
    db, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    user = BrokerFactory(user__verified=False)
    original = EmailMultiAlternatives.send
    calls = {"n": 0}

    def flaky_send(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)
    invitation = invitation_create(user=user, created_by=admin_user, send=False)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        invitation_send(invitation.pk)
    invitation.refresh_from_db()
    assert invitation.sent_at is None and invitation.token_hash == ""
    # The Celery task retries the same failure by itself (here eagerly, without the backoff
    # wait; throw=False as a worker would catch the Retry rather than propagate it).
    calls["n"] = 0
    tasks.invitation_send.apply(args=[invitation.pk], throw=False)
    assert calls["n"] == 2
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_task_is_late_acknowledged_and_retries_are_bounded():
    task = tasks.invitation_send
    assert task.acks_late is True
    assert 0 < task.max_retries <= 10
    assert smtplib.SMTPException in task.autoretry_for
    assert task.retry_backoff
    assert "twice" in task.__doc__


def test_nothing_is_sent_when_the_transaction_rolls_back(db, admin_user,
                                                         django_capture_on_commit_callbacks):
    user = BrokerFactory(user__verified=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation_create(user=user, created_by=admin_user)
    assert len(callbacks) == 1 and mail.outbox == []


# --- Resending from the Django admin --------------------------------------------------------------


def test_admin_resend_sends_a_new_link_and_voids_the_old_one(
    client, invited, admin_user, mfa_enrolled, django_capture_on_commit_callbacks
):
    user, old_token = invited
    invitation = Invitation.objects.get(user=user)
    mfa_enrolled(admin_user)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:people_invitation_changelist"), {
            "action": "resend", "_selected_action": [invitation.pk],
        })
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    new_token = LINK_RE.search(mail.outbox[1].body).group(1)
    assert new_token != old_token
    client.logout()
    assert client.get(reverse("people:invitation_accept", args=[old_token])).status_code == 404
    assert client.get(reverse("people:invitation_accept", args=[new_token])).status_code == 200
    event = AuditEvent.objects.get(action="people.invitation_resent")
    assert event.actor_id == admin_user.pk and event.person_id == user.pk


def test_accepted_invitation_is_not_resent(invited, admin_user):
    user, token = invited
    invitation_accept(token=token, password=NEW_PASSWORD)
    invitation = Invitation.objects.get(user=user)
    with pytest.raises(ApplicationError):
        invitation_resend(invitation_id=invitation.pk, actor=admin_user)


def test_admin_shows_the_token_hash_read_only(client, invited, admin_user, mfa_enrolled):
    user, _ = invited
    invitation = Invitation.objects.get(user=user)
    mfa_enrolled(admin_user)
    client.force_login(admin_user)
    response = client.get(reverse("admin:people_invitation_change", args=[invitation.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert invitation.token_hash in html
    assert 'name="token_hash"' not in html
