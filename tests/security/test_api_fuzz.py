"""Schemathesis against /api/schema/: every operation, as every role, must answer without a
server error and with a response that matches the schema (status code, content type, body).

The schema is fetched from the running Django app through WSGI (``from_wsgi``), the calls go
through the same WSGI handler inside the test's transaction, on PostgreSQL. Each role calls
with a DRF token (staff have a TOTP authenticator enrolled, so the MFA gate lets them through),
which also lets the fuzzer reach the write endpoints without CSRF tokens (tests/security/
test_web_security.py checks that session-authenticated writes do need one).

Path ids are steered toward objects that exist — the caller's own attempt, answer, practice
record, certificate, notification, cohort — on half of the examples, so that the fuzzer gets
past the 404s and exercises the serializers; the other half keep the random ids.

``API_FUZZ_EXAMPLES`` (default 6) bounds the examples per operation and role: 42 operations ×
5 roles × 6 ≈ 1,300 calls, under two minutes on the CI machine (one test per role).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from academy.notifications.models import Notification
from tests.certificates.factories import PracticeRecordFactory, evidence_for
from tests.factories import BrokerFactory, UserFactory, totp_enrol

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
ROLES = ("anonymous", "broker", "trainer", "auditor", "admin")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _user(role: str):
    if role == "anonymous":
        return None
    if role == "broker":
        return BrokerFactory()
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


def _world(user) -> dict[str, list[int]]:
    """Objects the fuzzer's ids are steered to, by path parameter: the caller's own where the
    role can own one, and someone else's."""
    from academy.people.models import Level
    from certificates.services.issuance import certificate_issue
    from tests.exams.permission_rows_staff import world as exam_world

    is_broker = user is not None and user.groups.filter(name="broker").exists()
    exam = exam_world(user)
    mine = exam_world(None)
    owner = user if is_broker else BrokerFactory()
    record = PracticeRecordFactory(broker=owner)
    evidence_for(record)
    other_record = PracticeRecordFactory(broker=BrokerFactory())
    intermediate = Level.objects.get(code="intermediate").pk
    certificate = certificate_issue(broker_id=owner.pk, level_id=intermediate)
    recipient = user or owner
    notification = Notification.objects.create(recipient=recipient, kind="course_deadline",
                                               title="课程即将截止", url="/courses/programme/")
    sitting = exam["sitting"]
    lesson_ids = list(sitting.cohort.programme.courses.values_list("modules__lessons__id",
                                                                   flat=True))
    return {
        "attempt_id": [exam["attempt"].pk, mine["attempt"].pk],
        "item_id": list(exam["attempt"].items.values_list("pk", flat=True)),
        "answer_id": [exam["essay"].pk, exam["objective"].pk, mine["essay"].pk],
        "sitting_id": [sitting.pk, mine["sitting"].pk],
        "user_id": [owner.pk, exam["attempt"].user_id, mine["attempt"].user_id],
        "serial": [certificate.serial],
        "list_id": [1],
        # ``id`` is the name of several endpoints' key: pick by the path.
        "certificates": [certificate.pk],
        "practice-records": [record.pk, other_record.pk],
        "notifications": [notification.pk],
        "cohorts": [sitting.cohort_id, mine["sitting"].cohort_id],
        "lessons": [pk for pk in lesson_ids if pk] or [0],
    }


def _steer(case, world: dict[str, list[int]]) -> None:
    """Replace random path ids with existing ones on half of the examples (deterministically
    from the drawn value, so that Hypothesis can still shrink)."""
    for name, value in list((case.path_parameters or {}).items()):
        choices = world.get(name)
        if name == "id":
            segment = case.path.split("/")[3]
            choices = world.get(segment)
        if not choices:
            continue
        if isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = choices[(value // 2) % len(choices)]
        elif isinstance(value, str) and len(value) % 2 == 0:
            case.path_parameters[name] = choices[len(value) % len(choices)]


@pytest.fixture
def api_schema(postgres):
    """The schema as the app serves it; the WSGI handler keeps the test's connection open (as
    Django's test client does), so every call sees and is rolled back with the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json",
                                             get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
def test_api_schema_holds_for_every_operation(api_schema, role):
    cache.clear()
    user = _user(role)
    headers: dict[str, Any] = {}
    if user is not None:
        headers["Authorization"] = f"Token {Token.objects.create(user=user).key}"
    world = _world(user)
    failures: list[str] = []
    reached: set[str] = set()  # operations that answered 2xx at least once
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 40, "the schema lost operations"

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            cache.clear()  # the verification lookup's rate limit is tested elsewhere
            _steer(case, world)
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            if response.status_code < 300:
                reached.add(case.operation.label)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # gathered, reported together below
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:1500])
    assert not failures, f"{role}: {len(failures)} operations failed:\n\n" + "\n\n".join(failures)
    # The fuzzer got past the access checks, not only into 401/403/404s.
    assert len(reached) >= {"anonymous": 4}.get(role, 10), sorted(reached)
