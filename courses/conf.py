"""The courses app's settings and their defaults (override with the full ``ACADEMY_…`` name)."""

from __future__ import annotations

from academy.appconf import AppSettings

app_settings = AppSettings("ACADEMY_", {
    # How long a QR check-in token stays valid after it was shown (seconds).
    "CHECKIN_TOKEN_SECONDS": 90,
    # How often the projector page fetches a fresh QR code (must be below the validity).
    "CHECKIN_QR_REFRESH_SECONDS": 30,
    # How often the lesson page reports time spent, and the most one report may add.
    "LESSON_PING_SECONDS": 30,
    "LESSON_PING_MAX_SECONDS": 120,
    # TrueType CJK font embedded in the transcript PDF (STSong-Light is used if it is missing).
    "PDF_FONT_PATH": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    # The issuing body named under the transcript PDF's title (none when empty).
    "ISSUER_NAME": "",
})
