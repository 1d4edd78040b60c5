"""/api/v1/me/notification-preferences/: the caller reads and changes their own channels per
kind, the quiet-hours override and the language, under the preferences page's rules (the same
service); every refusal is a 400 naming the field, and nothing of a refused change is saved."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from academy.notifications.channels import reset_backends
from academy.notifications.demo import sms_templates_seed
from academy.notifications.models import (
    ChannelPreference,
    NotificationPreference,
    QuietHoursOverride,
    UserSettings,
)
from academy.notifications.services import phone_verification_remove
from tests.factories import BrokerFactory
from tests.notifications.conftest import local

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/notification-preferences/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def channels_on(settings, tmp_path):
    settings.ACADEMY_NOTIFY_SMS_BACKEND = "file"
    settings.ACADEMY_NOTIFY_WECOM_BACKEND = "file"
    settings.ACADEMY_NOTIFY_SMS_FILE_DIR = str(tmp_path / "sms")
    settings.ACADEMY_NOTIFY_WECOM_FILE_DIR = str(tmp_path / "wecom")
    reset_backends()
    sms_templates_seed()  # course_deadline has an approved template, practice_reviewed none
    yield
    reset_backends()


def _verified(user, phone="13912345678", wecom=""):
    UserSettings.objects.create(user=user, sms_phone=phone, wecom_userid=wecom,
                                sms_phone_verified_at=local(2026, 3, 1, 9))


def _kinds(payload) -> dict:
    return {row["code"]: row for row in payload["kinds"]}


def test_the_url_is_under_me():
    assert reverse("api-me-notification-preferences") == URL


def test_read_my_preferences(api, channels_on):
    me = BrokerFactory()
    _verified(me, wecom="wangxm")
    NotificationPreference.objects.create(user=me, kind="session_tomorrow", choice="digest")
    ChannelPreference.objects.create(user=me, kind="course_deadline", channel="sms")
    api.force_authenticate(me)
    payload = api.get(URL).json()
    assert payload["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert payload["phone"] == "139****5678" and payload["wecom_linked"] is True
    assert payload["sms_available"] and payload["wecom_available"]
    kinds = _kinds(payload)
    deadline = kinds["course_deadline"]
    assert deadline["choice"] == "email" and deadline["sms"] is True
    assert deadline["wecom"] is False
    assert deadline["channels"] == ["email", "inapp", "sms"]
    assert deadline["quiet_hours_override"] is False
    assert deadline["quiet_hours_override_fixed"] is False
    assert kinds["practice_reviewed"]["sms"] is None  # no approved template
    assert kinds["session_tomorrow"]["channels"] == ["digest", "inapp"]
    assert kinds["exam_window_closing"]["mandatory"] is True
    assert kinds["exam_window_closing"]["quiet_hours_override"] is True
    assert kinds["broker_inactive"]["quiet_hours_override_fixed"] is True
    assert "grading_backlog" not in kinds  # a trainer's kind


def test_update_channels_quiet_hours_and_language(api, channels_on):
    me = BrokerFactory()
    _verified(me)
    api.force_authenticate(me)
    response = api.patch(URL, {"language": "en", "kinds": {
        "course_deadline": {"choice": "inapp", "sms": True, "wecom": True,
                            "quiet_hours_override": True},
        "exam_window_closing": {"quiet_hours_override": False},
    }}, format="json")
    assert response.status_code == 200, response.json()
    kinds = _kinds(response.json())
    assert kinds["course_deadline"]["channels"] == ["inapp", "sms"]  # WeCom not linked yet
    assert kinds["course_deadline"]["wecom"] is True
    assert response.json()["language"] == "en"
    assert NotificationPreference.objects.get(user=me).choice == "inapp"
    assert set(ChannelPreference.objects.filter(user=me).values_list("channel", flat=True)) \
        == {"sms", "wecom"}
    assert dict(QuietHoursOverride.objects.filter(user=me).values_list("kind", "allowed")) \
        == {"course_deadline": True, "exam_window_closing": False}

    # Only what is named changes; turning SMS off and the default choice back store nothing.
    response = api.patch(URL, {"kinds": {"course_deadline": {"sms": False,
                                                             "choice": "email"}}},
                         format="json")
    assert response.status_code == 200
    assert not NotificationPreference.objects.filter(user=me).exists()
    assert list(ChannelPreference.objects.filter(user=me).values_list("channel", flat=True)) \
        == ["wecom"]
    assert QuietHoursOverride.objects.filter(user=me).count() == 2


@pytest.mark.parametrize("kinds,field,part", [
    ({"course_deadline": {"sms": True}}, "course_deadline", "sms"),  # no verified phone
    ({"practice_reviewed": {"sms": True}}, "practice_reviewed", "sms"),  # no template
    ({"exam_window_opening": {"choice": "off"}}, "exam_window_opening", "choice"),  # mandatory
    ({"course_deadline": {"choice": "sms"}}, "course_deadline", "choice"),  # not a choice
    ({"broker_inactive": {"quiet_hours_override": True}}, "broker_inactive",
     "quiet_hours_override"),  # never urgent
    ({"daily_digest": {"quiet_hours_override": False}}, "daily_digest",
     "quiet_hours_override"),  # always through
])
def test_each_refusal_is_a_400_on_its_field_and_saves_nothing(api, channels_on, kinds, field,
                                                               part):
    me = BrokerFactory()
    api.force_authenticate(me)
    body = {"language": "en", "kinds": {**kinds, "cohort_deadline": {"choice": "off"}}}
    response = api.patch(URL, body, format="json")
    assert response.status_code == 400
    errors = response.json()["kinds"]
    assert list(errors) == [field] and list(errors[field]) == [part]
    assert isinstance(errors[field][part][0], str) and errors[field][part][0]
    # All or nothing: the valid parts of the request were not saved either.
    assert not NotificationPreference.objects.filter(user=me).exists()
    assert not ChannelPreference.objects.filter(user=me).exists()
    assert not QuietHoursOverride.objects.filter(user=me).exists()
    assert not UserSettings.objects.filter(user=me, language="en").exists()


def test_sms_refusal_says_to_confirm_a_number(api, channels_on):
    api.force_authenticate(BrokerFactory())
    from django.utils import translation

    response = api.patch(URL, {"kinds": {"course_deadline": {"sms": True}}}, format="json")
    with translation.override("zh-hans"):  # the interface's default language
        expected = translation.gettext("Confirm a mobile number before choosing SMS.")
    assert expected != "Confirm a mobile number before choosing SMS."
    assert response.json()["kinds"]["course_deadline"]["sms"] == [expected]


@pytest.mark.parametrize("body,key", [
    ({"kinds": {"grading_backlog": {"choice": "off"}}}, "kinds"),  # a trainer's kind
    ({"kinds": {"no_such_kind": {"choice": "off"}}}, "kinds"),
    ({"language": "fr"}, "language"),
    ({"kinds": {"course_deadline": {"sms": "maybe"}}}, "kinds"),  # not a boolean
])
def test_unknown_kinds_languages_and_bad_values_are_refused(api, body, key):
    api.force_authenticate(BrokerFactory())
    response = api.patch(URL, body, format="json")
    assert response.status_code == 400
    assert key in response.json()


def test_wecom_is_refused_while_it_is_off(api):
    api.force_authenticate(BrokerFactory())
    response = api.patch(URL, {"kinds": {"course_deadline": {"wecom": True}}}, format="json")
    assert response.status_code == 400
    assert "wecom" in response.json()["kinds"]["course_deadline"]


def test_removing_the_phone_drops_the_sms_choices(api, channels_on):
    me = BrokerFactory()
    _verified(me)
    api.force_authenticate(me)
    api.patch(URL, {"kinds": {"course_deadline": {"sms": True}}}, format="json")
    phone_verification_remove(user=me)
    kinds = _kinds(api.get(URL).json())
    assert kinds["course_deadline"]["sms"] is False


def test_another_users_preferences_are_unreachable(api, channels_on):
    me, other = BrokerFactory(), BrokerFactory()
    _verified(other)
    ChannelPreference.objects.create(user=other, kind="course_deadline", channel="sms")
    api.force_authenticate(me)
    # No address names anyone else, and a user field in the body or query is ignored.
    for body in ({"user": other.pk, "kinds": {"course_deadline": {"choice": "off"}}},
                 {"kinds": {"course_deadline": {"choice": "off"}}, "user_id": other.pk}):
        assert api.patch(URL + f"?user={other.pk}", body, format="json").status_code == 200
    payload = api.get(URL + f"?user={other.pk}").json()
    assert payload["phone"] == ""  # mine: no number
    assert _kinds(payload)["course_deadline"]["sms"] is False
    assert not NotificationPreference.objects.filter(user=other).exists()
    assert NotificationPreference.objects.get(user=me).choice == "off"
    assert api.get(URL.rstrip("/") + f"/{other.pk}/").status_code == 404


def test_anonymous_callers_get_nothing(api):
    assert api.get(URL).status_code in (401, 403)
    assert api.patch(URL, {"language": "en"}, format="json").status_code in (401, 403)


def test_the_schema_documents_the_endpoint(api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = schema["paths"][URL]
    assert set(operations) >= {"get", "patch"}
    components = schema["components"]["schemas"]
    kind = components["MyKindPreference"]["properties"]
    assert {"choice", "sms", "wecom", "quiet_hours_override", "channels"} <= set(kind)
    assert "400" in operations["patch"]["responses"]
