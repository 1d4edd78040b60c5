"""Phone numbers are verified by an SMS code before any SMS goes to them; the channel
preferences per kind."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from academy.errors import ApplicationError
from academy.notifications.channels import reset_backends
from academy.notifications.demo import sms_templates_seed
from academy.notifications.models import ChannelPreference, Reminder, UserSettings
from academy.notifications.services import (
    phone_verification_confirm,
    phone_verification_start,
)
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_files(settings, tmp_path):
    settings.ACADEMY_NOTIFY_SMS_BACKEND = "file"
    settings.ACADEMY_NOTIFY_WECOM_BACKEND = "file"
    settings.ACADEMY_NOTIFY_SMS_FILE_DIR = str(tmp_path / "sms")
    settings.ACADEMY_NOTIFY_WECOM_FILE_DIR = str(tmp_path / "wecom")
    reset_backends()
    sms_templates_seed()
    yield tmp_path / "sms"
    reset_backends()


def sent_code(folder) -> str:
    newest = sorted(folder.iterdir())[-1]
    return json.loads(newest.read_text())["params"]["code"]


def test_a_number_is_confirmed_by_the_code_sent_to_it(_sms_files):
    broker = BrokerFactory()
    phone_verification_start(user=broker, phone="+86 139 1234 5678")
    code = sent_code(_sms_files)
    assert re.fullmatch(r"\d{6}", code)
    assert not UserSettings.objects.filter(user=broker).exclude(sms_phone="").exists()

    assert phone_verification_confirm(user=broker, code=code) == "13912345678"
    own = UserSettings.objects.get(user=broker)
    assert own.sms_phone == "13912345678" and own.sms_phone_verified_at is not None
    log = Reminder.objects.get(recipient=broker, kind="phone_verification")
    assert (log.channel, log.status) == ("sms", "sent")
    assert code not in json.dumps(log.context)  # the log never holds the code


def test_wrong_codes_count_and_run_out(_sms_files, settings):
    broker = BrokerFactory()
    phone_verification_start(user=broker, phone="13912345678")
    code = sent_code(_sms_files)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(settings.ACADEMY_NOTIFY_PHONE_CODE_ATTEMPTS
                          if hasattr(settings, "ACADEMY_NOTIFY_PHONE_CODE_ATTEMPTS") else 5):
        with pytest.raises(ApplicationError):
            phone_verification_confirm(user=broker, code=wrong)
    with pytest.raises(ApplicationError):
        phone_verification_confirm(user=broker, code=code)  # too late: exhausted
    assert not UserSettings.objects.filter(user=broker).exclude(sms_phone="").exists()


def test_an_invalid_number_or_a_second_code_within_a_minute_is_refused():
    broker = BrokerFactory()
    with pytest.raises(ApplicationError):
        phone_verification_start(user=broker, phone="12345")
    phone_verification_start(user=broker, phone="13912345678")
    with pytest.raises(ApplicationError):
        phone_verification_start(user=broker, phone="13912345678")


def test_verification_through_the_preferences_page(client, _sms_files):
    broker = BrokerFactory()
    client.force_login(broker)
    client.post(reverse("notifications:phone_start"), {"phone": "13912345678"})
    page = client.get(reverse("notifications:preferences"))
    assert page.context["channels"].phone_pending == "139****5678"
    client.post(reverse("notifications:phone_confirm"), {"code": sent_code(_sms_files)})
    page = client.get(reverse("notifications:preferences"))
    assert page.context["channels"].phone == "139****5678"
    assert "13912345678" not in page.content.decode()


def test_channel_choices_per_kind_are_saved_from_the_page(client):
    from django.utils import timezone

    broker = BrokerFactory()
    client.force_login(broker)
    page = client.get(reverse("notifications:preferences"))
    rows = {row.kind.code: row for row in page.context["channels"].rows}
    assert rows["course_deadline"].sms is False  # approved template: may choose
    assert "broker_inactive" not in rows or rows["broker_inactive"].sms is None
    # Without a verified number the SMS boxes are disabled and a forged tick changes nothing.
    assert 'name="sms:course_deadline"' in page.content.decode()
    assert re.search(r'name="sms:course_deadline"[^>]*disabled', page.content.decode())
    client.post(reverse("notifications:preferences_channels"), {"sms:course_deadline": "on"})
    assert not ChannelPreference.objects.filter(user=broker).exists()
    UserSettings.objects.create(user=broker, sms_phone="13912345678",
                                sms_phone_verified_at=timezone.now())
    client.post(reverse("notifications:preferences_channels"),
                {"sms:course_deadline": "on", "wecom:session_tomorrow": "on",
                 "sms:no_such_kind": "on"})
    assert set(ChannelPreference.objects.filter(user=broker).values_list("kind", "channel")) \
        == {("course_deadline", "sms"), ("session_tomorrow", "wecom")}
    client.post(reverse("notifications:preferences_channels"), {"sms:course_deadline": "on"})
    assert set(ChannelPreference.objects.filter(user=broker).values_list("kind", "channel")) \
        == {("course_deadline", "sms")}


def test_sms_without_a_verified_number_is_refused_by_the_service():
    """The rule is the service's (page and API): a forged request is refused too."""
    from academy.notifications.services import KindPreferenceChange, notification_preferences_update

    broker = BrokerFactory()
    with pytest.raises(ApplicationError):
        notification_preferences_update(
            user=broker, kinds={"course_deadline": KindPreferenceChange(sms=True)})
    assert not ChannelPreference.objects.filter(user=broker).exists()
