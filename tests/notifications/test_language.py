"""An in-app notification reads in the reader's language of the moment, whatever language it
was sent in."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from academy.notifications.models import Notification
from academy.notifications.services import notify
from tests.factories import BrokerFactory
from tests.ui.test_translations import visible_text

pytestmark = pytest.mark.django_db


def test_the_centre_shows_a_notification_in_the_language_the_reader_switched_to(client):
    broker = BrokerFactory()
    notify(recipients=[broker], kind="broker_inactive", window="w1",
           context={"days": 21, "cohort": "2026年第一期中级培训班"}, url=reverse("courses:my_programme"))
    stored = Notification.objects.get(recipient=broker)
    assert stored.context["days"] == 21
    client.force_login(broker)
    chinese = visible_text(client.get(reverse("notifications:centre")).content.decode())
    english = visible_text(client.get("/en" + reverse("notifications:centre")).content.decode())
    assert "We have not seen you for 21 days" in english
    assert "We have not seen you for 21 days" not in chinese
    assert "21" in chinese


def test_a_notification_without_context_keeps_its_stored_text(client):
    broker = BrokerFactory()
    Notification.objects.create(recipient=broker, kind="broker_inactive", title="旧的通知",
                                body="正文")
    client.force_login(broker)
    english = client.get("/en" + reverse("notifications:centre")).content.decode()
    assert "旧的通知" in english


def test_delivery_stores_the_kinds_label_and_the_api_renders_the_text():
    broker = BrokerFactory()
    notify(recipients=[broker], kind="broker_inactive", window="w1",
           context={"days": 21, "cohort": "2026年第一期中级培训班"}, url=reverse("courses:my_programme"))
    stored = Notification.objects.get(recipient=broker)
    assert (stored.title, stored.body) == ("较长时间未学习", "")  # the label: nothing rendered
    api = APIClient()
    api.force_authenticate(broker)
    listed = api.get(reverse("api-notifications")).json()["results"][0]
    assert listed["title"] == "您已有 21 天没有登录学习"
    assert "2026年第一期中级培训班" in listed["body"]
    read = api.post(reverse("api-notification-read", args=[stored.pk])).json()
    assert (read["title"], read["body"], read["is_read"]) == (listed["title"], listed["body"], True)


def test_a_notification_without_context_is_stored_as_delivery_could_render_it():
    broker = BrokerFactory()
    notify(recipients=[broker], kind="broker_inactive", window="w1", context={})
    stored = Notification.objects.get(recipient=broker)
    assert stored.title == "较长时间未学习"  # its templates need values it does not have
