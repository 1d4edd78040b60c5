"""The talent pool's settings and their defaults (override with the full ``ACADEMY_…`` name in
a settings module, or with the environment variable of the name without ``ACADEMY_``)."""

from __future__ import annotations

from academy.appconf import AppSettings

app_settings = AppSettings("ACADEMY_", {
    # The dashboard's figures are kept this long (seconds) per filter set and language in the
    # shared cache and shown "as of" their time: computing them over a province's brokers
    # takes seconds. 0 computes them on every request.
    "TALENT_FIGURES_CACHE_SECONDS": 60,
    # Exports of more rows than this are produced in the background (Celery) with a progress
    # bar and a download link; smaller ones are downloaded at once.
    "TALENT_EXPORT_BACKGROUND_ROWS": 5000,
    # How long a background export's download link works (hours); a daily task then deletes
    # the file.
    "TALENT_EXPORT_HOURS": 24,
    # Rows written between two progress updates of a background export.
    "TALENT_EXPORT_CHUNK_ROWS": 1000,
    # An export still waiting or running after this many hours is marked failed (its worker
    # was lost and the message with it) by the daily cleanup.
    "TALENT_EXPORT_STALE_HOURS": 12,
})
