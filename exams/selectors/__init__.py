"""Read-only queries of the exams app (``exams.selectors``).

- ``awaiting_results(user_ids)`` → ``{user_id: {paper_id, ...}}`` (submitted, result not out).
- ``best_results(user_ids)`` → ``{user_id: {paper_id: {"percent", "passed", "attempt_id",
  "sitting_id", "released_at"}}}``, one query, for the certification rules.
- ``results_for_user(user)``, ``attempts_for_user(user)``, ``attempt_breakdown(attempt)`` →
  ``[AreaScore(area_id, area_name, score, max_score, percent)]``,
  ``attempt_review(attempt, viewer=)`` (released attempts only; key if the sitting shows it).
- ``sittings_for_broker(user, open_only=False)``, ``attempt_for_user(attempt_id=, user=)``,
  ``attempt_items_for_examinee(attempt)`` (never the key), ``attempt_saved_answers(attempt)``.
- ``grading_queue(grader=, sitting=None, limit=None)`` → ``[GradingEntry]`` (anonymous:
  answer code only), ``grading_entry(answer_id=, grader=)``, ``grader_backlog(grader=)``,
  ``sitting_grading_progress(sitting)``, ``sittings_for_staff(user)``.
- ``exams.services.statistics.sitting_item_statistics(sitting)`` for item statistics.
"""

from .grading import (
    GradingEntry,
    grader_backlog,
    grading_entry,
    grading_queue,
    sitting_grading_progress,
    sittings_for_staff,
)
from .results import (
    AWAITING_STATUSES,
    AreaScore,
    attempt_breakdown,
    attempt_review,
    attempts_for_user,
    awaiting_results,
    best_results,
    results_for_user,
)
from .taking import (
    attempt_for_user,
    attempt_items_for_examinee,
    attempt_saved_answers,
    sittings_for_broker,
)

__all__ = [
    "AWAITING_STATUSES",
    "AreaScore",
    "GradingEntry",
    "attempt_breakdown",
    "attempt_for_user",
    "attempt_items_for_examinee",
    "attempt_review",
    "attempt_saved_answers",
    "attempts_for_user",
    "awaiting_results",
    "best_results",
    "grader_backlog",
    "grading_entry",
    "grading_queue",
    "results_for_user",
    "sitting_grading_progress",
    "sittings_for_broker",
    "sittings_for_staff",
]
