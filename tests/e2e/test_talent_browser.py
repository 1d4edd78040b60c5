"""In a real browser: the auditor opens the talent-pool dashboard in Chinese, filters by a
region, drills into a number, opens a dossier and exports the list."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.browser import log_in, show_chart_table
from tests.factories import UserFactory
from tests.talent.conftest import population  # noqa: F401 - the known population fixture


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_auditor_filters_drills_down_opens_a_dossier_and_exports(
    live_server, page, screenshot, settings, population,  # noqa: F811
):
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    auditor = UserFactory(roles=["auditor"], full_name="张审计")
    log_in(page, live_server.url, auditor.email)

    page.goto(live_server.url + "/talent/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    # Each chart has its table one click away; the numbers there link to the brokers.
    show_chart_table(page, "chart-funnel")
    assert page.locator("[data-testid='funnel-enrolled']").inner_text().strip() == "4"
    screenshot(page, "talent-dashboard-zh")

    page.select_option("select[name='region']", population.region_a.code)
    page.locator("[data-testid='apply-filters']").click()
    page.wait_for_url(re.compile(r"region=" + re.escape(population.region_a.code)))
    show_chart_table(page, "chart-funnel")
    assert page.locator("[data-testid='funnel-enrolled']").inner_text().strip() == "2"
    assert page.locator("[data-testid='funnel-exam']").inner_text().strip() == "1"
    screenshot(page, "talent-dashboard-region-zh")

    # The organisation filter suggests names as one types (talent.js fills its datalist).
    organisation = page.locator("input[name='organisation']")
    organisation.fill("甲")
    page.wait_for_function(
        "name => Array.from(document.querySelectorAll('#id_organisation-options option'),"
        " o => o.value).join('|') === name", arg=population.o1.name)

    page.locator("[data-testid='funnel-enrolled']").click()
    page.wait_for_url(re.compile(r"/talent/brokers/\?.*step=enrolled"))
    rows = page.locator("[data-testid='broker-table'] tbody tr")
    assert rows.count() == 2
    names = sorted(rows.locator("td:first-child a").all_inner_texts())
    assert names == ["一号", "二号"]
    list_url = page.url

    page.locator("[data-testid='broker-table'] tbody tr td:first-child a", has_text="一号").click()
    page.wait_for_url(re.compile(r"/talent/brokers/\d+/$"))
    assert page.locator("[data-testid='dossier-name']").inner_text().strip() == "一号"
    assert page.locator("[data-testid='attempts'] tbody tr").count() == 1
    screenshot(page, "talent-dossier-zh")

    page.goto(list_url)
    with page.expect_download() as info:
        page.locator("[data-testid='export-list-xlsx']").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.path().read_bytes())).active
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["一号", "二号"]
    assert not page.js_errors, page.js_errors
