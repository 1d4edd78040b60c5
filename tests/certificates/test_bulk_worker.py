"""Bulk runs through a real Celery worker on Redis and PostgreSQL: a cohort run re-queues
itself chunk by chunk until the progress bar reads 100, issuing once to each ready broker;
a re-rendering run then puts every stored PDF on the new design."""

from __future__ import annotations

import time

import pytest

from certificates.models.bulk import BulkRun, BulkRunItem
from certificates.models.designs import CertificateRendering
from certificates.models.issued import Certificate
from certificates.services.bulk import bulk_cohort_issue_start, bulk_rerender_start
from certificates.services.designs import design_activate, design_draft_save
from tests.certificates.factories import approved_record, requirement_set
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.certificates.test_design import form_data
from tests.courses.factories import CohortFactory, enrol
from tests.factories import BrokerFactory, UserFactory, totp_enrol
from tests.flows.conftest import _worker_process, celery_worker, wait_for  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def story(transactional_db):
    """Built before the worker takes over (tasks still eager): enrolling evaluates readiness
    while nobody is ready yet, and the approved records are written without a review, so no
    automatic issuance races the bulk run."""
    requirement_set(practice_records=1)
    cohort = CohortFactory()
    ready = [BrokerFactory() for _ in range(4)]
    waiting = BrokerFactory()
    certified = BrokerFactory()
    for broker in (*ready, waiting, certified):
        enrol(broker, cohort)
    issue(certified)
    for broker in ready:
        approved_record(broker)
    admin = UserFactory(roles=["admin"])
    totp_enrol(admin)
    return {"cohort": cohort, "ready": ready, "waiting": waiting, "certified": certified,
            "admin": admin}


def _watch(client, run_id: int, worker) -> list[int]:
    """Poll the page's JSON as the progress bar does, until the run is finished."""
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = client.get(f"/certificates/bulk/{run_id}/progress/").json()
        seen.append(state["percent"])
        if state["done"]:
            return seen
        assert worker.process.poll() is None, worker.log()
        time.sleep(0.2)
    pytest.fail(f"run {run_id} did not finish; progress seen {seen}; worker log:\n"
                f"{worker.log()}")


def test_a_cohort_run_through_the_worker_reaches_100_and_issues_once(
        story, celery_worker, client):  # noqa: F811
    client.force_login(story["admin"])
    run = bulk_cohort_issue_start(actor=story["admin"], cohort_id=story["cohort"].pk, chunk=2)
    seen = _watch(client, run.pk, celery_worker)
    assert seen == sorted(seen) and seen[-1] == 100  # never goes backwards

    run.refresh_from_db()
    assert run.status == BulkRun.Status.DONE and run.finished_at is not None
    assert (run.total, run.done, run.succeeded, run.skipped, run.failed) == (6, 6, 4, 2, 0)
    outcomes = dict(run.items.values_list("subject_id", "outcome"))
    assert [outcomes[b.pk] for b in story["ready"]] == [BulkRunItem.Outcome.ISSUED] * 4
    assert outcomes[story["waiting"].pk] == BulkRunItem.Outcome.NOT_READY
    assert outcomes[story["certified"].pk] == BulkRunItem.Outcome.HELD
    for broker in story["ready"]:
        assert Certificate.objects.filter(broker=broker).count() == 1
    assert not Certificate.objects.filter(broker=story["waiting"]).exists()

    # After a design change, every stored PDF is rendered again in it, through the worker.
    wait_for(lambda: Certificate.objects.filter(status="valid", pdf="").count() == 0,
             timeout=60, worker=celery_worker, what="the new certificates' PDFs")
    design = design_draft_save(actor=story["admin"], values=form_data(title_zh="技术经纪人证书"))
    design_activate(actor=story["admin"], design_id=design.pk)
    rerender = bulk_rerender_start(actor=story["admin"], chunk=2)
    assert rerender.total == 5
    assert _watch(client, rerender.pk, celery_worker)[-1] == 100
    rerender.refresh_from_db()
    assert (rerender.done, rerender.succeeded, rerender.failed) == (5, 5, 0)
    assert CertificateRendering.objects.filter(design=design, language="zh-hans").count() == 5
