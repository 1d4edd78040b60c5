"""E-mail backends that fail, for simulating a mail server outage in tests.

``OUTAGE`` says what the next sends do: ``{"fail": N, "error": exc}`` fails the next N sends
with ``exc`` (then delivers to Django's locmem outbox like the test backend).
"""

from __future__ import annotations

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

OUTAGE: dict = {"fail": 0, "error": None, "tried": 0}


def outage(fail: int, error: Exception | None = None) -> None:
    OUTAGE.update(fail=fail, error=error or smtplib.SMTPServerDisconnected("mail server down"),
                  tried=0)


class FlakyBackend(LocmemBackend):
    def send_messages(self, messages):
        OUTAGE["tried"] += len(messages)
        if OUTAGE["fail"] > 0:
            OUTAGE["fail"] -= 1
            raise OUTAGE["error"]
        return super().send_messages(messages)
