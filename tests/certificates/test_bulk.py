"""Bulk runs, step by step (the real worker is in test_bulk_worker.py): a cohort's ready
brokers get their certificate once, the others are reported with the reason; re-rendering
puts every PDF on the design in use; a killed or duplicated task neither stops nor repeats
the work; the pages and who may use them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from certificates.models.bulk import BulkRun, BulkRunItem
from certificates.models.designs import CertificateRendering
from certificates.models.issued import Certificate
from certificates.services import bulk as bulk_services
from certificates.services.bulk import (
    BUSY,
    DONE,
    MORE,
    bulk_cohort_issue_start,
    bulk_rerender_start,
    bulk_run_resume,
    bulk_run_step,
)
from certificates.services.designs import (
    design_activate,
    design_draft_save,
    design_pdfs_behind,
)
from tests.certificates.factories import approved_record, requirement_set
from tests.certificates.issued_fixtures import issue, signing_key_tmp  # noqa: F401
from tests.certificates.test_design import form_data
from tests.courses.factories import CohortFactory, enrol
from tests.factories import BrokerFactory, UserFactory, totp_enrol

pytestmark = pytest.mark.django_db


def _staff(role: str):
    user = UserFactory(roles=[role])
    totp_enrol(user)
    return user


@pytest.fixture
def admin(db):
    return UserFactory(roles=["admin"])


@pytest.fixture
def cohort_story(db):
    """A cohort toward intermediate: two brokers ready, one not, one already certified."""
    requirement_set(practice_records=1)
    cohort = CohortFactory()
    ready = [BrokerFactory(user__full_name=f"王{n}") for n in range(2)]
    waiting = BrokerFactory(user__full_name="赵六")
    certified = BrokerFactory(user__full_name="钱七")
    for broker in (*ready, waiting, certified):
        enrol(broker, cohort)
    for broker in (*ready, certified):
        approved_record(broker)
    held = issue(certified)
    return {"cohort": cohort, "ready": ready, "waiting": waiting, "certified": certified,
            "held": held}


def _run_to_the_end(run_id: int, limit: int = 50) -> int:
    steps = 0
    while steps < limit:
        steps += 1
        state, _wait = bulk_run_step(run_id=run_id)
        if state == DONE:
            return steps
    raise AssertionError("the run did not finish")


def test_a_cohort_run_issues_to_the_ready_brokers_and_reports_the_others(
        admin, cohort_story, django_capture_on_commit_callbacks, english):
    with django_capture_on_commit_callbacks() as queued:
        run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk,
                                      chunk=2)
    assert len(queued) == 1  # the task is queued once the run is committed
    assert run.total == 4
    assert AuditEvent.objects.filter(action="certificates.bulk_started",
                                     subject_id=str(run.pk)).count() == 1
    steps = _run_to_the_end(run.pk)
    assert steps >= 2  # two chunks of two

    run.refresh_from_db()
    assert run.status == BulkRun.Status.DONE and run.percent == 100
    assert (run.done, run.succeeded, run.skipped, run.failed) == (4, 2, 2, 0)
    outcomes = dict(run.items.values_list("subject_id", "outcome"))
    for broker in cohort_story["ready"]:
        assert outcomes[broker.pk] == BulkRunItem.Outcome.ISSUED
        certificate = Certificate.objects.get(broker=broker)
        assert certificate.created_by == admin and f"#{run.pk}" in certificate.reason
    assert outcomes[cohort_story["certified"].pk] == BulkRunItem.Outcome.HELD
    waiting = run.items.get(subject_id=cohort_story["waiting"].pk)
    assert waiting.outcome == BulkRunItem.Outcome.NOT_READY
    assert "0 of 1" in waiting.detail  # the unmet requirement, with its figures
    assert not Certificate.objects.filter(broker=cohort_story["waiting"]).exists()
    assert Certificate.objects.filter(broker=cohort_story["certified"]).count() == 1


def test_running_a_cohort_again_issues_nothing_twice(admin, cohort_story):
    first = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    _run_to_the_end(first.pk)
    second = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    _run_to_the_end(second.pk)
    second.refresh_from_db()
    assert (second.succeeded, second.skipped) == (0, 4)
    assert Certificate.objects.filter(broker__in=cohort_story["ready"]).count() == 2


def test_a_revoked_certificate_is_not_issued_again_in_bulk(admin, cohort_story):
    from certificates.services.issuance import certificate_revoke

    certificate_revoke(certificate_id=cohort_story["held"].pk, actor=admin, reason="错误")
    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    _run_to_the_end(run.pk)
    item = run.items.get(subject_id=cohort_story["certified"].pk)
    assert item.outcome == BulkRunItem.Outcome.REFUSED and item.detail
    assert Certificate.objects.filter(broker=cohort_story["certified"]).count() == 1


def test_a_second_delivery_waits_while_the_run_is_leased(admin, cohort_story):
    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    BulkRun.objects.filter(pk=run.pk).update(
        lease_token="someone-else", lease_until=timezone.now() + datetime.timedelta(seconds=60))
    state, wait = bulk_run_step(run_id=run.pk)
    assert state == BUSY and 0 < wait <= 60
    assert not Certificate.objects.filter(broker__in=cohort_story["ready"]).exists()


def test_a_killed_worker_leaves_a_run_that_continues_where_it_stopped(
        admin, cohort_story, monkeypatch):
    """The worker dies after the first broker's transaction committed, holding the lease; the
    redelivered task waits for the lease to run out and continues with the next broker."""
    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    original = bulk_services._cohort_decide
    calls = []

    def dies_on_the_second_broker(**kwargs):
        calls.append(kwargs["broker_id"])
        if len(calls) == 2:
            raise SystemExit("SIGKILL")  # not an Exception: nothing catches it, like a kill
        return original(**kwargs)

    monkeypatch.setattr(bulk_services, "_cohort_decide", dies_on_the_second_broker)
    with pytest.raises(SystemExit):
        bulk_run_step(run_id=run.pk)
    monkeypatch.setattr(bulk_services, "_cohort_decide", original)
    run.refresh_from_db()
    assert run.done == 1 and run.cursor == calls[0] and run.lease_token

    assert bulk_run_step(run_id=run.pk)[0] == BUSY  # the dead worker's lease still holds
    BulkRun.objects.filter(pk=run.pk).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1))
    _run_to_the_end(run.pk)
    run.refresh_from_db()
    assert (run.done, run.succeeded, run.skipped) == (4, 2, 2)
    assert run.items.count() == 4
    for broker in cohort_story["ready"]:
        assert Certificate.objects.filter(broker=broker).count() == 1


def test_one_unfinished_run_per_work(admin, cohort_story):
    bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    with pytest.raises(ApplicationError):
        bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    other = CohortFactory()
    enrol(BrokerFactory(), other)
    bulk_cohort_issue_start(actor=admin, cohort_id=other.pk)  # another cohort: fine


def test_an_empty_cohort_or_no_certificates_is_said_so(admin):
    with pytest.raises(ApplicationError):
        bulk_cohort_issue_start(actor=admin, cohort_id=CohortFactory().pk)
    with pytest.raises(ApplicationError):
        bulk_rerender_start(actor=admin)


@pytest.mark.parametrize("role", ["auditor", "trainer", "broker"])
def test_only_administrators_start_runs(role, cohort_story):
    user = UserFactory(roles=[role])
    with pytest.raises(PermissionDenied):
        bulk_cohort_issue_start(actor=user, cohort_id=cohort_story["cohort"].pk)
    with pytest.raises(PermissionDenied):
        bulk_rerender_start(actor=user)


def test_rerendering_puts_every_active_certificate_on_the_design_in_use(admin):
    from certificates.services.issuance import certificate_revoke
    from certificates.services.pdf import certificate_pdf_store

    certificates = [issue(BrokerFactory()) for _ in range(5)]
    for certificate in certificates:
        certificate_pdf_store(certificate_id=certificate.pk)
    certificate_pdf_store(certificate_id=certificates[0].pk, language="en")
    revoked = certificate_revoke(certificate_id=certificates[4].pk, actor=admin, reason="错误")
    design = design_draft_save(actor=admin, values=form_data(title_zh="技术经纪人证书"))
    design_activate(actor=admin, design_id=design.pk)

    assert design_pdfs_behind(design) == 4  # the revoked one does not count
    run = bulk_rerender_start(actor=admin, chunk=2)
    assert run.total == 4 and run.params["design_version"] == design.version
    assert _run_to_the_end(run.pk) == 3  # two chunks of two, then one that finds none left
    run.refresh_from_db()
    assert (run.status, run.done, run.succeeded, run.failed) == (BulkRun.Status.DONE, 4, 4, 0)
    on_design = set(CertificateRendering.objects.filter(design=design)
                    .values_list("certificate_id", "language"))
    assert on_design == {(c.pk, "zh-hans") for c in certificates[:4]} | \
        {(certificates[0].pk, "en")}
    assert not CertificateRendering.objects.filter(certificate=revoked, design=design).exists()
    assert design_pdfs_behind(design) == 0


def test_a_certificate_that_fails_to_render_is_reported_and_the_run_goes_on(
        admin, monkeypatch):
    from certificates.services import pdf

    certificates = [issue(BrokerFactory()) for _ in range(3)]
    original = pdf.certificate_pdf_store

    def broken(*, certificate_id, **kwargs):
        if certificate_id == certificates[1].pk:
            raise ValueError("bad glyph")
        return original(certificate_id=certificate_id, **kwargs)

    monkeypatch.setattr(pdf, "certificate_pdf_store", broken)
    run = bulk_rerender_start(actor=admin)
    _run_to_the_end(run.pk)
    run.refresh_from_db()
    assert (run.done, run.succeeded, run.failed) == (3, 2, 1)
    item = run.items.get()
    assert item.subject_id == certificates[1].pk and "bad glyph" in item.detail


def test_resuming_a_finished_run_is_refused(admin, cohort_story):
    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    _run_to_the_end(run.pk)
    with pytest.raises(ApplicationError):
        bulk_run_resume(actor=admin, run_id=run.pk)


def test_an_unfinished_run_can_be_resumed(admin, cohort_story, django_capture_on_commit_callbacks):
    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        bulk_run_resume(actor=admin, run_id=run.pk)  # the task runs eagerly here
    run.refresh_from_db()
    assert run.status == BulkRun.Status.DONE and run.done == 4
    assert AuditEvent.objects.filter(action="certificates.bulk_resumed").count() == 1


# --- Pages ---------------------------------------------------------------------------------


def test_an_admin_starts_a_cohort_run_and_watches_it(client, cohort_story):
    admin = _staff("admin")
    client.force_login(admin)
    html = client.get("/certificates/bulk/").content.decode()
    assert 'data-testid="bulk-empty"' in html and 'data-testid="cohort-issue-form"' in html
    response = client.post("/certificates/bulk/issue-cohort/",
                           {"cohort": cohort_story["cohort"].pk})
    run = BulkRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/bulk/{run.pk}/")

    html = client.get(f"/certificates/bulk/{run.pk}/").content.decode()
    assert f'data-progress-url="/certificates/bulk/{run.pk}/progress/"' in html
    progress = client.get(f"/certificates/bulk/{run.pk}/progress/").json()
    assert progress["percent"] == 0 and progress["done"] is False and progress["label"]

    _run_to_the_end(run.pk)
    progress = client.get(f"/certificates/bulk/{run.pk}/progress/").json()
    assert progress["percent"] == 100 and progress["done"] is True
    assert (progress["succeeded"], progress["skipped"], progress["total"]) == (2, 2, 4)
    html = client.get(f"/certificates/bulk/{run.pk}/").content.decode()
    assert "data-progress-url" not in html  # finished: no more polling
    assert "赵六" in html and 'data-outcome="not_ready"' in html
    # Bulk never forces an issue; the administrator may issue to one broker by hand.
    assert html.count('data-testid="issue-by-hand"') == 1
    assert f"?broker={cohort_story['waiting'].email.replace('@', '%40')}&amp;level=" \
        "intermediate" in html
    filtered = client.get(f"/certificates/bulk/{run.pk}/?outcome=issued").content.decode()
    assert filtered.count('data-outcome="issued"') == 2 and "赵六" not in filtered


def test_starting_without_a_cohort_shows_the_inline_error(client):
    client.force_login(_staff("admin"))
    response = client.post("/certificates/bulk/issue-cohort/", {"cohort": ""})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert not BulkRun.objects.exists()


def test_a_refused_start_is_explained_on_the_page(client):
    client.force_login(_staff("admin"))
    response = client.post("/certificates/bulk/rerender/", {})
    assert response.status_code == 400 and "alert-danger" in response.content.decode()


def test_auditors_watch_runs_but_start_nothing(client, cohort_story, admin):
    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    client.force_login(_staff("auditor"))
    html = client.get("/certificates/bulk/").content.decode()
    assert "cohort-issue-form" not in html and f"/certificates/bulk/{run.pk}/" in html
    _run_to_the_end(run.pk)
    detail = client.get(f"/certificates/bulk/{run.pk}/")
    assert detail.status_code == 200 and "赵六" in detail.content.decode()
    assert "issue-by-hand" not in detail.content.decode()
    assert client.get(f"/certificates/bulk/{run.pk}/progress/").status_code == 200
    assert client.post("/certificates/bulk/rerender/", {}).status_code == 403
    assert client.post("/certificates/bulk/issue-cohort/",
                       {"cohort": cohort_story["cohort"].pk}).status_code == 403
    assert client.post(f"/certificates/bulk/{run.pk}/resume/").status_code == 403
    assert BulkRun.objects.count() == 1 and run.items.count() == 4


@pytest.mark.parametrize("role", ["trainer", "broker"])
def test_trainers_and_brokers_see_no_runs(client, role, cohort_story, admin):
    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    client.force_login(_staff(role) if role == "trainer" else UserFactory(roles=["broker"]))
    assert client.get("/certificates/bulk/").status_code == 403
    assert client.get(f"/certificates/bulk/{run.pk}/progress/").status_code == 403


def test_more_means_queue_again(admin, cohort_story):
    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk, chunk=1)
    assert bulk_run_step(run_id=run.pk) == (MORE, 0.0)
    run.refresh_from_db()
    assert run.done == 1 and not run.lease_token  # the lease is let go between chunks


# --- Lost messages -------------------------------------------------------------------------


def test_a_run_whose_message_was_lost_is_queued_again_by_the_periodic_task(
        admin, cohort_story):
    from certificates.services.bulk import bulk_runs_stalled
    from certificates.tasks import bulk_runs_resume_stalled

    run = bulk_cohort_issue_start(actor=admin, cohort_id=cohort_story["cohort"].pk)
    # (Its task was never sent: on_commit callbacks do not run in this test.)
    assert bulk_runs_stalled() == []  # too recent to call stalled
    later = timezone.now() + datetime.timedelta(minutes=6)
    assert bulk_runs_stalled(now=later) == [run.pk]
    BulkRun.objects.filter(pk=run.pk).update(
        lease_token="working", lease_until=later + datetime.timedelta(seconds=30))
    assert bulk_runs_stalled(now=later) == []  # someone holds a live lease

    BulkRun.objects.filter(pk=run.pk).update(
        lease_token="", lease_until=None,
        updated_at=timezone.now() - datetime.timedelta(minutes=6))
    assert bulk_runs_resume_stalled() == 1  # eager here: the run is worked through
    run.refresh_from_db()
    assert run.status == BulkRun.Status.DONE and run.done == 4


def test_the_resume_schedule_is_installed_once_and_kept(db):
    from django_celery_beat.models import PeriodicTask

    from academy.schedules import schedules_install
    from certificates.schedules import RESUME_NAME, RESUME_TASK

    task = PeriodicTask.objects.get(name=RESUME_NAME)  # installed after migrate
    assert task.task == RESUME_TASK and task.interval.every == 5 and task.enabled
    PeriodicTask.objects.filter(pk=task.pk).update(enabled=False)  # an administrator's choice
    assert RESUME_NAME not in schedules_install()
    assert not PeriodicTask.objects.get(name=RESUME_NAME).enabled
    assert RESUME_NAME in schedules_install(reset=True)
    assert PeriodicTask.objects.get(name=RESUME_NAME).enabled
