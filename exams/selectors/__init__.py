"""The exams app's reads: the public face for queries (views, the API, other apps and tests
import from here; the modules behind it are one per subject).

- ``awaiting_results(user_ids)`` → ``{user_id: {paper_id, ...}}`` (submitted, result not out).
- ``papers_open_to(user_ids)`` → ``{user_id: {paper_id, ...}}`` (a sitting not closed, the
  broker its candidate, attempts left: what "can retake" rests on).
- ``best_results(user_ids)`` → ``{user_id: {paper_id: {"percent", "passed", "attempt_id",
  "sitting_id", "released_at"}}}``, one query, for the certification rules.
- ``results_for_user(user)``, ``attempts_for_user(user)``, ``attempt_breakdown(attempt)`` →
  ``[AreaScore(area_id, area_name, score, max_score, percent)]``,
  ``attempt_review(attempt, viewer=)`` (released attempts only; key if the sitting shows it).
- ``sittings_for_broker(user, open_only=False)``, ``sitting_for_broker(user, sitting_id)`` (or
  None), ``broker_may_sit(sitting, user)``, ``attempt_for_user(attempt_id=, user=)``,
  ``attempt_items_for_examinee(attempt)`` (never the key), ``attempt_saved_answers(attempt)``.
- ``grading_queue(grader=, sitting=None, limit=None)`` → ``[GradingEntry]`` (anonymous:
  answer code only), ``grading_entry(answer_id=, grader=)``, ``grader_backlog(grader=)``,
  ``sitting_grading_progress(sitting)``, ``sittings_for_staff(user)``.
- ``sitting_event(sitting)`` and ``exam_events(user)``: the calendar feed's events.
- ``address_in_exam_room(address)``: the exam-room check of the limits per address.
- ``question_text_html(text, images)``, ``version_image_urls(version)``,
  ``image_urls_for_versions(ids)``, ``image_names(text)``, ``image_marker(name, alt)``,
  ``text_without_images(text)`` and ``question_image_visible(user=, image=)``: the images of
  questions (``images.py``).
- Item statistics are ``exams.services.sitting_item_statistics(sitting=)``.
"""

from .calendar import exam_events, grading_due, sitting_event
from .grading import (
    GradingEntry,
    answers_open_to,
    grader_backlog,
    grading_entry,
    grading_queue,
    sitting_grading_progress,
    sittings_for_staff,
)
from .images import (
    IMAGE_MARKER,
    image_marker,
    image_names,
    image_urls_for_versions,
    question_image_visible,
    question_text_html,
    text_without_images,
    version_image_urls,
)
from .results import (
    AWAITING_STATUSES,
    AreaScore,
    attempt_breakdown,
    attempt_review,
    attempts_for_user,
    awaiting_results,
    best_results,
    item_area,
    papers_open_to,
    results_for_user,
)
from .rooms import address_in_exam_room, exam_room_forget
from .taking import (
    attempt_for_user,
    attempt_items_for_examinee,
    attempt_saved_answers,
    broker_may_sit,
    sitting_for_broker,
    sittings_for_broker,
)

__all__ = [
    "AWAITING_STATUSES",
    "IMAGE_MARKER",
    "AreaScore",
    "GradingEntry",
    "address_in_exam_room",
    "answers_open_to",
    "attempt_breakdown",
    "attempt_for_user",
    "attempt_items_for_examinee",
    "attempt_review",
    "attempt_saved_answers",
    "attempts_for_user",
    "awaiting_results",
    "best_results",
    "exam_events",
    "exam_room_forget",
    "grader_backlog",
    "grading_due",
    "grading_entry",
    "grading_queue",
    "item_area",
    "papers_open_to",
    "results_for_user",
    "sitting_event",
    "sitting_grading_progress",
    "broker_may_sit",
    "sitting_for_broker",
    "sittings_for_broker",
    "sittings_for_staff",
    "image_marker",
    "image_names",
    "image_urls_for_versions",
    "question_image_visible",
    "question_text_html",
    "text_without_images",
    "version_image_urls",
]
