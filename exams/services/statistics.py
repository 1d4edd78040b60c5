"""Item statistics of a sitting: how each question behaved.

For every question sat in the sitting (attempts submitted or later; answers still waiting
for marks are left out):

- ``facility``: mean share of the points earned (0-1); ``correct_share``: share of examinees
  with full points ("share correct").
- ``discrimination``: upper-lower index. Examinees are ranked by their percentage on the
  whole attempt; the upper and lower groups are the top and bottom 27% (at least one
  each); the index is the item's facility in the upper group minus that in the lower
  group (−1 to 1). None with fewer than 4 examinees.
- ``point_biserial``: Pearson correlation between the item score (share of its points) and
  the examinee's percentage on the *rest* of the attempt (the item itself left out so it
  does not inflate the correlation). None with fewer than 3 examinees or no variance.
- ``average_seconds``: mean time on the item: the exam page's ``elapsed_ms`` when it
  reports it, else the time from the previous first save in the attempt (or the start) to
  this item's first save; items never saved are left out.
- ``distractors``: how many chose each option (``"true"``/``"false"`` for true/false,
  ``""`` for no answer).
- ``flags``: ``"negative_discrimination"`` (either index below 0), ``"nobody_right"`` (no
  examinee earned full points).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from exams.models import Answer, Attempt, QuestionType, Sitting

from .scoring import chosen_keys

GROUP_SHARE = 0.27
MIN_FOR_DISCRIMINATION = 4
MIN_FOR_CORRELATION = 3


@dataclass
class ItemStatistics:
    question_id: int
    code: str
    type: str
    stem: str
    key: Any
    options: list[dict[str, str]]
    responses: int = 0
    facility: float | None = None
    correct_share: float | None = None
    discrimination: float | None = None
    point_biserial: float | None = None
    average_seconds: float | None = None
    distractors: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < MIN_FOR_CORRELATION:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def sitting_item_statistics(*, sitting: Sitting) -> list[ItemStatistics]:
    """Statistics of every question of the sitting, in the order they first appear."""
    rows = list(
        Answer.objects.filter(attempt__sitting=sitting)
        .exclude(attempt__status=Attempt.Status.IN_PROGRESS)
        .values_list("attempt_id", "attempt__started_at", "item__position", "item__points",
                     "item__question_version__question_id",
                     "item__question_version__question__code",
                     "item__question_version__question__type",
                     "item__question_version__stem", "item__question_version__answer",
                     "item__question_version__options", "final_score", "value",
                     "elapsed_ms", "first_saved_at")
        .order_by("attempt_id", "item__position")
    )
    # Per attempt: earned and possible points over graded answers, and time per item.
    earned: dict[int, Decimal] = defaultdict(Decimal)
    possible: dict[int, Decimal] = defaultdict(Decimal)
    saves: dict[int, list[tuple[Any, int]]] = defaultdict(list)
    for (attempt_id, _started_at, _pos, points, question_id, *_rest, final_score, _value,
         _elapsed, first_saved_at) in rows:
        if final_score is not None:
            earned[attempt_id] += final_score
            possible[attempt_id] += points
        if first_saved_at is not None:
            saves[attempt_id].append((first_saved_at, question_id))
    estimated: dict[tuple[int, int], float] = {}
    starts = {r[0]: r[1] for r in rows}
    for attempt_id, firsts in saves.items():
        previous = starts[attempt_id]
        for when, question_id in sorted(firsts, key=lambda s: s[0]):
            estimated[(attempt_id, question_id)] = max(0.0, (when - previous).total_seconds())
            previous = when
    percent = {a: float(earned[a] / possible[a]) if possible[a] else 0.0 for a in possible}

    stats: dict[int, ItemStatistics] = {}
    scores: dict[int, list[tuple[int, float, Decimal, Decimal]]] = defaultdict(list)
    times: dict[int, list[float]] = defaultdict(list)
    first_position: dict[int, int] = {}
    for (attempt_id, _started, position, points, question_id, code, qtype, stem, key, options,
         final_score, value, elapsed_ms, _first) in rows:
        entry = stats.get(question_id)
        if entry is None:
            entry = stats[question_id] = ItemStatistics(
                question_id=question_id, code=code, type=qtype, stem=stem, key=key,
                options=list(options or []),
            )
            if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
                entry.distractors = {str(o.get("key")): 0 for o in options or []}
            elif qtype == QuestionType.TRUEFALSE:
                entry.distractors = {"true": 0, "false": 0}
            if entry.distractors:
                entry.distractors[""] = 0
        first_position[question_id] = min(first_position.get(question_id, position), position)
        if entry.distractors:
            chosen = chosen_keys(type=qtype, value=value)
            for choice in chosen or [""]:
                entry.distractors[choice] = entry.distractors.get(choice, 0) + 1
        if elapsed_ms is not None:
            times[question_id].append(elapsed_ms / 1000)
        elif (attempt_id, question_id) in estimated:
            times[question_id].append(estimated[(attempt_id, question_id)])
        if final_score is None:
            continue
        scores[question_id].append((attempt_id, float(final_score / points) if points else 0.0,
                                    final_score, points))

    ranked = sorted(percent, key=lambda a: percent[a])
    group = max(1, round(GROUP_SHARE * len(ranked)))
    lower, upper = set(ranked[:group]), set(ranked[-group:])
    for question_id, entry in stats.items():
        item_scores = scores.get(question_id, [])
        entry.responses = len(item_scores)
        if item_scores:
            entry.facility = sum(s[1] for s in item_scores) / len(item_scores)
            entry.correct_share = sum(1 for s in item_scores if s[2] >= s[3]) / len(item_scores)
        if len(ranked) >= MIN_FOR_DISCRIMINATION:
            up = [s[1] for s in item_scores if s[0] in upper]
            low = [s[1] for s in item_scores if s[0] in lower]
            if up and low:
                entry.discrimination = sum(up) / len(up) - sum(low) / len(low)
        xs, ys = [], []
        for attempt_id, fraction, final_score, points in item_scores:
            rest_possible = possible[attempt_id] - points
            if rest_possible > 0:
                xs.append(fraction)
                ys.append(float((earned[attempt_id] - final_score) / rest_possible))
        entry.point_biserial = _pearson(xs, ys)
        if times.get(question_id):
            entry.average_seconds = sum(times[question_id]) / len(times[question_id])
        if (entry.discrimination is not None and entry.discrimination < 0) or (
                entry.point_biserial is not None and entry.point_biserial < 0):
            entry.flags.append("negative_discrimination")
        if item_scores and entry.correct_share == 0:
            entry.flags.append("nobody_right")
    return sorted(stats.values(), key=lambda e: (first_position[e.question_id], e.code))
