"""Reading the grading queue, a grader's view of one answer, and grading progress.

What a grader sees is a ``GradingEntry``: with anonymous grading it carries the attempt's
answer code and nothing that identifies the broker (no name, no user id, no attempt id);
pages and the API render these entries and nothing else, so they cannot leak identity.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from academy.people.selectors import Role, user_has_role
from exams.models import Answer, Attempt, GradingClaim, Mark, QuestionType, Sitting
from exams.services.papers import sitting_user_may_grade, sittings_graded_by

if TYPE_CHECKING:  # django-stubs' annotated-model type, a development dependency
    from django_stubs_ext import WithAnnotations

GS = Answer.GradingStatus


class _MarkCount(TypedDict):
    """The annotation of the grading queue's answers: how many marks each has."""

    n_marks: int


@dataclass
class GradingEntry:
    """One subjective answer as a grader sees it."""

    answer_id: int
    attempt_code: str
    sitting_id: int
    sitting_title: str
    position: int
    question_type: str
    stem: str
    value: Any
    points: Decimal
    rubric: list[dict[str, Any]]
    grading_status: str
    round: int  # the round a mark by this grader would be (1, 2 or 3)
    submitted_at: Any
    broker_name: str | None = None  # None under anonymous grading
    marks: list[dict[str, Any]] = field(default_factory=list)  # visible marks (moderation)
    item_id: int = 0
    model_answer: str = ""  # the question's reference answer (its explanation)


def _count_of(queryset: QuerySet) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset`` (filtered on ``answer=OuterRef("pk")``)."""
    return Coalesce(Subquery(queryset.order_by().values("answer")
                             .annotate(n=Count("pk")).values("n")), 0)


def answers_open_to(grader: Any, *, now: datetime.datetime | None = None) -> QuerySet[Answer]:
    """Subjective answers ``grader`` may take now: in sittings they grade, submitted, pending
    (or in moderation), not marked by them, and not held by enough other graders to fill the
    marks still due (``GradingClaim``). Annotated with ``claimed_by_me``; no ordering."""
    now = now or timezone.now()
    active = GradingClaim.objects.filter(answer=OuterRef("pk"), expires_at__gt=now)
    others = _count_of(active.exclude(grader=grader))
    marks = _count_of(Mark.objects.filter(answer=OuterRef("pk")))
    # Marks still due: moderation wants one; otherwise one, or two under double marking.
    due = Case(When(grading_status=GS.MODERATION, then=Value(1)),
               When(attempt__sitting__double_marking=True, then=Value(2)),
               default=Value(1))
    taken = Case(When(grading_status=GS.MODERATION, then=others), default=others + marks)
    return (Answer.objects
            .filter(attempt__sitting__in=sittings_graded_by(grader),
                    attempt__status=Attempt.Status.SUBMITTED,
                    grading_status__in=[GS.PENDING, GS.MODERATION])
            .exclude(marks__grader=grader)
            .alias(taken=taken, due=due)
            .filter(taken__lt=F("due"))
            .annotate(claimed_by_me=Exists(active.filter(grader=grader))))


def _queue_answers(grader: Any) -> QuerySet[Answer, WithAnnotations[Answer, _MarkCount]]:
    return (answers_open_to(grader)
            .select_related("attempt__sitting", "attempt__user",
                            "item__question_version__question")
            .annotate(n_marks=Count("marks"))
            .order_by("-claimed_by_me", "attempt__submitted_at", "attempt_id",
                      "item__position"))


def _entry(answer: Answer, *, n_marks: int, with_marks: bool) -> GradingEntry:
    attempt = answer.attempt
    sitting = attempt.sitting
    version = answer.item.question_version
    if answer.grading_status == GS.MODERATION:
        round_ = Mark.Round.MODERATION
    else:
        round_ = Mark.Round.SECOND if n_marks else Mark.Round.FIRST
    marks = []
    if with_marks and answer.grading_status == GS.MODERATION:
        # The moderator sees the two marks (not who gave them under anonymous grading).
        for mark in answer.marks.order_by("round"):
            marks.append({"round": mark.round, "score": mark.score, "criteria": mark.criteria,
                          "comment": mark.comment})
    return GradingEntry(
        answer_id=answer.pk, attempt_code=attempt.code, sitting_id=sitting.pk,
        sitting_title=sitting.title, position=answer.item.position,
        question_type=version.question.type, stem=version.stem, value=answer.value,
        points=answer.item.points, rubric=list(version.rubric or []),
        grading_status=answer.grading_status, round=round_,
        submitted_at=attempt.submitted_at,
        broker_name=None if sitting.anonymous_grading else (
            attempt.user.full_name or attempt.user.email),
        marks=marks, item_id=answer.item_id,
        model_answer=version.explanation or "",
    )


def grading_queue(*, grader: Any, sitting: Sitting | None = None,
                  limit: int | None = None) -> list[GradingEntry]:
    """Subjective answers waiting for ``grader``: in sittings they grade, submitted, pending
    (or in moderation), not marked by them yet and not held by other graders (see
    ``answers_open_to``); the ones they hold first, then the oldest submissions."""
    if not user_has_role(grader, Role.TRAINER, Role.ADMIN):
        return []
    answers = _queue_answers(grader)
    if sitting is not None:
        answers = answers.filter(attempt__sitting=sitting)
    if limit is not None:
        answers = answers[:limit]
    return [_entry(a, n_marks=a.n_marks, with_marks=True) for a in answers]


def grading_entry(*, answer_id: int, grader: Any) -> GradingEntry:
    """One answer for ``grader`` to mark or review. Http404 when it does not exist or is not
    a subjective answer; PermissionDenied when ``grader`` does not grade its sitting."""
    answer = (Answer.objects.select_related("attempt__sitting", "attempt__user",
                                            "item__question_version__question")
              .annotate(n_marks=Count("marks")).filter(pk=answer_id).first())
    if answer is None or answer.item.question_version.question.type not in \
            QuestionType.subjective():
        raise Http404
    if not sitting_user_may_grade(answer.attempt.sitting, grader):
        raise PermissionDenied
    return _entry(answer, n_marks=answer.n_marks, with_marks=True)


def grader_backlog(*, grader: Any) -> list[dict[str, Any]]:
    """Per sitting the grader grades: how many answers wait for them."""
    if not user_has_role(grader, Role.TRAINER, Role.ADMIN):
        return []
    rows = (_queue_answers(grader).order_by().values("attempt__sitting_id",
                                                     "attempt__sitting__title")
            .annotate(waiting=Count("pk", distinct=True)).order_by("attempt__sitting_id"))
    return [{"sitting_id": r["attempt__sitting_id"], "sitting_title": r["attempt__sitting__title"],
             "waiting": r["waiting"]} for r in rows]


def sitting_grading_progress(sitting: Sitting) -> dict[str, int]:
    """Counts for the sitting: attempts by status, subjective answers by grading status."""
    attempts = dict(sitting.attempts.values_list("status").annotate(n=Count("pk")).order_by())
    answers = dict(
        Answer.objects.filter(attempt__sitting=sitting,
                              item__question_version__question__type__in=list(
                                  QuestionType.subjective()))
        .exclude(attempt__status=Attempt.Status.IN_PROGRESS)
        .values_list("grading_status").annotate(n=Count("pk")).order_by()
    )
    return {
        "attempts_in_progress": attempts.get(Attempt.Status.IN_PROGRESS, 0),
        "attempts_submitted": attempts.get(Attempt.Status.SUBMITTED, 0),
        "attempts_graded": attempts.get(Attempt.Status.GRADED, 0),
        "attempts_released": attempts.get(Attempt.Status.RELEASED, 0),
        "answers_pending": answers.get(GS.PENDING, 0),
        "answers_moderation": answers.get(GS.MODERATION, 0),
        "answers_graded": answers.get(GS.GRADED, 0),
    }


def sittings_for_staff(user: Any) -> QuerySet[Sitting]:
    """Sittings a trainer grades or created; every sitting for admins and auditors."""
    if user_has_role(user, Role.ADMIN, Role.AUDITOR):
        return Sitting.objects.select_related("paper", "cohort").all()
    return (Sitting.objects.filter(Q(pk__in=sittings_graded_by(user).values("pk"))
                                   | Q(created_by=user))
            .select_related("paper", "cohort").distinct())
