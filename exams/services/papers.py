"""Papers (fixed or rule-drawn), drawing an attempt's questions, and sittings.

A rule-drawn paper draws each attempt's questions with ``random.Random(seed)`` over a stable
ordering (question primary key), so the same seed and the same bank give the same paper; the
seed is stored on the attempt and the drawn items are stored too. A sitting cannot be created
for a paper whose rules the bank cannot satisfy.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from academy.people.selectors import Role, user_has_role
from exams.models import (
    Attempt,
    Paper,
    PaperItem,
    PaperRule,
    Question,
    QuestionType,
    Sitting,
    Tag,
)


@dataclass(frozen=True)
class DrawnItem:
    """One question of an attempt, before it is stored as an AttemptItem: the question, the
    version it is drawn at (its current one), the points and the order of its option keys."""

    question_id: int
    question_version_id: int
    points: Decimal
    option_order: list[str]


def _paper_in_use(paper: Paper) -> bool:
    return Attempt.objects.filter(sitting__paper=paper).exists()


def _refuse_if_sat(paper: Paper) -> None:
    if _paper_in_use(paper):
        raise ApplicationError(_("This paper has been sat already; its questions can no "
                                 "longer change. Copy it to make a new paper."))


def _refuse_exposure_overlap(paper: Paper) -> None:
    """Run the overlap check of sitting creation again for every sitting not yet closed that
    offers ``paper``, with its questions or rules as they now stand in this transaction.

    Called after the new items or rules are written and before the transaction commits, so
    that the pool is read exactly as the draw would read it and a refusal rolls the change
    back. The message names the sitting, since the trainer is on the paper's page."""
    from .exposure import sitting_exposure_check

    for sitting in (Sitting.objects.filter(paper=paper, closes_at__gt=timezone.now())
                    .select_related("paper").order_by("opens_at", "pk")):
        try:
            sitting_exposure_check(sitting)
        except ApplicationError as exc:
            raise ApplicationError(
                _("The sitting “%(sitting)s” offers this paper. %(reason)s")
                % {"sitting": sitting.title, "reason": exc.message},
                extra={**exc.extra, "sitting": sitting.pk},
            ) from exc


def paper_create(
    *,
    title: str,
    created_by: Any,
    kind: str = Paper.Kind.FIXED,
    description: str = "",
    shuffle_questions: bool = False,
    shuffle_options: bool = False,
) -> Paper:
    """Create an empty paper; add questions with ``paper_items_set`` or ``paper_rules_set``."""
    if kind not in Paper.Kind.values:
        raise ApplicationError(_("Unknown paper kind."))
    if not (title or "").strip():
        raise ApplicationError(_("Give the paper a title."))
    return Paper.objects.create(title=title.strip(), kind=kind, description=description,
                                shuffle_questions=shuffle_questions,
                                shuffle_options=shuffle_options, created_by=created_by)


def paper_update(*, paper: Paper, **fields: Any) -> Paper:
    """Change a paper's title, description or shuffle settings (kind only before it is sat,
    and not when the other kind's questions would make an open sitting's pool overlap)."""
    allowed = {"title", "description", "shuffle_questions", "shuffle_options", "kind"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"paper_update() got unexpected fields {sorted(unknown)}")
    kind_changes = "kind" in fields and fields["kind"] != paper.kind
    before = {name: getattr(paper, name) for name in fields}
    try:
        with transaction.atomic():
            if kind_changes:
                _refuse_if_sat(paper)
            for name, value in fields.items():
                setattr(paper, name, value)
            paper.save(update_fields=list(fields) or None)
            if kind_changes:  # the pool is now the other kind's: items instead of rules
                _refuse_exposure_overlap(paper)
    except ApplicationError:
        for name, value in before.items():  # the caller's object says what the row says
            setattr(paper, name, value)
        raise
    return paper


def paper_items_set(*, paper: Paper, items: Iterable[tuple[Question, Decimal | int | None]]
                    ) -> list[PaperItem]:
    """Replace a fixed paper's questions: ``items`` is ``(question, points)`` in order
    (points None → the question's default points). Refused once the paper has been sat, and
    when a sitting not yet closed that offers it would then overlap a key-revealing sitting
    open to the same brokers (as ``sitting_create`` refuses it: ``code=exposure_overlap``)."""
    items = list(items)
    if paper.kind != Paper.Kind.FIXED:
        raise ApplicationError(_("Only a fixed paper has chosen questions."))
    seen: set[int] = set()
    for question, points in items:
        if question.pk in seen:
            raise ApplicationError(_("Question %(code)s is on the paper twice.")
                                   % {"code": question.code})
        seen.add(question.pk)
        if points is not None and Decimal(points) <= 0:
            raise ApplicationError(_("Points must be a positive number."))
    with transaction.atomic():
        _refuse_if_sat(paper)
        paper.items.all().delete()
        created = PaperItem.objects.bulk_create([
            PaperItem(paper=paper, question=question, order=order,
                      points=Decimal(points) if points is not None else question.default_points)
            for order, (question, points) in enumerate(items)
        ])
        _refuse_exposure_overlap(paper)
    return created


def paper_rules_set(*, paper: Paper, rules: Iterable[dict[str, Any]]) -> list[PaperRule]:
    """Replace a rule-drawn paper's rules: dicts with ``tag``, ``count``, ``points_each`` and
    optionally ``difficulty`` (1-5) and ``type`` (a question type). Refused as
    ``paper_items_set`` is: once sat, and when it would make an open sitting's pool overlap."""
    rules = list(rules)
    if paper.kind != Paper.Kind.RULES:
        raise ApplicationError(_("Only a rule-drawn paper has rules."))
    objects = []
    for order, rule in enumerate(rules):
        count = int(rule.get("count") or 0)
        points = Decimal(str(rule.get("points_each") or 0))
        difficulty = rule.get("difficulty") or None
        qtype = rule.get("type") or ""
        if count < 1 or points <= 0:
            raise ApplicationError(_("Each rule draws at least one question worth positive "
                                     "points."))
        if difficulty is not None and not 1 <= int(difficulty) <= 5:
            raise ApplicationError(_("Difficulty is a whole number from 1 to 5."))
        if qtype and qtype not in QuestionType.values:
            raise ApplicationError(_("Unknown question type “%(type)s”.") % {"type": qtype})
        if not isinstance(rule.get("tag"), Tag):
            raise ApplicationError(_("Each rule needs a tag."))
        objects.append(PaperRule(paper=paper, order=order, tag=rule["tag"], count=count,
                                 points_each=points, type=qtype,
                                 difficulty=int(difficulty) if difficulty else None))
    with transaction.atomic():
        _refuse_if_sat(paper)
        paper.rules.all().delete()
        created = PaperRule.objects.bulk_create(objects)
        _refuse_exposure_overlap(paper)
    return created


def rule_candidates(rule: PaperRule, *, tag_ids: list[int] | None = None
                    ) -> QuerySet[Question]:
    """Active questions with a current version matching the rule: its tag or a child of it
    (``tag_ids`` when the caller has them already), its type and difficulty if set. Ordered
    by primary key (the draw's stable ordering)."""
    if tag_ids is None:
        tag_ids = [rule.tag_id, *Tag.objects.filter(parent_id=rule.tag_id)
                   .values_list("pk", flat=True)]
    questions = Question.objects.filter(is_active=True, current_version__isnull=False,
                                        tags__in=tag_ids)
    if rule.difficulty:
        questions = questions.filter(difficulty=rule.difficulty)
    if rule.type:
        questions = questions.filter(type=rule.type)
    return questions.distinct().order_by("pk")


def paper_check(*, paper: Paper) -> None:
    """Raise ApplicationError unless every attempt of ``paper`` can be drawn.

    For rules the check is pessimistic: a rule counts as satisfiable only if enough of its
    candidates remain even when every earlier rule took its questions from the overlap, so
    drawing succeeds whatever the seed.
    """
    if paper.kind == Paper.Kind.FIXED:
        items = list(paper.items.select_related("question"))
        if not items:
            raise ApplicationError(_("The paper has no questions."))
        missing = [i.question.code for i in items if i.question.current_version_id is None]
        if missing:
            raise ApplicationError(_("These questions have no content: %(codes)s.")
                                   % {"codes": ", ".join(missing)})
        return
    rules = list(paper.rules.select_related("tag"))
    if not rules:
        raise ApplicationError(_("The paper has no rules."))
    earlier: list[tuple[PaperRule, set[int]]] = []
    for number, rule in enumerate(rules, start=1):
        candidates = set(rule_candidates(rule).values_list("pk", flat=True))
        taken = sum(min(other.count, len(candidates & ids)) for other, ids in earlier)
        available = len(candidates) - taken
        if available < rule.count:
            raise ApplicationError(
                _("Rule %(number)s (%(tag)s%(difficulty)s) draws %(count)s questions but the "
                  "bank has only %(available)s available for it. Add questions or lower the "
                  "number.")
                % {"number": number, "tag": rule.tag.name,
                   "difficulty": (", " + _("difficulty %(d)s") % {"d": rule.difficulty})
                   if rule.difficulty else "",
                   "count": rule.count, "available": max(available, 0)}
            )
        earlier.append((rule, candidates))


# What a draw reads of each chosen question: plain values, since a whole room starts at once.
_DRAW_COLUMNS = ("current_version_id", "current_version__options", "type", "code")


def paper_draw(*, paper: Paper, seed: int, exclude: QuerySet | None = None
               ) -> list[DrawnItem]:
    """The questions of one attempt, reproducible from ``seed`` (and the excluded set).

    Fixed paper: its items in order (shuffled if the paper says so). Rule paper: for each
    rule in order, ``rng.sample`` of the rule's candidates (by primary key) not drawn yet.
    ``exclude`` is a subquery of question ids never to draw (the keys a broker has seen, for
    a certifying sitting): rule candidates leave them out in the same query, and a fixed
    paper's items among them are left out of the attempt. Options are shuffled per attempt
    when the paper says so. Raises ApplicationError when a rule can no longer be satisfied
    (questions archived since the sitting was created, or too many keys seen).
    """
    rng = random.Random(seed)
    # (question id, points, current version id, its options, type, code)
    chosen: list[tuple[Any, ...]]
    if paper.kind == Paper.Kind.FIXED:
        items = paper.items.order_by("order", "pk")
        if exclude is not None:
            items = items.exclude(question_id__in=exclude)
        chosen = list(items.values_list(
            "question_id", "points", *(f"question__{c}" for c in _DRAW_COLUMNS)))
        if not chosen:
            raise ApplicationError(_("The paper has no questions."))
    else:
        # Only primary keys travel (the sample needs nothing else), every rule's in one
        # UNION ALL; the chosen questions are loaded once at the end: four queries.
        rules = list(paper.rules.order_by("order", "pk"))
        children: dict[int, list[int]] = {}
        for pk, parent_id in Tag.objects.filter(
                parent_id__in={r.tag_id for r in rules}).values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        per_rule: dict[int, list[int]] = {i: [] for i in range(len(rules))}
        selects = []
        for index, rule in enumerate(rules):
            ids_qs = rule_candidates(rule, tag_ids=[rule.tag_id, *children.get(rule.tag_id, [])])
            if exclude is not None:
                ids_qs = ids_qs.exclude(pk__in=exclude)
            selects.append(ids_qs.order_by().annotate(rule_index=Value(index))
                           .values_list("rule_index", "pk"))
        if selects:
            for index, pk in selects[0].union(*selects[1:], all=True):
                per_rule[index].append(pk)
        taken: set[int] = set()
        picks: list[tuple[int, Decimal]] = []
        for index, rule in enumerate(rules):
            candidates = [pk for pk in sorted(per_rule[index]) if pk not in taken]
            if len(candidates) < rule.count:
                raise ApplicationError(_("The question bank no longer has enough questions for "
                                         "this paper. Tell the trainer."))
            for pk in rng.sample(candidates, rule.count):
                taken.add(pk)
                picks.append((pk, rule.points_each))
        loaded = {row[0]: row[1:] for row in Question.objects.filter(
            pk__in=[pk for pk, _points in picks]).values_list("pk", *_DRAW_COLUMNS)}
        chosen = [(pk, points, *loaded[pk]) for pk, points in picks]
    if paper.shuffle_questions:
        rng.shuffle(chosen)
    shuffles_options = paper.shuffle_options and QuestionType.with_options()
    drawn: list[DrawnItem] = []
    for question_id, points, version_id, options, qtype, code in chosen:
        if version_id is None:
            raise ApplicationError(_("Question %(code)s has no content.") % {"code": code})
        keys = [str(o.get("key")) for o in options or []]
        if shuffles_options and qtype in shuffles_options:
            rng.shuffle(keys)
        drawn.append(DrawnItem(question_id=question_id, question_version_id=version_id,
                               points=Decimal(points), option_order=keys))
    return drawn


def paper_max_score(*, paper: Paper) -> Decimal:
    """Total points of the paper (same for every attempt)."""
    if paper.kind == Paper.Kind.FIXED:
        return sum((i.points for i in paper.items.all()), Decimal("0"))
    return sum((r.points_each * r.count for r in paper.rules.all()), Decimal("0"))


# --- Sittings --------------------------------------------------------------------------------------

SITTING_FIELDS = (
    "paper", "title", "cohort", "opens_at", "closes_at", "duration_minutes", "attempts_allowed",
    "pass_mark", "release_policy", "show_answers", "anonymous_grading", "double_marking",
    "moderation_threshold", "purpose", "keys_after_certifying", "require_fullscreen",
    "flag_leave_count", "flag_away_seconds", "flag_fullscreen_exits", "flag_pastes",
    "flag_sessions", "flag_offline_seconds",
)
#: Integrity and exposure settings ``sitting_create`` takes besides its named arguments.
SITTING_INTEGRITY_FIELDS = SITTING_FIELDS[13:]


def sitting_graders(sitting: Sitting) -> QuerySet:
    """The sitting's graders: its own list, or else the cohort's trainers."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if sitting.graders.exists():
        return sitting.graders.all()
    if sitting.cohort is not None:
        return sitting.cohort.trainers.all()
    return User.objects.none()


def sittings_graded_by(user: Any) -> QuerySet[Sitting]:
    """Sittings ``user`` grades: listed as grader, or a trainer of the cohort of a sitting
    with no grader list."""
    explicit = Sitting.objects.filter(graders=user).values("pk")
    by_cohort = (Sitting.objects.annotate(n_graders=Count("graders"))
                 .filter(n_graders=0, cohort__trainers=user).values("pk"))
    return Sitting.objects.filter(Q(pk__in=explicit) | Q(pk__in=by_cohort))


def sitting_user_may_grade(sitting: Sitting, user: Any) -> bool:
    """Graders of the sitting who (still) hold the trainer role, and administrators."""
    if user_has_role(user, Role.ADMIN):
        return True
    if not user_has_role(user, Role.TRAINER):
        return False
    return sitting_graders(sitting).filter(pk=user.pk).exists()


def sitting_user_is_candidate(sitting: Sitting, user: Any) -> bool:
    """Whether ``user`` may sit: on the sitting's list, or an active broker of its cohort."""
    from exams.selectors.taking import broker_may_sit  # the selectors import this module

    return broker_may_sit(sitting, user)


def _sitting_validate(sitting: Sitting, *, graders: list[Any] | None,
                      brokers: list[Any] | None, check_draws: bool = True) -> None:
    if not (sitting.title or "").strip():
        raise ApplicationError(_("Give the sitting a title."))
    if sitting.closes_at <= sitting.opens_at:
        raise ApplicationError(_("The sitting must close after it opens."))
    if sitting.duration_minutes < 1:
        raise ApplicationError(_("The duration must be at least one minute."))
    if sitting.attempts_allowed < 1:
        raise ApplicationError(_("At least one attempt must be allowed."))
    if not Decimal("0") <= Decimal(sitting.pass_mark) <= Decimal("100"):
        raise ApplicationError(_("The pass mark is a percentage from 0 to 100."))
    if sitting.release_policy not in Sitting.ReleasePolicy.values:
        raise ApplicationError(_("Unknown release policy."))
    if Decimal(sitting.moderation_threshold) < 0:
        raise ApplicationError(_("The moderation threshold cannot be negative."))
    if not sitting.cohort_id and not brokers:
        raise ApplicationError(_("Offer the sitting to a cohort or to a list of brokers."))
    if graders:
        not_trainers = [g for g in graders if not user_has_role(g, Role.TRAINER, Role.ADMIN)]
        if not_trainers:
            raise ApplicationError(_("Graders must be trainers: %(names)s.")
                                   % {"names": ", ".join(str(g) for g in not_trainers)})
    if sitting.double_marking:
        pool = len(graders) if graders else (
            sitting.cohort.trainers.count() if sitting.cohort is not None else 0)
        if pool < 2:
            raise ApplicationError(_("Double marking needs at least two graders."))
    if sitting.purpose not in Sitting.Purpose.values:
        raise ApplicationError(_("Unknown sitting purpose."))
    if sitting.flag_sessions < 1:
        raise ApplicationError(_("At least one session must be allowed."))
    paper_check(paper=sitting.paper)
    from .exposure import sitting_draw_check, sitting_exposure_check

    sitting_exposure_check(sitting, brokers=brokers)
    if check_draws:
        sitting_draw_check(sitting, brokers=brokers)


def sitting_create(
    *,
    paper: Paper,
    title: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    duration_minutes: int,
    created_by: Any,
    cohort: Any = None,
    brokers: Iterable[Any] = (),
    graders: Iterable[Any] = (),
    attempts_allowed: int = 1,
    pass_mark: Decimal | int = Decimal("60"),
    release_policy: str = Sitting.ReleasePolicy.AFTER_GRADING,
    show_answers: bool = False,
    anonymous_grading: bool = True,
    double_marking: bool = False,
    moderation_threshold: Decimal | int = Decimal("2"),
    purpose: str = Sitting.Purpose.CERTIFYING,
    **integrity: Any,
) -> Sitting:
    """Offer ``paper`` to a cohort and/or brokers in a window. Raises ApplicationError when
    the settings are inconsistent, the paper's rules cannot be satisfied by the bank, its
    pool overlaps a key-revealing sitting open to the same brokers, or (certifying) a
    candidate could not draw a full paper without the keys they have seen (``exposure``).
    ``integrity`` takes ``keys_after_certifying``, ``require_fullscreen`` and the ``flag_*``
    thresholds of the integrity log."""
    unknown = set(integrity) - set(SITTING_INTEGRITY_FIELDS)
    if unknown:
        raise TypeError(f"sitting_create() got unexpected fields {sorted(unknown)}")
    brokers, graders = list(brokers), list(graders)
    sitting = Sitting(
        paper=paper, title=(title or "").strip(), cohort=cohort, opens_at=opens_at,
        closes_at=closes_at, duration_minutes=duration_minutes,
        attempts_allowed=attempts_allowed, pass_mark=Decimal(pass_mark),
        release_policy=release_policy, show_answers=show_answers,
        anonymous_grading=anonymous_grading, double_marking=double_marking,
        moderation_threshold=Decimal(moderation_threshold), created_by=created_by,
        purpose=purpose, **integrity,
    )
    _sitting_validate(sitting, graders=graders, brokers=brokers)
    with transaction.atomic():
        sitting.save()
        sitting.brokers.set(brokers)
        sitting.graders.set(graders)
        audit_record(action="exams.sitting_created", subject=sitting, actor=created_by,
                     after={"paper": paper.pk, "opens_at": opens_at, "closes_at": closes_at,
                            "cohort": getattr(cohort, "pk", None), "purpose": purpose,
                            "keys_after_certifying": sitting.keys_after_certifying})
    return sitting


def sitting_update(*, sitting: Sitting, actor: Any, brokers: Iterable[Any] | None = None,
                   graders: Iterable[Any] | None = None, **fields: Any) -> Sitting:
    """Change a sitting. Its paper cannot change once someone has started an attempt;
    attempts already started keep their deadline. When its paper, purpose, cohort or broker
    list changes, a certifying sitting is checked again for every candidate's full paper
    (other changes leave alone keys seen since it was created: the draw refuses then)."""
    unknown = set(fields) - set(SITTING_FIELDS)
    if unknown:
        raise TypeError(f"sitting_update() got unexpected fields {sorted(unknown)}")
    with transaction.atomic():
        sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
        if "paper" in fields and fields["paper"].pk != sitting.paper_id and \
                sitting.attempts.exists():
            raise ApplicationError(_("Attempts have started; the paper cannot change."))
        before = {name: getattr(sitting, name) for name in fields if name not in ("paper",
                                                                                  "cohort")}
        who_and_what = (sitting.paper_id, sitting.purpose, sitting.cohort_id)
        for name, value in fields.items():
            setattr(sitting, name, value)
        broker_list = list(brokers) if brokers is not None else list(sitting.brokers.all())
        grader_list = list(graders) if graders is not None else list(sitting.graders.all())
        draws_changed = (sitting.paper_id, sitting.purpose, sitting.cohort_id) != who_and_what \
            or (brokers is not None and {getattr(b, "pk", b) for b in broker_list}
                != set(sitting.brokers.values_list("pk", flat=True)))
        _sitting_validate(sitting, graders=grader_list, brokers=broker_list,
                          check_draws=draws_changed)
        sitting.save()
        if brokers is not None:
            sitting.brokers.set(broker_list)
        if graders is not None:
            sitting.graders.set(grader_list)
        audit_record(action="exams.sitting_updated", subject=sitting, actor=actor,
                     before=before,
                     after={name: getattr(sitting, name) for name in before})
    return sitting
