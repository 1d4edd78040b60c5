"""Invariants the database enforces: seeded tags, one attempt in progress, unique numbers."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import CourseArea
from exams.models import Answer, Attempt, Mark, Question, Tag
from tests.exams.factories import QuestionFactory, start, submit

pytestmark = pytest.mark.django_db


def test_a_tag_for_each_course_area_is_seeded():
    for area in CourseArea.objects.all():
        assert Tag.objects.filter(code=area.code, area=area, parent=None).exists()
    for name in ("知识产权", "技术合同", "技术评估", "商务谈判", "科技金融"):
        tag = Tag.objects.get(name=name)
        assert tag.parent is not None and tag.area == tag.parent.area


def test_question_factory_builds_each_type_with_a_current_version(questions):
    for qtype, question in questions.items():
        assert question.type == qtype
        assert question.current_version.number == 1


def test_difficulty_is_1_to_5_in_the_database():
    question = QuestionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(difficulty=6)


def _clone(attempt, **changes):
    fields = {"sitting": attempt.sitting, "user": attempt.user, "number": attempt.number,
              "seed": 1, "started_at": timezone.now(), "deadline": attempt.deadline,
              "code": "TEST-CODE", "status": Attempt.Status.IN_PROGRESS}
    fields.update(changes)
    return Attempt.objects.create(**fields)


def test_only_one_attempt_in_progress_per_broker_and_sitting(sitting, candidate):
    attempt = start(sitting, candidate)
    with pytest.raises(IntegrityError), transaction.atomic():
        _clone(attempt, number=2)


def test_attempt_numbers_are_unique(sitting, candidate):
    attempt = submit(start(sitting, candidate))
    with pytest.raises(IntegrityError), transaction.atomic():
        _clone(attempt, status=Attempt.Status.SUBMITTED, submitted_at=timezone.now())


def test_a_submitted_attempt_has_a_submission_time(sitting, candidate):
    attempt = start(sitting, candidate)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.SUBMITTED)


def test_one_answer_per_item(sitting, candidate):
    attempt = start(sitting, candidate)
    item = attempt.items.first()
    Answer.objects.create(attempt=attempt, item=item, value="A", saved_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(attempt=attempt, item=item, value="B", saved_at=timezone.now())


def test_one_mark_per_round_and_per_grader(sitting, candidate, grader):
    attempt = submit(start(sitting, candidate))
    answer = attempt.answers.first()
    now = timezone.now()
    Mark.objects.create(answer=answer, grader=grader, round=1, score=1, submitted_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Mark.objects.create(answer=answer, grader=grader, round=2, score=1, submitted_at=now)


def test_attempt_percent(sitting, candidate):
    attempt = start(sitting, candidate)
    assert attempt.percent is None
    attempt.score = 9
    assert attempt.percent == 75
    assert attempt.deadline - attempt.started_at == datetime.timedelta(minutes=60)
