"""Papers and sittings: fixed papers, rule-drawn papers, reproducible draws, shuffling."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from academy.errors import ApplicationError
from exams.models import Paper, Question, QuestionType
from exams.services.papers import (
    paper_check,
    paper_create,
    paper_draw,
    paper_items_set,
    paper_max_score,
    paper_rules_set,
    sitting_create,
    sitting_update,
)
from tests.courses.factories import CohortFactory
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    rules_paper,
    start,
    tag,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(db):
    """12 contract questions (difficulty 1-3), 6 IP questions, 3 finance questions."""
    return {
        "contract": [QuestionFactory(tags=["tech-contract"], difficulty=1 + n % 3)
                     for n in range(12)],
        "ip": [QuestionFactory(type=QuestionType.TRUEFALSE, tags=["ip"]) for _ in range(6)],
        "finance": [QuestionFactory(tags=["tech-finance"]) for _ in range(3)],
    }


def window():
    now = timezone.now()
    return {"opens_at": now - datetime.timedelta(hours=1),
            "closes_at": now + datetime.timedelta(hours=3)}


def ids(drawn):
    return [d.question_id for d in drawn]


def test_same_seed_draws_the_same_questions(bank):
    paper = rules_paper([{"tag": "tech-contract", "count": 5},
                         {"tag": "ip", "count": 3, "points_each": 1}])
    first = paper_draw(paper=paper, seed=42)
    assert ids(first) == ids(paper_draw(paper=paper, seed=42))
    assert len(set(ids(first))) == 8
    assert [d.points for d in first] == [Decimal("2")] * 5 + [Decimal("1")] * 3
    draws = {tuple(ids(paper_draw(paper=paper, seed=seed))) for seed in range(20)}
    assert len(draws) > 1  # different seeds, different papers


def test_each_attempt_draws_its_own_paper_reproducibly_from_its_seed(bank):
    paper = rules_paper([{"tag": "tech-contract", "count": 4}])
    sitting = SittingFactory(paper=paper)
    attempts = [start(sitting, enrolled_broker(sitting)) for _ in range(6)]
    stored = [list(a.items.order_by("position").values_list(
        "question_version__question_id", flat=True)) for a in attempts]
    for attempt, questions in zip(attempts, stored, strict=True):
        assert ids(paper_draw(paper=paper, seed=attempt.seed)) == questions
    assert len({tuple(q) for q in stored}) > 1


def test_parent_tag_rule_draws_from_child_tags(bank):
    paper = rules_paper([{"tag": "advanced", "count": 3}])  # tech-finance is a child
    assert set(ids(paper_draw(paper=paper, seed=1))) == {q.pk for q in bank["finance"]}


def test_rule_with_difficulty_only_draws_that_difficulty(bank):
    paper = rules_paper([{"tag": "tech-contract", "count": 4, "difficulty": 2}])
    drawn = paper_draw(paper=paper, seed=3)
    difficulties = Question.objects.filter(pk__in=ids(drawn)).values_list("difficulty", flat=True)
    assert set(difficulties) == {2}


def test_archived_questions_are_never_drawn(bank, trainer):
    from exams.services.bank import question_archive

    for question in bank["finance"][:2]:
        question_archive(question=question, actor=trainer)
    paper = rules_paper([{"tag": "tech-finance", "count": 1}])
    assert ids(paper_draw(paper=paper, seed=9)) == [bank["finance"][2].pk]


def test_sitting_creation_refuses_rules_the_bank_cannot_satisfy(bank, trainer):
    paper = rules_paper([{"tag": "tech-finance", "count": 4}])
    with pytest.raises(ApplicationError) as error:
        sitting_create(paper=paper, title="期末考试", duration_minutes=60, created_by=trainer,
                       cohort=CohortFactory(), **window())
    assert "4" in str(error.value) and "3" in str(error.value)


def test_overlapping_rules_are_checked_pessimistically(bank):
    # rule 1 (any contract question) may take all 4 difficulty-1 questions rule 2 needs
    paper = rules_paper([{"tag": "tech-contract", "count": 10},
                         {"tag": "tech-contract", "difficulty": 1, "count": 2}])
    with pytest.raises(ApplicationError):
        paper_check(paper=paper)
    ok = rules_paper([{"tag": "tech-contract", "difficulty": 1, "count": 2},
                      {"tag": "tech-contract", "count": 10}])
    paper_check(paper=ok)
    for seed in range(10):
        assert len(set(ids(paper_draw(paper=ok, seed=seed)))) == 12


def test_fixed_paper_keeps_order_and_points_unless_shuffled(bank, trainer):
    questions = bank["contract"][:5]
    paper = paper_create(title="固定试卷", created_by=trainer)
    paper_items_set(paper=paper, items=[(q, 3) for q in questions])
    assert paper_max_score(paper=paper) == 15
    assert ids(paper_draw(paper=paper, seed=1)) == [q.pk for q in questions]
    paper.shuffle_questions = True
    paper.save()
    orders = {tuple(ids(paper_draw(paper=paper, seed=s))) for s in range(10)}
    assert len(orders) > 1
    assert all(set(o) == {q.pk for q in questions} for o in orders)


def test_options_are_shuffled_per_attempt_when_set(bank):
    paper = fixed_paper(bank["contract"][:1], shuffle_options=True)
    orders = {tuple(paper_draw(paper=paper, seed=s)[0].option_order) for s in range(20)}
    assert len(orders) > 1
    assert all(sorted(o) == ["A", "B", "C", "D"] for o in orders)
    plain = fixed_paper(bank["contract"][:1])
    assert paper_draw(paper=plain, seed=5)[0].option_order == ["A", "B", "C", "D"]


def test_paper_of_a_started_sitting_cannot_change(bank):
    paper = fixed_paper(bank["contract"][:2])
    sitting = SittingFactory(paper=paper)
    start(sitting, enrolled_broker(sitting))
    with pytest.raises(ApplicationError):
        paper_items_set(paper=paper, items=[(bank["contract"][3], 1)])


def test_items_and_rules_belong_to_the_right_kind(bank, trainer):
    fixed = paper_create(title="a", created_by=trainer)
    with pytest.raises(ApplicationError):
        paper_rules_set(paper=fixed, rules=[{"tag": tag(), "count": 1, "points_each": 1}])
    rules = paper_create(title="b", kind=Paper.Kind.RULES, created_by=trainer)
    with pytest.raises(ApplicationError):
        paper_items_set(paper=rules, items=[(bank["ip"][0], 1)])
    paper_rules_set(paper=rules, rules=[{"tag": tag("ip"), "count": 2, "points_each": 5}])
    assert paper_max_score(paper=rules) == 10


@pytest.mark.parametrize("change", [
    {"closes_at": timezone.now() - datetime.timedelta(days=400)},
    {"pass_mark": 101},
    {"duration_minutes": 0},
    {"attempts_allowed": 0},
])
def test_sitting_settings_are_checked(bank, trainer, change):
    paper = fixed_paper(bank["contract"][:2])
    fields = {"paper": paper, "title": "考试", "duration_minutes": 60, "created_by": trainer,
              "cohort": CohortFactory(), **window()}
    fields.update(change)
    with pytest.raises(ApplicationError):
        sitting_create(**fields)


def test_sitting_needs_a_cohort_or_brokers(bank, trainer):
    with pytest.raises(ApplicationError):
        sitting_create(paper=fixed_paper(bank["ip"][:1]), title="考试", duration_minutes=30,
                       created_by=trainer, **window())


def test_sitting_graders_must_be_trainers(bank, trainer, broker):
    with pytest.raises(ApplicationError):
        sitting_create(paper=fixed_paper(bank["ip"][:1]), title="考试", duration_minutes=30,
                       created_by=trainer, cohort=CohortFactory(), graders=[broker], **window())


def test_sitting_update_keeps_the_paper_once_started(bank, trainer):
    sitting = SittingFactory(paper=fixed_paper(bank["ip"][:2]))
    start(sitting, enrolled_broker(sitting))
    with pytest.raises(ApplicationError):
        sitting_update(sitting=sitting, actor=trainer, paper=fixed_paper(bank["ip"][2:4]))
    sitting_update(sitting=sitting, actor=trainer, title="改名")
    sitting.refresh_from_db()
    assert sitting.title == "改名"
