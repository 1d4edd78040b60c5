"""Password hashing: Argon2id with its cost set in settings.

Django's ``Argon2PasswordHasher`` (Argon2id since Django 3.2) fixes its cost in class
attributes (100 MiB, t=2, p=8: 183 ms of CPU per check on the reference machine). This
subclass reads them from ``ACADEMY_ARGON2_MEMORY_KIB``, ``ACADEMY_ARGON2_TIME_COST`` and
``ACADEMY_ARGON2_PARALLELISM``, by default the cheapest of OWASP's minimum settings for
Argon2id (7 MiB, t=5, p=1, as strong as its 19 MiB, t=2: about 17 ms against 24 ms of CPU,
``bench/password_hash.py``), so that a room of brokers signing in at once waits for the exam,
not for the hash (docs/OPERATIONS.md, "Password hashing"). The algorithm name stays
``argon2``: hashes made with other parameters still verify, and Django rewrites them with the
configured ones at the next successful login (``must_update``), as it rewrites PBKDF2 hashes.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

from .conf import app_settings


class Argon2idPasswordHasher(Argon2PasswordHasher):
    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return app_settings.ARGON2_TIME_COST

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return app_settings.ARGON2_MEMORY_KIB

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return app_settings.ARGON2_PARALLELISM
