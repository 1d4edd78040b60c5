"""Through a real Celery worker on Redis: stale dashboard figures are served at once, with
their own time, while the worker recomputes them; the next request has the new figures."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from talent import selectors
from talent.selectors import TalentFilters
from tests.factories import BrokerFactory
from tests.flows.conftest import _worker_process, celery_worker, wait_for  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True)]


def test_stale_figures_are_served_while_the_worker_recomputes_them(
        settings, celery_worker):  # noqa: F811
    settings.ACADEMY_TALENT_FIGURES_CACHE_SECONDS = 60
    for _ in range(3):
        BrokerFactory()
    key = selectors.figures_cache_key(TalentFilters())
    two_minutes_ago = timezone.now() - datetime.timedelta(minutes=2)
    stale = {**selectors.dashboard_compute(TalentFilters()), "as_of": two_minutes_ago}
    stale["total"] = 2  # what the pool was two minutes ago
    cache.set(key, stale, 600)

    served = selectors.dashboard(TalentFilters())
    assert (served["total"], served["as_of"]) == (2, two_minutes_ago)
    wait_for(lambda: cache.get(key)["as_of"] > two_minutes_ago, timeout=60,
             worker=celery_worker, what="the figures to be recomputed")
    fresh = selectors.dashboard(TalentFilters())
    assert fresh["total"] == 3 and timezone.now() - fresh["as_of"] < datetime.timedelta(
        seconds=60)
    assert cache.get(key + ":computing") is None and cache.get(key + ":queued") is None
