"""A certifying sitting leaves every candidate a full paper: since a certifying draw never
gives a broker a question whose key they have seen, creating the sitting (or changing its
paper, cohort or brokers) is refused when a candidate has too few unseen questions left, with
how many brokers and how short the worst one is, in which rule. Set-based: the check's queries
do not grow with the number of brokers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from academy.errors import ApplicationError
from exams.models import QuestionExposure, QuestionType, Sitting
from exams.services.exposure import sitting_draw_shortfall
from exams.services.papers import sitting_create, sitting_update
from tests.courses.factories import CohortFactory, enrol
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    rules_paper,
    sat,
    trainer_user,
)
from tests.exams.test_pages_staff import _sitting_post
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contracts(db):
    """Ten single-choice questions on technology contracts."""
    return [QuestionFactory(type=QuestionType.SINGLE, tags=["tech-contract"])
            for _ in range(10)]


@pytest.fixture
def finance(db):
    """Six single-choice questions on technology finance."""
    return [QuestionFactory(type=QuestionType.SINGLE, tags=["tech-finance"]) for _ in range(6)]


def _seen(user, questions):
    QuestionExposure.objects.bulk_create([
        QuestionExposure(user=user, question=q, exposed_at=timezone.now()) for q in questions])


def _two_rules(contract_count=6, finance_count=4):
    return rules_paper([
        {"tag": "tech-contract", "count": contract_count, "type": QuestionType.SINGLE},
        {"tag": "tech-finance", "count": finance_count, "type": QuestionType.SINGLE},
    ])


def _create(paper, *, cohort=None, brokers=(), purpose=Sitting.Purpose.CERTIFYING):
    now = timezone.now()
    return sitting_create(paper=paper, title="结业考试", cohort=cohort, brokers=brokers,
                          created_by=trainer_user(), opens_at=now,
                          closes_at=now + datetime.timedelta(days=1), duration_minutes=60,
                          purpose=purpose)


@pytest.mark.usefixtures("english")
def test_refused_with_how_many_brokers_and_the_worst_shortfall_by_rule(contracts, finance):
    cohort = CohortFactory()
    brokers = [BrokerFactory() for _ in range(4)]
    for broker in brokers:
        enrol(broker, cohort)
    _seen(brokers[0], finance[:3])  # 3 of 6 left for a rule drawing 4: one short
    _seen(brokers[1], finance[:4])  # 2 left: two short
    _seen(brokers[2], contracts[:4])  # 6 of 10 left for a rule drawing 6: enough
    with pytest.raises(ApplicationError) as refused:
        _create(_two_rules(), cohort=cohort)
    message = str(refused.value.message)
    assert message.startswith("2 brokers could not draw a full paper")
    assert "The worst is 2 questions short in rule 2 (" in message
    assert refused.value.extra == {"code": "draw_short", "brokers": 2, "short": 2, "rule": 2,
                                   "users": sorted([brokers[0].pk, brokers[1].pk])}
    assert not Sitting.objects.filter(title="结业考试").exists()


def test_enough_unseen_questions_for_everyone_is_accepted(contracts, finance):
    cohort = CohortFactory()
    for n in range(3):
        broker = BrokerFactory()
        enrol(broker, cohort)
        _seen(broker, contracts[n:n + 4] + finance[:2])
    assert _create(_two_rules(), cohort=cohort).pk


def test_only_certifying_sittings_are_held_to_it(contracts, finance):
    broker = BrokerFactory()
    _seen(broker, finance)
    assert _create(_two_rules(), brokers=[broker], purpose=Sitting.Purpose.MOCK).pk


def test_overlapping_rules_count_as_the_draw_does(contracts):
    """Rule 1 (any difficulty) may take rule 2's questions (difficulty 3) first: the check is
    as pessimistic as ``paper_check``, broker by broker."""
    broker = BrokerFactory()
    paper = rules_paper([
        {"tag": "tech-contract", "count": 2},
        {"tag": "tech-contract", "count": 5, "difficulty": 3},
    ])
    _seen(broker, contracts[:3])  # 7 unseen; rule 1 may take 2 of them: 5 left for rule 2
    assert _create(paper, brokers=[broker]).pk
    other = BrokerFactory()
    _seen(other, contracts[:4])  # 6 unseen; after rule 1's 2: 4 left for 5
    with pytest.raises(ApplicationError) as refused:
        _create(paper, brokers=[other])
    assert (refused.value.extra["short"], refused.value.extra["rule"]) == (1, 2)


@pytest.mark.usefixtures("english")
def test_a_fixed_paper_is_refused_to_a_broker_who_saw_some_of_its_keys(contracts):
    practice = SittingFactory(paper=fixed_paper(contracts[:3]), purpose=Sitting.Purpose.PRACTICE,
                              release_policy=Sitting.ReleasePolicy.IMMEDIATE, show_answers=True,
                              closes_at=timezone.now() + datetime.timedelta(minutes=5))
    broker = enrolled_broker(practice)
    sat(practice, broker, ["A"] * 3)  # a released practice result shows three keys
    practice.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    practice.save(update_fields=["closes_at"])
    with pytest.raises(ApplicationError) as refused:
        _create(fixed_paper(contracts[1:7]), cohort=practice.cohort)
    message = str(refused.value.message)
    assert message.startswith("1 broker could not draw a full paper")
    assert "The worst has seen the keys of 2 of the paper's 6 questions." in message
    assert _create(fixed_paper(contracts[3:9]), cohort=practice.cohort).pk


@pytest.mark.usefixtures("english")
def test_changing_who_may_sit_is_checked_but_other_changes_are_not(contracts, finance):
    fresh, seen = BrokerFactory(), BrokerFactory()
    sitting = _create(_two_rules(), brokers=[fresh])
    _seen(fresh, finance[:4])  # keys seen after the sitting was created
    actor = trainer_user()
    sitting_update(sitting=sitting, actor=actor, title="结业考试（改期）")  # left alone
    with pytest.raises(ApplicationError, match="could not draw a full paper"):
        sitting_update(sitting=sitting, actor=actor, brokers=[fresh, seen])
    other_cohort = CohortFactory()
    enrol(seen, other_cohort)
    _seen(seen, contracts[:5])
    with pytest.raises(ApplicationError, match="rule 1"):
        sitting_update(sitting=sitting, actor=actor, brokers=[], cohort=other_cohort)
    sitting.refresh_from_db()
    assert sitting.cohort is None and list(sitting.brokers.all()) == [fresh]


@pytest.mark.usefixtures("english")
def test_the_trainers_form_shows_the_refusal_inline(client, mfa_enrolled, contracts, finance):
    trainer = trainer_user()
    mfa_enrolled(trainer)
    client.force_login(trainer)
    cohort = CohortFactory(trainers=[trainer])
    broker = BrokerFactory()
    enrol(broker, cohort)
    _seen(broker, finance[:5])
    paper = _two_rules()
    response = client.post(reverse("exams:sitting_create"),
                           _sitting_post(paper, cohort=cohort.pk, purpose="certifying"))
    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("1 broker could not draw a full paper")
    assert "The worst is 3 questions short in rule 2" in error
    assert "could not draw a full paper" in response.content.decode()
    assert not Sitting.objects.filter(paper=paper).exists()
    lighter = _two_rules(finance_count=1)
    response = client.post(reverse("exams:sitting_create"),
                           _sitting_post(lighter, cohort=cohort.pk, purpose="certifying"))
    assert response.status_code == 302 and Sitting.objects.filter(paper=lighter).exists()


@pytest.mark.parametrize("kind", ["rules", "fixed"])
def test_the_checks_queries_do_not_grow_with_the_brokers(contracts, finance, kind):
    def paper():
        return _two_rules() if kind == "rules" else fixed_paper(contracts[:4] + finance[:2])

    def queries(brokers: int) -> int:
        cohort = CohortFactory()
        for n in range(brokers):
            broker = BrokerFactory()
            enrol(broker, cohort)
            _seen(broker, [contracts[n % 10], finance[n % 6]])
        sitting = SittingFactory(paper=paper(), cohort=cohort,
                                 purpose=Sitting.Purpose.CERTIFYING)
        with CaptureQueriesContext(connection) as captured:
            shortfall = sitting_draw_shortfall(sitting)
        assert (shortfall is None) == (kind == "rules")
        return len(captured)

    assert queries(2) == queries(25)
