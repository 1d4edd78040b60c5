"""Calendar feeds: the private feed URL, what each person sees, .ics downloads, and events
that change in place (same UID, higher SEQUENCE) when a date moves."""

from __future__ import annotations

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from academy.notifications.services import calendar_token_reset
from tests.courses.factories import DeadlineFactory, OfflineSessionFactory, enrol
from tests.exams.factories import SittingFactory, trainer_user
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


def whole_seconds(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(microsecond=0)


def events_of(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def feed(client, user):
    token = calendar_token_reset(user=user)
    return client.get(reverse("calendar_feed", args=[token]))


def test_a_broker_feed_holds_sessions_exam_windows_and_deadlines(client):
    broker = BrokerFactory()
    session = OfflineSessionFactory()
    enrol(broker, session.cohort)
    deadline = DeadlineFactory(cohort=session.cohort)
    sitting = SittingFactory(cohort=session.cohort)
    OfflineSessionFactory()  # another cohort's: not in the feed

    events = events_of(feed(client, broker))

    uids = {uid.split("@")[0] for uid in events}
    assert uids == {f"courses-session-{session.pk}", f"courses-deadline-{deadline.pk}",
                    f"exams-sitting-{sitting.pk}"}
    by_uid = {uid.split("@")[0]: e for uid, e in events.items()}
    assert by_uid[f"courses-session-{session.pk}"].decoded("dtstart") == whole_seconds(session.starts_at)
    assert str(by_uid[f"courses-session-{session.pk}"]["LOCATION"]) == session.place
    assert by_uid[f"courses-deadline-{deadline.pk}"].decoded("dtstart") == deadline.due_on
    assert by_uid[f"exams-sitting-{sitting.pk}"].decoded("dtend") == whole_seconds(sitting.closes_at)


def test_a_trainer_feed_holds_their_sessions_and_grading_deadlines(client):
    trainer = trainer_user()
    session = OfflineSessionFactory(cohort__trainers=[trainer])
    sitting = SittingFactory(graders=[trainer])
    events = {uid.split("@")[0] for uid in events_of(feed(client, trainer))}
    assert events == {f"courses-session-{session.pk}", f"exams-grading-{sitting.pk}"}


def test_certificate_expiry_is_in_the_holders_feed(client):
    from certificates.models.issued import Certificate
    from tests.factories import level

    broker = BrokerFactory()
    certificate = Certificate.objects.create(
        broker=broker, level=level(), serial="4112-J-2026-00001X", holder_name="王",
        issued_at=timezone.now(), valid_from=datetime.date(2026, 3, 1),
        valid_until=datetime.date(2029, 3, 1))
    events = {uid.split("@")[0]: e for uid, e in events_of(feed(client, broker)).items()}
    assert events[f"certificates-expiry-{certificate.pk}"].decoded("dtstart") == \
        datetime.date(2029, 3, 1)


def test_moving_a_session_keeps_its_uid_and_raises_its_sequence(client):
    broker = BrokerFactory()
    session = OfflineSessionFactory()
    enrol(broker, session.cohort)
    token = calendar_token_reset(user=broker)
    url = reverse("calendar_feed", args=[token])

    first = {u: e for u, e in events_of(client.get(url)).items() if "session" in u}
    again = {u: e for u, e in events_of(client.get(url)).items() if "session" in u}
    session.starts_at += datetime.timedelta(days=2)
    session.ends_at += datetime.timedelta(days=2)
    session.save(update_fields=["starts_at", "ends_at"])
    moved = {u: e for u, e in events_of(client.get(url)).items() if "session" in u}

    [uid] = first
    assert list(moved) == [uid]
    assert int(first[uid]["SEQUENCE"]) == int(again[uid]["SEQUENCE"]) == 0
    assert int(moved[uid]["SEQUENCE"]) == 1
    assert moved[uid].decoded("dtstart") == whole_seconds(session.starts_at)


def test_a_reset_token_closes_the_old_feed(client):
    broker = BrokerFactory()
    old = calendar_token_reset(user=broker)
    new = calendar_token_reset(user=broker)
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200
    assert client.get(reverse("calendar_feed", args=["x" * 43])).status_code == 404


def test_the_preferences_page_shows_the_feed_url_and_resets_it(client):
    broker = BrokerFactory()
    client.force_login(broker)
    client.post(reverse("notifications:calendar_reset"))
    page = client.get(reverse("notifications:preferences"))
    url = page.context["calendar_url"]
    assert "/calendar/" in url and url.endswith(".ics")
    client.post(reverse("notifications:calendar_reset"))
    assert client.get(reverse("notifications:preferences")).context["calendar_url"] != url


def test_ics_downloads_of_a_session_and_a_sitting(client):
    broker = BrokerFactory()
    session = OfflineSessionFactory()
    sitting = SittingFactory(cohort=session.cohort)
    client.force_login(broker)
    assert client.get(reverse("courses:session_ics", args=[session.pk])).status_code == 403
    assert client.get(reverse("exams:sitting_ics", args=[sitting.pk])).status_code == 404
    enrol(broker, session.cohort)
    [event] = events_of(client.get(reverse("courses:session_ics", args=[session.pk]))).values()
    assert str(event["SUMMARY"]) == session.title
    [event] = events_of(client.get(reverse("exams:sitting_ics", args=[sitting.pk]))).values()
    assert event.decoded("dtstart") == whole_seconds(sitting.opens_at)


def test_the_preferences_page_gives_the_feed_address_on_the_site_url(client, settings):
    settings.ACADEMY_SITE_URL = "https://academy.example.cn:8443"
    broker = BrokerFactory()
    token = calendar_token_reset(user=broker)
    client.force_login(broker)
    response = client.get(reverse("notifications:preferences"), HTTP_HOST="testserver")
    assert response.context["calendar_url"] == (
        "https://academy.example.cn:8443" + reverse("calendar_feed", args=[token]))
    assert 'value="https://academy.example.cn:8443/calendar/' in response.content.decode()
