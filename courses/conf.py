"""Tunables of the courses app, with their defaults (override in settings with the same name)."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # How long a QR check-in token stays valid after it was shown (seconds).
    "ACADEMY_CHECKIN_TOKEN_SECONDS": 90,
    # How often the projector page fetches a fresh QR code (must be below the validity).
    "ACADEMY_CHECKIN_QR_REFRESH_SECONDS": 30,
    # How often the lesson page reports time spent, and the most one report may add.
    "ACADEMY_LESSON_PING_SECONDS": 30,
    "ACADEMY_LESSON_PING_MAX_SECONDS": 120,
    # TrueType CJK font embedded in the transcript PDF (STSong-Light is used if it is missing).
    "ACADEMY_PDF_FONT_PATH": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
}


def get(name: str):
    """The setting ``name`` or its documented default."""
    return getattr(settings, name, DEFAULTS[name])
