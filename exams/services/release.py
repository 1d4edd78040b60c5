"""Finishing an attempt's grading and releasing results.

An attempt is *graded* when every answer has a final score; its score, percentage and pass
are then fixed. A graded attempt is *released* to the broker either at once (sitting release
policy ``immediate``: objective-only papers are released the moment they are submitted,
others the moment their last mark is in) or when a trainer releases it (``after_grading``).
Releasing writes an audit event and sends ``exams.services.result_released`` after commit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from exams.models import Answer, Attempt, Sitting

from .papers import sitting_user_may_grade
from .signals import result_released


def _send_released(attempt: Attempt, *, regraded: bool = False) -> None:
    transaction.on_commit(
        lambda: result_released.send(sender=Attempt, attempt=attempt, regraded=regraded)
    )


def attempt_passed(attempt: Attempt) -> bool | None:
    percent = attempt.percent
    if percent is None:
        return None
    return percent >= Decimal(attempt.sitting.pass_mark)


def attempt_score_refresh(attempt: Attempt) -> bool:
    """Recompute score and pass from the answers of a locked attempt (not saved).

    Returns whether every answer has a final score. Used at submit, after each mark and
    after a regrade.
    """
    totals = attempt.answers.aggregate(
        total=Sum("final_score"),
        missing=Sum(Case(When(final_score__isnull=True, then=Value(1)), default=Value(0),
                         output_field=IntegerField())),
    )
    complete = not totals["missing"]
    if complete:
        attempt.score = (totals["total"] or Decimal("0")).quantize(Decimal("0.01"))
        attempt.passed = attempt_passed(attempt)
    else:
        attempt.score = None
        attempt.passed = None
    return complete


def _release_locked(attempt: Attempt, *, actor: Any, now=None) -> None:
    from .exposure import exposure_record, sitting_reveals_keys

    attempt.status = Attempt.Status.RELEASED
    attempt.released_at = now or timezone.now()
    attempt.save(update_fields=["status", "released_at"])
    if sitting_reveals_keys(attempt.sitting):
        # The result page shows the keys from now on: count them as seen.
        exposure_record(attempt=attempt, now=attempt.released_at)
    audit_record(
        action="exams.result_released", subject=attempt, person=attempt.user_id, actor=actor,
        actor_label="" if actor else "system",
        after={"sitting": attempt.sitting_id, "score": attempt.score,
               "max_score": attempt.max_score, "passed": attempt.passed},
    )
    _send_released(attempt)


def attempt_grading_finish(attempt: Attempt, *, actor: Any = None) -> None:
    """After answers of a locked, submitted attempt changed: when all are graded, mark the
    attempt graded and, under the immediate policy, release it. Saves the attempt."""
    complete = attempt_score_refresh(attempt)
    fields = ["score", "passed"]
    if complete and attempt.status == Attempt.Status.SUBMITTED:
        attempt.status = Attempt.Status.GRADED
        attempt.graded_at = timezone.now()
        fields += ["status", "graded_at"]
    attempt.save(update_fields=fields)
    if (attempt.status == Attempt.Status.GRADED
            and attempt.sitting.release_policy == Sitting.ReleasePolicy.IMMEDIATE):
        _release_locked(attempt, actor=actor)


def attempt_release(*, attempt_id: int, actor: Any) -> Attempt:
    """Release one graded attempt's result to the broker (graders of the sitting, admins).

    Releasing a released attempt again is a no-op. Raises ApplicationError when the attempt
    is not fully graded yet.
    """
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update(of=("self",)).select_related(
            "sitting").get(pk=attempt_id)
        if not sitting_user_may_grade(attempt.sitting, actor):
            raise PermissionDenied
        if attempt.status == Attempt.Status.RELEASED:
            return attempt
        if attempt.status != Attempt.Status.GRADED:
            raise ApplicationError(_("This attempt is not fully graded yet."))
        _release_locked(attempt, actor=actor)
    return attempt


def sitting_release(*, sitting: Sitting, actor: Any) -> int:
    """Release every graded attempt of the sitting; returns how many were released.

    Attempts still waiting for marks stay unreleased (release them later).
    """
    if not sitting_user_may_grade(sitting, actor):
        raise PermissionDenied
    released = 0
    ids = list(sitting.attempts.filter(status=Attempt.Status.GRADED).values_list("pk",
                                                                                 flat=True))
    with transaction.atomic():
        now = timezone.now()
        for attempt in Attempt.objects.select_for_update(of=("self",)).filter(
                pk__in=ids, status=Attempt.Status.GRADED).select_related("sitting"
                                                                         ).order_by("pk"):
            _release_locked(attempt, actor=actor, now=now)
            released += 1
    return released


def sitting_grading_complete(sitting: Sitting) -> bool:
    """Whether no submitted attempt of the sitting is waiting for marks."""
    return not Answer.objects.filter(
        attempt__sitting=sitting, attempt__status=Attempt.Status.SUBMITTED,
        final_score__isnull=True,
    ).exists()
