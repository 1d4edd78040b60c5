"""Question exposure: which answer keys a broker has seen, and keeping them out of
certifying sittings.

A key is *exposed* to a broker when a released result shows it to them (a sitting with
``show_answers``; under ``keys_after_certifying`` only once no certifying sitting that shares
questions with it is still open to that broker). Exposure is recorded as rows
(``QuestionExposure``), so a certifying draw excludes them with one set-based subquery
whatever the number of brokers, and a sitting dashboard counts them with one grouped query.

Creating or changing a sitting, or changing the questions or rules of a paper that a sitting
not yet closed offers (``papers.paper_items_set``, ``paper_rules_set``), is refused when the
sitting's pool overlaps a key-revealing sitting open at the same time to the same brokers (the
keys would leak during the certifying window, also from one broker to another), unless the
practice sitting holds its keys back.

Creating a certifying sitting, or changing its paper or who may sit, is refused too when a
candidate could not draw a full paper once the keys they have seen are left out
(``sitting_draw_check``). The check is set-based: the rules' candidates are loaded once, and
one grouped query counts, per broker, the seen keys among each rule's candidates (and among
each overlap of two rules), whatever the number of brokers.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy.errors import ApplicationError
from exams.models import (
    Attempt,
    AttemptItem,
    Paper,
    PaperRule,
    Question,
    QuestionExposure,
    Sitting,
    Tag,
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


@dataclass(frozen=True)
class DrawShortfall:
    """Candidates of a certifying sitting who could not draw a full paper: how many, and the
    worst shortfall (``short`` questions in rule ``rule_number``; None for a fixed paper)."""

    user_ids: list[int]
    short: int
    rule_number: int | None = None
    rule: PaperRule | None = None
    paper_size: int = 0


def _candidates_filter(sitting: Sitting, brokers: Iterable[Any] | None) -> Q:
    """The sitting's candidates (its list, or ``brokers``, and the cohort's active brokers)
    as a condition on ``user_id``, without loading them."""
    from courses.models import Enrolment

    if brokers is None:
        ids = list(sitting.brokers.values_list("pk", flat=True)) if sitting.pk else []
    else:
        ids = [getattr(b, "pk", b) for b in brokers]
    condition = Q(user_id__in=ids)
    if sitting.cohort_id:
        condition |= Q(user_id__in=Enrolment.objects.filter(
            cohort_id=sitting.cohort_id, status=Enrolment.Status.ACTIVE).values("user_id"))
    return condition


def _rule_candidate_sets(rules: list[PaperRule]) -> tuple[list[QuerySet], list[set[int]]]:
    """Each rule's candidates as a subquery of ids and as a set of ids: two queries for all
    the rules (the tags' children, then every rule's candidates in one UNION ALL)."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in Tag.objects.filter(
            parent_id__in={r.tag_id for r in rules}).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    subqueries = [rule_candidates(rule, tag_ids=[rule.tag_id, *children.get(rule.tag_id, [])])
                  .order_by() for rule in rules]
    selects = [qs.annotate(rule_index=Value(index)).values_list("rule_index", "pk")
               for index, qs in enumerate(subqueries)]
    found: list[set[int]] = [set() for _rule in rules]
    for index, pk in selects[0].union(*selects[1:], all=True):
        found[index].add(pk)
    return [qs.values("pk") for qs in subqueries], found


def _fixed_paper_shortfall(sitting: Sitting, candidates: Q) -> DrawShortfall | None:
    question_ids = sitting.paper.items.values("question_id")
    seen = dict(QuestionExposure.objects.filter(candidates, question_id__in=question_ids)
                .values("user_id").annotate(n=Count("pk")).values_list("user_id", "n")
                .order_by())
    if not seen:
        return None
    return DrawShortfall(user_ids=sorted(seen), short=max(seen.values()),
                         paper_size=sitting.paper.items.count())


def _rules_paper_shortfall(sitting: Sitting, candidates: Q) -> DrawShortfall | None:
    """As ``paper_check``, pessimistically (every earlier rule took its questions from the
    overlap), but for each broker without the keys they have seen."""
    rules = list(sitting.paper.rules.select_related("tag").order_by("order", "pk"))
    if not rules:
        return None
    subquery, ids = _rule_candidate_sets(rules)
    pairs = {(r, o) for r in range(len(rules)) for o in range(r) if ids[r] & ids[o]}
    in_rule = [Q(question_id__in=sub) for sub in subquery]
    counts = {f"r{r}": Count("pk", filter=in_rule[r]) for r in range(len(rules))}
    counts |= {f"r{r}_{o}": Count("pk", filter=in_rule[r] & in_rule[o]) for r, o in pairs}
    in_pool = in_rule[0]
    for condition in in_rule[1:]:
        in_pool |= condition
    rows = (QuestionExposure.objects.filter(candidates).filter(in_pool)
            .values("user_id").annotate(**counts).order_by())
    short_users: list[int] = []
    worst: tuple[int, int] = (0, 0)  # (questions short, rule index)
    for row in rows:
        short_here = (0, 0)
        for r, rule in enumerate(rules):
            available = len(ids[r]) - row[f"r{r}"] - sum(
                min(rules[o].count, len(ids[r] & ids[o]) - row[f"r{r}_{o}"])
                for o in range(r) if (r, o) in pairs)
            short_here = max(short_here, (rule.count - available, -r))
        if short_here[0] > 0:
            short_users.append(row["user_id"])
            worst = max(worst, short_here)
    if not short_users:
        return None
    return DrawShortfall(user_ids=sorted(short_users), short=worst[0],
                         rule_number=-worst[1] + 1, rule=rules[-worst[1]])


def sitting_draw_shortfall(sitting: Sitting, *, brokers: Iterable[Any] | None = None
                           ) -> DrawShortfall | None:
    """The candidates of certifying ``sitting`` (its list, or ``brokers`` for a sitting being
    edited, and its cohort's active brokers) who could not draw a full paper without the
    questions whose keys they have seen, or None when every one can. At most five queries
    whatever the number of brokers."""
    if sitting.purpose != Sitting.Purpose.CERTIFYING:
        return None
    candidates = _candidates_filter(sitting, brokers)
    if sitting.paper.kind == Paper.Kind.FIXED:
        return _fixed_paper_shortfall(sitting, candidates)
    return _rules_paper_shortfall(sitting, candidates)


def sitting_draw_check(sitting: Sitting, *, brokers: Iterable[Any] | None = None) -> None:
    """Raise ApplicationError, saying how many brokers could not draw a full paper and how
    short the worst one is (and in which rule), unless every candidate can."""
    shortfall = sitting_draw_shortfall(sitting, brokers=brokers)
    if shortfall is None:
        return
    count = len(shortfall.user_ids)
    who = ngettext(
        "%(n)s broker could not draw a full paper: a certifying sitting never draws the "
        "questions whose answer keys a broker has seen, and too few others are left.",
        "%(n)s brokers could not draw a full paper: a certifying sitting never draws the "
        "questions whose answer keys a broker has seen, and too few others are left.",
        count) % {"n": count}
    if shortfall.rule is not None:
        rule = shortfall.rule
        worst = ngettext(
            "The worst is %(short)s question short in rule %(number)s (%(tag)s%(difficulty)s).",
            "The worst is %(short)s questions short in rule %(number)s "
            "(%(tag)s%(difficulty)s).", shortfall.short) % {
            "short": shortfall.short, "number": shortfall.rule_number, "tag": str(rule.tag),
            "difficulty": (", " + _("difficulty %(d)s") % {"d": rule.difficulty})
            if rule.difficulty else ""}
        remedy = _("Add questions to the bank for that rule, or lower the number it draws.")
    else:
        worst = ngettext(
            "The worst has seen the key of %(short)s of the paper's %(size)s questions.",
            "The worst has seen the keys of %(short)s of the paper's %(size)s questions.",
            shortfall.short) % {"short": shortfall.short, "size": shortfall.paper_size}
        remedy = _("Replace the questions they have seen, or draw the paper by rules.")
    raise ApplicationError(
        f"{who} {worst} {remedy}",
        extra={"code": "draw_short", "brokers": count, "short": shortfall.short,
               "rule": shortfall.rule_number, "users": shortfall.user_ids[:100]},
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
