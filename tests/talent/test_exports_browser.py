"""In a real browser: the auditor exports a list too large for an immediate download; the
export page shows a progress bar that the shared poller (data-progress-url) updates, and once
the work is done the page reloads with the download link, which gives the file."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from talent.models import TalentExport
from talent.services.exports import export_run
from tests.browser import log_in
from tests.factories import UserFactory
from tests.talent.conftest import population  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_large_export_shows_its_progress_then_its_download_link(
        live_server, page, screenshot, settings, population, monkeypatch):  # noqa: F811
    from talent import tasks

    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    settings.ACADEMY_TALENT_EXPORT_BACKGROUND_ROWS = 2
    # No worker picks the export up until the test runs it below, so the page must wait.
    monkeypatch.setattr(tasks.talent_export_run, "delay", lambda *args, **kwargs: None)
    auditor = UserFactory(roles=["auditor"], full_name="张审计")
    log_in(page, live_server.url, auditor.email)

    page.goto(live_server.url + "/talent/brokers/")
    page.locator("[data-testid='export-background-xlsx']").click()
    page.wait_for_url(re.compile(r"/talent/exports/\d+/$"))
    progress = page.locator("[data-testid='export-progress']")
    assert progress.is_visible()
    assert progress.get_attribute("data-progress-url").endswith("/progress/")
    screenshot(page, "talent-export-waiting-zh")

    export = TalentExport.objects.get(requested_by=auditor)
    assert export.status == "pending"
    export_run(export_id=export.pk)  # the worker's part

    page.locator("[data-testid='export-download']").wait_for(timeout=15000)
    screenshot(page, "talent-export-ready-zh")
    with page.expect_download() as info:
        page.locator("[data-testid='export-download']").click()
    download = info.value
    assert download.suggested_filename.startswith("brokers-")
    sheet = load_workbook(io.BytesIO(download.path().read_bytes())).active
    assert len(list(sheet.iter_rows(min_row=2))) == 6

    page.goto(live_server.url + "/talent/exports/")
    assert page.locator(f"[data-export='{export.pk}']").is_visible()
    assert not page.js_errors, page.js_errors


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
