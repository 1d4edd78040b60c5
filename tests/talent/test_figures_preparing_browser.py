"""In a real browser: the auditor filters the dashboard by a region nobody asked for before;
the page says the figures are being computed and, once a worker has computed them, shows them
by itself (the shared poller reloads it) — no script or style the CSP blocks."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from talent import tasks
from tests.browser import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_dashboard_waits_for_its_figures_and_shows_them_by_itself(
        live_server, page, screenshot, settings, population, monkeypatch):
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    settings.ACADEMY_TALENT_FIGURES_CACHE_SECONDS = 60
    queued = []
    monkeypatch.setattr(tasks.talent_figures_refresh, "delay",
                        lambda *args, **kwargs: queued.append((args, kwargs)))
    auditor = UserFactory(roles=["auditor"], full_name="张审计")
    log_in(page, live_server.url, auditor.email)

    page.goto(f"{live_server.url}/talent/?region={population.region_a.code}")
    preparing = page.locator("[data-testid='figures-preparing']")
    assert preparing.is_visible()
    assert "正在计算" in preparing.inner_text()
    screenshot(page, "talent-figures-preparing-zh")
    assert len(queued) == 1

    args, kwargs = queued[0]
    tasks.talent_figures_refresh(*args, **kwargs)  # the worker's part

    total = page.locator("[data-testid='figure-total']")
    total.wait_for(timeout=15000)
    assert total.inner_text().strip() == "3"
    assert not preparing.count()
    assert not page.js_errors, page.js_errors
