"""The question bank: creating, editing (versioned) and archiving questions.

``question_content_clean`` checks one question's content (type, options, key, scoring,
rubric) and is shared by the authoring page and the import. Editing a question whose current
version has already been drawn into an attempt creates a new version; otherwise the current
version is edited in place. Old attempts always keep the version they were shown.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError
from exams.models import AttemptItem, Question, QuestionType, QuestionVersion, Scoring, Tag

from .images import ImageUpload, question_images_copy, question_images_store
from .scoring import fillin_blanks, fillin_normalise

CONTENT_FIELDS = ("stem", "options", "answer", "scoring", "explanation", "rubric")
MAX_OPTIONS = 10


@dataclass
class QuestionContent:
    """Validated content of a question version."""

    type: str
    stem: str
    options: list[dict[str, str]] = field(default_factory=list)
    answer: Any = None
    scoring: str = Scoring.ALL_OR_NOTHING
    explanation: str = ""
    rubric: list[dict[str, Any]] = field(default_factory=list)

    def as_version_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTENT_FIELDS}


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


Fail = Callable[[str, str], None]
"""``fail(field, message)``: record one problem with a question's content."""


def question_content_check(
    *,
    type: str,
    stem: str,
    options: Any = None,
    answer: Any = None,
    scoring: str | None = None,
    explanation: str = "",
    rubric: Any = None,
) -> tuple[QuestionContent | None, list[tuple[str, str]]]:
    """Check one question's content. Returns (clean content, []) or
    (None, [(field, message), ...]) where field is type, stem, scoring, options, answer or
    rubric. Every problem is reported, not just the first, so that an import can list them.
    """
    errors: list[tuple[str, str]] = []

    def fail(field_name: str, message: str) -> None:
        errors.append((field_name, message))

    if type not in QuestionType.values:
        return None, [("type", _("Unknown question type “%(type)s”.") % {"type": type})]
    stem = (stem or "").strip()
    if not stem:
        fail("stem", _("The question text is empty."))
    scoring = scoring or Scoring.ALL_OR_NOTHING
    if scoring not in Scoring.values:
        fail("scoring", _("Unknown scoring “%(scoring)s”.") % {"scoring": scoring})
    content = QuestionContent(type=type, stem=stem, explanation=(explanation or "").strip(),
                              scoring=scoring)

    if type in QuestionType.with_options():
        content.options = _clean_options(options, fail)
        keys = [o["key"] for o in content.options]
        if type == QuestionType.SINGLE:
            content.answer = _clean_single_answer(answer, keys, fail)
        else:
            content.answer = _clean_multiple_answer(answer, keys, fail)
    elif type == QuestionType.TRUEFALSE:
        if not isinstance(answer, bool):
            fail("answer", _("A true/false question's answer is true or false."))
        content.answer = answer if isinstance(answer, bool) else None
        content.scoring = Scoring.ALL_OR_NOTHING
    elif type == QuestionType.FILLIN:
        content.answer = _clean_fillin_answer(answer, fail)
    else:  # short answer and case analysis: graded by people against the rubric
        content.answer = None
        content.rubric = _clean_rubric(rubric, fail)
        content.scoring = Scoring.ALL_OR_NOTHING
    return (None, errors) if errors else (content, [])


def _clean_options(options: Any, fail: Fail) -> list[dict[str, str]]:
    """A choice question's options as ``[{"key", "text"}]`` (keys upper-cased)."""
    clean_options: list[dict[str, str]] = []
    if not isinstance(options, list):
        options = []
    for option in options:
        key = str((option or {}).get("key", "")).strip().upper() if isinstance(option, dict) \
            else ""
        text = str((option or {}).get("text", "")).strip() if isinstance(option, dict) else ""
        if not key or not text:
            fail("options", _("Every option needs a key and a text."))
            continue
        clean_options.append({"key": key, "text": text})
    keys = [o["key"] for o in clean_options]
    if len(clean_options) < 2:
        fail("options", _("A choice question needs at least two options."))
    if len(clean_options) > MAX_OPTIONS:
        fail("options", _("A question has at most %(n)s options.") % {"n": MAX_OPTIONS})
    if len(set(keys)) != len(keys):
        fail("options", _("Two options have the same key."))
    return clean_options


def _clean_single_answer(answer: Any, keys: list[str], fail: Fail) -> str:
    """The one correct option's key of a single-choice question."""
    if isinstance(answer, list) and len(answer) == 1:
        answer = answer[0]
    key = str(answer or "").strip().upper()
    if not key:
        fail("answer", _("Give the correct option."))
    elif key not in keys:
        fail("answer", _("The correct option “%(key)s” is not one of the options.")
             % {"key": key})
    if isinstance(answer, list):
        fail("answer", _("A single-choice question has exactly one correct option."))
    return key


def _clean_multiple_answer(answer: Any, keys: list[str], fail: Fail) -> list[str]:
    """The sorted keys of a multiple-choice question's correct options."""
    if isinstance(answer, str):
        answer = [answer]
    chosen = sorted({str(k).strip().upper() for k in (answer or []) if str(k).strip()})
    if not chosen:
        fail("answer", _("Give at least one correct option."))
    missing = [k for k in chosen if k not in keys]
    if missing:
        fail("answer", _("The correct options %(keys)s are not among the options.")
             % {"keys": ", ".join(missing)})
    return chosen


def _clean_fillin_answer(answer: Any, fail: Fail) -> list[Any]:
    """The accepted answers of each blank (a flat list for a single blank)."""
    blanks = fillin_blanks(answer)
    clean_blanks = [[str(a).strip() for a in blank if fillin_normalise(a)]
                    for blank in blanks]
    if not clean_blanks or any(not blank for blank in clean_blanks):
        fail("answer", _("Give at least one accepted answer for every blank."))
    return clean_blanks[0] if len(clean_blanks) == 1 else clean_blanks


def _clean_rubric(rubric: Any, fail: Fail) -> list[dict[str, Any]]:
    """A short-answer or case question's criteria as ``[{"criterion", "points"}]``."""
    clean_rubric: list[dict[str, Any]] = []
    for criterion in rubric or []:
        name = str((criterion or {}).get("criterion", "")).strip() \
            if isinstance(criterion, dict) else ""
        points = _decimal(criterion.get("points")) if isinstance(criterion, dict) else None
        if not name or points is None or points <= 0:
            fail("rubric", _("Every rubric criterion needs a name and positive points."))
            continue
        clean_rubric.append({"criterion": name,
                             "points": int(points) if points == points.to_integral()
                             else float(points)})
    if not clean_rubric:
        fail("rubric", _("A short-answer or case question needs a rubric (criteria with "
                        "points)."))
    return clean_rubric


def question_content_clean(**kwargs: Any) -> tuple[QuestionContent | None, list[str]]:
    """Like ``question_content_check`` (same arguments) but with the messages only."""
    content, errors = question_content_check(**kwargs)
    return content, [message for _field, message in errors]


def _content_or_error(**kwargs: Any) -> QuestionContent:
    content, errors = question_content_clean(**kwargs)
    if errors:
        raise ApplicationError(" ".join(errors), extra={"errors": errors})
    assert content is not None
    return content


def _check_difficulty(difficulty: int) -> None:
    if not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
        raise ApplicationError(_("Difficulty is a whole number from 1 to 5."))


def _check_points(points: Decimal | int | str) -> Decimal:
    value = _decimal(points)
    if value is None or value <= 0 or value >= Decimal("10000"):
        raise ApplicationError(_("Points must be a positive number."))
    return value


def question_code_new() -> str:
    return f"q-{secrets.token_hex(4)}"


def question_create(
    *,
    type: str,
    stem: str,
    created_by: Any,
    options: list[dict[str, str]] | None = None,
    answer: Any = None,
    scoring: str | None = None,
    explanation: str = "",
    rubric: list[dict[str, Any]] | None = None,
    difficulty: int = 3,
    tags: Iterable[Tag] = (),
    default_points: Decimal | int | str = Decimal("1"),
    code: str | None = None,
    audit: bool = True,
    images: Iterable[ImageUpload] = (),
) -> Question:
    """Create a question and its first version (with ``images``, which its stem or
    explanation refers to). Raises ApplicationError on invalid content or an invalid image."""
    content = _content_or_error(type=type, stem=stem, options=options, answer=answer,
                                scoring=scoring, explanation=explanation, rubric=rubric)
    _check_difficulty(difficulty)
    points = _check_points(default_points)
    code = (code or "").strip() or question_code_new()
    with transaction.atomic():
        if Question.objects.filter(code=code).exists():
            raise ApplicationError(_("A question with code “%(code)s” exists already.")
                                   % {"code": code})
        question = Question.objects.create(code=code, type=type, difficulty=difficulty,
                                           default_points=points, created_by=created_by)
        version = QuestionVersion.objects.create(question=question, number=1,
                                                 created_by=created_by,
                                                 **content.as_version_fields())
        question.current_version = version
        question.save(update_fields=["current_version"])
        question.tags.set(list(tags))
        question_images_store(version=version, images=images)
        if audit:
            audit_record(action="exams.question_created", subject=question, actor=created_by,
                         after={"type": type, "version": 1})
    return question


def question_version_in_use(version: QuestionVersion) -> bool:
    """Whether any attempt has drawn this version (its text must then never change)."""
    return AttemptItem.objects.filter(question_version=version).exists()


def question_update(
    *,
    question: Question,
    actor: Any,
    stem: str | None = None,
    options: list[dict[str, str]] | None = None,
    answer: Any = None,
    scoring: str | None = None,
    explanation: str | None = None,
    rubric: list[dict[str, Any]] | None = None,
    difficulty: int | None = None,
    tags: Iterable[Tag] | None = None,
    default_points: Decimal | int | str | None = None,
) -> Question:
    """Edit a question. Content arguments left as None keep their current value.

    When the current version has been drawn into any attempt, changed content goes into a
    new version (``number + 1``) that becomes current; otherwise the current version is
    edited in place. Difficulty, tags and default points belong to the question itself.
    """
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        current = question.current_version
        assert current is not None
        proposed = {
            "stem": current.stem if stem is None else stem,
            "options": current.options if options is None else options,
            "answer": current.answer if answer is None else answer,
            "scoring": current.scoring if scoring is None else scoring,
            "explanation": current.explanation if explanation is None else explanation,
            "rubric": current.rubric if rubric is None else rubric,
        }
        content = _content_or_error(type=question.type, **proposed)
        fields = content.as_version_fields()
        changed = any(getattr(current, name) != value for name, value in fields.items())
        new_version = False
        version = current  # the question's current version once this edit is done
        if changed:
            if question_version_in_use(current):
                last = question.versions.order_by("-number").values_list("number",
                                                                          flat=True).first()
                version = QuestionVersion.objects.create(
                    question=question, number=(last or 0) + 1, created_by=actor, **fields
                )
                question_images_copy(source=current, target=version)
                question.current_version = version
                new_version = True
            else:
                for name, value in fields.items():
                    setattr(current, name, value)
                current.save(update_fields=list(fields))
        update_fields = ["current_version", "updated_at"]
        if difficulty is not None:
            _check_difficulty(difficulty)
            question.difficulty = difficulty
            update_fields.append("difficulty")
        if default_points is not None:
            question.default_points = _check_points(default_points)
            update_fields.append("default_points")
        question.save(update_fields=update_fields)
        if tags is not None:
            question.tags.set(list(tags))
        audit_record(action="exams.question_updated", subject=question, actor=actor,
                     after={"version": version.number,
                            "new_version": new_version, "content_changed": changed})
    return question


def question_archive(*, question: Question, actor: Any, active: bool = False) -> Question:
    """Archive a question (never drawn again; papers that list it keep it) or, with
    ``active=True``, bring it back."""
    with transaction.atomic():
        updated = Question.objects.filter(pk=question.pk).exclude(is_active=active).update(
            is_active=active
        )
        question.is_active = active
        if updated:
            audit_record(action="exams.question_archived" if not active
                         else "exams.question_restored", subject=question, actor=actor)
    return question
