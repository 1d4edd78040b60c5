"""Tunables of the talent pool, with their defaults (override in settings with the same name)."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Exports of more rows than this are produced in the background (Celery) with a progress
    # bar and a download link; smaller ones are downloaded at once.
    "ACADEMY_TALENT_EXPORT_BACKGROUND_ROWS": 5000,
    # How long a background export's download link works (hours); a daily task then deletes
    # the file.
    "ACADEMY_TALENT_EXPORT_HOURS": 24,
    # Rows written between two progress updates of a background export.
    "ACADEMY_TALENT_EXPORT_CHUNK_ROWS": 1000,
    # An export still waiting or running after this many hours is marked failed (its worker
    # was lost and the message with it) by the daily cleanup.
    "ACADEMY_TALENT_EXPORT_STALE_HOURS": 12,
}


def get(name: str):
    """The setting ``name`` or its documented default."""
    return getattr(settings, name, DEFAULTS[name])
