"""Automatic grading of objective answers: pure functions, no database.

Answer values as the exam page saves them, by question type:

- ``single``: the chosen option key, ``"B"`` (``["B"]`` is accepted too);
- ``multiple``: the chosen keys, ``["A", "C"]``;
- ``truefalse``: ``true`` or ``false``;
- ``fillin``: one string per blank, ``["外观设计"]`` (a plain string for a single blank);
- ``short`` / ``case``: the text (graded by people, never here).

Scoring rules (``QuestionVersion.scoring``):

- single and true/false: all points or none.
- multiple, ``all_or_nothing``: all points only when exactly the correct keys are chosen.
- multiple, ``partial``: ``points × max(0, right − wrong) / number of correct keys``, where
  ``right`` counts correct keys chosen and ``wrong`` incorrect keys chosen. Choosing every
  option therefore never earns full marks, and guessing wrongly costs as much as a right
  choice earns; the score never goes below 0.
- fill-in: each blank is worth an equal share. ``partial`` gives the share of each right
  blank; ``all_or_nothing`` gives all points only when every blank is right. A blank is
  right when its normalised text equals one of the blank's normalised accepted answers
  (see ``fillin_normalise``: NFKC so full-width letters and digits equal half-width ones,
  case-insensitive, whitespace collapsed, punctuation and spaces at the ends ignored).

Scores are rounded half-up to 0.01.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from exams.models import QuestionType, Scoring

CENT = Decimal("0.01")
ZERO = Decimal("0")

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _is_edge_junk(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def fillin_normalise(text: Any) -> str:
    """Text of a fill-in blank as compared: NFKC (full-width → half-width), casefolded,
    whitespace runs collapsed (and removed between Chinese characters), spaces and Chinese
    or English punctuation stripped at both ends."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = re.sub(r"\s+", " ", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    start, end = 0, len(text)
    while start < end and _is_edge_junk(text[start]):
        start += 1
    while end > start and _is_edge_junk(text[end - 1]):
        end -= 1
    return text[start:end]


def fillin_blanks(key: Any) -> list[list[str]]:
    """The accepted answers per blank: ``["a", "b"]`` is one blank with two accepted answers,
    ``[["a"], ["b", "c"]]`` two blanks."""
    if key is None:
        return []
    if isinstance(key, str):
        return [[key]]
    if isinstance(key, list) and key and all(isinstance(k, list) for k in key):
        return [[str(a) for a in blank] for blank in key]
    if isinstance(key, list):
        return [[str(a) for a in key]]
    return [[str(key)]]


def _choice_set(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value} if value else set()
    if isinstance(value, list | tuple):
        return {str(v) for v in value if isinstance(v, str | int) and str(v)}
    return set()


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in {"true", "t", "1", "yes", "对", "正确", "是", "√"}:
            return True
        if text in {"false", "f", "0", "no", "错", "错误", "否", "×"}:
            return False
    return None


def answer_is_blank(value: Any) -> bool:
    """Whether an answer value says nothing (no choice, empty text, empty blanks)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(answer_is_blank(v) for v in value)
    if isinstance(value, dict):
        return not value
    return False


def score_objective(*, type: str, key: Any, scoring: str, value: Any, points: Decimal) -> Decimal:
    """The score of ``value`` for an objective question worth ``points``. Never raises on a
    malformed value: it simply earns nothing."""
    points = Decimal(points)
    if type == QuestionType.SINGLE:
        chosen = _choice_set(value)
        return points if len(chosen) == 1 and chosen == {str(key)} else ZERO
    if type == QuestionType.MULTIPLE:
        correct = _choice_set(key)
        chosen = _choice_set(value)
        if not correct or not chosen:
            return ZERO
        if scoring == Scoring.PARTIAL:
            right = len(chosen & correct)
            wrong = len(chosen - correct)
            return quantize(points * max(0, right - wrong) / len(correct))
        return points if chosen == correct else ZERO
    if type == QuestionType.TRUEFALSE:
        given = _as_bool(value)
        return points if given is not None and given == _as_bool(key) else ZERO
    if type == QuestionType.FILLIN:
        blanks = fillin_blanks(key)
        if not blanks:
            return ZERO
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            return ZERO
        right = 0
        for index, accepted in enumerate(blanks):
            blank = fillin_normalise(value[index]) if index < len(value) else ""
            if blank and blank in {fillin_normalise(a) for a in accepted}:
                right += 1
        if scoring == Scoring.PARTIAL:
            return quantize(points * right / len(blanks))
        return points if right == len(blanks) else ZERO
    raise ValueError(f"{type} is not an objective question type")


def chosen_keys(*, type: str, value: Any) -> list[str]:
    """Option keys (or "true"/"false") an answer chose, for distractor counts."""
    if type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return sorted(_choice_set(value))
    if type == QuestionType.TRUEFALSE:
        given = _as_bool(value)
        return [] if given is None else ["true" if given else "false"]
    return []
