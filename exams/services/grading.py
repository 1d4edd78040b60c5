"""Grading: objective items at submit, people's marks on subjective answers, regrades.

Objective answers are scored by ``exams.services.scoring`` when the attempt is submitted.
Short-answer and case answers enter the grading queue of the sitting's graders (its grader
list, or else the cohort's trainers; see ``exams.selectors.grading_queue``).

Marking (``mark_submit``): a grader scores each rubric criterion (0 ≤ score ≤ the
criterion's points); the item's score is the criteria total scaled to the item's points
(``total × item points / rubric points``). With single marking the first mark is final.
With double marking two different graders mark independently (rounds 1 and 2); when their
scores differ by more than the sitting's moderation threshold the answer goes to a third
grader (round 3, moderation) whose score is final, otherwise the final score is the mean of
the two. When an attempt's last answer gets its final score the attempt is graded (and
released at once under the immediate policy, see ``exams.services.release``).

Claims (``grading_claim_next``, ``answer_claim``): the queue hands an answer to one grader at
a time (two under double marking, one per round) by recording a ``GradingClaim`` that lasts
``EXAMS_GRADING_CLAIM_MINUTES`` (default 30) or until its holder marks it; claiming locks the
answer rows with ``SKIP LOCKED``, so graders asking at the same moment get different answers.
A grader may not mark an answer that others hold for every mark still due.

A regrade (``answer_regrade``) changes a graded answer's final score: it writes a
``ScoreChange`` and an ``exams.score_changed`` audit event, and needs a reason once the
result is released (it then re-sends ``result_released`` with ``regraded=True``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.people.selectors import Role, user_has_role
from exams.models import (
    Answer,
    Attempt,
    AttemptItem,
    GradingClaim,
    Mark,
    QuestionType,
    ScoreChange,
)

from ..conf import exams_settings
from .papers import sitting_user_may_grade
from .release import _send_released, attempt_grading_finish, attempt_score_refresh
from .scoring import ZERO, answer_is_blank, quantize, score_objective

GS = Answer.GradingStatus


def attempt_grade_objective(attempt: Attempt, *, now=None) -> None:
    """At submit (attempt locked): create empty answers for unanswered items, score the
    objective ones, send the answered subjective ones to the grading queue."""
    now = now or timezone.now()
    items = list(attempt.items.select_related("question_version__question"))
    answers = {answer.item_id: answer for answer in attempt.answers.all()}
    new: list[Answer] = []
    changed: list[Answer] = []
    for item in items:
        answer = answers.get(item.pk)
        if answer is None:
            answer = Answer(attempt=attempt, item=item, value=None, client_ts=0, saved_at=now)
            new.append(answer)
        else:
            changed.append(answer)
        version = item.question_version
        qtype = version.question.type
        if qtype in QuestionType.objective():
            answer.auto_score = score_objective(type=qtype, key=version.answer,
                                                scoring=version.scoring, value=answer.value,
                                                points=item.points)
            answer.final_score = answer.auto_score
            answer.grading_status = GS.AUTO
        elif answer_is_blank(answer.value):
            answer.auto_score = None
            answer.final_score = ZERO
            answer.grading_status = GS.GRADED
        else:
            answer.auto_score = None
            answer.final_score = None
            answer.grading_status = GS.PENDING
    Answer.objects.bulk_create(new)
    Answer.objects.bulk_update(changed, ["auto_score", "final_score", "grading_status"])


def _decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError(_("Scores must be numbers.")) from None
    if not number.is_finite():
        raise ApplicationError(_("Scores must be numbers."))
    return number


def mark_criteria_clean(*, rubric: list[dict[str, Any]], criteria: Any, item_points: Decimal,
                        score: Any = None) -> tuple[list[dict[str, Any]], Decimal]:
    """Check a grader's criteria scores against the rubric; returns (criteria, item score).

    ``criteria`` is a list aligned with the rubric: numbers, or dicts with ``score`` (and
    optionally ``criterion``, matched by name). Without a rubric, ``score`` is given
    directly (0 to the item's points).
    """
    if not rubric:
        if score is None:
            raise ApplicationError(_("Give a score."))
        value = _decimal(score)
        if not ZERO <= value <= item_points:
            raise ApplicationError(_("The score must be between 0 and %(points)s.")
                                   % {"points": item_points})
        return [], quantize(value)
    if not isinstance(criteria, list | tuple):
        raise ApplicationError(_("Score every criterion of the rubric."))
    by_name = {}
    for entry in criteria:
        if isinstance(entry, dict) and entry.get("criterion"):
            by_name[str(entry["criterion"])] = entry
    cleaned: list[dict[str, Any]] = []
    total = ZERO
    rubric_total = ZERO
    for index, criterion in enumerate(rubric):
        name = str(criterion.get("criterion", ""))
        points = _decimal(criterion.get("points", 0))
        rubric_total += points
        entry = by_name.get(name)
        if entry is None and index < len(criteria):
            entry = criteria[index]
        raw = entry.get("score") if isinstance(entry, dict) else entry
        if raw is None or raw == "":
            raise ApplicationError(_("Score the criterion “%(criterion)s”.")
                                   % {"criterion": name})
        value = _decimal(raw)
        if not ZERO <= value <= points:
            raise ApplicationError(
                _("“%(criterion)s” scores from 0 to %(points)s.")
                % {"criterion": name, "points": points}
            )
        total += value
        cleaned.append({"criterion": name, "points": float(points), "score": float(value)})
    if rubric_total <= 0:
        raise ApplicationError(_("The rubric has no points."))
    return cleaned, quantize(total * item_points / rubric_total)


def _answer_for_grading(answer_id: int) -> Answer:
    """The answer, locked, with its attempt locked first (same order everywhere)."""
    attempt_id = Answer.objects.filter(pk=answer_id).values_list("attempt_id", flat=True).first()
    if attempt_id is None:
        raise Http404
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related(
        "sitting").get(pk=attempt_id)
    answer = Answer.objects.select_for_update(of=("self",)).select_related(
        "item__question_version__question").get(pk=answer_id)
    answer.attempt = attempt
    return answer


#: Most answers one call may claim.
CLAIM_BATCH_MAX = 50


def _claim_lease() -> datetime.timedelta:
    return datetime.timedelta(minutes=exams_settings.GRADING_CLAIM_MINUTES)


def _claim(answer_ids: list[int], *, grader: Any, now: datetime.datetime,
           limit: int) -> list[int]:
    """Claim the first ``limit`` of ``answer_ids`` (in this order) that are still open to
    ``grader``, inside the caller's transaction. Rows another grader is claiming this instant are
    skipped (``SKIP LOCKED``), never waited for; the check is repeated under the lock, so
    two graders can never both take the last free place on an answer."""
    from exams.selectors.grading import answers_open_to

    locked = list(Answer.objects.select_for_update(of=("self",), skip_locked=True)
                  .filter(pk__in=answer_ids).values_list("pk", flat=True))
    still_open = set(answers_open_to(grader, now=now).filter(pk__in=locked)
                     .values_list("pk", flat=True))
    chosen = [pk for pk in answer_ids if pk in still_open][:limit]
    expires = now + _claim_lease()
    for pk in chosen:
        GradingClaim.objects.update_or_create(
            answer_id=pk, grader=grader,
            defaults={"claimed_at": now, "expires_at": expires})
    return chosen


def grading_claim_next(*, grader: Any, sitting: Any = None, count: int = 1,
                       moderation: bool = False) -> list[int]:
    """Claim up to ``count`` answers for ``grader`` and return their ids, in queue order:
    the answers they already hold first (their claims are renewed), then the oldest
    submissions nobody else holds. With ``moderation`` only answers waiting for a third
    mark. Two graders asking at the same moment get different answers (except under double
    marking, where an answer takes two graders, one per round)."""
    from exams.selectors.grading import answers_open_to

    if not 1 <= count <= CLAIM_BATCH_MAX:
        raise ApplicationError(_("Claim between 1 and %(max)s answers at a time.")
                               % {"max": CLAIM_BATCH_MAX})
    if not user_has_role(grader, Role.TRAINER, Role.ADMIN):
        raise PermissionDenied
    now = timezone.now()
    candidates = answers_open_to(grader, now=now).order_by(
        "-claimed_by_me", "attempt__submitted_at", "attempt_id", "item__position")
    if sitting is not None:
        candidates = candidates.filter(attempt__sitting=sitting)
    if moderation:
        candidates = candidates.filter(grading_status=GS.MODERATION)
    claimed: list[int] = []
    with transaction.atomic():
        seen: set[int] = set()
        # A few rounds: answers claimed by someone else meanwhile drop out of the next one.
        for _round in range(3):
            ids = list(candidates.exclude(pk__in=seen)
                       .values_list("pk", flat=True)[:count - len(claimed) + 10])
            if not ids:
                break
            seen.update(ids)
            claimed += _claim(ids, grader=grader, now=now, limit=count - len(claimed))
            if len(claimed) >= count:
                break
    return claimed


def answer_claim(*, answer_id: int, grader: Any) -> bool:
    """Claim one answer that ``grader`` opened (renewing their claim): whether they hold it
    now. False when it is not open to them: marked by them, settled, or held by as many
    other graders as marks are still due."""
    with transaction.atomic():
        return bool(_claim([answer_id], grader=grader, now=timezone.now(), limit=1))


def mark_submit(*, answer_id: int, grader: Any, criteria: Any = None, score: Any = None,
                comment: str = "") -> Mark:
    """Record ``grader``'s mark of a subjective answer and settle its final score if due.

    The round is chosen here: 1 (or 2 under double marking, by a different grader) while the
    answer waits for graders, 3 when it waits for moderation (by a grader who has not marked
    it). Raises PermissionDenied for someone who does not grade the sitting and
    ApplicationError when the answer is not waiting for this grader.
    """
    with transaction.atomic():
        answer = _answer_for_grading(answer_id)
        attempt = answer.attempt
        sitting = attempt.sitting
        if not sitting_user_may_grade(sitting, grader):
            raise PermissionDenied
        if attempt.status == Attempt.Status.IN_PROGRESS:
            raise ApplicationError(_("This attempt has not been submitted yet."))
        if answer.grading_status not in (GS.PENDING, GS.MODERATION):
            raise ApplicationError(_("This answer is not waiting for a mark."))
        marks = list(answer.marks.all())
        if any(m.grader_id == grader.pk for m in marks):
            raise ApplicationError(_("You have already marked this answer."))
        now = timezone.now()
        holders = set(answer.claims.filter(expires_at__gt=now).values_list("grader_id",
                                                                            flat=True))
        if grader.pk not in holders:
            due = 1 if answer.grading_status == GS.MODERATION or not sitting.double_marking \
                else 2
            taken = len(holders) + (0 if answer.grading_status == GS.MODERATION
                                    else len(marks))
            if taken >= due:
                raise ApplicationError(_("Another grader is marking this answer; take the "
                                         "next one from the queue."))
        if answer.grading_status == GS.MODERATION:
            round_ = Mark.Round.MODERATION
        else:
            round_ = Mark.Round.SECOND if marks else Mark.Round.FIRST
        item: AttemptItem = answer.item
        cleaned, value = mark_criteria_clean(rubric=item.question_version.rubric,
                                             criteria=criteria, item_points=item.points,
                                             score=score)
        mark = Mark.objects.create(answer=answer, grader=grader, round=round_,
                                   criteria=cleaned, score=value,
                                   comment=(comment or "").strip(), submitted_at=now)
        marks.append(mark)

        if round_ == Mark.Round.MODERATION or not sitting.double_marking:
            answer.final_score = value
            answer.grading_status = GS.GRADED
        elif round_ == Mark.Round.SECOND:
            first, second = marks[0].score, marks[1].score
            if abs(first - second) > sitting.moderation_threshold:
                answer.grading_status = GS.MODERATION
            else:
                answer.final_score = quantize((first + second) / 2)
                answer.grading_status = GS.GRADED
        answer.save(update_fields=["final_score", "grading_status"])
        answer.claims.filter(grader=grader).delete()
        audit_record(action="exams.answer_marked", subject=answer, person=attempt.user_id,
                     actor=grader,
                     after={"attempt": attempt.code, "round": round_, "score": value,
                            "final_score": answer.final_score})
        if answer.grading_status == GS.GRADED:
            attempt_grading_finish(attempt, actor=grader)
    return mark


def answer_regrade(*, answer_id: int, score: Any, reason: str, actor: Any) -> Answer:
    """Change the final score of a graded answer (graders of the sitting, admins).

    Writes a ScoreChange and an ``exams.score_changed`` audit event with the attempt's score
    before and after. A released result needs a reason; listeners of ``result_released``
    are told again (``regraded=True``).
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        answer = _answer_for_grading(answer_id)
        attempt = answer.attempt
        if not sitting_user_may_grade(attempt.sitting, actor):
            raise PermissionDenied
        if answer.grading_status not in (GS.AUTO, GS.GRADED):
            raise ApplicationError(_("Only a graded answer can be regraded; mark it in the "
                                     "grading queue."))
        released = attempt.status == Attempt.Status.RELEASED
        if released and not reason:
            raise ApplicationError(_("Changing a released score needs a reason."))
        new = _decimal(score)
        if not ZERO <= new <= answer.item.points:
            raise ApplicationError(_("The score must be between 0 and %(points)s.")
                                   % {"points": answer.item.points})
        new = quantize(new)
        old = answer.final_score
        if old == new:
            return answer
        before = {"answer": answer.pk, "answer_score": old, "score": attempt.score,
                  "passed": attempt.passed, "status": attempt.status}
        answer.final_score = new
        answer.grading_status = GS.GRADED
        answer.save(update_fields=["final_score", "grading_status"])
        ScoreChange.objects.create(attempt=attempt, answer=answer, old=old, new=new,
                                   reason=reason, changed_by=actor, changed_at=timezone.now())
        if attempt.status in (Attempt.Status.GRADED, Attempt.Status.RELEASED):
            attempt_score_refresh(attempt)
            attempt.save(update_fields=["score", "passed"])
        else:
            attempt_grading_finish(attempt, actor=actor)
        audit_record(action="exams.score_changed", subject=attempt, person=attempt.user_id,
                     actor=actor, before=before,
                     after={"answer": answer.pk, "answer_score": new, "score": attempt.score,
                            "passed": attempt.passed, "reason": reason})
        if released:
            _send_released(attempt, regraded=True)
    return answer
