"""The people app's settings and their defaults (override with the full ``ACADEMY_…`` name, or
the environment variable without ``ACADEMY_``: see ``academy/appconf.py``)."""

from __future__ import annotations

from academy.appconf import AppSettings

app_settings = AppSettings("ACADEMY_", {
    # Staff (trainer, auditor, admin) must enrol a second factor before any staff page works.
    # Only the `make run` demo turns this off.
    "STAFF_MFA_REQUIRED": True,
    # Accounts come from roster import or the admin; public sign-up is closed unless opened.
    "SIGNUP_OPEN": False,
    # How long an invitation link stays valid (days).
    "INVITATION_DAYS": 14,
    # Roster import limits: larger files (bytes) and longer rosters are refused with a message.
    "ROSTER_MAX_BYTES": 5 * 1024 * 1024,
    "ROSTER_MAX_ROWS": 5000,
    # How long a user's roles, activity, session hash and second-factor enrolment stay in the
    # cache (seconds; access.py drops them at once when any of them changes through the ORM).
    "ACCESS_CACHE_SECONDS": 300,
    # Limits keyed on a client address are multiplied by this for clients inside an exam room
    # (a sitting's venue network) while the sitting is under way (ratelimits.py).
    "EXAM_ROOM_RATE_FACTOR": 10,
    # Argon2id's cost (hashers.py): OWASP's 7 MiB, t=5, p=1, one of its five settings of equal
    # strength, and the one that costs the least CPU here (docs/OPERATIONS.md).
    "ARGON2_MEMORY_KIB": 7 * 1024,
    "ARGON2_TIME_COST": 5,
    "ARGON2_PARALLELISM": 1,
    # The largest practice-record evidence file accepted, in bytes.
    "PRACTICE_EVIDENCE_MAX_BYTES": 10 * 1024 * 1024,
    # How many evidence files one practice record may carry.
    "PRACTICE_EVIDENCE_MAX_FILES": 10,
})
