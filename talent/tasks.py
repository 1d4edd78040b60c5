"""Background work of the talent pool: thin wrappers around its services and selectors.

The tasks take primary keys only, are safe to run twice and to be killed at any line (see
``services.exports``' docstring), and retry database operational errors a bounded number of
times with backoff.
"""

from __future__ import annotations

from celery import shared_task

from academy.tasks import RETRY_DATABASE

# Every task keeps the name it had when the app lived in ``academy/talent/``: beat's rows in
# django-celery-beat (``schedules.py``) and messages already queued carry that dotted path,
# so an explicit ``name=`` keeps them running after the package moved to ``talent/``.


@shared_task(name="academy.talent.tasks.talent_export_run", **RETRY_DATABASE)
def talent_export_run(export_id: int) -> str | None:
    """Write the file of background export ``export_id`` (``services.export_run``).

    Twice is harmless: a finished export is left alone, and of two runs at once only the
    first to commit keeps its file. Killed half-way, the redelivered message starts over.
    Returns the export's status.
    """
    from .services import export_run

    export = export_run(export_id=export_id)
    return export.status if export is not None else None


@shared_task(name="academy.talent.tasks.talent_exports_cleanup", **RETRY_DATABASE)
def talent_exports_cleanup() -> dict[str, int]:
    """Daily: delete export files past their download window; fail exports lost with their
    worker. Twice is harmless: what it cleaned is not selected again."""
    from .services import exports_cleanup

    return exports_cleanup()


@shared_task(name="academy.talent.tasks.talent_figures_refresh", **RETRY_DATABASE)
def talent_figures_refresh(query: dict[str, str], language: str, *,
                           older_than: float = 0) -> bool:
    """Recompute the dashboard's figures of one filter set (``query``: the filters'
    ``as_query()``) in ``language`` and cache them (``selectors.figures_refresh``), unless
    they are younger than ``older_than`` seconds.

    Twice is harmless: a lock per filter set lets one run compute while the other returns,
    and figures fresh enough are left alone. Killed half-way, the stale figures stay served
    and the lock expires. Returns whether it computed them.
    """
    from django.utils import translation

    from .selectors import figures_refresh, filters_from_query

    with translation.override(language):
        return figures_refresh(filters_from_query(query), older_than=older_than) is not None


@shared_task(name="academy.talent.tasks.talent_figures_precompute", **RETRY_DATABASE)
def talent_figures_precompute() -> list[str]:
    """Every minute (beat): recompute the unfiltered dashboard's figures before they expire,
    in the default language and in any other language whose figures are in the cache, so
    nobody opening the dashboard waits for them. Twice is harmless (see
    ``talent_figures_refresh``). Returns the languages it computed."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import translation

    from .conf import app_settings
    from .selectors import TalentFilters, figures_cache_key, figures_refresh

    seconds = app_settings.TALENT_FIGURES_CACHE_SECONDS
    if seconds <= 0:
        return []
    done = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            if language != settings.LANGUAGE_CODE and cache.get(
                    figures_cache_key(TalentFilters())) is None:
                continue
            # Half the cache time: the minute's run finds last minute's figures due.
            if figures_refresh(TalentFilters(), older_than=seconds / 2) is not None:
                done.append(language)
    return done
