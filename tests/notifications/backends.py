"""E-mail backends that fail, for simulating a mail server outage in tests.

``OUTAGE`` says what the next sends do: ``{"fail": N, "error": exc}`` fails the next N sends
with ``exc`` (then delivers to Django's locmem outbox like the test backend).
"""

from __future__ import annotations

import smtplib
import time

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

OUTAGE: dict = {"fail": 0, "error": None, "tried": 0, "delay": 0.0}


def outage(fail: int, error: Exception | None = None, *, delay: float = 0.0) -> None:
    """The next ``fail`` sends raise ``error``; every send takes ``delay`` seconds."""
    OUTAGE.update(fail=fail, error=error or smtplib.SMTPServerDisconnected("mail server down"),
                  tried=0, delay=delay)


class FlakyBackend(LocmemBackend):
    def send_messages(self, messages):
        OUTAGE["tried"] += len(messages)
        if OUTAGE["delay"]:
            time.sleep(OUTAGE["delay"])
        if OUTAGE["fail"] > 0:
            OUTAGE["fail"] -= 1
            raise OUTAGE["error"]
        return super().send_messages(messages)
