"""The notifications API: the caller's own notifications and preferences only."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from academy.notifications.models import Notification, NotificationPreference, UserSettings
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _note(user, title="结业考试即将开放", url="/exams/") -> Notification:
    return Notification.objects.create(recipient=user, kind="exam_window_opening", title=title,
                                       url=url)


def test_list_and_unread_count_are_the_callers_own(api):
    me, other = BrokerFactory(), BrokerFactory()
    _note(me, "我的")
    _note(other, "别人的")
    api.force_authenticate(me)
    listing = api.get(reverse("api-notifications")).json()
    assert [n["title"] for n in listing["results"]] == ["我的"]
    assert listing["results"][0]["url"].endswith("/exams/")
    assert listing["results"][0]["is_read"] is False
    assert api.get(reverse("api-notifications-unread-count")).json() == {"unread": 1}


def test_mark_read_and_read_all(api):
    me = BrokerFactory()
    first, _second = _note(me), _note(me)
    api.force_authenticate(me)
    response = api.post(reverse("api-notification-read", args=[first.pk]))
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert api.post(reverse("api-notification-read", args=[first.pk])).status_code == 200
    assert api.get(reverse("api-notifications") + "?unread=1").json()["count"] == 1
    assert api.post(reverse("api-notifications-read-all")).json() == {"marked": 1}
    assert api.get(reverse("api-notifications-unread-count")).json() == {"unread": 0}


def test_someone_elses_notification_is_not_found(api):
    note = _note(BrokerFactory())
    api.force_authenticate(BrokerFactory())
    assert api.post(reverse("api-notification-read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_anonymous_gets_nothing(api):
    assert api.get(reverse("api-notifications")).status_code in (401, 403)


def test_preferences_get_lists_my_roles_kinds(api):
    trainer = UserFactory(roles=["trainer"])
    totp_enrol(trainer)
    api.force_authenticate(trainer)
    payload = api.get(reverse("api-notification-preferences")).json()
    codes = {k["code"]: k for k in payload["kinds"]}
    assert "grading_backlog" in codes and "course_deadline" not in codes
    assert codes["grading_backlog"]["choices"] == ["email", "inapp", "digest", "off"]
    assert codes["daily_digest"]["mandatory"] is True
    assert payload["language"] == ""


def test_preferences_put_saves_valid_choices(api):
    me = BrokerFactory()
    api.force_authenticate(me)
    response = api.put(reverse("api-notification-preferences"),
                       {"language": "en", "choices": {"course_deadline": "off",
                                                      "session_tomorrow": "digest"}},
                       format="json")
    assert response.status_code == 200
    codes = {k["code"]: k["choice"] for k in response.json()["kinds"]}
    assert codes["course_deadline"] == "off" and codes["session_tomorrow"] == "digest"
    assert UserSettings.objects.get(user=me).language == "en"


@pytest.mark.parametrize("choices", [
    {"exam_window_opening": "off"},  # mandatory
    {"grading_backlog": "off"},  # not a broker's kind
    {"no_such_kind": "off"},
    {"practice_reviewed": "sms"},  # an extra channel, not a choice
])
def test_preferences_put_refuses_what_cannot_change(api, choices):
    me = BrokerFactory()
    api.force_authenticate(me)
    response = api.put(reverse("api-notification-preferences"), {"choices": choices},
                       format="json")
    assert response.status_code == 400
    assert list(response.json()["choices"]) == list(choices)
    assert not NotificationPreference.objects.filter(user=me).exists()


def test_preferences_put_refuses_an_unknown_language(api):
    api.force_authenticate(BrokerFactory())
    response = api.put(reverse("api-notification-preferences"), {"language": "fr"},
                       format="json")
    assert response.status_code == 400
    assert "language" in response.json()
