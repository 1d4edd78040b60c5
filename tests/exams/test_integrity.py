"""The integrity log of an attempt: recorded from the page and the server, shown to staff and
graders (without names under anonymous grading), flagged by thresholds, never failing."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from exams.models import Attempt, AttemptEvent, AttemptSession, QuestionType
from exams.services.integrity import (
    attempt_events_record,
    attempt_session_touch,
    attempts_integrity,
)
from tests.exams.factories import answer, enrolled_broker, start, submit, trainer_user

pytestmark = pytest.mark.usefixtures("english")


def _essay_item(attempt):
    return attempt.items.get(question_version__question__type=QuestionType.CASE)


def test_page_events_are_logged_and_malformed_ones_dropped(sitting, candidate):
    attempt = start(sitting, candidate)
    essay = _essay_item(attempt)
    recorded = attempt_events_record(attempt_id=attempt.pk, user=candidate, events=[
        {"kind": "left_page", "duration_ms": 12_000},
        {"kind": "paste", "item_id": essay.pk, "chars": 420},
        {"kind": "fullscreen_exit", "duration_ms": 3000},
        {"kind": "offline_save", "duration_ms": 180_000, "answers": 3},
        {"kind": "second_session"},  # only the server may say so
        {"kind": "left_page", "duration_ms": "a lot"},
        "nonsense",
    ])
    assert recorded == 4
    kinds = list(AttemptEvent.objects.filter(attempt=attempt).values_list("kind", flat=True))
    assert sorted(kinds) == ["fullscreen_exit", "left_page", "offline_save", "paste"]
    paste = AttemptEvent.objects.get(attempt=attempt, kind="paste")
    assert paste.item_id == essay.pk and paste.detail == {"chars": 420}


def test_a_second_session_is_logged_by_the_server(sitting, candidate):
    attempt = start(sitting, candidate)
    assert not attempt_session_touch(attempt=attempt, session_key="first-device")
    assert not attempt_session_touch(attempt=attempt, session_key="first-device")
    assert attempt_session_touch(attempt=attempt, session_key="phone", user_agent="Phone")
    assert AttemptSession.objects.filter(attempt=attempt).count() == 2
    assert AttemptEvent.objects.filter(attempt=attempt, kind="second_session").count() == 1


def test_thresholds_flag_but_never_fail(sitting, candidate):
    sitting.flag_leave_count = 2
    sitting.save()
    attempt = start(sitting, candidate)
    answer(attempt, 0, "A")
    attempt_events_record(attempt_id=attempt.pk, user=candidate, events=[
        {"kind": "left_page", "duration_ms": 5000}, {"kind": "left_page", "duration_ms": 5000}])
    summary = attempts_integrity([attempt])[attempt.pk]
    assert summary.leaves == 2 and summary.away_seconds == 10 and summary.flagged
    attempt = submit(attempt)
    assert attempt.status in ("submitted", "graded")  # no automatic consequence
    assert attempt.answers.get(item__position=0).value == "A"


def test_someone_elses_attempt_is_404_and_a_closed_one_409(sitting, candidate):
    attempt = start(sitting, candidate)
    other = enrolled_broker(sitting)
    api = APIClient()
    api.force_authenticate(other)
    url = reverse("api-exams-attempt-events", args=[attempt.pk])
    assert api.post(url, {"events": []}, format="json").status_code == 404
    api.force_authenticate(candidate)
    ok = api.post(url, {"events": [{"kind": "left_page", "duration_ms": 1000}]}, format="json")
    assert ok.status_code == 200 and ok.json() == {"recorded": 1}
    attempt = submit(attempt)
    Attempt.objects.filter(pk=attempt.pk).update(
        submitted_at=attempt.submitted_at - datetime.timedelta(hours=1))
    assert api.post(url, {"events": []}, format="json").status_code == 409


def test_graders_see_the_log_and_the_reference_answer_but_no_name(
        sitting, candidate, grader, client, mfa_enrolled):
    attempt = start(sitting, candidate)
    essay = _essay_item(attempt)
    answer(attempt, essay.position, "案例分析的答案")
    attempt_events_record(attempt_id=attempt.pk, user=candidate, events=[
        {"kind": "paste", "item_id": essay.pk, "chars": 321},
        {"kind": "left_page", "duration_ms": 42_000}])
    attempt_session_touch(attempt=attempt, session_key="one")
    attempt_session_touch(attempt=attempt, session_key="two")
    submit(attempt)
    version = essay.question_version
    version.explanation = "参考答案：先识别风险，再设计许可方案。"
    version.save()
    mfa_enrolled(grader)
    client.force_login(grader)
    answer_id = attempt.answers.get(item=essay).pk
    html = client.get(reverse("exams:grading_answer", args=[answer_id])).content.decode()
    assert 'data-testid="integrity-log"' in html and 'data-testid="reference-answer"' in html
    assert "参考答案：先识别风险" in html
    assert 'data-kind="paste"' in html and 'data-kind="second_session"' in html
    assert "321 characters" in html
    assert candidate.full_name not in html and candidate.email not in html


def test_staff_see_the_log_per_attempt(sitting, candidate, grader, client, mfa_enrolled):
    attempt = start(sitting, candidate)
    attempt_events_record(attempt_id=attempt.pk, user=candidate, events=[
        {"kind": "left_page", "duration_ms": 90_000}])
    mfa_enrolled(grader)
    client.force_login(grader)
    html = client.get(reverse("exams:staff_attempt", args=[attempt.pk])).content.decode()
    assert 'data-kind="left_page"' in html and "90 s" in html
    dashboard = client.get(reverse("exams:sitting_dashboard", args=[sitting.pk])
                           ).content.decode()
    assert f'data-testid="integrity-{attempt.pk}"' in dashboard
    assert "flagged" in dashboard  # 90 s away passes the default 60 s threshold


def test_exam_page_carries_the_events_endpoint(sitting, candidate, client):
    attempt = start(sitting, candidate)
    client.force_login(candidate)
    html = client.get(reverse("exams:take_attempt", args=[attempt.pk])).content.decode()
    assert reverse("api-exams-attempt-events", args=[attempt.pk]) in html
    assert "integrity.js" in html
    assert AttemptSession.objects.filter(attempt=attempt).count() == 1


def test_trainer_cannot_post_events(sitting, candidate):
    attempt = start(sitting, candidate)
    api = APIClient()
    api.force_authenticate(trainer_user())
    url = reverse("api-exams-attempt-events", args=[attempt.pk])
    assert api.post(url, {"events": []}, format="json").status_code == 403
