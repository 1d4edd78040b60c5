"""Tunables of reminders and notifications, with their documented defaults.

Override any of them in settings with the same name (``academy/settings/base.py`` reads them
from the environment, prefix ``ACADEMY_NOTIFY_``). Times are wall-clock times in
``TIME_ZONE`` (Asia/Shanghai).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Quiet hours: non-urgent e-mails created in this span wait until it ends.
    "ACADEMY_NOTIFY_QUIET_START": "22:00",
    "ACADEMY_NOTIFY_QUIET_END": "07:00",
    # When the daily digest e-mail of the people who chose "digest" goes out.
    "ACADEMY_NOTIFY_DIGEST_TIME": "08:00",
    # Days before a course or cohort deadline at which brokers behind are reminded.
    "ACADEMY_NOTIFY_DEADLINE_DAYS": [7, 3, 1],
    # Days before a certificate expires at which its holder is reminded.
    "ACADEMY_NOTIFY_EXPIRY_DAYS": [90, 30, 7],
    # Days without any activity, in an active cohort, before a broker is nudged (and again
    # after each further such span).
    "ACADEMY_NOTIFY_INACTIVITY_DAYS": 21,
    # Days an answer may wait in a grading queue before its graders are reminded.
    "ACADEMY_NOTIFY_GRADING_BACKLOG_DAYS": 3,
    # Days after an invitation was sent before the invitee is reminded (once).
    "ACADEMY_NOTIFY_INVITATION_DAYS": 3,
    # Days a practice record may wait for review before admins are reminded (daily).
    "ACADEMY_NOTIFY_PRACTICE_REVIEW_DAYS": 3,
    # Hours ahead at which an exam window's opening and closing are announced.
    "ACADEMY_NOTIFY_EXAM_NOTICE_HOURS": 24,
    # How far back the safety-net sweeps look for events whose signal may have been missed.
    "ACADEMY_NOTIFY_LOOKBACK_DAYS": 3,
    # E-mail delivery attempts before a reminder is recorded as failed.
    "ACADEMY_NOTIFY_MAX_ATTEMPTS": 6,
    # First retry delay (seconds), doubled on each attempt up to the maximum.
    "ACADEMY_NOTIFY_RETRY_SECONDS": 60,
    "ACADEMY_NOTIFY_RETRY_MAX_SECONDS": 3600,
    # A pending e-mail whose task has not run after this many seconds is queued again.
    "ACADEMY_NOTIFY_STALE_SECONDS": 600,
    # Rows per batch in sweeps and in the delivery service.
    "ACADEMY_NOTIFY_BATCH_SIZE": 2000,
}


def get(name: str) -> Any:
    """The setting ``name``, or its documented default."""
    return getattr(settings, name, DEFAULTS[name])
