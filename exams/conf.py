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
    # How long a grader's claim holds an answer for them (minutes).
    "GRADING_CLAIM_MINUTES": 30,
})
