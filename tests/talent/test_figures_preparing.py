"""A filter set whose figures were never computed does not hold the auditor's request for the
seconds they take at a province's scale: a worker computes them while the page says so and
polls; the page computes them itself when no task can be queued or no worker takes it."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from kombu.exceptions import OperationalError

from talent import selectors, tasks
from talent.selectors import figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """The refresh tasks asked for, not run (as if every worker were busy)."""
    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(tasks.talent_figures_refresh, "delay",
                        lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def _total(response) -> str | None:
    match = re.search(r'data-testid="figure-total"[^>]*>([^<]+)<', response.content.decode())
    return match.group(1).strip() if match else None


def test_the_page_waits_for_a_worker_then_shows_the_figures(
        bureau_client, population, cached_figures, queued):
    region = population.region_a.code
    response = bureau_client.get("/talent/", {"region": region})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="figures-preparing"' in html
    assert f'data-progress-url="/talent/figures/progress/?region={region}"' in html
    assert _total(response) is None and 'data-testid="figures-as-of"' not in html
    assert len(queued) == 1  # one task for the filter set

    progress = bureau_client.get("/talent/figures/progress/", {"region": region}).json()
    assert progress["done"] is False and progress["label"]
    bureau_client.get("/talent/", {"region": region})  # another look while it computes
    assert len(queued) == 1  # not asked twice

    args, kwargs = queued[0]
    tasks.talent_figures_refresh(*args, **kwargs)  # the worker's turn

    assert bureau_client.get("/talent/figures/progress/", {"region": region}).json()["done"]
    response = bureau_client.get("/talent/", {"region": region})
    assert _total(response) == "3"
    assert 'data-testid="figures-preparing"' not in response.content.decode()
    # The unfiltered dashboard is a filter set of its own.
    assert 'data-testid="figures-preparing"' in bureau_client.get("/talent/").content.decode()


def test_the_page_computes_them_itself_when_no_task_can_be_queued(
        bureau_client, population, cached_figures, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.talent_figures_refresh, "delay", down)
    response = bureau_client.get("/talent/", {"region": population.region_a.code})
    assert _total(response) == "3"


def test_a_poll_computes_them_when_no_worker_took_the_task(
        bureau_client, population, cached_figures, queued, monkeypatch):
    region = population.region_a.code
    bureau_client.get("/talent/", {"region": region})
    assert bureau_client.get("/talent/figures/progress/", {"region": region}).json()[
        "done"] is False
    monkeypatch.setattr(figures, "FIGURES_WORKER_WAIT_SECONDS", 0)  # the wait is over
    assert bureau_client.get("/talent/figures/progress/", {"region": region}).json()["done"]
    assert _total(bureau_client.get("/talent/", {"region": region})) == "3"
    assert len(queued) == 1


def test_a_lost_task_is_asked_for_again(bureau_client, population, cached_figures, queued):
    region = population.region_a.code
    bureau_client.get("/talent/", {"region": region})
    cache.delete(selectors.figures_cache_key(
        selectors.TalentFilters(region=population.region_a)) + ":queued")  # its mark expired
    assert bureau_client.get("/talent/figures/progress/", {"region": region}).json()[
        "done"] is False
    assert len(queued) == 2


def test_with_a_worker_at_hand_the_first_page_has_its_figures(
        bureau_client, population, cached_figures):
    # Tasks run eagerly here: the figures are computed as the page asks for them.
    response = bureau_client.get("/talent/", {"region": population.region_a.code})
    assert _total(response) == "3"
