"""On PostgreSQL: concurrent evaluations announce a broker once; concurrent approvals of the
same registration number leave one approved record."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from academy.errors import ApplicationError
from academy.people.models import PracticeRecord
from academy.people.services import practice_record_review
from certificates.models import BrokerReadiness
from certificates.services import readiness_evaluate
from certificates.signals import broker_became_ready
from tests.certificates.factories import (
    approved_record,
    ready_event_isolated,
    requirement_set,
    submitted_record,
)
from tests.factories import BrokerFactory, UserFactory

# Rows seeded by migrations come back after each flush (academy.seeding, post_migrate).
pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]


def _race(functions) -> list[BaseException | None]:
    """Run the functions at the same moment in threads; their exceptions (or None)."""
    barrier = threading.Barrier(len(functions))
    outcomes: list[BaseException | None] = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            function()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcomes[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_concurrent_evaluations_announce_a_ready_broker_once(postgres):
    broker = BrokerFactory()
    requirement_set(practice_records=1)
    approved_record(broker)
    calls = []
    lock = threading.Lock()

    def receiver(sender, broker, **kwargs):
        with lock:
            calls.append(broker.pk)

    with ready_event_isolated():
        broker_became_ready.connect(receiver, dispatch_uid="test-race")
        try:
            outcomes = _race([lambda: readiness_evaluate(broker_ids=[broker.pk])] * 4)
        finally:
            broker_became_ready.disconnect(dispatch_uid="test-race")
    assert outcomes == [None] * 4
    assert calls == [broker.pk]
    state = BrokerReadiness.objects.get(broker=broker)
    assert state.ready and state.ready_since is not None


def test_concurrent_approvals_of_one_registration_number_approve_one(postgres):
    broker = BrokerFactory()
    admin = UserFactory(roles=["admin"])
    records = [submitted_record(broker, registration_number="2025411200009999")
               for _ in range(3)]
    outcomes = _race([
        (lambda pk=r.pk: practice_record_review(record_id=pk, reviewer=admin, approve=True))
        for r in records
    ])
    assert sum(o is None for o in outcomes) == 1
    assert all(isinstance(o, ApplicationError) for o in outcomes if o is not None)
    assert PracticeRecord.objects.filter(status="approved").count() == 1


def test_the_set_based_aggregates_agree_on_postgres(postgres):
    """FILTER aggregates and the UNION of hours behave as on SQLite."""
    from certificates.selectors.readiness import broker_readiness, brokers_readiness

    requirement_set(practice_records=2, practice_min_contract_amount=Decimal("1"))
    brokers = [BrokerFactory() for _ in range(3)]
    approved_record(brokers[0])
    approved_record(brokers[0])
    submitted_record(brokers[1])
    answers = brokers_readiness([b.pk for b in brokers])
    assert [a.ready for a in answers.values()] == [True, False, False]
    for broker in brokers:
        assert answers[broker.pk] == broker_readiness(broker)
