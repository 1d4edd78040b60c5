"""The server logs an offline gap by itself: an answer that reaches it long after it was given
(its client_ts older than the sitting's offline threshold) is one ``offline_save`` event per
gap, whether the save is retried, other answers of the same gap follow, or the page reports
the gap too. A normal save logs nothing and costs no extra query."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from exams.models import Attempt, AttemptEvent
from exams.services.integrity import attempt_events_record, attempts_integrity
from tests.exams.factories import start, submit
from tests.exams.test_api import items_by_type

pytestmark = pytest.mark.django_db

GAP = AttemptEvent.Kind.OFFLINE_SAVE


def _ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _put(client, attempt, item_id, value, client_ts, sent_ts=None, **extra):
    body = {"value": value, "client_ts": client_ts}
    if sent_ts is not None:
        body["sent_ts"] = sent_ts
    return client.put(reverse("api-exams-answer-save", args=[attempt.pk, item_id]),
                      data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def attempt(sitting, candidate):
    """An attempt started 20 minutes ago (its deadline an hour after the start)."""
    attempt = start(sitting, candidate)
    began = timezone.now() - datetime.timedelta(minutes=20)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=began, deadline=began + datetime.timedelta(hours=1))
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def broker_client(client, candidate):
    client.force_login(candidate)
    return client


def _gaps(attempt):
    return list(AttemptEvent.objects.filter(attempt=attempt, kind=GAP))


def test_an_old_answer_is_logged_once_even_when_the_save_is_retried(broker_client, attempt):
    item_id = items_by_type(attempt)["single"]
    now = timezone.now()
    given = _ms(now - datetime.timedelta(minutes=5))
    first = _put(broker_client, attempt, item_id, "B", given, sent_ts=_ms(now))
    assert first.status_code == 200 and first.json()["saved"] is True
    [event] = _gaps(attempt)
    assert event.detail["seen_by"] == ["server"] and event.item_id == item_id
    assert 299 <= event.duration_seconds <= 301
    # The response was lost: the page sends the same answer again, four seconds later.
    with time_machine.travel(now + datetime.timedelta(seconds=4)):
        retried = _put(broker_client, attempt, item_id, "B", given, sent_ts=_ms(now) + 4000)
    assert retried.status_code == 200 and retried.json()["saved"] is True
    assert _gaps(attempt) == [event]
    again = _gaps(attempt)[0]
    # The same span: the answer's storing time, its age measured again (by the request's
    # travel, a moment's difference at most).
    assert again.occurred_at == event.occurred_at
    assert abs(again.duration_ms - event.duration_ms) < 2000


def test_the_answers_of_one_gap_and_the_pages_report_make_one_event(broker_client, attempt,
                                                                     candidate):
    items = items_by_type(attempt)
    now = timezone.now()
    _put(broker_client, attempt, items["single"], "B",
         _ms(now - datetime.timedelta(minutes=6)), sent_ts=_ms(now))
    _put(broker_client, attempt, items["truefalse"], True,
         _ms(now - datetime.timedelta(minutes=4)), sent_ts=_ms(now) + 300)
    # The page reports, half a second after the connection came back, a 7-minute gap.
    recorded = attempt_events_record(attempt_id=attempt.pk, user=candidate, events=[
        {"kind": "offline_save", "duration_ms": 420_000, "ago_ms": 0}])
    assert recorded == 1
    [event] = _gaps(attempt)
    assert event.detail["seen_by"] == ["page", "server"]
    assert 419 <= event.duration_seconds <= 422
    summary = attempts_integrity([Attempt.objects.select_related("sitting").get(
        pk=attempt.pk)])[attempt.pk]
    assert summary.offline_saves == 1 and summary.flagged
    assert attempt.status == Attempt.Status.IN_PROGRESS  # flagged, never failed


def test_the_pages_report_first_then_the_old_answer_make_one_event(broker_client, attempt,
                                                                    candidate):
    item_id = items_by_type(attempt)["short"]
    attempt_events_record(attempt_id=attempt.pk, user=candidate, events=[
        {"kind": "offline_save", "duration_ms": 300_000, "ago_ms": 200}])
    now = timezone.now()
    _put(broker_client, attempt, item_id, "离线时写的答案",
         _ms(now - datetime.timedelta(minutes=3)), sent_ts=_ms(now))
    [event] = _gaps(attempt)
    assert event.detail["seen_by"] == ["page", "server"] and event.item_id == item_id


def test_two_gaps_are_two_events(broker_client, attempt):
    items = items_by_type(attempt)
    now = timezone.now()
    earlier = now - datetime.timedelta(minutes=12)
    with time_machine.travel(earlier):
        _put(broker_client, attempt, items["single"], "A",
             _ms(earlier - datetime.timedelta(minutes=3)), sent_ts=_ms(earlier))
    _put(broker_client, attempt, items["truefalse"], False,
         _ms(now - datetime.timedelta(minutes=5)), sent_ts=_ms(now))
    assert len(_gaps(attempt)) == 2


def test_a_normal_save_logs_nothing_and_costs_no_query_more(broker_client, attempt):
    item_id = items_by_type(attempt)["case"]
    now = timezone.now()
    _put(broker_client, attempt, item_id, "warm-up", _ms(now) - 25_000)
    with CaptureQueriesContext(connection) as queries:
        # Given 20 s ago (retried meanwhile: under the 30 s floor), and without sent_ts.
        response = _put(broker_client, attempt, item_id, "答案", _ms(now) - 20_000)
    assert response.status_code == 200 and response.json()["saved"] is True
    assert len(queries) <= 2
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "exams_attemptevent" not in sql and "exams_sitting" not in sql
    assert not _gaps(attempt)


def test_a_device_whose_clock_is_off_is_not_taken_for_offline(broker_client, attempt):
    item_id = items_by_type(attempt)["single"]
    slow = timezone.now() - datetime.timedelta(minutes=10)  # the device's clock
    response = _put(broker_client, attempt, item_id, "C", _ms(slow) - 900, sent_ts=_ms(slow))
    assert response.status_code == 200 and response.json()["saved"] is True
    assert not _gaps(attempt)


def test_a_gap_under_the_sittings_threshold_is_not_logged(broker_client, attempt, sitting):
    sitting.flag_offline_seconds = 600
    sitting.save(update_fields=["flag_offline_seconds"])
    item_id = items_by_type(attempt)["single"]
    now = timezone.now()
    _put(broker_client, attempt, item_id, "A", _ms(now - datetime.timedelta(minutes=5)),
         sent_ts=_ms(now))
    assert not _gaps(attempt)
    _put(broker_client, attempt, item_id, "B", _ms(now - datetime.timedelta(minutes=11)) + 1,
         sent_ts=_ms(now))  # stale (an older answer than the one stored): not logged
    assert not _gaps(attempt)


def test_a_client_ts_from_before_the_attempt_is_no_evidence(broker_client, attempt):
    item_id = items_by_type(attempt)["single"]
    now = timezone.now()
    _put(broker_client, attempt, item_id, "A", _ms(now - datetime.timedelta(hours=2)))
    _put(broker_client, attempt, item_id, "B", 2)  # a counter, not a clock
    assert not _gaps(attempt)


def test_the_drf_path_logs_the_gap_too(client, attempt, candidate):
    item_id = items_by_type(attempt)["single"]
    token = Token.objects.create(user=candidate)
    now = timezone.now()
    response = _put(client, attempt, item_id, "D", _ms(now - datetime.timedelta(minutes=4)),
                    HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert len(_gaps(attempt)) == 1


def test_staff_and_graders_see_the_servers_notice(broker_client, attempt, grader, client,
                                                  mfa_enrolled, sitting):
    item_id = items_by_type(attempt)["case"]
    now = timezone.now()
    _put(broker_client, attempt, item_id, "离线时写的案例分析",
         _ms(now - datetime.timedelta(minutes=5)), sent_ts=_ms(now))
    submit(attempt)
    mfa_enrolled(grader)
    client.force_login(grader)
    html = client.get(reverse("exams:staff_attempt", args=[attempt.pk])).content.decode()
    assert 'data-kind="offline_save"' in html and 'data-testid="seen-by-server"' in html
    assert 'data-testid="integrity-flagged"' in html
    dashboard = client.get(reverse("exams:sitting_dashboard", args=[sitting.pk])
                           ).content.decode()
    assert f'data-testid="integrity-{attempt.pk}"><span class="badge text-bg-warning"' \
        in dashboard
    answer_id = attempt.answers.get(item_id=item_id).pk
    grading = client.get(reverse("exams:grading_answer", args=[answer_id])).content.decode()
    assert 'data-kind="offline_save"' in grading and 'data-testid="seen-by-server"' in grading
