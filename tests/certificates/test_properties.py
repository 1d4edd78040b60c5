"""The set-based engine gives the single-broker answer, for any population (property-based);
and it costs the same number of queries for 5 brokers as for 40."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from academy.people.models import Level, PracticeRecord
from certificates.models import BrokerRequirementSet
from certificates.selectors.readiness import broker_readiness, brokers_readiness
from tests.certificates.conftest import earn
from tests.certificates.factories import PracticeRecordFactory, requirement_set
from tests.courses.factories import (
    CohortFactory,
    CourseFactory,
    EnrolmentFactory,
    OfflineSessionFactory,
    ProgrammeCourseFactory,
    ProgrammeFactory,
    area,
    attended,
)
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
TODAY = timezone.localdate(NOW)

hours = st.decimals(min_value=Decimal("0"), max_value=Decimal("40"), places=2)
money = st.decimals(min_value=Decimal("0"), max_value=Decimal("2000000"), places=2)
maybe_days_ago = st.one_of(st.none(), st.integers(min_value=0, max_value=800))

set_strategy = st.fixed_dictionaries({
    "days_ago": maybe_days_ago,  # None: a draft
    "total_hours": st.one_of(st.none(), hours),
    "policy": st.one_of(st.none(), hours),
    "course": st.one_of(st.none(), hours),
    "exam_min": st.one_of(st.none(), st.just("none"), st.decimals(
        min_value=Decimal("50"), max_value=Decimal("100"), places=2)),
    "practice_records": st.integers(min_value=0, max_value=3),
    "amount": st.one_of(st.none(), money),
    "income": st.one_of(st.none(), money),
    "months": st.one_of(st.none(), st.integers(min_value=0, max_value=36)),
})

broker_strategy = st.fixed_dictionaries({
    "level": st.sampled_from(["junior", "junior", "junior", "intermediate", "senior"]),
    "since_days_ago": maybe_days_ago,
    "policy_hours": st.lists(hours, max_size=2),
    "practice_hours": st.lists(hours, max_size=2),
    "offline": st.booleans(),
    "enrolled_days_ago": st.lists(st.integers(min_value=0, max_value=800), max_size=2),
    "assigned": st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
    "records": st.lists(st.tuples(st.sampled_from(PracticeRecord.Status.values), money, money),
                        max_size=3),
    "exam": st.one_of(st.none(), st.tuples(
        st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
        st.booleans())),
})


def _released(user, sitting, percent: Decimal, passed: bool):
    from exams.models import Attempt

    Attempt.objects.create(
        sitting=sitting, user=user, number=1, seed=1, started_at=NOW, deadline=NOW,
        submitted_at=NOW, status=Attempt.Status.RELEASED, score=percent,
        max_score=Decimal("100"), passed=passed, code=secrets.token_hex(6), released_at=NOW,
    )


def build_population(sets: list[dict], brokers: list[dict]) -> list[int]:
    """Create the generated world; return the user ids (plus one id that is no broker)."""
    from tests.exams.factories import SittingFactory

    programme = ProgrammeFactory()
    policy = CourseFactory(area=area("policy"))
    practice = CourseFactory(area=area("practice"))
    for order, course in enumerate((policy, practice)):
        ProgrammeCourseFactory(programme=programme, course=course, order=order)
    cohort = CohortFactory(programme=programme)
    session = OfflineSessionFactory(cohort=cohort, course=practice, class_hours=Decimal("3.5"))
    sitting = SittingFactory(cohort=cohort)
    intermediate = Level.objects.get(code="intermediate")

    from django.db.models import Max

    from certificates.models import RequirementSet

    base = RequirementSet.objects.aggregate(top=Max("version"))["top"] or 0
    made_sets = []
    for version, spec in enumerate(sets, start=base + 1):
        made_sets.append(requirement_set(
            level=intermediate, version=version,
            effective_from=(None if spec["days_ago"] is None
                            else NOW - datetime.timedelta(days=spec["days_ago"])),
            total_hours=spec["total_hours"],
            areas={"policy": spec["policy"]} if spec["policy"] is not None else {},
            courses={practice: spec["course"]} if spec["course"] is not None else {},
            exams=({} if spec["exam_min"] is None
                   else {sitting.paper: None if spec["exam_min"] == "none" else spec["exam_min"]}),
            practice_records=spec["practice_records"],
            practice_min_contract_amount=spec["amount"],
            practice_min_technical_income=spec["income"],
            months_at_previous_level=spec["months"],
        ))
    requirement_set(level=Level.objects.get(code="senior"), version=base + 1, practice_records=1)

    ids = []
    for spec in brokers:
        user = BrokerFactory(
            level=Level.objects.get(code=spec["level"]),
            level_since=(None if spec["since_days_ago"] is None
                         else TODAY - datetime.timedelta(days=spec["since_days_ago"])),
        )
        ids.append(user.pk)
        for value in spec["policy_hours"]:
            earn(user, policy, value)
        for value in spec["practice_hours"]:
            earn(user, practice, value)
        if spec["offline"]:
            attended(user, session)
        for days in spec["enrolled_days_ago"]:
            EnrolmentFactory(user=user, cohort=CohortFactory(programme=programme),
                             enrolled_at=NOW - datetime.timedelta(days=days))
        if spec["assigned"] is not None and spec["assigned"] < len(made_sets) \
                and made_sets[spec["assigned"]].effective_from is not None:
            BrokerRequirementSet.objects.create(
                broker=user, level=intermediate, requirement_set=made_sets[spec["assigned"]]
            )
        for status, amount, income in spec["records"]:
            reviewed = status in (PracticeRecord.Status.APPROVED, PracticeRecord.Status.REJECTED)
            PracticeRecordFactory(broker=user, status=status, contract_amount=amount,
                                  technical_income=min(income, amount),
                                  reviewed_at=NOW if reviewed else None)
        if spec["exam"] is not None:
            _released(user, sitting, *spec["exam"])
    return ids


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sets=st.lists(set_strategy, min_size=0, max_size=3),
       brokers=st.lists(broker_strategy, min_size=1, max_size=6))
def test_the_set_based_answer_equals_the_single_broker_answer(db, sets, brokers):
    with transaction.atomic():
        ids = build_population(sets, brokers)
        ids.append(max(ids) + 10_000)  # an id without a broker profile
        together = brokers_readiness(ids, today=TODAY, now=NOW)
        assert set(together) == set(ids)
        for pk in ids:
            assert together[pk] == broker_readiness(pk, today=TODAY, now=NOW), pk
        transaction.set_rollback(True)


def _population(size: int) -> list[int]:
    spec = {"level": "junior", "since_days_ago": 400, "policy_hours": [Decimal("3")],
            "practice_hours": [Decimal("2")], "offline": True, "enrolled_days_ago": [30],
            "assigned": 0, "records": [("approved", Decimal("10"), Decimal("5")),
                                       ("submitted", Decimal("1"), Decimal("1"))],
            "exam": (Decimal("70"), True)}
    sets = [{"days_ago": 100, "total_hours": Decimal("8.5"), "policy": Decimal("2"),
             "course": Decimal("1"), "exam_min": "none", "practice_records": 1,
             "amount": Decimal("5"), "income": Decimal("5"), "months": 12},
            {"days_ago": 10, "total_hours": Decimal("20"), "policy": None, "course": None,
             "exam_min": None, "practice_records": 2, "amount": None, "income": None,
             "months": None}]
    return build_population(sets, [spec] * size)


def _queries(ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as captured:
        answers = brokers_readiness(ids, today=TODAY, now=NOW)
    assert len(answers) == len(ids) and all(a.ready for a in answers.values())
    return len(captured)


def test_the_set_based_answer_costs_the_same_queries_for_5_and_40_brokers(db):
    small = _queries(_population(5))
    large = _queries(_population(40))
    assert small == large <= 16


def test_evaluating_and_recording_is_bounded_too(db):
    from certificates.services import readiness_evaluate

    def count(ids):
        with CaptureQueriesContext(connection) as captured:
            readiness_evaluate(broker_ids=ids, now=NOW)
        return len(captured)

    small_ids, large_ids = _population(5), _population(40)
    count(small_ids), count(large_ids)  # first runs create the state rows
    assert count(small_ids) == count(large_ids)
