"""In a real browser, on the demo data, after the tasks its seeding queued ran (eagerly, as a
worker would): the auditor's dashboard shows a funnel toward intermediate with people who
stopped at every step, says what each step means, and a step's number opens the brokers behind
it; the ready brokers wait on the admin's ready-for-promotion list."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from certificates.demo import FUNNEL_READY
from certificates.selectors.readiness_sets import STEP_KEYS
from tests.browser import log_in, show_chart_table
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_the_auditors_dashboard_shows_people_at_every_step_of_the_demo_funnel(
        live_server, page, screenshot, settings):
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    call_command("seed_demo", "--force", stdout=StringIO())
    auditor = UserFactory(roles=["auditor"], full_name="科技局审计")
    log_in(page, live_server.url, auditor.email)

    page.goto(live_server.url + "/talent/")
    show_chart_table(page, "chart-funnel")
    counts = {}
    for key in STEP_KEYS:
        counts[key] = int(page.locator(f"[data-testid='funnel-{key}']").inner_text()
                          .strip().replace(",", ""))
    assert all(n > 0 for n in counts.values()), counts
    # Each step within the one before and smaller than it: some brokers stopped at every step
    # (awaiting grading, and ready but not certified, among them).
    values = [counts[key] for key in STEP_KEYS]
    assert all(a > b for a, b in zip(values, values[1:], strict=False)), counts
    definitions = page.locator("[data-testid='funnel-definitions'] li").all_inner_texts()
    assert len(definitions) == len(STEP_KEYS)
    assert any("学时已达标" in text for text in definitions), definitions
    screenshot(page, "talent-funnel-demo-zh")

    link = page.locator("[data-testid='funnel-exams_sat']")
    href = link.get_attribute("href")
    assert "step=exams_sat" in href, href
    link.click()
    page.wait_for_url(re.compile(r"/talent/brokers/\?.*step=exams_sat"), timeout=60_000)
    rows = page.locator("[data-testid='broker-table'] tbody tr")
    assert rows.count() == counts["exams_sat"]


def test_the_admin_finds_the_demos_ready_brokers_waiting_to_be_issued(
        live_server, page, settings):
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    call_command("seed_demo", "--force", stdout=StringIO())
    admin = UserFactory(roles=["admin"], full_name="科技局管理员")
    log_in(page, live_server.url, admin.email)

    page.goto(live_server.url + reverse("certificates:ready_list"))
    rows = page.locator("[data-testid='ready-list'] [data-broker]")
    assert rows.count() == len(FUNNEL_READY)
    assert page.locator("[data-testid='issue-one']").count() == len(FUNNEL_READY)
