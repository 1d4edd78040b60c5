"""Question exposure: which answer keys a broker has seen, and keeping them out of
certifying sittings.

A key is *exposed* to a broker when a released result shows it to them (a sitting with
``show_answers``; under ``keys_after_certifying`` only once no certifying sitting that shares
questions with it is still open to that broker). Exposure is recorded as rows
(``QuestionExposure``), so a certifying draw excludes them with one set-based subquery
whatever the number of brokers, and a sitting dashboard counts them with one grouped query.

Creating or changing a sitting is refused when its pool overlaps a key-revealing sitting
open at the same time to the same brokers (the keys would leak during the certifying window,
also from one broker to another), unless the practice sitting holds its keys back.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from exams.models import (
    Attempt,
    AttemptItem,
    Paper,
    Question,
    QuestionExposure,
    Sitting,
)

from .papers import rule_candidates

REVEALING = (Sitting.Purpose.PRACTICE, Sitting.Purpose.MOCK)


def paper_pool(paper: Paper) -> QuerySet[Question]:
    """Every question an attempt at ``paper`` could show: a fixed paper's items, or the union
    of a rule paper's candidates."""
    if paper.kind == Paper.Kind.FIXED:
        return Question.objects.filter(paper_items__paper=paper)
    condition = Q(pk__in=[])
    for rule in paper.rules.all():
        condition |= Q(pk__in=rule_candidates(rule).values("pk"))
    return Question.objects.filter(condition)


def paper_pool_ids(paper: Paper) -> set[int]:
    return set(paper_pool(paper).values_list("pk", flat=True))


def sitting_candidate_ids(sitting: Sitting, brokers: Iterable[Any] | None = None) -> set[int]:
    """Brokers who may sit: its list (or ``brokers``, for a sitting being edited) and the
    cohort's active enrolments. Two queries."""
    from courses.models import Enrolment

    if brokers is None:
        ids = set(sitting.brokers.values_list("pk", flat=True)) if sitting.pk else set()
    else:
        ids = {getattr(b, "pk", b) for b in brokers}
    if sitting.cohort_id:
        ids |= set(Enrolment.objects.filter(cohort_id=sitting.cohort_id,
                                            status=Enrolment.Status.ACTIVE)
                   .values_list("user_id", flat=True))
    return ids


def sitting_reveals_keys(sitting: Sitting) -> bool:
    """Whether results of the sitting show keys while other sittings may be open."""
    return bool(sitting.show_answers) and not sitting.keys_after_certifying


def exposed_question_ids(user: Any) -> QuerySet:
    """A subquery of the questions whose key ``user`` has seen."""
    return QuestionExposure.objects.filter(user=user).values("question_id")


@dataclass(frozen=True)
class ExposureConflict:
    sitting: Sitting
    shared_questions: int
    shared_brokers: int


def sitting_exposure_conflicts(sitting: Sitting, *, brokers: Iterable[Any] | None = None
                               ) -> list[ExposureConflict]:
    """Sittings open in the same window to some of the same brokers whose pools share
    questions with ``sitting``, where one of the two shows keys and the other certifies."""
    if sitting.purpose == Sitting.Purpose.CERTIFYING:
        others = Sitting.objects.filter(purpose__in=REVEALING, show_answers=True,
                                        keys_after_certifying=False)
    elif sitting_reveals_keys(sitting):
        others = Sitting.objects.filter(purpose=Sitting.Purpose.CERTIFYING)
    else:
        return []
    others = others.filter(opens_at__lt=sitting.closes_at, closes_at__gt=sitting.opens_at)
    if sitting.pk:
        others = others.exclude(pk=sitting.pk)
    overlapping = list(others.select_related("paper"))
    if not overlapping:
        return []
    pool = paper_pool_ids(sitting.paper)
    candidates = sitting_candidate_ids(sitting, brokers)
    conflicts = []
    for other in overlapping:
        shared_brokers = len(candidates & sitting_candidate_ids(other))
        if not shared_brokers:
            continue
        shared = len(pool & paper_pool_ids(other.paper))
        if shared:
            conflicts.append(ExposureConflict(other, shared, shared_brokers))
    return conflicts


def sitting_exposure_check(sitting: Sitting, *, brokers: Iterable[Any] | None = None) -> None:
    """Raise ApplicationError, with the overlap counted, when ``sitting`` conflicts."""
    conflicts = sitting_exposure_conflicts(sitting, brokers=brokers)
    if not conflicts:
        return
    first = conflicts[0]
    raise ApplicationError(
        _("%(count)s questions of this sitting's pool are also in “%(title)s”, open at the same "
          "time to %(brokers)s of the same brokers, and one of the two shows answer keys while "
          "the other certifies. Choose “show keys only after the certifying sittings close” for "
          "the practice sitting, or use questions that do not overlap.")
        % {"count": first.shared_questions, "title": first.sitting.title,
           "brokers": first.shared_brokers},
        extra={"code": "exposure_overlap", "overlap": [
            {"sitting": c.sitting.pk, "questions": c.shared_questions,
             "brokers": c.shared_brokers} for c in conflicts]},
    )


def _held_by_open_certifying(attempt: Attempt, now: datetime.datetime) -> bool:
    """Whether a certifying sitting the broker may still sit shares a question with the
    attempt's items."""
    from courses.models import Enrolment

    user_id = attempt.user_id
    open_certifying = list(
        Sitting.objects.filter(purpose=Sitting.Purpose.CERTIFYING, closes_at__gt=now)
        .filter(Q(brokers__pk=user_id) | Q(
            cohort__in=Enrolment.objects.filter(user_id=user_id,
                                                status=Enrolment.Status.ACTIVE)
            .values("cohort_id")))
        .exclude(pk=attempt.sitting_id).select_related("paper").distinct())
    if not open_certifying:
        return False
    shown = set(AttemptItem.objects.filter(attempt=attempt)
                .values_list("question_version__question_id", flat=True))
    return any(shown & paper_pool_ids(s.paper) for s in open_certifying)


def attempt_keys_visible(attempt: Attempt, *, now: datetime.datetime | None = None) -> bool:
    """Whether the broker may see the keys of their released ``attempt`` now."""
    sitting = attempt.sitting
    if attempt.status != Attempt.Status.RELEASED or not sitting.show_answers:
        return False
    if sitting.keys_after_certifying:
        return not _held_by_open_certifying(attempt, now or timezone.now())
    return True


def exposure_record(*, attempt: Attempt, now: datetime.datetime | None = None) -> int:
    """Record that the attempt's broker has seen the keys of its questions (idempotent)."""
    now = now or timezone.now()
    question_ids = set(AttemptItem.objects.filter(attempt=attempt)
                       .values_list("question_version__question_id", flat=True))
    created = QuestionExposure.objects.bulk_create(
        [QuestionExposure(user_id=attempt.user_id, question_id=qid, attempt=attempt,
                          exposed_at=now) for qid in sorted(question_ids)],
        ignore_conflicts=True,
    )
    return len(created)


@dataclass
class QuestionExposureRow:
    question: Question
    exposed_to: int
    drawn: int


def sitting_question_exposure(sitting: Sitting) -> list[QuestionExposureRow]:
    """Per question of the sitting's pool: how many of its brokers have seen the key, and in
    how many of its attempts it was drawn. A fixed number of queries; most exposed first."""
    pool = paper_pool(sitting.paper)
    candidates = sitting_candidate_ids(sitting)
    exposed = dict(QuestionExposure.objects.filter(question__in=pool.values("pk"),
                                                   user_id__in=candidates)
                   .values("question_id").annotate(n=Count("pk"))
                   .values_list("question_id", "n").order_by())
    drawn = dict(AttemptItem.objects.filter(attempt__sitting=sitting)
                 .values("question_version__question_id").annotate(n=Count("pk"))
                 .values_list("question_version__question_id", "n").order_by())
    rows = [QuestionExposureRow(q, exposed.get(q.pk, 0), drawn.get(q.pk, 0))
            for q in pool.order_by("code").distinct()]
    rows.sort(key=lambda r: (-r.exposed_to, r.question.code))
    return rows
