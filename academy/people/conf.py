"""The people app's settings and their defaults (override with the full ``ACADEMY_…`` name)."""

from __future__ import annotations

from academy.appconf import AppSettings

app_settings = AppSettings("ACADEMY_", {
    # The largest practice-record evidence file accepted, in bytes.
    "PRACTICE_EVIDENCE_MAX_BYTES": 10 * 1024 * 1024,
    # How many evidence files one practice record may carry.
    "PRACTICE_EVIDENCE_MAX_FILES": 10,
})
