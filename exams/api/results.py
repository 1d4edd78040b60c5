"""Released results as the broker reads them (the API and the result page).

Built on ``exams.selectors.results``: nothing here shows a score or a key before release
(``attempt_review`` is empty for an attempt that is not released, and carries the key and
explanation only when the sitting shows answers).
"""

from __future__ import annotations

import string
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from exams.models import Answer, Attempt, AttemptItem, Mark, QuestionType
from exams.selectors import (
    attempt_breakdown,
    attempt_review,
    item_area,
    results_for_user,
)
from exams.services import chosen_keys, fillin_blanks

ZERO = Decimal("0")
LABELS = string.ascii_uppercase


def _percent(score: Decimal, max_score: Decimal) -> Decimal | None:
    if not max_score:
        return None
    return (score * 100 / max_score).quantize(Decimal("0.01"))


def area_breakdowns(attempt_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """``attempt_breakdown`` for many attempts in a constant number of queries (lists)."""
    if not attempt_ids:
        return {}
    items = (AttemptItem.objects.filter(attempt_id__in=attempt_ids)
             .select_related("question_version__question")
             .prefetch_related("question_version__question__tags__area",
                               "question_version__question__tags__parent__area"))
    scores = dict(Answer.objects.filter(attempt_id__in=attempt_ids)
                  .values_list("item_id", "final_score"))
    totals: dict[int, dict[Any, list[Any]]] = defaultdict(dict)
    for item in items:
        area_id, name, order = item_area(item)
        entry = totals[item.attempt_id].setdefault(area_id, [order, name, ZERO, ZERO])
        entry[2] += scores.get(item.pk) or ZERO
        entry[3] += item.points
    codes = {}
    area_ids = {a for by_area in totals.values() for a in by_area if a is not None}
    if area_ids:
        from courses.models import CourseArea

        codes = dict(CourseArea.objects.filter(pk__in=area_ids).values_list("pk", "code"))
    return {
        attempt_id: [
            {"area": codes.get(area_id), "name": name or "—", "score": score,
             "max_score": max_score, "percent": _percent(score, max_score)}
            for area_id, (_order, name, score, max_score) in sorted(
                by_area.items(), key=lambda kv: kv[1][0])
        ]
        for attempt_id, by_area in totals.items()
    }


def released_results_for(user: Any) -> list[dict[str, Any]]:
    """The user's released attempts, newest first, each with its per-area breakdown."""
    attempts = list(results_for_user(user))
    breakdown = area_breakdowns([a.pk for a in attempts])
    return [
        {"attempt": a.pk, "sitting": a.sitting_id, "sitting_title": a.sitting.title,
         "paper": a.sitting.paper_id, "number": a.number, "submitted_at": a.submitted_at,
         "released_at": a.released_at, "score": a.score, "max_score": a.max_score,
         "percent": a.percent, "pass_mark": a.sitting.pass_mark, "passed": a.passed,
         "areas": breakdown.get(a.pk, [])}
        for a in attempts
    ]


@dataclass
class ResultItem:
    """One question of a released result, ready for the template."""

    position: int
    type: str
    stem: str
    points: Decimal
    score: Decimal | None
    value: Any
    options: list[dict[str, Any]] = field(default_factory=list)
    blanks: list[str] = field(default_factory=list)
    show_key: bool = False
    correct_bool: bool | None = None
    correct_blanks: list[list[str]] = field(default_factory=list)
    explanation: str = ""
    rubric: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    comment: str = ""
    images: dict[str, str] = field(default_factory=dict)  # name → URL (stem, explanation)

    @property
    def type_label(self) -> str:
        return str(QuestionType(self.type).label)

    @property
    def outcome(self) -> str:
        if self.score is None:
            return "pending"
        if self.score >= self.points:
            return "full"
        return "none" if not self.score else "partial"


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return ["" if v is None else str(v) for v in value]
    return [] if value is None else [str(value)]


def result_detail(attempt: Attempt, *, viewer: Any) -> dict[str, Any]:
    """The result page of the viewer's released attempt: totals, areas and per question the
    score, the broker's answer and, if the sitting shows answers, the key and explanation.
    Before release: no items and no areas (nothing about the grading leaves the server)."""
    review = attempt_review(attempt, viewer=viewer)
    released = bool(review)
    # The final mark's criteria and comment (never who marked), for subjective answers.
    final_marks: dict[int, Mark] = {}
    if released:
        for mark in (Mark.objects.filter(answer__attempt=attempt)
                     .order_by("answer_id", "-round").only("answer__item_id", "criteria",
                                                           "comment", "round")
                     .select_related("answer")):
            final_marks.setdefault(mark.answer.item_id, mark)
    items = []
    for entry in review:
        qtype = entry["type"]
        show = "answer" in entry
        key = entry.get("answer")
        chosen = set(chosen_keys(type=qtype, value=entry["value"])) \
            if qtype in QuestionType.with_options() else set()
        correct = set(_as_list(key)) if show and qtype in QuestionType.with_options() else set()
        mark = final_marks.get(entry["id"])
        items.append(ResultItem(
            position=entry["position"] + 1, type=qtype, stem=entry["stem"],
            points=entry["points"], score=entry["score"], value=entry["value"],
            options=[{**o, "label": LABELS[i] if i < len(LABELS) else o["key"],
                      "chosen": o["key"] in chosen, "correct": o["key"] in correct}
                     for i, o in enumerate(entry["options"])],
            blanks=_as_list(entry["value"]) if qtype == QuestionType.FILLIN else [],
            show_key=show,
            correct_bool=key if (show and qtype == QuestionType.TRUEFALSE) else None,
            correct_blanks=fillin_blanks(key) if (show and qtype == QuestionType.FILLIN) else [],
            explanation=entry.get("explanation", "") if show else "",
            rubric=entry.get("rubric", []) if show else [],
            criteria=list(mark.criteria or []) if mark else [],
            comment=mark.comment if mark else "", images=entry.get("images", {}),
        ))
    return {
        "attempt": attempt,
        "released": released,
        "show_key": released and any(item.show_key for item in items),
        "keys_held": released and attempt.sitting.show_answers
        and not any(item.show_key for item in items),
        "areas": [
            {"name": a.area_name or "—", "score": a.score, "max_score": a.max_score,
             "percent": a.percent}
            for a in attempt_breakdown(attempt)
        ] if released else [],
        "items": items,
    }
