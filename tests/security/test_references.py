"""Object references that travel in a body or a query string (not in the path, so outside the
permission matrix): another user's object named there is ignored or refused, never used."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from exams.models import Answer
from tests.certificates.factories import PracticeRecordFactory, evidence_for
from tests.exams.factories import (
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    question_of_each_type,
    sat,
    start,
)
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_answer_cannot_be_saved_into_another_brokers_item_through_ones_own_attempt():
    sitting = SittingFactory(paper=fixed_paper(question_of_each_type().values(), points=2))
    mine = start(sitting, enrolled_broker(sitting))
    theirs = start(sitting, enrolled_broker(sitting))
    foreign_item = theirs.items.first()
    before = list(Answer.objects.filter(attempt=theirs).values_list("pk", "value", "client_ts"))
    response = _api(mine.user).put(
        f"/api/v1/attempts/{mine.pk}/answers/{foreign_item.pk}/",
        {"value": "A", "client_ts": 10**12}, format="json")
    assert response.status_code == 404
    assert list(Answer.objects.filter(attempt=theirs).values_list(
        "pk", "value", "client_ts")) == before
    assert not Answer.objects.filter(attempt=mine, item=foreign_item).exists()


def test_another_trainers_sitting_in_the_grading_queue_filter_shows_nothing():
    questions = question_of_each_type()
    sitting = SittingFactory(paper=fixed_paper(questions.values(), points=4))
    owner, other = UserFactory(roles=["trainer"]), UserFactory(roles=["trainer"])
    totp_enrol(owner)
    totp_enrol(other)
    sitting.cohort.trainers.add(owner)
    sat(sitting, enrolled_broker(sitting), {4: "技术经纪人促成交易。", 5: "独占许可。"})
    queue = _api(owner).get("/api/v1/grading/queue/", {"sitting": sitting.pk})
    assert queue.status_code == 200 and len(queue.json()) == 2
    response = _api(other).get("/api/v1/grading/queue/", {"sitting": sitting.pk})
    assert response.status_code in (200, 403, 404)
    assert response.status_code != 200 or response.json() == []


def test_a_broker_filtering_practice_records_by_another_broker_gets_none():
    me, them = BrokerFactory(), BrokerFactory()
    PracticeRecordFactory(broker=them)
    response = _api(me).get("/api/v1/practice-records/", {"broker": them.pk})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_removing_evidence_only_ever_touches_ones_own_record(settings, tmp_path):
    from academy.people.models import PracticeEvidence
    from academy.people.services import practice_record_update

    settings.MEDIA_ROOT = tmp_path
    me, them = BrokerFactory(), BrokerFactory()
    mine = PracticeRecordFactory(broker=me)
    theirs = PracticeRecordFactory(broker=them)
    foreign = evidence_for(theirs)
    practice_record_update(record_id=mine.pk, actor=me, fields={},
                           evidence_remove=[foreign.pk])
    assert PracticeEvidence.objects.filter(pk=foreign.pk).exists()
    assert foreign.file.storage.exists(foreign.file.name)
