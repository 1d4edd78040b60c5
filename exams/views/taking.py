"""The broker's exam pages: my exams, a sitting's start page, the exam page, the result.

Thin views: they check the role and that the attempt is the caller's (selectors answer only
the caller's own), call one service and render. Answers are saved and the attempt submitted
by the page's script through the REST endpoints (exams.api.broker), not here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from academy.errors import ApplicationError
from academy.people.selectors import Role, role_required
from exams.api.payload import attempt_items
from exams.api.results import result_detail
from exams.api.serializers import TEXT_MAX_LENGTH
from exams.models import Attempt, Sitting
from exams.selectors import (
    attempt_for_user,
    attempts_for_user,
    sitting_for_broker,
    sittings_for_broker,
)
from exams.services import attempt_session_touch, attempt_start, attempt_submit


@dataclass
class SittingRow:
    sitting: Sitting
    state: str  # upcoming | open | closed
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def attempts_used(self) -> int:
        return len(self.attempts)

    @property
    def attempts_left(self) -> int:
        return max(0, self.sitting.attempts_allowed - self.attempts_used)

    @property
    def in_progress(self) -> Attempt | None:
        return next((a for a in self.attempts if a.status == Attempt.Status.IN_PROGRESS), None)

    @property
    def can_start(self) -> bool:
        return self.state == "open" and self.attempts_left > 0 and self.in_progress is None


def _state(sitting: Sitting, now: datetime.datetime) -> str:
    if now < sitting.opens_at:
        return "upcoming"
    return "open" if now < sitting.closes_at else "closed"


def _rows(user, sittings) -> list[SittingRow]:
    now = timezone.now()
    by_sitting: dict[int, list[Attempt]] = {}
    for attempt in attempts_for_user(user).filter(sitting__in=[s.pk for s in sittings]) \
            .order_by("number"):
        by_sitting.setdefault(attempt.sitting_id, []).append(attempt)
    return [SittingRow(s, _state(s, now), by_sitting.get(s.pk, [])) for s in sittings]


@role_required(Role.BROKER)
def my_exams(request):
    """Open, upcoming and closed sittings of the broker, attempts left and results."""
    rows = _rows(request.user, list(sittings_for_broker(request.user)))
    return render(request, "exams/my_exams.html", {
        "open_rows": [r for r in rows if r.state == "open"],
        "upcoming_rows": sorted((r for r in rows if r.state == "upcoming"),
                                key=lambda r: r.sitting.opens_at),
        "closed_rows": sorted((r for r in rows if r.state == "closed"),
                              key=lambda r: r.sitting.closes_at, reverse=True),
    })


@role_required(Role.BROKER)
def take_start(request, sitting_id: int):
    """A sitting's rules, window and duration, with the button that starts the timer."""
    sitting = sitting_for_broker(request.user, sitting_id)
    if sitting is None:
        raise Http404
    now = timezone.now()
    # Only what the page shows of the attempts: how many, and the one in progress.
    attempts = list(attempts_for_user(request.user).filter(sitting=sitting)
                    .select_related(None).only("pk", "status"))
    row = SittingRow(sitting, _state(sitting, now), attempts)
    return render(request, "exams/take_start.html", {
        "sitting": sitting, "state": row.state, "attempts_used": row.attempts_used,
        "in_progress": row.in_progress, "can_start": row.can_start,
        "deadline_preview": min(now + datetime.timedelta(minutes=sitting.duration_minutes),
                                sitting.closes_at),
    })


@require_POST
@role_required(Role.BROKER)
def take_begin(request, sitting_id: int):
    """Start (or resume) the attempt and open the exam page.

    ``attempt_start`` checks that the caller may sit (PermissionDenied → 404), so the sitting
    is read by its key alone: the list query of the broker's sittings would check it twice.
    """
    try:
        sitting = Sitting.objects.select_related("paper").get(pk=sitting_id)
    except Sitting.DoesNotExist:
        raise Http404 from None
    try:
        attempt = attempt_start(sitting=sitting, user=request.user,
                                session_key=request.session.session_key,
                                user_agent=request.headers.get("User-Agent", ""))
    except PermissionDenied:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("exams:take_start", sitting_id=sitting.pk)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("exams:result", attempt_id=attempt.pk)
    return redirect("exams:take_attempt", attempt_id=attempt.pk)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


@never_cache
@role_required(Role.BROKER)
def take_attempt(request, attempt_id: int):
    """The exam page: questions rendered here, answers saved by static/exams/exam.js."""
    try:
        attempt = attempt_for_user(attempt_id=attempt_id, user=request.user)
    except Attempt.DoesNotExist:
        raise Http404 from None
    now = timezone.now()
    if attempt.status == Attempt.Status.IN_PROGRESS and attempt.deadline <= now:
        # Overdue (the page was closed when time ran out): submit it now, exactly once.
        attempt = attempt_submit(attempt_id=attempt.pk, user=request.user, auto=True)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("exams:result", attempt_id=attempt.pk)
    attempt_session_touch(attempt=attempt, session_key=request.session.session_key,
                          user_agent=request.headers.get("User-Agent", ""))
    questions = attempt_items(attempt)
    return render(request, "exams/take_attempt.html", {
        "attempt": attempt, "sitting": attempt.sitting, "questions": questions,
        "answered_count": sum(1 for q in questions if q.answered),
        "deadline_iso": _iso(attempt.deadline), "server_now_iso": _iso(now),
        "text_max_length": TEXT_MAX_LENGTH // 2,
    })


@role_required(Role.BROKER)
def result(request, attempt_id: int):
    """The broker's result: score, pass, areas and, when allowed, answers and explanations.
    Before release it only says that the attempt is submitted and waits."""
    try:
        attempt = attempt_for_user(attempt_id=attempt_id, user=request.user)
    except Attempt.DoesNotExist:
        raise Http404 from None
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return redirect("exams:take_attempt", attempt_id=attempt.pk)
    return render(request, "exams/result.html", {
        "sitting": attempt.sitting, **result_detail(attempt, viewer=request.user),
    })
