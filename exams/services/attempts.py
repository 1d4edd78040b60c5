"""Attempts: start or resume, save one answer, submit, close overdue attempts.

The deadline is fixed on the server when an attempt starts: the earlier of start + the
sitting's duration and the sitting's close. Saving an answer is one SQL statement
(``exams.sql.answer_upsert``: an ``INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE``) that

- inserts only if the attempt is the caller's, in progress and before its deadline, and the
  item belongs to it (the attempt row is read ``FOR KEY SHARE`` on PostgreSQL, so a
  concurrent submit, which locks it ``FOR UPDATE``, either waits for the save or makes the
  save re-check the attempt and find it closed);
- overwrites an existing answer only when the new ``client_ts`` is greater, so answers
  replayed out of order from the browser's offline queue never overwrite a newer one.

A successful save costs one query; a refused one a second query to say why. Submitting locks
the attempt row, so a second submit (another tab, the auto-submit task) is a no-op.

An answer that reaches the server long after it was given (its ``client_ts``, on the device's
clock, is older than the request's ``sent_ts`` by more than ``EXAMS_OFFLINE_GAP_MIN_SECONDS``)
costs more queries: the integrity log's offline-gap notice (``attempt_offline_gap_note``). The
normal save only compares two integers.
"""

from __future__ import annotations

import datetime
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academy.errors import ApplicationError
from exams.models import Answer, Attempt, AttemptItem, Sitting

from ..conf import exams_settings
from ..sql import answer_upsert
from .exposure import exposed_question_ids
from .grading import attempt_grade_objective
from .integrity import (
    OFFLINE_GAP_MAX_MS,
    attempt_offline_gap_note,
    attempt_session_first,
    offline_gap_min_ms,
)
from .papers import paper_draw, sitting_user_is_candidate
from .release import attempt_grading_finish

logger = logging.getLogger(__name__)

_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_MAX_CLIENT_TS = 2**62


class AttemptClosed(ApplicationError):
    """The attempt no longer takes answers: submitted, or its deadline passed.

    ``extra`` carries ``{"code": "closed"}``; the API answers 409 with it.
    """

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or gettext_lazy("Time is up: this attempt no longer takes "
                                                 "answers."),
                         extra={"code": "closed"})


@dataclass(frozen=True)
class SaveResult:
    """What ``attempt_save_answer`` did: ``saved`` (stored, or the same answer was stored
    already), ``stale`` (a newer answer is stored and was kept) and the stored answer's
    ``saved_at``."""

    saved: bool
    stale: bool
    saved_at: datetime.datetime | None


def attempt_code_new() -> str:
    """A random answer code such as ``K7P2-XM4Q`` (what anonymous graders see)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def sitting_is_open(sitting: Sitting, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return sitting.opens_at <= now < sitting.closes_at


def attempt_start(*, sitting: Sitting, user: Any, session_key: str | None = None,
                  user_agent: str = "") -> Attempt:
    """Start an attempt, or resume the caller's attempt in progress.

    ``session_key`` (the web session starting it) is noted as the attempt's first session,
    for the second-session check of ``attempt_session_touch``.

    Resuming keeps the deadline fixed at the start. An attempt in progress whose deadline has
    passed is submitted automatically and returned (status ``submitted`` or later); the next
    call starts a new attempt if more are allowed. Raises PermissionDenied for someone who
    may not sit, ApplicationError outside the window or when no attempts are left.
    """
    now = timezone.now()
    # One query for both: the attempt in progress, if any, and how many were used.
    # Ordered by number: the model's ordering would join the sitting to sort.
    previous = list(Attempt.objects.filter(sitting=sitting, user=user).order_by("number"))
    current = next((a for a in previous if a.status == Attempt.Status.IN_PROGRESS), None)
    if current is not None:
        if current.deadline <= now:
            return _attempt_submit(attempt_id=current.pk, user=user, auto=True)[0]
        return current
    if not sitting_user_is_candidate(sitting, user):
        raise PermissionDenied
    if now < sitting.opens_at:
        raise ApplicationError(_("This exam has not opened yet."))
    if now >= sitting.closes_at:
        raise AttemptClosed(_("This exam has closed."))
    used = len(previous)
    if used >= sitting.attempts_allowed:
        raise ApplicationError(_("You have no attempts left for this exam."))

    seed = secrets.randbits(62)
    # A certifying sitting never draws a question whose key this broker has seen.
    exclude = exposed_question_ids(user) if sitting.purpose == Sitting.Purpose.CERTIFYING \
        else None
    drawn = paper_draw(paper=sitting.paper, seed=seed, exclude=exclude)
    deadline = min(now + datetime.timedelta(minutes=sitting.duration_minutes),
                   sitting.closes_at)
    for _try in range(3):
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    sitting=sitting, user=user, number=used + 1, seed=seed, started_at=now,
                    deadline=deadline, code=attempt_code_new(),
                    max_score=sum((d.points for d in drawn), start=0),
                )
                AttemptItem.objects.bulk_create([
                    AttemptItem(attempt=attempt, position=position,
                                question_version_id=d.question_version_id, points=d.points,
                                option_order=d.option_order)
                    for position, d in enumerate(drawn)
                ])
                attempt_session_first(attempt=attempt, session_key=session_key,
                                      user_agent=user_agent, now=now)
            return attempt
        except IntegrityError:
            # Another request (a second tab) started one at the same moment: resume it.
            current = Attempt.objects.filter(sitting=sitting, user=user,
                                             status=Attempt.Status.IN_PROGRESS).first()
            if current is not None:
                return current
            if Attempt.objects.filter(sitting=sitting, user=user, number=used + 1).exists():
                raise ApplicationError(_("You have no attempts left for this exam.")) from None
            # else: the random answer code collided; try another
    raise ApplicationError(_("The attempt could not be started; try again."))


def _answer_max_chars() -> int:
    return exams_settings.ANSWER_MAX_CHARS


def _is_ms(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) \
        and 0 <= value < _MAX_CLIENT_TS


def attempt_save_answer(*, attempt_id: int, user: Any, item_id: int, value: Any,
                        client_ts: int, elapsed_ms: int | None = None,
                        sent_ts: Any = None) -> SaveResult:
    """Save one answer with a single upsert; the newest ``client_ts`` wins.

    Returns ``SaveResult(saved=True, stale=False)`` when stored (or when the very same
    answer with the same ``client_ts`` was stored already: a retried request), and
    ``saved=False, stale=True`` when a newer answer is stored (it is kept). Raises
    ``AttemptClosed`` (code "closed") after the deadline or submit, Http404 when the attempt
    or item is not the caller's, ApplicationError for a malformed value or timestamp.

    ``sent_ts``, optional, is the device's clock when it sent the request (ms): the answer's
    age is then measured on the device's clock alone, so a device whose clock is off is not
    taken for one that was offline; without it the age is the server's time − ``client_ts``.
    An answer stored older than the sitting's offline threshold is logged as an offline gap
    (once per gap, see ``attempt_offline_gap_note``).
    """
    if not _is_ms(client_ts):
        raise ApplicationError(_("client_ts must be a whole number of milliseconds."))
    if elapsed_ms is not None and (isinstance(elapsed_ms, bool) or not isinstance(
            elapsed_ms, int) or not 0 <= elapsed_ms < _MAX_CLIENT_TS):
        raise ApplicationError(_("elapsed_ms must be a whole number of milliseconds."))
    try:
        encoded = None if value is None else json.dumps(value, ensure_ascii=False,
                                                        allow_nan=False)
    except (TypeError, ValueError):
        raise ApplicationError(_("The answer is not valid JSON.")) from None
    if encoded is not None and len(encoded) > _answer_max_chars():
        raise ApplicationError(_("The answer is too long."))
    user_id = getattr(user, "pk", None)
    if user_id is None:
        raise Http404

    now = timezone.now()
    if answer_upsert(attempt_id=attempt_id, user_id=user_id, item_id=item_id, encoded=encoded,
                     client_ts=client_ts, elapsed_ms=elapsed_ms, now=now):
        result = SaveResult(saved=True, stale=False, saved_at=now)
    else:
        result = _save_refused(attempt_id=attempt_id, user_id=user_id, item_id=item_id,
                               encoded=encoded, client_ts=client_ts, now=now)
    # The answer's age on the device's clock (or against the server's): integers compared, no
    # query, unless the answer is old enough to be a gap and young enough to be one (a
    # client_ts days old is no clock reading, e.g. a counter from 1).
    age_ms = (sent_ts if _is_ms(sent_ts) else int(now.timestamp() * 1000)) - client_ts
    if offline_gap_min_ms() < age_ms <= OFFLINE_GAP_MAX_MS and result.saved \
            and result.saved_at is not None:
        attempt_offline_gap_note(attempt_id=attempt_id, item_id=item_id,
                                 given_at=now - datetime.timedelta(milliseconds=age_ms),
                                 saved_at=result.saved_at)
    return result


def _save_refused(*, attempt_id: int, user_id: int, item_id: int, encoded: str | None,
                  client_ts: int, now: datetime.datetime) -> SaveResult:
    """Why the upsert wrote nothing: not yours (404), closed, or a newer answer is stored."""
    attempt = Attempt.objects.filter(pk=attempt_id).values("user_id", "status",
                                                           "deadline").first()
    if attempt is None or attempt["user_id"] != user_id:
        raise Http404
    if attempt["status"] != Attempt.Status.IN_PROGRESS or attempt["deadline"] <= now:
        raise AttemptClosed()
    stored = Answer.objects.filter(attempt_id=attempt_id, item_id=item_id).values(
        "value", "client_ts", "saved_at").first()
    if stored is None:
        # The item is not part of this attempt.
        raise Http404
    same = stored["client_ts"] == client_ts and (
        json.dumps(stored["value"], ensure_ascii=False, sort_keys=True)
        == json.dumps(json.loads(encoded) if encoded is not None else None,
                      ensure_ascii=False, sort_keys=True))
    return SaveResult(saved=same, stale=not same, saved_at=stored["saved_at"])


def _attempt_submit(*, attempt_id: int, user: Any, auto: bool) -> tuple[Attempt, bool]:
    """Submit under the attempt's row lock; returns (attempt, whether this call submitted)."""
    with transaction.atomic():
        attempt = (Attempt.objects.select_for_update(of=("self",)).select_related("sitting")
                   .filter(pk=attempt_id).first())
        if attempt is None or (user is not None and attempt.user_id != user.pk):
            raise Http404
        if attempt.status != Attempt.Status.IN_PROGRESS:
            return attempt, False
        now = timezone.now()
        attempt.status = Attempt.Status.SUBMITTED
        attempt.submitted_at = now
        # The page submits by itself when time runs out; that is an automatic submission too.
        attempt.auto_submitted = auto or now >= attempt.deadline
        attempt.save(update_fields=["status", "submitted_at", "auto_submitted"])
        attempt_grade_objective(attempt, now=now)
        attempt_grading_finish(attempt)
    return attempt, True


def attempt_submit(*, attempt_id: int, user: Any, auto: bool = False) -> Attempt:
    """Submit the caller's attempt and grade its objective items; exactly once.

    The attempt row is locked, so a second call (another tab, a retry, the auto-submit
    task) finds it submitted and returns it unchanged. Raises Http404 for someone else's
    attempt. Objective-only papers under the immediate policy are released here.
    """
    return _attempt_submit(attempt_id=attempt_id, user=user, auto=auto)[0]


def attempts_close_overdue(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Auto-submit attempts in progress whose deadline has passed; returns how many this
    call submitted. Each attempt is submitted under its row lock, so running this twice, or
    in two workers at once, submits every overdue attempt exactly once."""
    now = now or timezone.now()
    ids = list(Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline__lte=now)
               .order_by("deadline").values_list("pk", flat=True)[:limit])
    closed = 0
    for attempt_id in ids:
        try:
            _attempt, submitted = _attempt_submit(attempt_id=attempt_id, user=None, auto=True)
        except OperationalError:
            raise  # the database is unwell: let the task retry the whole sweep
        except Exception:
            # One broken attempt must not keep every other overdue attempt open.
            logger.exception("auto-submit of attempt %s failed", attempt_id)
            continue
        closed += submitted
    return closed
