"""Appending several audit events under one lock of the chain head (``audit_record_many``)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction

from academy.audit.models import AuditChainHead, AuditEvent
from academy.audit.selectors import audit_chain_verify, event_hash
from academy.audit.services import AuditEntry, audit_record, audit_record_many
from tests.audit.tamper import audit_tamper
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_batch_links_on_to_the_chain_exactly_like_single_appends():
    person = UserFactory()
    first = audit_record(action="test.single", after={"n": 0}, actor_label="test")
    events = audit_record_many([
        AuditEntry(action="test.batch", subject=person, person=person,
                   before={"level": "junior"}, after={"n": n, "名称": "三门峡"},
                   actor_label="system")
        for n in range(1, 4)
    ])
    last = audit_record(action="test.single", after={"n": 4}, actor_label="test")
    assert [e.seq for e in events] == [first.seq + 1, first.seq + 2, first.seq + 3]
    assert events[0].prev_hash == first.hash
    assert last.prev_hash == events[-1].hash
    stored = list(AuditEvent.objects.filter(action="test.batch").order_by("seq"))
    assert [e.hash for e in stored] == [e.hash for e in events]
    assert all(event_hash(e) == e.hash for e in stored)  # what is hashed is what is stored
    assert stored[0].person_id == person.pk and stored[0].subject_id == str(person.pk)
    assert stored[0].after == {"n": 1, "名称": "三门峡"}
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (last.seq, last.hash)
    assert audit_chain_verify().ok


def test_an_empty_batch_touches_nothing():
    audit_record(action="test.single", actor_label="test")
    head = AuditChainHead.objects.get(pk=1)
    assert audit_record_many([]) == []
    assert AuditChainHead.objects.get(pk=1).seq == head.seq


def test_a_batch_rolled_back_leaves_no_trace():
    audit_record(action="test.single", actor_label="test")
    head = AuditChainHead.objects.get(pk=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record_many([AuditEntry(action="test.batch", actor_label="x")] * 3)
        raise RuntimeError("the caller's transaction fails")
    assert not AuditEvent.objects.filter(action="test.batch").exists()
    assert AuditChainHead.objects.get(pk=1).hash == head.hash
    assert audit_chain_verify().ok


def test_tampering_inside_a_batch_is_found():
    events = audit_record_many([AuditEntry(action="test.batch", after={"n": n},
                                           actor_label="x") for n in range(5)])
    audit_tamper("UPDATE audit_auditevent SET subject_label = %s WHERE seq = %s",
                 ["forged", events[2].seq])
    report = audit_chain_verify()
    assert report.first_broken_seq == events[2].seq


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_batches_and_single_appends_keep_one_chain(postgres):
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def append(worker: int) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(5):
                with transaction.atomic():
                    if worker % 2:
                        audit_record(action="test.concurrent", after={"w": worker, "n": n},
                                     actor_label="single")
                    else:
                        audit_record_many([AuditEntry(action="test.concurrent",
                                                      after={"w": worker, "n": n, "i": i},
                                                      actor_label="batch")
                                           for i in range(7)])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert AuditEvent.objects.filter(action="test.concurrent").count() == 2 * 5 + 2 * 5 * 7
    assert audit_chain_verify().ok
    # A batch's events are consecutive: nobody else's event falls in between.
    rows = list(AuditEvent.objects.filter(action="test.concurrent").order_by("seq")
                .values_list("actor_label", "after"))
    index = 0
    while index < len(rows):
        label, after = rows[index]
        if label == "batch":
            assert [r[1]["i"] for r in rows[index:index + 7]] == list(range(7))
            index += 7
        else:
            index += 1
