"""An attempt as the examinee sees it, for the start/resume endpoint and the exam page.

Built on ``exams.selectors.taking`` (the items in the attempt's order with options in the
attempt's order, and the saved answers), never on the question versions directly, so neither
can show the answer key, rubric or explanation. Two queries.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from exams.models import Attempt, QuestionType
from exams.selectors import attempt_items_for_examinee, attempt_saved_answers
from exams.services import answer_is_blank

LABELS = string.ascii_uppercase


@dataclass
class ItemView:
    """One question on the exam page (``position`` counts from 1)."""

    id: int
    position: int
    type: str
    stem: str
    points: Decimal
    options: list[dict[str, str]] = field(default_factory=list)
    blanks: int = 0
    value: Any = None
    client_ts: int = 0
    images: dict[str, str] = field(default_factory=dict)  # the stem's images: name → URL

    @property
    def type_label(self) -> str:
        return str(QuestionType(self.type).label)

    @property
    def points_display(self) -> str:
        return f"{self.points.normalize():f}"

    @property
    def answered(self) -> bool:
        return self.client_ts > 0 and not answer_is_blank(self.value)

    @property
    def chosen(self) -> list[str]:
        if isinstance(self.value, list):
            return [str(v) for v in self.value]
        return [] if self.value is None else [str(self.value)]

    @property
    def blank_values(self) -> list[str]:
        """One string per blank, for the fill-in inputs."""
        values = self.value if isinstance(self.value, list) else (
            [self.value] if isinstance(self.value, str) else [])
        values = [v if isinstance(v, str) else "" for v in values]
        return (values + [""] * self.blanks)[: self.blanks]


def attempt_items(attempt: Attempt) -> list[ItemView]:
    """The attempt's items with the answers saved so far."""
    saved = attempt_saved_answers(attempt)
    views = []
    for entry in attempt_items_for_examinee(attempt):
        answer = saved.get(str(entry["id"]), {})
        options = [{**option, "label": LABELS[i] if i < len(LABELS) else option["key"]}
                   for i, option in enumerate(entry["options"])]
        views.append(ItemView(
            id=entry["id"], position=entry["position"] + 1, type=entry["type"],
            stem=entry["stem"], points=entry["points"], options=options,
            blanks=entry.get("blanks", 0), value=answer.get("value"),
            client_ts=answer.get("client_ts") or 0, images=entry.get("images", {}),
        ))
    return views


def attempt_payload(attempt: Attempt, *, now) -> dict[str, Any]:
    """The start/resume response: deadline, the server's clock, items and saved answers."""
    items = attempt_items(attempt)
    return {
        "id": attempt.pk,
        "sitting": attempt.sitting_id,
        "number": attempt.number,
        "deadline": attempt.deadline,
        "server_now": now,
        "status": attempt.status,
        "items": [
            {"id": i.id, "position": i.position, "type": i.type, "stem": i.stem,
             "options": [{"key": o["key"], "text": o["text"]} for o in i.options],
             "points": i.points, "blanks": i.blanks, "images": i.images}
            for i in items
        ],
        "answers": {str(i.id): {"value": i.value, "client_ts": i.client_ts}
                    for i in items if i.client_ts},
    }
