"""Fixtures of the reminder tests: a clock, running on-commit callbacks, mail helpers."""

from __future__ import annotations

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from academy.notifications.models import Notification, Reminder

TZ = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime.datetime:
    """An aware datetime in Asia/Shanghai: ``local(2026, 3, 1, 9)``."""
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def clock():
    """``clock.go(local(...))`` moves time (frozen until the next move)."""

    class Clock:
        traveller = None

        def go(self, moment: datetime.datetime) -> datetime.datetime:
            self.stop()
            self.traveller = time_machine.travel(moment, tick=False)
            self.traveller.start()
            return moment

        def stop(self) -> None:
            if self.traveller is not None:
                self.traveller.stop()
                self.traveller = None

    c = Clock()
    yield c
    c.stop()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``committed(fn, *args, **kwargs)``: run ``fn`` and then its on-commit callbacks (e-mail
    tasks), as a real transaction commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FlakyBackend"
    settings.ACADEMY_SITE_URL = "https://academy.example.org"
    from tests.notifications.backends import outage

    outage(0)
    mail.outbox = []
    yield


def sent_emails() -> Counter:
    """(address, kind, window) of every e-mail in the outbox, by the reminder it carries."""
    ids = [int(m.extra_headers["X-Academy-Reminder"].split("-")[1].split(".")[0])
           for m in mail.outbox]
    rows = {r.pk: r for r in Reminder.objects.filter(pk__in=ids).select_related("recipient")}
    return Counter((rows[i].recipient.email, rows[i].kind, rows[i].window) for i in ids)


def inapp() -> Counter:
    """(address, kind, window) of every in-app reminder, and the notifications' count."""
    rows = Reminder.objects.filter(channel="inapp").select_related("recipient")
    counter = Counter((r.recipient.email, r.kind, r.window) for r in rows)
    assert Notification.objects.count() == sum(counter.values())
    return counter


@pytest.fixture(autouse=True)
def product_quiet_hours(settings):
    """The product's default quiet hours, 22:00 to 07:00 (the test settings have none):
    these tests pin the clock where they depend on them."""
    settings.ACADEMY_NOTIFY_QUIET_START = "22:00"
    settings.ACADEMY_NOTIFY_QUIET_END = "07:00"
