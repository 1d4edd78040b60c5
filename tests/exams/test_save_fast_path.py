"""The answer-save endpoint's common case skips DRF and the user row (exams/api/broker.py
``answer_save``) but keeps every check: these tests hold it to the DRF view's contract."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from academy.people.roles import Role
from exams.models import Answer
from tests.exams.factories import start
from tests.exams.test_api import items_by_type, put_answer
from tests.factories import totp_enrol

pytestmark = pytest.mark.django_db

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture
def broker_client(client, candidate):
    client.force_login(candidate)
    return client


def test_the_fast_path_answers_exactly_like_the_drf_view(client, broker_client, sitting,
                                                          candidate):
    attempt = start(sitting, candidate)
    items = items_by_type(attempt)
    fast = put_answer(broker_client, attempt.pk, items["single"], "B", 10)
    token = Token.objects.create(user=candidate)
    drf = put_answer(client.__class__(), attempt.pk, items["truefalse"], True, 11,
                     HTTP_AUTHORIZATION=f"Token {token.key}")
    assert fast.status_code == drf.status_code == 200
    assert fast["Content-Type"] == drf["Content-Type"] == "application/json"
    assert set(fast.json()) == set(drf.json()) == {"saved", "stale", "saved_at"}
    assert ISO_UTC.match(fast.json()["saved_at"]) and ISO_UTC.match(drf.json()["saved_at"])
    stale = put_answer(broker_client, attempt.pk, items["single"], "C", 9)
    assert stale.json()["saved"] is False and stale.json()["stale"] is True
    assert Answer.objects.get(attempt=attempt, item_id=items["single"]).value == "B"


def test_the_fast_path_reads_neither_the_user_row_nor_roles(broker_client, sitting,
                                                            candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["short"]
    put_answer(broker_client, attempt.pk, item_id, "先", 1)  # fills the access cache
    with CaptureQueriesContext(connection) as queries:
        response = put_answer(broker_client, attempt.pk, item_id, "后", 2)
    assert response.status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "people_user" not in tables and "auth_group" not in tables


def test_a_broker_whose_role_is_taken_away_is_refused_at_once(broker_client, sitting,
                                                              candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    assert put_answer(broker_client, attempt.pk, item_id, "A", 1).status_code == 200
    candidate.groups.remove(Group.objects.get(name=Role.BROKER))
    assert put_answer(broker_client, attempt.pk, item_id, "B", 2).status_code == 403
    assert Answer.objects.get(attempt=attempt, item_id=item_id).value == "A"


def test_a_deactivated_broker_is_refused_at_once(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    assert put_answer(broker_client, attempt.pk, item_id, "A", 1).status_code == 200
    candidate.is_active = False
    candidate.save(update_fields=["is_active"])
    assert put_answer(broker_client, attempt.pk, item_id, "B", 2).status_code in (401, 403)
    assert Answer.objects.get(attempt=attempt, item_id=item_id).value == "A"


def test_a_password_changed_elsewhere_ends_this_session(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    assert put_answer(broker_client, attempt.pk, item_id, "A", 1).status_code == 200
    candidate.set_password("A-new-password-2026")
    candidate.save()
    assert put_answer(broker_client, attempt.pk, item_id, "B", 2).status_code in (401, 403)


def test_staff_without_a_second_factor_get_mfa_required_then_not_a_broker(
        client, sitting, candidate, grader):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    client.force_login(grader)
    refused = put_answer(client, attempt.pk, item_id, "A", 1)
    assert refused.status_code == 403 and refused.json()["code"] == "mfa_required"
    totp_enrol(grader)
    refused = put_answer(client, attempt.pk, item_id, "A", 2)
    assert refused.status_code == 403 and refused.json().get("code") != "mfa_required"
    assert not Answer.objects.exists()


def test_refusals_keep_the_drf_views_bodies(broker_client, sitting, candidate):
    attempt = start(sitting, candidate)
    item_id = items_by_type(attempt)["single"]
    url = reverse("api-exams-answer-save", args=[attempt.pk, item_id])
    not_json = broker_client.put(url, data="value=A", content_type="text/plain")
    assert not_json.status_code == 415
    malformed = broker_client.put(url, data=json.dumps({"value": "A"}),
                                  content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["detail"]
    assert broker_client.get(url).status_code == 405
    assert not Answer.objects.exists()

