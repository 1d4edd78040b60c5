import pytest

from tests.exams.factories import (
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    question_of_each_type,
    trainer_user,
)


@pytest.fixture
def questions(db):
    """One question of each type (single, multiple, truefalse, fillin, short, case)."""
    return question_of_each_type()


@pytest.fixture
def grader(db):
    return trainer_user()


@pytest.fixture
def sitting(db, questions, grader):
    """An open, fixed-paper sitting of every question type (2 points each) for a cohort
    whose trainer grades."""
    paper = fixed_paper(questions.values(), points=2)
    sitting = SittingFactory(paper=paper)
    sitting.cohort.trainers.add(grader)
    return sitting


@pytest.fixture
def candidate(sitting):
    return enrolled_broker(sitting)
