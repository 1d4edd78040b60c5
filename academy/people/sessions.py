"""Sessions read from the cache and written through to the database, with a new session
written once, when the request ends.

Django's ``create()`` (which signing in calls through ``cycle_key()``) checks that a fresh key
is free, in the cache and in the database, and inserts the row at once; the sign-in's own
changes then update it when the response goes out. That is four round trips and two
transactions at every sign-in, and an exam morning is thousands of sign-ins in minutes. Here a
new key is only drawn: 32 random characters of 36 (165 bits), so it is not looked up, and the
row is inserted when the session middleware saves it at the end of the request. A key that
were taken after all makes that insert fail loudly (``CreateError``) instead of sharing a
session.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string


class SessionStore(cached_db.SessionStore):
    _unsaved = False

    def create(self) -> None:
        self._session_key = get_random_string(32, VALID_KEY_CHARS)
        self.modified = True
        self._unsaved = True

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            self.create()
        super().save(must_create=must_create or self._unsaved)
        self._unsaved = False
