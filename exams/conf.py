"""The exams app's settings and their defaults.

Two prefixes, so that the names deployments and tests already use keep working: the
``ACADEMY_…`` settings of the project, and the exams app's own limits named ``EXAMS_…``. Each is
overridden by the setting of its full name, else by the environment variable of that name
without ``ACADEMY_`` (``EXAM_ROOM_LEAD_MINUTES``, ``EXAMS_ANSWER_MAX_CHARS``).

``ACADEMY_EXAM_ROOM_RATE_FACTOR`` is not here: ``academy.people.ratelimits`` applies it, and a
lower app cannot read the exams app's settings.
"""

from __future__ import annotations

from academy.appconf import AppSettings

app_settings = AppSettings("ACADEMY_", {
    # A sitting's venue network counts as an exam room (higher limits per client address) from
    # this many minutes before the sitting opens until it closes.
    "EXAM_ROOM_LEAD_MINUTES": 60,
})

exams_settings = AppSettings("EXAMS_", {
    # The largest answer accepted, as JSON text (characters).
    "ANSWER_MAX_CHARS": 20000,
    # Question import: larger files, or files with more question rows, are refused.
    "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 2000,
    # Images of questions (Moodle XML import): PNG, JPEG, GIF or WebP, each at most this
    # many bytes and this many pixels (width × height).
    "IMAGE_MAX_BYTES": 2 * 1024 * 1024,
    "IMAGE_MAX_PIXELS": 25_000_000,
    # How long a grader's claim holds an answer for them (minutes).
    "GRADING_CLAIM_MINUTES": 30,
    # The server logs an offline gap by itself when an answer reaches it this many seconds
    # or more after it was given (or after the sitting's own offline threshold, if higher).
    # Below it a save's delay is the page's debounce and retries, not a gap; and only a save
    # older than this costs a query to read the sitting's threshold.
    "OFFLINE_GAP_MIN_SECONDS": 30,
})
