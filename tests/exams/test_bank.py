"""The question bank: creating, validating, versioning and archiving questions."""

import pytest

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from exams.models import AttemptItem, Question, QuestionType, QuestionVersion, Scoring
from exams.services.bank import (
    question_archive,
    question_content_check,
    question_create,
    question_update,
)
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    start,
    tag,
)

pytestmark = pytest.mark.django_db

OPTIONS = [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}, {"key": "C", "text": "丙"}]


def test_create_single_choice_with_first_version(trainer):
    question = question_create(type=QuestionType.SINGLE, stem="题干", options=OPTIONS,
                               answer="b", tags=[tag("ip")], difficulty=2, created_by=trainer)
    assert question.current_version.number == 1
    assert question.current_version.answer == "B"
    assert list(question.tags.all()) == [tag("ip")]
    assert question.code.startswith("q-")
    assert AuditEvent.objects.filter(action="exams.question_created").count() == 1


@pytest.mark.parametrize("kwargs,field", [
    ({"type": "single", "stem": "", "options": OPTIONS, "answer": "A"}, "stem"),
    ({"type": "single", "stem": "x", "options": OPTIONS[:1], "answer": "A"}, "options"),
    ({"type": "single", "stem": "x", "options": OPTIONS, "answer": "D"}, "answer"),
    ({"type": "single", "stem": "x", "options": OPTIONS, "answer": ["A", "B"]}, "answer"),
    ({"type": "single", "stem": "x", "options": OPTIONS + [{"key": "A", "text": "again"}],
      "answer": "A"}, "options"),
    ({"type": "multiple", "stem": "x", "options": OPTIONS, "answer": []}, "answer"),
    ({"type": "multiple", "stem": "x", "options": OPTIONS, "answer": ["A", "E"]}, "answer"),
    ({"type": "multiple", "stem": "x", "options": OPTIONS, "answer": ["A"],
      "scoring": "most"}, "scoring"),
    ({"type": "truefalse", "stem": "x", "answer": "yes"}, "answer"),
    ({"type": "fillin", "stem": "x", "answer": [["甲"], []]}, "answer"),
    ({"type": "fillin", "stem": "x", "answer": ["  "]}, "answer"),
    ({"type": "short", "stem": "x", "rubric": []}, "rubric"),
    ({"type": "case", "stem": "x", "rubric": [{"criterion": "a", "points": 0}]}, "rubric"),
    ({"type": "essay", "stem": "x"}, "type"),
])
def test_invalid_content_is_reported_by_field(kwargs, field):
    content, errors = question_content_check(**kwargs)
    assert content is None
    assert field in {f for f, _m in errors}


def test_create_refuses_invalid_content(trainer):
    with pytest.raises(ApplicationError) as error:
        question_create(type="single", stem="x", options=OPTIONS, answer="Z", created_by=trainer)
    assert error.value.extra["errors"]
    assert not Question.objects.exists()


def test_fillin_with_several_blanks_keeps_list_of_lists(trainer):
    question = question_create(type="fillin", stem="__和__", answer=[["甲", "A"], ["乙"]],
                               scoring=Scoring.PARTIAL, created_by=trainer)
    assert question.current_version.answer == [["甲", "A"], ["乙"]]


def test_duplicate_code_is_refused(trainer):
    QuestionFactory(code="tc-001")
    with pytest.raises(ApplicationError):
        question_create(type="truefalse", stem="x", answer=True, code="tc-001",
                        created_by=trainer)


def test_editing_an_unused_question_edits_the_current_version(trainer):
    question = QuestionFactory()
    question_update(question=question, actor=trainer, stem="新题干")
    question.refresh_from_db()
    assert question.versions.count() == 1
    assert question.current_version.stem == "新题干"


def test_editing_an_answered_question_creates_a_new_version(sitting, candidate, trainer):
    attempt = start(sitting, candidate)
    item = attempt.items.get(position=0)
    question = item.question_version.question
    old_version = item.question_version
    question_update(question=question, actor=trainer, stem="修改后的题干", answer="C")
    question.refresh_from_db()
    assert question.current_version.number == 2
    assert question.current_version.stem == "修改后的题干"
    # the attempt keeps the text it was shown
    item.refresh_from_db()
    assert item.question_version == old_version
    assert QuestionVersion.objects.get(pk=old_version.pk).stem == old_version.stem
    # a new attempt gets version 2
    other = start(sitting, enrolled_broker(sitting))
    assert other.items.get(position=0).question_version.number == 2


def test_unchanged_content_creates_no_version(sitting, candidate, trainer):
    start(sitting, candidate)
    question = AttemptItem.objects.first().question_version.question
    question_update(question=question, actor=trainer, difficulty=5, tags=[tag("negotiation")])
    question.refresh_from_db()
    assert question.versions.count() == 1
    assert question.difficulty == 5


def test_update_with_invalid_content_changes_nothing(trainer):
    question = QuestionFactory()
    with pytest.raises(ApplicationError):
        question_update(question=question, actor=trainer, answer="Z")
    question.refresh_from_db()
    assert question.current_version.answer == "B"


def test_archived_questions_are_not_drawn_but_fixed_papers_keep_them(trainer):
    question = QuestionFactory()
    question_archive(question=question, actor=trainer)
    question.refresh_from_db()
    assert not question.is_active
    sitting = SittingFactory(paper=fixed_paper([question]))
    assert start(sitting, enrolled_broker(sitting)).items.count() == 1
    question_archive(question=question, actor=trainer, active=True)
    question.refresh_from_db()
    assert question.is_active
    assert AuditEvent.objects.filter(action__startswith="exams.question_").count() == 2
