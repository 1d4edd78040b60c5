"""The exams REST API: its contract, who may call what, and what never leaks.

Fixtures from tests/exams/conftest.py: ``sitting`` (open, one question of each type, 2
points each, for a cohort whose trainer ``grader`` grades) and ``candidate`` (a broker of
that cohort).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from exams.models import Answer, Attempt, QuestionVersion, Sitting
from tests.exams.factories import (
    SittingFactory,
    answer,
    enrolled_broker,
    fixed_paper,
    question_of_each_type,
    start,
    submit,
    trainer_user,
)
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db

SECRET_EXPLANATION = "解析：只在发布后可见-7f3a"
SECRET_CRITERION = "评分要点-9c1e"


def put_answer(client, attempt_id, item_id, value, client_ts, **extra):
    return client.put(
        reverse("api-exams-answer-save", args=[attempt_id, item_id]),
        data=json.dumps({"value": value, "client_ts": client_ts}),
        content_type="application/json", **extra,
    )


def start_api(client, sitting):
    return client.post(reverse("api-exams-attempt-start", args=[sitting.pk]))


def items_by_type(attempt: Attempt) -> dict[str, int]:
    return {item.question_version.question.type: item.pk
            for item in attempt.items.select_related("question_version__question")}


@pytest.fixture
def secret_sitting(sitting):
    """The sitting's questions carry a recognisable explanation and rubric criterion."""
    QuestionVersion.objects.filter(question__paper_items__paper=sitting.paper).update(
        explanation=SECRET_EXPLANATION)
    for version in QuestionVersion.objects.filter(question__paper_items__paper=sitting.paper,
                                                  question__type__in=["short", "case"]):
        version.rubric = [{"criterion": SECRET_CRITERION, "points": 10}]
        version.save(update_fields=["rubric"])
    return sitting


@pytest.fixture
def broker_client(client, candidate):
    client.force_login(candidate)
    return client


# --- Start / resume ---------------------------------------------------------------------------

def test_start_returns_the_contract_payload_with_the_server_clock(broker_client, sitting):
    response = start_api(broker_client, sitting)
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"id", "deadline", "server_now", "status", "items", "answers"}
    assert data["status"] == "in_progress"
    assert len(data["items"]) == 6
    assert [i["position"] for i in data["items"]] == [1, 2, 3, 4, 5, 6]
    for item in data["items"]:
        assert set(item) >= {"id", "position", "type", "stem", "options", "points"}
    single = next(i for i in data["items"] if i["type"] == "single")
    assert [o["key"] for o in single["options"]] == ["A", "B", "C", "D"]
    fillin = next(i for i in data["items"] if i["type"] == "fillin")
    assert fillin["blanks"] == 1
    deadline = datetime.datetime.fromisoformat(data["deadline"].replace("Z", "+00:00"))
    now = datetime.datetime.fromisoformat(data["server_now"].replace("Z", "+00:00"))
    assert datetime.timedelta(minutes=59) < deadline - now <= datetime.timedelta(minutes=60)
    assert data["answers"] == {}


def test_start_payload_never_carries_the_answer_key(broker_client, secret_sitting):
    text = start_api(broker_client, secret_sitting).content.decode()
    assert SECRET_EXPLANATION not in text
    assert SECRET_CRITERION not in text
    assert "外观设计" not in text  # the fill-in's accepted answer
    for item in json.loads(text)["items"]:
        assert not {"answer", "explanation", "rubric", "scoring"} & set(item)


def test_start_again_resumes_with_every_saved_answer(broker_client, sitting):
    first = start_api(broker_client, sitting).json()
    item = next(i for i in first["items"] if i["type"] == "multiple")
    assert put_answer(broker_client, first["id"], item["id"], ["A", "B"], 1000).status_code == 200
    again = start_api(broker_client, sitting).json()
    assert again["id"] == first["id"]
    assert again["deadline"] == first["deadline"]
    assert again["answers"] == {str(item["id"]): {"value": ["A", "B"], "client_ts": 1000}}


def test_start_by_a_broker_who_may_not_sit_is_refused(client, sitting):
    client.force_login(BrokerFactory())
    assert start_api(client, sitting).status_code == 403
    assert not Attempt.objects.exists()


def test_start_before_the_window_opens_is_400(broker_client, sitting):
    Sitting.objects.filter(pk=sitting.pk).update(
        opens_at=timezone.now() + datetime.timedelta(hours=1),
        closes_at=timezone.now() + datetime.timedelta(hours=2))
    response = start_api(broker_client, sitting)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_start_after_the_window_closed_is_409(broker_client, sitting):
    Sitting.objects.filter(pk=sitting.pk).update(
        opens_at=timezone.now() - datetime.timedelta(hours=2),
        closes_at=timezone.now() - datetime.timedelta(hours=1))
    response = start_api(broker_client, sitting)
    assert response.status_code == 409
    assert response.json()["code"] == "closed"


def test_start_of_an_unknown_sitting_is_404(broker_client):
    assert broker_client.post(reverse("api-exams-attempt-start", args=[999999])).status_code \
        == 404


# --- Saving answers -----------------------------------------------------------------------------

def test_save_answers_of_every_type(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    values = {"single": "B", "multiple": ["A", "C"], "truefalse": False,
              "fillin": ["外观设计"], "short": "技术经纪人连接供需。", "case": "案例分析……"}
    for qtype, item_id in items_by_type(attempt).items():
        response = put_answer(broker_client, attempt.pk, item_id, values[qtype], 10)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["saved"] is True and body["stale"] is False and body["saved_at"]
    stored = {a.item.question_version.question.type: a.value
              for a in Answer.objects.filter(attempt=attempt).select_related(
                  "item__question_version__question")}
    assert stored == values


def test_a_newer_answer_wins_and_an_older_one_is_stale(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["short"]
    assert put_answer(broker_client, attempt.pk, item_id, "newer", 2000).json()["saved"]
    older = put_answer(broker_client, attempt.pk, item_id, "older, replayed", 1000)
    assert older.status_code == 200
    assert older.json() == {**older.json(), "saved": False, "stale": True}
    stored = Answer.objects.get(attempt=attempt, item_id=item_id)
    assert (stored.value, stored.client_ts) == ("newer", 2000)


def test_the_same_save_sent_twice_is_saved_once(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    first = put_answer(broker_client, attempt.pk, item_id, "C", 3000)
    again = put_answer(broker_client, attempt.pk, item_id, "C", 3000)
    assert first.json()["saved"] and again.json()["saved"]
    assert not again.json()["stale"]
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_save_after_the_deadline_is_refused_with_409(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1))
    response = put_answer(broker_client, attempt.pk, item_id, "B", 5000)
    assert response.status_code == 409
    assert response.json()["code"] == "closed"
    assert response.json()["detail"]
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_save_after_submit_is_refused_with_409(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    submit(attempt)
    response = put_answer(broker_client, attempt.pk, item_id, "B", 5000)
    assert response.status_code == 409
    assert response.json()["code"] == "closed"


def test_a_broker_cannot_save_into_another_brokers_attempt(client, sitting, candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    other = enrolled_broker(sitting)
    client.force_login(other)
    response = put_answer(client, attempt.pk, item_id, "A", 9000)
    assert response.status_code == 404
    assert not Answer.objects.exists()


def test_an_item_of_another_attempt_is_404(client, sitting, candidate):
    mine = start(sitting, candidate)
    other = start(sitting, enrolled_broker(sitting))
    foreign_item = items_by_type(other)["single"]
    client.force_login(candidate)
    assert put_answer(client, mine.pk, foreign_item, "A", 1).status_code == 404
    assert not Answer.objects.exists()


@pytest.mark.parametrize("body", [
    {"value": "A"},
    {"client_ts": 1},
    {"value": "A", "client_ts": "soon"},
    {"value": "A", "client_ts": -1},
    {"value": "A", "client_ts": 1.5},
    {"value": "x" * 30_000, "client_ts": 1},
    ["A", 1],
])
def test_a_malformed_save_is_400_and_changes_nothing(broker_client, sitting, candidate, body):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["short"]
    response = broker_client.put(reverse("api-exams-answer-save", args=[attempt.pk, item_id]),
                                 data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Answer.objects.exists()


def test_save_needs_a_broker(client, sitting, candidate, grader, mfa_enrolled):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    anonymous = put_answer(client, attempt.pk, item_id, "A", 1)
    assert anonymous.status_code in (401, 403)
    mfa_enrolled(grader)
    client.force_login(grader)
    assert put_answer(client, attempt.pk, item_id, "A", 1).status_code == 403
    assert not Answer.objects.exists()


def test_save_with_a_token_works_like_the_session(client, sitting, candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    token = Token.objects.create(user=candidate)
    response = put_answer(client, attempt.pk, item_id, "D", 77,
                          HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert Answer.objects.get(attempt=attempt).value == "D"


def test_save_with_the_session_needs_the_csrf_header(sitting, candidate):
    from django.test import Client

    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(candidate)
    assert put_answer(strict, attempt.pk, item_id, "A", 1).status_code == 403
    page = strict.get(reverse("exams:take_attempt", args=[attempt.pk]))
    token = page.cookies["csrftoken"].value
    response = put_answer(strict, attempt.pk, item_id, "A", 2, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_save_is_a_handful_of_queries(broker_client, sitting, candidate,
                                      django_assert_max_num_queries):
    """The session (none when sessions live in the cache) and the single upsert: the user's
    row and roles come from the cached access facts (academy/people/access.py), and nothing
    grows with the attempt."""
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["case"]
    put_answer(broker_client, attempt.pk, item_id, "warm-up", 1)
    with django_assert_max_num_queries(2):
        response = put_answer(broker_client, attempt.pk, item_id, "长答案" * 500, 2)
    assert response.status_code == 200


def test_save_with_a_token_is_a_handful_of_queries(client, sitting, candidate,
                                                   django_assert_max_num_queries):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    token = Token.objects.create(user=candidate)
    with django_assert_max_num_queries(5):
        response = put_answer(client, attempt.pk, item_id, "A", 1,
                              HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


# --- Submitting ---------------------------------------------------------------------------------

def test_submit_twice_counts_once(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    url = reverse("api-exams-attempt-submit", args=[attempt.pk])
    first = broker_client.post(url)
    second = broker_client.post(url)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["status"] in {"submitted", "graded", "released"}
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert Attempt.objects.filter(user=candidate).count() == 1
    assert Answer.objects.filter(attempt=attempt).count() == 6  # one per item, once


def test_submit_of_another_brokers_attempt_is_404(client, sitting, candidate):
    attempt = start(sitting, candidate)
    client.force_login(enrolled_broker(sitting))
    response = client.post(reverse("api-exams-attempt-submit", args=[attempt.pk]))
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


# --- Results ------------------------------------------------------------------------------------

@pytest.fixture
def objective_sitting(db):
    """Objective questions only, released at submit, answers shown."""
    questions = question_of_each_type()
    paper = fixed_paper([questions[t] for t in ("single", "multiple", "truefalse", "fillin")],
                        points=5)
    QuestionVersion.objects.filter(question__paper_items__paper=paper).update(
        explanation=SECRET_EXPLANATION)
    return SittingFactory(paper=paper, release_policy=Sitting.ReleasePolicy.IMMEDIATE,
                          show_answers=True, pass_mark=Decimal("50"))


def test_my_results_lists_only_released_results(client, sitting, candidate):
    attempt = start(sitting, candidate)
    answer(attempt, 0, "B")
    submit(attempt)  # short/case wait for graders: not released
    client.force_login(candidate)
    response = client.get(reverse("api-exams-my-results"))
    assert response.status_code == 200
    assert response.json() == []
    assert SECRET_EXPLANATION not in response.content.decode()


def test_my_results_has_score_pass_and_areas(client, objective_sitting):
    broker = enrolled_broker(objective_sitting)
    attempt = start(objective_sitting, broker)
    answer(attempt, 0, "B")
    answer(attempt, 1, ["A", "B", "D"])
    submit(attempt)
    client.force_login(broker)
    data = client.get(reverse("api-exams-my-results")).json()
    assert len(data) == 1
    result = data[0]
    assert result["attempt"] == attempt.pk
    assert Decimal(result["score"]) == Decimal("10")
    assert Decimal(result["max_score"]) == Decimal("20")
    assert Decimal(result["percent"]) == Decimal("50")
    assert result["passed"] is True
    assert result["areas"] and sum(Decimal(a["max_score"]) for a in result["areas"]) == 20
    # Another broker sees none of it.
    client.force_login(enrolled_broker(objective_sitting))
    assert client.get(reverse("api-exams-my-results")).json() == []


def test_my_results_is_a_constant_number_of_queries(client, django_assert_max_num_queries):
    broker = BrokerFactory()
    for _ in range(3):
        questions = question_of_each_type()
        sitting = SittingFactory(
            paper=fixed_paper([questions["single"], questions["truefalse"]], points=1),
            release_policy=Sitting.ReleasePolicy.IMMEDIATE, cohort=None, brokers=[broker])
        attempt = start(sitting, broker)
        submit(attempt)
    client.force_login(broker)
    with django_assert_max_num_queries(12):
        data = client.get(reverse("api-exams-my-results")).json()
    assert len(data) == 3


def test_results_need_a_broker(client, grader, mfa_enrolled):
    assert client.get(reverse("api-exams-my-results")).status_code in (401, 403)
    mfa_enrolled(grader)
    client.force_login(grader)
    assert client.get(reverse("api-exams-my-results")).status_code == 403


def test_no_broker_response_carries_the_key_before_release(client, secret_sitting, candidate):
    client.force_login(candidate)
    seen = []
    started = start_api(client, secret_sitting)
    seen.append(started)
    data = started.json()
    for item in data["items"]:
        seen.append(put_answer(client, data["id"], item["id"], "x", 1))
    seen.append(client.post(reverse("api-exams-attempt-submit", args=[data["id"]])))
    seen.append(client.get(reverse("api-exams-my-results")))
    seen.append(client.get(reverse("exams:result", args=[data["id"]])))
    seen.append(client.get(reverse("exams:my_exams")))
    for response in seen:
        text = response.content.decode()
        assert SECRET_EXPLANATION not in text
        assert SECRET_CRITERION not in text


# --- Grading ------------------------------------------------------------------------------------

@pytest.fixture
def grading_client(client, grader, mfa_enrolled):
    mfa_enrolled(grader)
    client.force_login(grader)
    return client


@pytest.fixture
def identifiable_candidate(sitting):
    """A broker whose name, e-mail and id are easy to spot in a response."""
    return enrolled_broker(sitting, user__id=987_654_321, user__full_name="欧阳可识别",
                           user__email="findable.person@example.test")


def submitted_with_essays(sitting, broker) -> Attempt:
    attempt = start(sitting, broker)
    kinds = items_by_type(attempt)
    for qtype in ("short", "case"):
        if qtype not in kinds:
            continue
        position = attempt.items.get(pk=kinds[qtype]).position
        answer(attempt, position, f"{qtype} 的回答")
    return submit(attempt)


def test_anonymous_grading_queue_leaks_no_identity(grading_client, sitting,
                                                   identifiable_candidate):
    attempt = submitted_with_essays(sitting, identifiable_candidate)
    response = grading_client.get(reverse("api-exams-grading-queue"))
    assert response.status_code == 200
    text = response.content.decode()
    entries = response.json()
    assert len(entries) == 2
    assert {e["attempt_code"] for e in entries} == {attempt.code}
    assert all(e["anonymous"] is True and e["broker"] is None for e in entries)
    for leak in ("欧阳可识别", "findable.person", "987654321", "987_654_321"):
        assert leak not in text
    for entry in entries:
        assert not {"user", "user_id", "attempt", "attempt_id", "email"} & set(entry)


def test_named_grading_shows_the_broker_name(grading_client, sitting, identifiable_candidate):
    Sitting.objects.filter(pk=sitting.pk).update(anonymous_grading=False)
    submitted_with_essays(sitting, identifiable_candidate)
    entries = grading_client.get(reverse("api-exams-grading-queue")).json()
    assert {e["broker"]["name"] for e in entries} == {"欧阳可识别"}
    assert "findable.person" not in json.dumps(entries)


def test_grading_queue_holds_only_the_trainers_sittings(client, sitting, candidate,
                                                        mfa_enrolled):
    submitted_with_essays(sitting, candidate)
    outsider = trainer_user()
    mfa_enrolled(outsider)
    client.force_login(outsider)
    response = client.get(reverse("api-exams-grading-queue"))
    assert response.status_code == 200
    assert response.json() == []


def test_grading_queue_filters_by_sitting(grading_client, sitting, candidate, grader):
    submitted_with_essays(sitting, candidate)
    other_paper = fixed_paper([question_of_each_type()["short"]], points=4)
    other = SittingFactory(paper=other_paper)
    other.cohort.trainers.add(grader)
    submitted_with_essays(other, enrolled_broker(other))
    everything = grading_client.get(reverse("api-exams-grading-queue")).json()
    only = grading_client.get(reverse("api-exams-grading-queue") + f"?sitting={other.pk}")
    assert {e["sitting"] for e in everything} == {sitting.pk, other.pk}
    assert {e["sitting"] for e in only.json()} == {other.pk}


def test_grading_queue_refuses_brokers_and_auditors(client, candidate, auditor, mfa_enrolled):
    client.force_login(candidate)
    assert client.get(reverse("api-exams-grading-queue")).status_code == 403
    mfa_enrolled(auditor)
    client.force_login(auditor)
    assert client.get(reverse("api-exams-grading-queue")).status_code == 403
    client.logout()
    assert client.get(reverse("api-exams-grading-queue")).status_code in (401, 403)


def test_grading_queue_is_a_constant_number_of_queries(grading_client, sitting,
                                                       django_assert_max_num_queries):
    for _ in range(3):
        submitted_with_essays(sitting, enrolled_broker(sitting))
    with django_assert_max_num_queries(12):
        entries = grading_client.get(reverse("api-exams-grading-queue")).json()
    assert len(entries) == 6


def test_mark_an_answer_with_rubric_criteria(grading_client, sitting, candidate):
    attempt = submitted_with_essays(sitting, candidate)
    entry = grading_client.get(reverse("api-exams-grading-queue")).json()[0]
    rubric = entry["rubric"]
    criteria = [{"criterion": c["criterion"], "score": c["points"]} for c in rubric]
    response = grading_client.post(
        reverse("api-exams-answer-mark", args=[entry["answer"]]),
        data=json.dumps({"criteria": criteria, "comment": "要点齐全"}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["round"] == 1
    assert Decimal(body["score"]) == Decimal(entry["points"])
    assert body["grading_status"] == "graded"
    assert Decimal(body["final_score"]) == Decimal(entry["points"])
    answer_row = Answer.objects.get(pk=entry["answer"])
    assert answer_row.attempt_id == attempt.pk
    assert answer_row.marks.get().comment == "要点齐全"
    # Marked: it leaves this grader's queue.
    remaining = grading_client.get(reverse("api-exams-grading-queue")).json()
    assert entry["answer"] not in {e["answer"] for e in remaining}


def test_mark_out_of_the_rubric_is_400(grading_client, sitting, candidate):
    submitted_with_essays(sitting, candidate)
    entry = grading_client.get(reverse("api-exams-grading-queue")).json()[0]
    criteria = [{"criterion": c["criterion"], "score": str(Decimal(c["points"]) + 1)}
                for c in entry["rubric"]]
    response = grading_client.post(reverse("api-exams-answer-mark", args=[entry["answer"]]),
                                   data=json.dumps({"criteria": criteria}),
                                   content_type="application/json")
    assert response.status_code == 400
    assert not Answer.objects.get(pk=entry["answer"]).marks.exists()


def test_mark_by_someone_who_does_not_grade_the_sitting_is_refused(client, sitting, candidate,
                                                                   mfa_enrolled):
    attempt = submitted_with_essays(sitting, candidate)
    essay = Answer.objects.filter(attempt=attempt, grading_status="pending").first()
    outsider = trainer_user()
    mfa_enrolled(outsider)
    body = json.dumps({"criteria": [4, 3, 3]})
    for user, expected in ((outsider, 403), (candidate, 403)):
        client.force_login(user)
        response = client.post(reverse("api-exams-answer-mark", args=[essay.pk]), data=body,
                               content_type="application/json")
        assert response.status_code == expected
    assert not essay.marks.exists()


def test_mark_of_an_unknown_answer_is_404(grading_client):
    response = grading_client.post(reverse("api-exams-answer-mark", args=[999999]),
                                   data=json.dumps({"criteria": [1]}),
                                   content_type="application/json")
    assert response.status_code == 404


# --- The schema ---------------------------------------------------------------------------------

def test_the_openapi_schema_documents_every_exam_endpoint(client):
    response = client.get(reverse("schema") + "?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = schema["paths"]
    save = paths["/api/v1/attempts/{attempt_id}/answers/{item_id}/"]["put"]
    assert {"200", "404", "409"} <= set(save["responses"])
    assert "requestBody" in save
    start_op = paths["/api/v1/sittings/{sitting_id}/attempt/"]["post"]
    assert "200" in start_op["responses"]
    for path in ("/api/v1/attempts/{attempt_id}/submit/", "/api/v1/me/results/",
                 "/api/v1/grading/queue/", "/api/v1/grading/answers/{answer_id}/mark/"):
        assert path in paths


def test_staff_without_a_second_factor_cannot_use_the_grading_api(client, sitting):
    trainer = UserFactory(roles=["trainer"])
    client.force_login(trainer)
    response = client.get(reverse("api-exams-grading-queue"))
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert totp_enrol  # staff with an authenticator: see grading_client
