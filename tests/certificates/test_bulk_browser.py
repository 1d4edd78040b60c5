"""In a real browser with a real Celery worker: the administrator edits the certificate design
(an inline error first), sees the sample's thumbnail, puts it in use, then issues for a whole
cohort and watches the progress bar fill and the page turn into the report — no page
reloads by hand, no script or style the CSP blocks."""

from __future__ import annotations

import re
import time

import pytest

from certificates.models.bulk import BulkRun
from certificates.models.designs import design_active
from certificates.models.issued import Certificate
from tests.browser import click_menu_item, log_in
from tests.certificates.factories import approved_record, requirement_set
from tests.certificates.issued_fixtures import signing_key_tmp  # noqa: F401
from tests.courses.factories import CohortFactory, enrol
from tests.factories import BrokerFactory, UserFactory
from tests.flows.conftest import _worker_process, celery_worker  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cohort(transactional_db):
    """Made while tasks are still eager (before the worker fixture): enrolling evaluates
    readiness before any record is approved, so no automatic issuance races the bulk run."""
    requirement_set(practice_records=1)
    cohort = CohortFactory(name="2026年第一期技术经纪人培训班")
    brokers = [BrokerFactory(user__full_name=name) for name in ("周一", "吴二", "郑三")]
    for broker in brokers:
        enrol(broker, cohort)
    for broker in brokers[:2]:
        approved_record(broker)
    return cohort


def test_admin_changes_the_design_and_issues_for_a_cohort_with_a_progress_bar(
        cohort, live_server, page, screenshot, settings, celery_worker):  # noqa: F811
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    admin = UserFactory(roles=["admin"], full_name="王建国")
    log_in(page, live_server.url, admin.email)

    # The design: a bad placeholder is refused inline, then the draft is saved and previewed.
    click_menu_item(page, "/certificates/design/")
    page.wait_for_url(re.compile(r"/certificates/design/$"))
    page.locator("[data-testid='design-start']").click()
    page.fill("#id_title_zh", "技术经纪人证书")
    page.fill("#id_body_zh", "{name.__class__}")
    page.locator("[data-testid='design-save']").click()
    page.locator("#id_body_zh.is-invalid").wait_for()
    assert "占位符" in page.locator("#id_body_zh_errors").inner_text()
    page.fill("#id_body_zh", "已于{valid_from}完成培训与考核，认定为")
    page.locator("[data-testid='design-save']").click()
    page.wait_for_url(re.compile(r"/certificates/design/\d+/$"))
    thumbnail = page.locator("[data-testid='design-thumbnail']")
    thumbnail.wait_for()
    picture = page.request.get(live_server.url + thumbnail.get_attribute("src"))
    assert picture.ok and picture.headers["content-type"] == "image/png"
    screenshot(page, "certificate-design-draft")
    page.once("dialog", lambda dialog: dialog.accept())  # "put this draft in use?"
    page.locator("[data-testid='design-activate']").click()
    page.wait_for_url(re.compile(r"/certificates/design/$"))
    assert design_active().title_zh == "技术经纪人证书"

    # Issue for the cohort: the run's page polls its progress and shows the report when done.
    click_menu_item(page, "/certificates/bulk/")
    page.wait_for_url(re.compile(r"/certificates/bulk/$"))
    page.select_option("#id_cohort", str(cohort.pk))
    started = time.monotonic()
    page.locator("[data-testid='cohort-issue-form'] button").click()
    page.wait_for_url(re.compile(r"/certificates/bulk/\d+/$"))
    run = BulkRun.objects.get()
    status = page.locator("[data-testid='bulk-status']")
    while status.inner_text().strip() != "已完成":
        assert time.monotonic() - started < 60, celery_worker.log()
        assert celery_worker.process.poll() is None, celery_worker.log()
        time.sleep(0.5)
    bar = page.locator("[data-testid='bulk-progress'] [data-progress]")
    assert bar.get_attribute("data-progress") == "100"
    assert page.locator("[data-testid='bulk-succeeded']").inner_text().strip() == "2"
    assert page.locator("[data-testid='bulk-items'] tr[data-outcome='issued']").count() == 2
    not_ready = page.locator("[data-testid='bulk-items'] tr[data-outcome='not_ready']")
    assert "郑三" in not_ready.inner_text()
    screenshot(page, "certificate-bulk-run-done")
    run.refresh_from_db()
    assert run.status == BulkRun.Status.DONE
    assert Certificate.objects.filter(broker__enrolments__cohort=cohort).count() == 2
    assert page.js_errors == []
