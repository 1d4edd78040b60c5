"""Calendar feeds: each app says which dated events a person has; this module writes them as
iCalendar (RFC 5545, with ``icalendar``).

Apps register a source in their ``calendar.py`` (found like ``reminders.py``)::

    @register_calendar_source
    def sessions(user) -> Iterable[CalendarEvent]: ...

An event's UID is stable (``<app>-<what>-<id>@<host>``), so a calendar program that
subscribed to the feed updates the event in place. When an event's time, title or place
changes, its SEQUENCE grows: ``CalendarEventState`` keeps what was last published for each
UID (a fingerprint and the sequence), checked every time a feed or download is built.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import CalendarEventState
from .rendering import absolute_url, language_or_default, site_url


@dataclass(frozen=True)
class CalendarEvent:
    """One dated event: a datetime range, or a whole day (``start`` a date, ``end`` None)."""

    uid: str
    summary: str
    start: datetime.datetime | datetime.date
    end: datetime.datetime | datetime.date | None = None
    description: str = ""
    location: str = ""
    url: str = ""  # a path on this site

    @property
    def fingerprint(self) -> str:
        text = "\x1f".join([_iso(self.start), _iso(self.end), self.summary, self.location])
        return hashlib.sha256(text.encode()).hexdigest()


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


#: How far back feeds reach: a calendar program keeps what it saw before.
PAST_DAYS = 180


def feed_since() -> datetime.datetime:
    """The earliest moment a feed's events may start (sources filter on it)."""
    return timezone.now() - datetime.timedelta(days=PAST_DAYS)


CalendarSource = Callable[[Any], Iterable[CalendarEvent]]
_sources: list[CalendarSource] = []


def register_calendar_source(source: CalendarSource) -> CalendarSource:
    """Decorator: ``source(user)`` yields that person's events."""
    if source not in _sources:
        _sources.append(source)
    return source


def calendar_events_for(user: Any) -> list[CalendarEvent]:
    """Every registered source's events for ``user``, in start order."""
    events = [event for source in _sources for event in source(user)]
    return sorted(events, key=lambda e: (_as_datetime(e.start), e.uid))


def _as_datetime(value: datetime.datetime | datetime.date) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))


def event_sequences(events: list[CalendarEvent]) -> dict[str, int]:
    """The SEQUENCE of each event: 0 when first published, one more after each change of
    its time, title or place. Three queries whatever the number of events."""
    if not events:
        return {}
    by_uid = {event.uid: event for event in events}
    with transaction.atomic():
        known = {uid: (fingerprint, sequence) for uid, fingerprint, sequence in
                 CalendarEventState.objects.filter(uid__in=list(by_uid))
                 .values_list("uid", "fingerprint", "sequence")}
        CalendarEventState.objects.bulk_create(
            [CalendarEventState(uid=uid, fingerprint=event.fingerprint)
             for uid, event in by_uid.items() if uid not in known], ignore_conflicts=True)
        changed = [uid for uid, (fingerprint, _seq) in known.items()
                   if by_uid[uid].fingerprint != fingerprint]
        for uid in changed:
            # Conditional on the old fingerprint: two feeds built at once count one change.
            CalendarEventState.objects.filter(uid=uid, fingerprint=known[uid][0]).update(
                fingerprint=by_uid[uid].fingerprint, sequence=F("sequence") + 1)
        if changed:
            known.update({uid: (fingerprint, sequence) for uid, fingerprint, sequence in
                          CalendarEventState.objects.filter(uid__in=changed)
                          .values_list("uid", "fingerprint", "sequence")})
    return {uid: known.get(uid, ("", 0))[1] for uid in by_uid}


def _host() -> str:
    return site_url().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"


def calendar_ics(events: list[CalendarEvent], *, name: str, language: str = "") -> bytes:
    """``events`` as an iCalendar document (UTC times, stable UIDs, sequences)."""
    import icalendar

    language = language_or_default(language)
    sequences = event_sequences(events)
    host = _host()
    now = timezone.now().astimezone(datetime.UTC)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Broker Academy//Calendar//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone.get_current_timezone_name())
    for event in events:
        item = icalendar.Event()
        item.add("uid", f"{event.uid}@{host}")
        item.add("dtstamp", now)
        item.add("sequence", sequences.get(event.uid, 0))
        item.add("summary", event.summary)
        if isinstance(event.start, datetime.datetime):
            item.add("dtstart", event.start.astimezone(datetime.UTC))
            end = event.end or event.start
            item.add("dtend", end.astimezone(datetime.UTC))  # type: ignore[union-attr]
        else:
            item.add("dtstart", event.start)
            item.add("dtend", (event.end or event.start) + datetime.timedelta(days=1))
        if event.description:
            item.add("description", event.description)
        if event.location:
            item.add("location", event.location)
        if event.url:
            item.add("url", absolute_url(event.url, language))
        calendar.add_component(item)
    return calendar.to_ical()


def calendar_feed_user(token: str) -> Any:
    """The active person whose feed token is ``token`` (None if nobody's)."""
    from .models import UserSettings

    if not token or len(token) < 20:
        return None
    own = (UserSettings.objects.select_related("user").filter(calendar_token=token)
           .first())
    if own is None or not own.user.is_active:
        return None
    return own.user


def calendar_response(events: Iterable[CalendarEvent], *, name: str, filename: str) -> Any:
    """An .ics download of ``events`` (the session and sitting pages of other apps)."""
    from django.http import HttpResponse
    from django.utils.translation import get_language

    response = HttpResponse(calendar_ics(list(events), name=name, language=get_language()),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
