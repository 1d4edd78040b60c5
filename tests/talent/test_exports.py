"""Background exports: a large list goes to Celery, its progress is shown, its file is served
to its requester only until it expires (then 410, and the daily cleanup deletes it), every
export of personal data is audited, and the run is idempotent. Tasks run eagerly here; the
real worker is in test_exports_worker.py."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from academy.audit.models import AuditEvent
from talent import spreadsheets
from talent.models import TalentExport
from talent.services.exports import export_run, exports_cleanup
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_threshold(settings):
    """Lists of more than 2 rows go to the background."""
    settings.ACADEMY_TALENT_EXPORT_BACKGROUND_ROWS = 2
    settings.ACADEMY_TALENT_EXPORT_CHUNK_ROWS = 2


def _start(client, *, kind="brokers", file_format="xlsx", query=""):
    return client.post(reverse("talent:export_start"),
                       {"kind": kind, "file_format": file_format, "query": query})


def _rows_of(export: TalentExport) -> list[tuple]:
    with export.file.open("rb") as handle:
        data = handle.read()
    if export.file_format == "csv":
        return [tuple(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_a_large_list_is_offered_in_the_background_and_a_get_starts_nothing(
        bureau_client, population, small_threshold):
    response = bureau_client.get(reverse("talent:broker_list"),
                                 {"region": population.region_a.code, "format": "xlsx"})
    assert response.status_code == 200
    assert 'data-testid="export-confirm"' in response.content.decode()
    assert TalentExport.objects.count() == 0
    assert not AuditEvent.objects.filter(action="talent.exported").exists()
    # The list page itself offers the background export (a POST form) when large.
    page = bureau_client.get(reverse("talent:broker_list")).content.decode()
    assert 'data-testid="export-background-xlsx"' in page


def test_background_export_writes_the_file_with_progress_and_audits_it(
        bureau_client, population, small_threshold, auditor,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _start(bureau_client, query=f"region={population.region_a.code}")
    export = TalentExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("talent:export_detail", args=[export.pk])
    assert (export.status, export.progress, export.rows, export.total) == ("done", 100, 3, 3)
    assert export.requested_by == auditor and export.personal
    assert export.expires_at - export.finished_at == datetime.timedelta(hours=24)
    rows = _rows_of(export)
    assert sorted(r[0] for r in rows[1:]) == ["一号", "二号", "五号"]
    assert population.brokers["b1"].broker_profile.national_id not in str(rows)
    [event] = AuditEvent.objects.filter(action="talent.exported")
    assert event.actor_id == auditor.pk
    assert event.after == {"kind": "brokers", "format": "xlsx",
                           "filters": {"region": population.region_a.code}, "rows": 3,
                           "personal_data": True, "export": export.pk}

    page = bureau_client.get(reverse("talent:export_detail", args=[export.pk]))
    assert 'data-testid="export-download"' in page.content.decode()
    state = bureau_client.get(reverse("talent:export_progress", args=[export.pk])).json()
    assert state["percent"] == 100 and state["done"] is True and state["label"]

    download = bureau_client.get(reverse("talent:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="brokers-')
    body = b"".join(download.streaming_content)
    assert len(list(load_workbook(io.BytesIO(body)).active.iter_rows())) == 4
    assert AuditEvent.objects.filter(action="talent.export_downloaded",
                                     subject_id=str(export.pk)).count() == 1


def test_a_waiting_export_shows_a_progress_poller(bureau_client, population, small_threshold):
    _start(bureau_client)  # on_commit not run: the export waits for its worker
    export = TalentExport.objects.get()
    html = bureau_client.get(reverse("talent:export_detail", args=[export.pk])).content.decode()
    url = reverse("talent:export_progress", args=[export.pk])
    assert f'data-progress-url="{url}"' in html
    assert "data-progress-label" in html
    state = bureau_client.get(url).json()
    assert state == {"percent": 0, "done": False, "label": state["label"], "status": "pending"}
    assert state["label"]
    # Not ready: the download link leads back to the export's page.
    response = bureau_client.get(reverse("talent:export_download", args=[export.pk]))
    assert response.status_code == 302


def test_progress_is_reported_in_chunks(population, small_threshold, auditor):
    seen = []
    table = spreadsheets.Table("t", ["n"], ([i] for i in range(7)))
    written = spreadsheets.write_csv([table], io.BytesIO(), progress=seen.append, every=2)
    assert written == 7 and seen == [2, 4, 6]

    export = TalentExport.objects.create(requested_by=auditor, kind="audit",
                                         file_format="csv", filters={})
    from talent.services import exports as export_services

    calls = []
    original = export_services._progress
    export_services._progress = lambda pk, n, total: calls.append((n, total)) or original(pk, n,
                                                                                    total)
    try:
        export_run(export_id=export.pk)
    finally:
        export_services._progress = original
    export.refresh_from_db()
    assert export.status == "done" and export.rows == export.total > 2
    assert calls and all(total == export.total for _n, total in calls)
    assert [n for n, _t in calls] == list(range(2, export.rows + 1, 2))[:len(calls)]


def test_only_the_requester_gets_the_file_even_an_admin_does_not(
        client, bureau_client, population, small_threshold, mfa_enrolled,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _start(bureau_client)
    export = TalentExport.objects.get()
    for role in ("auditor", "admin"):
        other = UserFactory(roles=[role])
        mfa_enrolled(other)
        client.force_login(other)
        for name in ("talent:export_detail", "talent:export_progress",
                     "talent:export_download"):
            assert client.get(reverse(name, args=[export.pk])).status_code == 404, (role, name)
        assert f'data-export="{export.pk}"' not in client.get(
            reverse("talent:export_list")).content.decode()


def test_an_expired_link_answers_gone_and_the_cleanup_deletes_the_file(
        bureau_client, population, small_threshold, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _start(bureau_client, file_format="csv")
    export = TalentExport.objects.get()
    name = export.file.name
    assert default_storage.exists(name)
    TalentExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = bureau_client.get(reverse("talent:export_download", args=[export.pk]))
    assert response.status_code == 410
    assert default_storage.exists(name)  # until the daily cleanup

    assert exports_cleanup() == {"expired": 1, "failed": 0}
    export.refresh_from_db()
    assert export.status == "expired" and not export.file
    assert not default_storage.exists(name)
    assert bureau_client.get(reverse("talent:export_download",
                                     args=[export.pk])).status_code == 410
    assert exports_cleanup() == {"expired": 0, "failed": 0}  # twice is harmless


def test_the_cleanup_fails_exports_lost_with_their_worker(auditor):
    export = TalentExport.objects.create(requested_by=auditor, kind="brokers",
                                         status=TalentExport.Status.RUNNING)
    TalentExport.objects.filter(pk=export.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=13))
    fresh = TalentExport.objects.create(requested_by=auditor, kind="brokers")
    assert exports_cleanup() == {"expired": 0, "failed": 1}
    export.refresh_from_db()
    fresh.refresh_from_db()
    assert export.status == "failed" and fresh.status == "pending"


def test_running_the_task_twice_writes_one_file_and_one_audit_event(
        bureau_client, population, small_threshold, django_capture_on_commit_callbacks):
    from talent.tasks import talent_export_run

    with django_capture_on_commit_callbacks(execute=True):
        _start(bureau_client)
    export = TalentExport.objects.get()
    first = export.file.name
    assert talent_export_run(export.pk) == "done"
    export.refresh_from_db()
    assert export.file.name == first
    assert AuditEvent.objects.filter(action="talent.exported").count() == 1


def test_an_interrupted_run_starts_over(population, auditor):
    """A worker killed half-way leaves the export running; the redelivered message redoes
    it from the start and finishes it once."""
    export = TalentExport.objects.create(requested_by=auditor, kind="brokers",
                                         status=TalentExport.Status.RUNNING, progress=40,
                                         rows=2, filters={})
    export_run(export_id=export.pk)
    export.refresh_from_db()
    assert (export.status, export.rows, export.progress) == ("done", 6, 100)
    assert AuditEvent.objects.filter(action="talent.exported").count() == 1


def test_a_failing_export_is_marked_failed(auditor, monkeypatch):
    from talent.selectors import export_kinds

    def broken(spec, user):
        raise RuntimeError("disk full")

    import dataclasses

    monkeypatch.setitem(export_kinds.KINDS, "brokers",
                        dataclasses.replace(export_kinds.KINDS["brokers"], tables=broken))
    export = TalentExport.objects.create(requested_by=auditor, kind="brokers")
    export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "failed" and "disk full" in export.error
    assert not AuditEvent.objects.filter(action="talent.exported").exists()


def test_invalid_requests_change_nothing(bureau_client, population):
    assert _start(bureau_client, kind="nonsense").status_code == 400
    assert _start(bureau_client, query="region=nowhere").status_code == 400
    assert _start(bureau_client, kind="archive", query="cohort=nope").status_code == 400
    assert bureau_client.post(reverse("talent:export_start"), {}).status_code == 400
    assert TalentExport.objects.count() == 0


def test_a_person_may_have_three_exports_in_preparation(bureau_client, population):
    for _ in range(3):
        assert _start(bureau_client).status_code == 302
    response = _start(bureau_client)
    assert response.status_code == 400
    assert TalentExport.objects.count() == 3


def test_formula_cells_are_quoted_in_background_files_too(
        bureau_client, population, small_threshold, django_capture_on_commit_callbacks):
    BrokerFactory(user__full_name="=HYPERLINK(\"http://x\")")
    for fmt in ("csv", "xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            _start(bureau_client, file_format=fmt)
        export = TalentExport.objects.filter(file_format=fmt).get()
        names = [r[0] for r in _rows_of(export)]
        assert "'=HYPERLINK(\"http://x\")" in names, fmt


def test_my_exports_lists_only_mine(bureau_client, population, auditor):
    mine = TalentExport.objects.create(requested_by=auditor, kind="brokers", label="mine-1")
    TalentExport.objects.create(requested_by=UserFactory(roles=["auditor"]), kind="brokers",
                                label="theirs-1")
    html = bureau_client.get(reverse("talent:export_list")).content.decode()
    assert "mine-1" in html and "theirs-1" not in html
    assert f'data-export="{mine.pk}"' in html


@pytest.mark.parametrize("name", ["talent:broker_list", "talent:audit", "talent:dashboard",
                                  "talent:registered_list"])
@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_every_list_exports_to_xlsx_and_csv_with_chinese_headers(bureau_client, population,
                                                                  name, file_format):
    response = bureau_client.get(reverse(name), {"format": file_format})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    if file_format == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")
        first = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        book = load_workbook(io.BytesIO(response.content))
        first = [c.value for c in book.worksheets[0][1]]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in "".join(str(c) for c in first)), first


def test_an_auditors_export_request_changes_nothing_but_their_own_request_log(
        bureau_client, population):
    """The read-only rule: a valid export request by an auditor adds their TalentExport (their
    own request log, like the audit trail's events) and changes no other row."""
    from tests.talent.test_auditor_read_only import _digest

    before = _digest()
    assert _start(bureau_client).status_code == 302
    after = _digest()
    changed = sorted(label for label in before if before[label] != after[label])
    assert changed == ["talent.TalentExport"]


def test_the_daily_cleanup_is_scheduled_once_and_an_admins_change_is_kept():
    from django_celery_beat.models import PeriodicTask

    from academy.schedules import schedules_install
    from talent.schedules import CLEANUP_NAME, CLEANUP_TASK

    entry = PeriodicTask.objects.get(name=CLEANUP_NAME)  # installed by migrate
    assert entry.task == CLEANUP_TASK and entry.crontab.hour == "3"
    PeriodicTask.objects.filter(pk=entry.pk).update(enabled=False)
    assert CLEANUP_NAME not in schedules_install()
    assert PeriodicTask.objects.get(pk=entry.pk).enabled is False
    assert CLEANUP_NAME in schedules_install(reset=True)
    assert PeriodicTask.objects.get(name=CLEANUP_NAME).enabled is True
