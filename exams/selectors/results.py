"""Reading results: best results for the certification rules, a broker's results, the
per-area breakdown and the review of a released attempt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from exams.models import Answer, Attempt, AttemptItem, QuestionType, Sitting

ZERO = Decimal("0")


def best_results(user_ids: Iterable[int]) -> dict[int, dict[int, dict[str, Any]]]:
    """Each broker's best released result per paper, in one query.

    ``{user_id: {paper_id: {"percent": Decimal, "passed": bool, "attempt_id": int,
    "sitting_id": int, "released_at": datetime}}}``. "Best" is the highest percentage;
    ``passed`` is true if any released attempt at that paper passed (sittings of one paper
    may set different pass marks). Brokers with no released result are absent.
    """
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    rows = (Attempt.objects.filter(user_id__in=user_ids, status=Attempt.Status.RELEASED)
            .values_list("pk", "user_id", "sitting__paper_id", "sitting_id", "score",
                         "max_score", "passed", "released_at")
            .order_by("pk"))
    results: dict[int, dict[int, dict[str, Any]]] = {}
    for pk, user_id, paper_id, sitting_id, score, max_score, passed, released_at in rows:
        percent = (score * 100 / max_score).quantize(Decimal("0.01")) \
            if score is not None and max_score else ZERO
        entry = results.setdefault(user_id, {}).get(paper_id)
        if entry is None or percent > entry["percent"]:
            results[user_id][paper_id] = {
                "percent": percent, "passed": bool(passed) or bool(entry and entry["passed"]),
                "attempt_id": pk, "sitting_id": sitting_id, "released_at": released_at,
            }
        elif passed:
            entry["passed"] = True
    return results


def awaiting_results(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """The papers each broker has submitted an attempt at whose result is not released yet
    (awaiting grading or release), in one query. Brokers with none are absent."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    rows = (Attempt.objects.filter(user_id__in=user_ids, status__in=AWAITING_STATUSES)
            .values_list("user_id", "sitting__paper_id").distinct().order_by())
    waiting: dict[int, set[int]] = {}
    for user_id, paper_id in rows:
        waiting.setdefault(user_id, set()).add(paper_id)
    return waiting


def papers_open_to(user_ids: Iterable[int], *, now: Any = None) -> dict[int, set[int]]:
    """The papers each broker can still sit: a sitting of the paper that has not closed, the
    broker a candidate of it (on its list, or an active broker of its cohort) with attempts
    left. Three queries whatever the number of brokers; brokers with none are absent."""
    from courses.models import Enrolment

    user_ids = list(user_ids)
    if not user_ids:
        return {}
    now = now or timezone.now()
    sittings = {pk: (paper_id, cohort_id, allowed)
                for pk, paper_id, cohort_id, allowed in Sitting.objects.filter(
                    closes_at__gt=now).values_list("pk", "paper_id", "cohort_id",
                                                   "attempts_allowed")}
    if not sittings:
        return {}
    cohorts: dict[int, list[int]] = {}
    for pk, (_paper, cohort_id, _allowed) in sittings.items():
        if cohort_id:
            cohorts.setdefault(cohort_id, []).append(pk)
    candidates = set(Sitting.brokers.through.objects.filter(
        sitting_id__in=sittings, user_id__in=user_ids).values_list("user_id", "sitting_id"))
    if cohorts:
        for user_id, cohort_id in Enrolment.objects.filter(
                cohort_id__in=cohorts, user_id__in=user_ids,
                status=Enrolment.Status.ACTIVE).values_list("user_id", "cohort_id"):
            candidates.update((user_id, pk) for pk in cohorts[cohort_id])
    used = {(user_id, sitting_id): count for user_id, sitting_id, count in (
        Attempt.objects.filter(sitting_id__in=sittings, user_id__in=user_ids)
        .values("user_id", "sitting_id").annotate(count=Count("pk"))
        .values_list("user_id", "sitting_id", "count").order_by())}
    open_to: dict[int, set[int]] = {}
    for user_id, sitting_id in candidates:
        paper_id, _cohort, allowed = sittings[sitting_id]
        if used.get((user_id, sitting_id), 0) < allowed:
            open_to.setdefault(user_id, set()).add(paper_id)
    return open_to


# Submitted attempts whose result the broker cannot see yet.
AWAITING_STATUSES = (Attempt.Status.SUBMITTED, Attempt.Status.GRADED)


def results_for_user(user: Any) -> QuerySet[Attempt]:
    """The caller's released results, newest first."""
    return (Attempt.objects.filter(user=user, status=Attempt.Status.RELEASED)
            .select_related("sitting__paper").order_by("-released_at", "-pk"))


def attempts_for_user(user: Any) -> QuerySet[Attempt]:
    """All the caller's attempts (scores only readable once released), newest first."""
    return (Attempt.objects.filter(user=user).select_related("sitting__paper")
            .order_by("-started_at", "-pk"))


@dataclass
class AreaScore:
    area_id: int | None
    area_name: str
    score: Decimal
    max_score: Decimal

    @property
    def percent(self) -> Decimal | None:
        if not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.01"))


def item_area(item: AttemptItem) -> tuple[int | None, str, int]:
    """(area id, name, order) of an item: the area of the question's first tag that has one,
    or of that tag's parent."""
    best = None
    for tag in item.question_version.question.tags.all():
        area = tag.area or (tag.parent.area if tag.parent_id and tag.parent else None)
        if area is not None and (best is None or area.order < best.order):
            best = area
    if best is None:
        return None, "", 999
    return best.pk, best.display_name, best.order


def attempt_breakdown(attempt: Attempt) -> list[AreaScore]:
    """Score and maximum per course area of the attempt's questions (final scores; items
    not graded yet count as 0), in the areas' order; "" names questions without an area."""
    items = list(attempt.items.select_related("question_version__question").prefetch_related(
        "question_version__question__tags__area",
        "question_version__question__tags__parent__area",
    ))
    scores = dict(Answer.objects.filter(attempt=attempt).values_list("item_id", "final_score"))
    areas: dict[int | None, tuple[int, AreaScore]] = {}
    for item in items:
        area_id, name, order = item_area(item)
        entry = areas.get(area_id)
        if entry is None:
            entry = areas[area_id] = (order, AreaScore(area_id, name, ZERO, ZERO))
        entry[1].max_score += item.points
        entry[1].score += scores.get(item.pk) or ZERO
    return [entry for _order, entry in sorted(areas.values(), key=lambda e: e[0])]


def attempt_review(attempt: Attempt, *, viewer: Any) -> list[dict[str, Any]]:
    """The items of a released attempt for its broker: their answer and score per item and,
    if the sitting shows answers, the key and explanation. Empty before release (the key
    never leaves the server before then)."""
    from exams.services.exposure import attempt_keys_visible, exposure_record

    if attempt.user_id != getattr(viewer, "pk", None) or attempt.status != \
            Attempt.Status.RELEASED:
        return []
    show = attempt_keys_visible(attempt)
    if show:
        # Shown now (a sitting that held its keys back may show them only later).
        exposure_record(attempt=attempt)
    from .images import image_names, image_urls_for_versions

    answers = {a.item_id: a for a in attempt.answers.all()}
    review = []
    items = list(attempt.items.select_related("question_version__question").order_by(
        "position"))
    urls = image_urls_for_versions({item.question_version_id for item in items})
    for item in items:
        version = item.question_version
        answer = answers.get(item.pk)
        shown = image_names(version.stem) + (image_names(version.explanation) if show else [])
        entry = {
            "id": item.pk, "position": item.position, "type": version.question.type,
            "stem": version.stem, "options": _ordered_options(item), "points": item.points,
            "value": answer.value if answer else None,
            "score": answer.final_score if answer else None,
            "images": {name: url for name, url in urls.get(version.pk, {}).items()
                       if name in shown},
        }
        if show:
            entry["answer"] = version.answer
            entry["explanation"] = version.explanation
            if version.question.type in QuestionType.subjective():
                entry["rubric"] = version.rubric
        review.append(entry)
    return review


def _ordered_options(item: AttemptItem) -> list[dict[str, str]]:
    return options_in_order(item.question_version.options, item.option_order)


def options_in_order(options: list[dict[str, Any]] | None,
                     order: list[str] | None) -> list[dict[str, str]]:
    """A version's options as ``[{"key", "text"}]`` in an attempt's ``order`` (the version's
    own order when the attempt has none)."""
    by_key = {str(o.get("key")): o for o in options or []}
    return [{"key": key, "text": by_key[key].get("text", "")} for key in (order or list(by_key))
            if key in by_key]
