"""The dashboard: every figure at once, and the shared cache that keeps them.

``dashboard_compute`` runs every figure's selector in one transaction on the read replica;
``dashboard`` and ``dashboard_if_ready`` serve them from the cache, stale ones while a Celery
task (``tasks.talent_figures_refresh``) recomputes them.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from academy.db import reads_from_replica

from ..conf import app_settings
from ..sql import without_jit
from .certificates import certificate_counts
from .cohorts import cohort_progress_summary
from .counts import brokers_by_level, brokers_by_organisation, brokers_by_region
from .funnel import funnel
from .population import TalentFilters
from .practice import PracticeRow, practice_by_region_month
from .promotions import promotions_by_month, promotions_by_year
from .registered import Comparison, practice_comparison
from .results import exam_results_by_sitting, grading_turnaround

FIGURES_CACHE_PREFIX = "talent:figures:v1:"
# Figures past their cache time are still served (with their own "as of") while one
# background task recomputes them; they are dropped from the cache after this long.
FIGURES_KEEP_SECONDS = 24 * 3600

logger = logging.getLogger(__name__)


def dashboard(filters: TalentFilters) -> dict[str, Any]:
    """Every figure of the dashboard (``dashboard_compute``) and ``as_of``, when they were
    computed: for the page, the API and the exports.

    ``ACADEMY_TALENT_FIGURES_CACHE_SECONDS`` (``conf.py``; 0: computed on every request) keeps
    the figures of each filter set and language that long in the shared cache: at a province's
    scale computing them takes seconds (bench/dashboard.py), and the page says "as of
    HH:MM". Past that time the previous figures are served, with their own time, while one
    Celery task (``figures_refresh``) recomputes them; beat keeps the unfiltered figures
    fresh.
    Only the very first request of a filter set computes them itself (the others asking
    meanwhile wait for it).
    """
    seconds = app_settings.TALENT_FIGURES_CACHE_SECONDS
    if seconds <= 0:
        as_of = timezone.now()
        return {**dashboard_compute(filters), "as_of": as_of}
    key = figures_cache_key(filters)
    cached = _cached_figures(filters, key=key, seconds=seconds)
    if cached is not None:
        return cached
    figures = figures_refresh(filters, older_than=0)
    if figures is not None:
        return figures
    for _attempt in range(150):  # another process is computing them: up to 30 s
        time.sleep(0.2)
        cached = cache.get(key)
        if cached is not None:
            return cached
    return {**dashboard_compute(filters), "as_of": timezone.now()}


def _cached_figures(filters: TalentFilters, *, key: str, seconds: int
                    ) -> dict[str, Any] | None:
    """The cached figures of ``filters`` (None when never computed); past their cache time
    they are still returned, and a worker is asked to recompute them."""
    cached = cache.get(key)
    if cached is not None and timezone.now() - cached["as_of"] >= datetime.timedelta(
            seconds=seconds):
        _figures_refresh_queue(filters, key=key, seconds=seconds)
    return cached


def figures_refresh(filters: TalentFilters, *, older_than: float) -> dict[str, Any] | None:
    """Compute and cache the figures of ``filters`` in the active language unless they are
    younger than ``older_than`` seconds or another process is computing them (a lock per
    filter set and language). Returns the new figures, or None when it left them alone."""
    seconds = app_settings.TALENT_FIGURES_CACHE_SECONDS
    key = figures_cache_key(filters)
    cached = cache.get(key)
    if cached is not None and timezone.now() - cached["as_of"] < datetime.timedelta(
            seconds=older_than):
        return None
    if not cache.add(key + ":computing", True, timeout=max(60, seconds)):
        return None
    try:
        figures = {**dashboard_compute(filters), "as_of": timezone.now()}
        cache.set(key, figures, timeout=max(FIGURES_KEEP_SECONDS, seconds))
    finally:
        cache.delete_many([key + ":computing", key + ":queued"])
    return figures


def _figures_refresh_queue(filters: TalentFilters, *, key: str, seconds: int) -> bool:
    """Ask a worker to recompute the figures, once per filter set until it has; False when
    the task could not be queued (the broker is down)."""
    if not cache.add(key + ":queued", time.time(), timeout=max(60, seconds)):
        return True  # asked already
    from ..tasks import talent_figures_refresh

    try:
        talent_figures_refresh.delay(filters.as_query(), get_language() or settings.LANGUAGE_CODE,
                                     older_than=seconds)
    except Exception:  # the broker is down: the stale figures stay, the next request retries
        cache.delete(key + ":queued")
        logger.exception("talent: could not queue the refresh of the dashboard's figures")
        return False
    return True


# How long the dashboard waits for a worker to compute a filter set's first figures before
# the page's next poll computes them itself (no worker running, or all of them busy).
FIGURES_WORKER_WAIT_SECONDS = 15


def dashboard_if_ready(filters: TalentFilters) -> dict[str, Any] | None:
    """The dashboard page's figures: as ``dashboard()`` when they are cached (stale ones are
    served while a worker recomputes them), but None, rather than seconds of waiting, when
    this filter set was never computed: a worker is asked to compute them and the page polls
    ``figures_poll()`` until they are there. Computes them here when there is no cache time or
    the task cannot be queued; an eager task (tests, a demo) has them ready at once."""
    seconds = app_settings.TALENT_FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return dashboard(filters)
    key = figures_cache_key(filters)
    cached = _cached_figures(filters, key=key, seconds=seconds)
    if cached is not None:
        return cached
    if not _figures_refresh_queue(filters, key=key, seconds=0):
        return dashboard(filters)
    return cache.get(key)


def figures_poll(filters: TalentFilters) -> bool:
    """Whether the figures of ``filters`` are ready (for the page waiting for them). Asks a
    worker again when the request was lost, and computes them here when no worker took it
    within ``FIGURES_WORKER_WAIT_SECONDS``."""
    seconds = app_settings.TALENT_FIGURES_CACHE_SECONDS
    key = figures_cache_key(filters)
    if seconds <= 0 or cache.get(key) is not None:
        return True
    queued_at = cache.get(key + ":queued")
    if queued_at is None:  # the request was lost (its mark expired): ask again
        if _figures_refresh_queue(filters, key=key, seconds=0):
            return False
        dashboard(filters)  # no task can be queued: compute them here
        return True
    if time.time() - float(queued_at) >= FIGURES_WORKER_WAIT_SECONDS:
        dashboard(filters)  # computes them (or waits for whoever is computing them)
        return True
    return False



def figures_cache_key(filters: TalentFilters) -> str:
    """The cache key of the figures for ``filters`` in the active language."""
    return FIGURES_CACHE_PREFIX + hashlib.sha256(json.dumps(
        [sorted(filters.as_query().items()), get_language()]).encode()).hexdigest()


@reads_from_replica()
@without_jit()
def dashboard_compute(filters: TalentFilters) -> dict[str, Any]:
    """Every figure of the dashboard, computed now."""
    steps, req = funnel(filters)
    promotions = promotions_by_month(filters)
    cohorts = cohort_progress_summary(filters)
    practice_rows, practice_totals = practice_by_region_month(filters)
    by_level = brokers_by_level(filters)
    return {
        "total": sum(r.count for r in by_level),
        "by_level": by_level,
        "by_region": brokers_by_region(filters),
        "by_organisation": brokers_by_organisation(filters),
        "promotions": promotions,
        "promotions_by_year": promotions_by_year(promotions),
        "funnel": steps,
        "funnel_requirements": req,
        "cohorts": cohorts,
        "sittings": exam_results_by_sitting(filters),
        "turnaround": grading_turnaround(filters),
        "practice": practice_rows,
        "practice_totals": practice_totals,
        "practice_registered": _practice_registered(filters, practice_rows),
        "certificates": certificate_counts(filters),
    }


def _practice_registered(filters: TalentFilters, rows: list[PracticeRow]) -> Comparison:
    return practice_comparison(filters, rows)
