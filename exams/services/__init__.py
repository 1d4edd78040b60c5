"""The exams app's writes: every state change goes through these functions.

This package is the app's public face for writes: views, the API, tasks, other apps and tests
import from here (``from exams.services import attempt_start``); the modules behind it are
one per subject. ``result_released`` (``signals.py``) is the signal other apps listen to. The
main signatures (keyword-only):

attempts.py
    attempt_start(*, sitting, user, session_key=None, user_agent="") -> Attempt
        start or resume (the starting web session noted as the attempt's first); PermissionDenied if not a candidate; ApplicationError outside the
        window / no attempts left. An overdue attempt in progress is auto-submitted and
        returned (check ``status``).
    attempt_save_answer(*, attempt_id, user, item_id, value, client_ts, elapsed_ms=None,
        sent_ts=None) -> SaveResult(saved, stale, saved_at)
        an answer older than the sitting's offline threshold (sent_ts − client_ts on the
        device's clock, else server time − client_ts) is logged as an offline gap
        raises AttemptClosed (an ApplicationError with extra {"code": "closed"}: answer 409),
        Http404 for someone else's attempt or an item not in it, ApplicationError (400) for
        a malformed value / client_ts. Values: single "B"; multiple ["A","C"]; truefalse
        true/false; fillin ["blank 1", "blank 2"] (or a string for one blank); short/case
        a string.
    attempt_submit(*, attempt_id, user, auto=False) -> Attempt   (idempotent)
    attempts_close_overdue(*, now=None, limit=500) -> int
bank.py
    question_content_clean(*, type, stem, options, answer, scoring, explanation, rubric)
        -> (QuestionContent | None, [error messages])   (for form validation / preview)
    question_create(*, type, stem, created_by, options=None, answer=None, scoring=None,
        explanation="", rubric=None, difficulty=3, tags=(), default_points=1, code=None)
    question_update(*, question, actor, stem=None, options=None, answer=None, scoring=None,
        explanation=None, rubric=None, difficulty=None, tags=None, default_points=None)
        new version when the current one was drawn into an attempt
    question_archive(*, question, actor, active=False)
importing.py
    question_import_parse(*, file_name, content) -> ParsedQuestions
    question_import_validate(parsed) -> QuestionValidation (rows, errors)
    question_import(*, file_name, content, actor, dry_run=False) -> QuestionImportResult
        (.ok, .errors [ImportError(row, column, message)], .created [Question]); saves
        nothing when any row has an error
    question_template_xlsx() -> bytes ; question_template_csv() -> bytes
papers.py
    paper_create(*, title, created_by, kind="fixed", description="", shuffle_questions=False,
        shuffle_options=False) ; paper_update(*, paper, **fields)
    paper_items_set(*, paper, items=[(question, points|None), ...])
    paper_rules_set(*, paper, rules=[{"tag", "count", "points_each", "difficulty"?, "type"?}])
        both refuse a paper already sat, and a change that would make a sitting not yet
        closed that offers the paper overlap a key-revealing sitting (as sitting_create does)
    paper_check(*, paper)  (ApplicationError if not drawable)
    paper_draw(*, paper, seed) -> [DrawnItem] ; paper_max_score(*, paper)
    sitting_create(*, paper, title, opens_at, closes_at, duration_minutes, created_by,
        cohort=None, brokers=(), graders=(), attempts_allowed=1, pass_mark=60,
        release_policy="after_grading", show_answers=False, anonymous_grading=True,
        double_marking=False, moderation_threshold=2)
    sitting_update(*, sitting, actor, brokers=None, graders=None, **fields)
        both refuse (ApplicationError) a pool overlapping a key-revealing sitting, and a
        certifying sitting a candidate could not draw in full (exposure.sitting_draw_check)
    sitting_graders(sitting), sittings_graded_by(user), sitting_user_may_grade(sitting, user),
    sitting_user_is_candidate(sitting, user)
grading.py
    mark_submit(*, answer_id, grader, criteria=None, score=None, comment="") -> Mark
        criteria: list aligned with the rubric, numbers or {"criterion", "score"}
    answer_regrade(*, answer_id, score, reason, actor) -> Answer
    mark_criteria_clean(*, rubric, criteria, item_points, score=None)
release.py
    attempt_release(*, attempt_id, actor) -> Attempt ; sitting_release(*, sitting, actor) -> int
statistics.py
    sitting_item_statistics(*, sitting) -> [ItemStatistics]
scoring.py
    score_objective(...), fillin_normalise(text) (pure functions)
"""

from .attempts import (
    AttemptClosed,
    SaveResult,
    attempt_save_answer,
    attempt_start,
    attempt_submit,
    attempts_close_overdue,
)
from .bank import (
    QuestionContent,
    question_archive,
    question_content_check,
    question_content_clean,
    question_create,
    question_update,
    question_version_in_use,
)
from .exposure import (
    attempt_keys_visible,
    exposed_question_ids,
    exposure_record,
    paper_pool_ids,
    sitting_question_exposure,
)
from .grading import (
    answer_claim,
    answer_regrade,
    grading_claim_next,
    mark_criteria_clean,
    mark_submit,
)
from .images import ImageUpload, question_image_check, question_images_store
from .importing import (
    QuestionImportResult,
    import_max_bytes,
    import_max_rows,
    question_import,
    question_import_parse,
    question_import_validate,
    question_template_csv,
    question_template_xlsx,
)
from .integrity import (
    attempt_events_record,
    attempt_integrity_log,
    attempt_session_touch,
    attempts_integrity,
)
from .interchange import (
    question_bank_export,
    question_template_docx,
)
from .papers import (
    SITTING_FIELDS,
    DrawnItem,
    paper_check,
    paper_create,
    paper_draw,
    paper_items_set,
    paper_max_score,
    paper_rules_set,
    paper_update,
    rule_candidates,
    sitting_create,
    sitting_graders,
    sitting_update,
    sitting_user_is_candidate,
    sitting_user_may_grade,
    sittings_graded_by,
)
from .release import (
    attempt_release,
    sitting_release,
)
from .scoring import (
    answer_is_blank,
    chosen_keys,
    fillin_blanks,
    fillin_normalise,
    score_objective,
)
from .signals import result_released
from .statistics import (
    ItemStatistics,
    sitting_item_statistics,
)

__all__ = [
    "ImageUpload",
    "SITTING_FIELDS",
    "AttemptClosed",
    "DrawnItem",
    "ItemStatistics",
    "QuestionContent",
    "QuestionImportResult",
    "SaveResult",
    "answer_claim",
    "answer_is_blank",
    "answer_regrade",
    "attempt_events_record",
    "attempt_integrity_log",
    "attempt_keys_visible",
    "attempt_release",
    "attempt_save_answer",
    "attempt_session_touch",
    "attempt_start",
    "attempt_submit",
    "attempts_close_overdue",
    "attempts_integrity",
    "chosen_keys",
    "exposed_question_ids",
    "exposure_record",
    "fillin_blanks",
    "fillin_normalise",
    "grading_claim_next",
    "import_max_bytes",
    "import_max_rows",
    "mark_criteria_clean",
    "mark_submit",
    "paper_check",
    "paper_create",
    "paper_draw",
    "paper_items_set",
    "paper_max_score",
    "paper_pool_ids",
    "paper_rules_set",
    "paper_update",
    "question_archive",
    "question_bank_export",
    "question_content_check",
    "question_content_clean",
    "question_create",
    "question_import",
    "question_import_parse",
    "question_import_validate",
    "question_template_csv",
    "question_template_docx",
    "question_template_xlsx",
    "question_update",
    "question_version_in_use",
    "result_released",
    "rule_candidates",
    "score_objective",
    "sitting_create",
    "sitting_graders",
    "sitting_item_statistics",
    "sitting_question_exposure",
    "sitting_release",
    "sitting_update",
    "sitting_user_is_candidate",
    "sitting_user_may_grade",
    "sittings_graded_by",
    "question_image_check",
    "question_images_store",
]
