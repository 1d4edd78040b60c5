"""The integrity log of an attempt: what the exam page and the server observed.

The exam page (``static/exams/integrity.js``) reports leaving the page (tab or window) with
how long the broker was away, leaving full screen where the sitting asks for it, pastes into
essay answers (length only, never the text) and answers sent after an offline gap. The
server notices by itself a second session or device writing to the attempt, and answers
that reach it long after they were given (``attempt_offline_gap_note``, called by the answer
save only when the save's ``client_ts`` is old: the page's report is lost when the page is
reloaded before the connection returns, and its queued answers are sent by the next page).

One offline gap is one event, whoever saw it: the page's report and the server's notice of
the same gap (or of the same answer saved twice by a retried request) are merged into the
event whose time span they overlap, under the attempt's row lock. Nothing here changes a
score: thresholds on the sitting flag an attempt for staff to look at.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from exams.models import Attempt, AttemptEvent, AttemptItem, AttemptSession, Sitting

from ..conf import exams_settings

logger = logging.getLogger(__name__)

#: What the page may report (the second session is the server's to notice).
CLIENT_KINDS = frozenset({AttemptEvent.Kind.LEFT_PAGE, AttemptEvent.Kind.FULLSCREEN_EXIT,
                          AttemptEvent.Kind.PASTE, AttemptEvent.Kind.OFFLINE_SAVE})
MAX_EVENTS_PER_REPORT = 50
MAX_EVENTS_PER_ATTEMPT = 2000
#: Events arriving this long after submit (the page's last report) are still taken.
LATE_REPORT = datetime.timedelta(minutes=2)
_MAX_DURATION_MS = 7 * 24 * 3600 * 1000
#: Two offline spans this close (or overlapping) are the same gap: the page's clock and the
#: server's differ by the request's travel, and the page reports its gap half a second late.
SAME_GAP_SLACK = datetime.timedelta(seconds=10)
SEEN_BY_PAGE, SEEN_BY_SERVER = "page", "server"
#: An answer older than this is no evidence of a gap (the longest span the page may report).
OFFLINE_GAP_MAX_MS = _MAX_DURATION_MS


def _session_hash(session_key: str) -> str:
    return hashlib.sha256(f"exam-session:{session_key}".encode()).hexdigest()


def attempt_session_first(*, attempt: Attempt, session_key: str | None, user_agent: str = "",
                          now: datetime.datetime) -> None:
    """Note the session that started ``attempt`` (inside the start's transaction), so that
    the exam page it opens next finds itself known with one UPDATE."""
    if session_key:
        AttemptSession.objects.create(attempt=attempt, session_hash=_session_hash(session_key),
                                      user_agent=(user_agent or "")[:300],
                                      first_seen_at=now, last_seen_at=now)


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


def offline_gap_min_ms() -> int:
    """Below this delay (ms) the server never looks for an offline gap (no query)."""
    return int(exams_settings.OFFLINE_GAP_MIN_SECONDS) * 1000


def _offline_gap_log(*, attempt_id: int, began: datetime.datetime, ended: datetime.datetime,
                     seen_by: str, item_id: int | None = None,
                     detail: dict[str, Any] | None = None) -> bool:
    """Log the offline span ``began``–``ended`` of the attempt as one ``offline_save`` event:
    widen the event of a span it overlaps (the same gap, seen again or by the other side), or
    write a new one. The caller holds the attempt's row lock. Whether a new event was written.
    """
    overlapping = None
    for event in AttemptEvent.objects.filter(
            attempt_id=attempt_id, kind=AttemptEvent.Kind.OFFLINE_SAVE,
            occurred_at__gte=began - SAME_GAP_SLACK).order_by("occurred_at", "pk"):
        event_began = event.occurred_at - datetime.timedelta(milliseconds=event.duration_ms or 0)
        if event_began <= ended + SAME_GAP_SLACK:
            overlapping = event
            break
    if overlapping is None:
        AttemptEvent.objects.create(
            attempt_id=attempt_id, kind=AttemptEvent.Kind.OFFLINE_SAVE, occurred_at=ended,
            duration_ms=_ms(ended - began), item_id=item_id,
            detail={**(detail or {}), "seen_by": [seen_by]})
        return True
    event = overlapping
    event_began = event.occurred_at - datetime.timedelta(milliseconds=event.duration_ms or 0)
    ended = max(ended, event.occurred_at)
    began = min(began, event_began)
    seen = set(event.detail.get("seen_by") or [SEEN_BY_PAGE]) | {seen_by}
    merged = {**(detail or {}), **event.detail, "seen_by": sorted(seen)}
    if detail and "answers" in detail:
        merged["answers"] = max(detail["answers"], int(event.detail.get("answers") or 0))
    event.occurred_at, event.duration_ms, event.detail = ended, _ms(ended - began), merged
    event.item_id = event.item_id or item_id
    event.save(update_fields=["occurred_at", "duration_ms", "detail", "item"])
    return False


def _ms(delta: datetime.timedelta) -> int:
    return min(_MAX_DURATION_MS, max(0, round(delta.total_seconds() * 1000)))


def attempt_offline_gap_note(*, attempt_id: int, item_id: int, given_at: datetime.datetime,
                             saved_at: datetime.datetime) -> bool:
    """The server's own notice of an offline gap: the answer to ``item_id``, given at
    ``given_at`` (server time), reached the server and was stored at ``saved_at``.

    Logged when the delay passes the sitting's offline threshold (at least
    ``EXAMS_OFFLINE_GAP_MIN_SECONDS``), once per gap: a retried save of the same answer, the
    other answers sent after the same gap and the page's own report widen one event. A
    ``given_at`` before the attempt started is no evidence (a client whose ``client_ts`` is
    not a clock, or a clock far off) and is ignored. The caller has saved the answer
    already: a failure here is logged, never raised, so that the save still answers 200.
    Returns whether a new event was written.
    """
    try:
        with transaction.atomic():
            return _offline_gap_note(attempt_id=attempt_id, item_id=item_id,
                                     given_at=given_at, saved_at=saved_at)
    except DatabaseError:
        logger.exception("offline gap of attempt %s not logged", attempt_id)
        return False


def _offline_gap_note(*, attempt_id: int, item_id: int, given_at: datetime.datetime,
                      saved_at: datetime.datetime) -> bool:
    # The lock (FOR NO KEY UPDATE: answer saves, which hold FOR KEY SHARE, go on) serialises
    # the page's report and the server's notices of the same gap.
    attempt = (Attempt.objects.select_for_update(no_key=True, of=("self",))
               .filter(pk=attempt_id).values("started_at", "sitting__flag_offline_seconds")
               .first())
    if attempt is None or given_at < attempt["started_at"] - SAME_GAP_SLACK:
        return False
    threshold_ms = max(offline_gap_min_ms(), attempt["sitting__flag_offline_seconds"] * 1000)
    if _ms(saved_at - given_at) <= threshold_ms:
        return False
    return _offline_gap_log(attempt_id=attempt_id, began=given_at, ended=saved_at,
                            seen_by=SEEN_BY_SERVER, item_id=item_id)


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
    AttemptEvent.objects.bulk_create(
        [row for row in rows if row.kind != AttemptEvent.Kind.OFFLINE_SAVE])
    gaps = [row for row in rows if row.kind == AttemptEvent.Kind.OFFLINE_SAVE]
    if gaps:
        # One gap, one event: the server may have logged this gap already (module docstring).
        with transaction.atomic():
            list(Attempt.objects.select_for_update(no_key=True).filter(pk=attempt.pk)
                 .values_list("pk", flat=True))
            for row in gaps:
                _offline_gap_log(
                    attempt_id=attempt.pk, seen_by=SEEN_BY_PAGE, item_id=row.item_id,
                    began=row.occurred_at - datetime.timedelta(milliseconds=row.duration_ms or 0),
                    ended=row.occurred_at, detail=row.detail)
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
