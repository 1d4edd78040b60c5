"""The integrity log of an attempt: what the exam page and the server observed.

The exam page (``static/exams/integrity.js``) reports leaving the page (tab or window) with
how long the broker was away, leaving full screen where the sitting asks for it, pastes into
essay answers (length only, never the text) and answers sent after an offline gap. The
server notices by itself a second session or device writing to the attempt. Nothing here
changes a score: thresholds on the sitting flag an attempt for staff to look at.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from exams.models import Attempt, AttemptEvent, AttemptItem, AttemptSession, Sitting

#: What the page may report (the second session is the server's to notice).
CLIENT_KINDS = frozenset({AttemptEvent.Kind.LEFT_PAGE, AttemptEvent.Kind.FULLSCREEN_EXIT,
                          AttemptEvent.Kind.PASTE, AttemptEvent.Kind.OFFLINE_SAVE})
MAX_EVENTS_PER_REPORT = 50
MAX_EVENTS_PER_ATTEMPT = 2000
#: Events arriving this long after submit (the page's last report) are still taken.
LATE_REPORT = datetime.timedelta(minutes=2)
_MAX_DURATION_MS = 7 * 24 * 3600 * 1000


def _session_hash(session_key: str) -> str:
    return hashlib.sha256(f"exam-session:{session_key}".encode()).hexdigest()


def attempt_session_touch(*, attempt: Attempt, session_key: str | None, user_agent: str = "",
                          now: datetime.datetime | None = None) -> bool:
    """Note the session that opened or writes to ``attempt``; a session not seen before, when
    another was, logs a ``second_session`` event. Returns whether that happened."""
    if not session_key or attempt.status != Attempt.Status.IN_PROGRESS:
        return False
    now = now or timezone.now()
    digest = _session_hash(session_key)
    updated = AttemptSession.objects.filter(attempt=attempt, session_hash=digest).update(
        last_seen_at=now)
    if updated:
        return False
    try:
        with transaction.atomic():
            AttemptSession.objects.create(attempt=attempt, session_hash=digest,
                                          user_agent=(user_agent or "")[:300],
                                          first_seen_at=now, last_seen_at=now)
    except IntegrityError:  # the same session's concurrent request created it
        return False
    sessions = AttemptSession.objects.filter(attempt=attempt).count()
    if sessions < 2:
        return False
    AttemptEvent.objects.create(
        attempt=attempt, kind=AttemptEvent.Kind.SECOND_SESSION, occurred_at=now,
        detail={"sessions": sessions, "browser": (user_agent or "")[:120]},
    )
    return True


def _clean_event(raw: Any, items: set[int], now: datetime.datetime) -> AttemptEvent | None:
    if not isinstance(raw, dict) or raw.get("kind") not in CLIENT_KINDS:
        return None
    duration = raw.get("duration_ms")
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            return None
        duration = int(min(max(0, duration), _MAX_DURATION_MS))
    item_id = raw.get("item_id")
    if item_id is not None and item_id not in items:
        item_id = None
    detail: dict[str, Any] = {}
    for key in ("chars", "answers"):
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**7:
            detail[key] = value
    ago = raw.get("ago_ms")
    occurred = now
    if isinstance(ago, int) and not isinstance(ago, bool) and 0 <= ago < 6 * 3600 * 1000:
        occurred = now - datetime.timedelta(milliseconds=ago)
    return AttemptEvent(kind=raw["kind"], occurred_at=occurred, duration_ms=duration,
                        item_id=item_id, detail=detail)


def attempt_events_record(*, attempt_id: int, user: Any, events: Iterable[Any],
                          session_key: str | None = None, user_agent: str = "",
                          now: datetime.datetime | None = None) -> int:
    """Append what the exam page reported to the caller's attempt; returns how many.

    Malformed entries are dropped (the log is evidence for people, not an input to trust).
    Raises Http404 for someone else's attempt, ApplicationError once it is long closed.
    """
    now = now or timezone.now()
    user_pk = getattr(user, "pk", None)
    attempt = (Attempt.objects.filter(pk=attempt_id, user_id=user_pk).first()
               if user_pk is not None else None)
    if attempt is None:
        raise Http404
    if attempt.status != Attempt.Status.IN_PROGRESS and (
            attempt.submitted_at is None or now - attempt.submitted_at > LATE_REPORT):
        raise ApplicationError(_("This attempt is closed."), extra={"code": "closed"})
    attempt_session_touch(attempt=attempt, session_key=session_key, user_agent=user_agent,
                          now=now)
    events = list(events)[:MAX_EVENTS_PER_REPORT]
    if not events:
        return 0
    room = MAX_EVENTS_PER_ATTEMPT - AttemptEvent.objects.filter(attempt=attempt).count()
    items = set(AttemptItem.objects.filter(attempt=attempt).values_list("pk", flat=True))
    rows = [row for row in (_clean_event(e, items, now) for e in events) if row][:max(0, room)]
    for row in rows:
        row.attempt = attempt
    AttemptEvent.objects.bulk_create(rows)
    return len(rows)


@dataclass
class IntegritySummary:
    """An attempt's integrity log in figures, and the thresholds it passed (``flags``)."""

    leaves: int = 0
    away_seconds: int = 0
    fullscreen_exits: int = 0
    pastes: int = 0
    pasted_chars: int = 0
    sessions: int = 1
    offline_saves: int = 0
    longest_offline_seconds: int = 0
    flags: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def empty(self) -> bool:
        return not (self.leaves or self.fullscreen_exits or self.pastes or self.sessions > 1
                    or self.offline_saves)


def _flags(summary: IntegritySummary, sitting: Sitting) -> list[str]:
    flags = []
    if sitting.flag_leave_count and summary.leaves >= sitting.flag_leave_count:
        flags.append(_("left the page %(n)s times") % {"n": summary.leaves})
    if sitting.flag_away_seconds and summary.away_seconds >= sitting.flag_away_seconds:
        flags.append(_("%(s)s s away from the page") % {"s": summary.away_seconds})
    if sitting.require_fullscreen and sitting.flag_fullscreen_exits and \
            summary.fullscreen_exits >= sitting.flag_fullscreen_exits:
        flags.append(_("left full screen %(n)s times") % {"n": summary.fullscreen_exits})
    if sitting.flag_pastes and summary.pastes >= sitting.flag_pastes:
        flags.append(_("%(n)s pastes into answers") % {"n": summary.pastes})
    if summary.sessions >= max(2, sitting.flag_sessions):
        flags.append(_("%(n)s sessions or devices") % {"n": summary.sessions})
    if sitting.flag_offline_seconds and \
            summary.longest_offline_seconds >= sitting.flag_offline_seconds:
        flags.append(_("answers saved after %(s)s s offline")
                     % {"s": summary.longest_offline_seconds})
    return flags


def attempts_integrity(attempts: Iterable[Attempt]) -> dict[int, IntegritySummary]:
    """Integrity summaries of ``attempts`` (with their sitting loaded): three queries."""
    attempts = list(attempts)
    ids = [a.pk for a in attempts]
    if not ids:
        return {}
    K = AttemptEvent.Kind
    rows = {
        row["attempt_id"]: row for row in AttemptEvent.objects.filter(attempt_id__in=ids)
        .values("attempt_id").annotate(
            leaves=Count("pk", filter=Q(kind=K.LEFT_PAGE)),
            away=Sum("duration_ms", filter=Q(kind=K.LEFT_PAGE)),
            fullscreen=Count("pk", filter=Q(kind=K.FULLSCREEN_EXIT)),
            pastes=Count("pk", filter=Q(kind=K.PASTE)),
            offline=Count("pk", filter=Q(kind=K.OFFLINE_SAVE)),
            offline_max=Max("duration_ms", filter=Q(kind=K.OFFLINE_SAVE)),
        ).order_by()
    }
    sessions = dict(AttemptSession.objects.filter(attempt_id__in=ids).values("attempt_id")
                    .annotate(n=Count("pk")).values_list("attempt_id", "n").order_by())
    chars: dict[int, int] = {}
    for attempt_id, detail in AttemptEvent.objects.filter(
            attempt_id__in=ids, kind=K.PASTE).values_list("attempt_id", "detail"):
        chars[attempt_id] = chars.get(attempt_id, 0) + int((detail or {}).get("chars") or 0)
    result = {}
    for attempt in attempts:
        row = rows.get(attempt.pk, {})
        summary = IntegritySummary(
            leaves=row.get("leaves", 0), away_seconds=round((row.get("away") or 0) / 1000),
            fullscreen_exits=row.get("fullscreen", 0), pastes=row.get("pastes", 0),
            pasted_chars=chars.get(attempt.pk, 0), sessions=max(1, sessions.get(attempt.pk, 1)),
            offline_saves=row.get("offline", 0),
            longest_offline_seconds=round((row.get("offline_max") or 0) / 1000),
        )
        summary.flags = _flags(summary, attempt.sitting)
        result[attempt.pk] = summary
    return result


def attempt_integrity_log(attempt: Attempt) -> list[AttemptEvent]:
    """The attempt's events in time order (with their item's position)."""
    return list(attempt.events.select_related("item").order_by("occurred_at", "pk"))
