"""The set-based form of the readiness engine (SQL over a whole pool) gives the single-broker
engine's answer for every broker of any generated population (property-based): each group of
requirement kinds, ready or not, and every funnel step and its drill-down."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from academy.people.models import BrokerProfile, Level
from certificates.selectors.readiness import add_months, broker_readiness, months_between
from certificates.selectors.readiness_sets import (
    STEP_KEYS,
    brokers_readiness_flags,
    funnel_steps_reached,
    months_threshold,
)
from tests.certificates.test_properties import (
    NOW,
    TODAY,
    broker_strategy,
    build_population,
    set_strategy,
)

pytestmark = pytest.mark.django_db

# Extra results per broker: a raw score out of a maximum (rounding at the half hundredth),
# and whether an attempt is submitted and awaiting grading.
extra_strategy = st.fixed_dictionaries({
    "raw": st.one_of(st.none(), st.tuples(
        st.integers(min_value=0, max_value=64), st.sampled_from([32, 64, 100, 120]),
        st.booleans())),
    "awaiting": st.booleans(),
})


def _attempt(user, sitting, *, status, score=None, max_score=Decimal("100"), passed=None):
    from exams.models import Attempt

    released = status == Attempt.Status.RELEASED
    Attempt.objects.create(
        sitting=sitting, user=user, number=Attempt.objects.filter(user=user).count() + 1,
        seed=1, started_at=NOW, deadline=NOW, submitted_at=NOW, status=status,
        score=score, max_score=max_score, passed=passed, code=secrets.token_hex(6),
        released_at=NOW if released else None,
    )


def _add_results(ids, extras):
    from exams.models import Attempt, Sitting

    sitting = Sitting.objects.order_by("-pk").first()
    for user_id, extra in zip(ids, extras, strict=False):
        if extra["raw"] is not None:
            score, maximum, passed = extra["raw"]
            _attempt(BrokerProfile.objects.get(user_id=user_id).user, sitting,
                     status=Attempt.Status.RELEASED, score=Decimal(min(score, maximum)),
                     max_score=Decimal(maximum), passed=passed)
        if extra["awaiting"]:
            _attempt(BrokerProfile.objects.get(user_id=user_id).user, sitting,
                     status=Attempt.Status.SUBMITTED)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sets=st.lists(set_strategy, min_size=0, max_size=3),
       brokers=st.lists(broker_strategy, min_size=1, max_size=6),
       extras=st.lists(extra_strategy, min_size=6, max_size=6))
def test_the_sql_form_equals_the_single_broker_engine(db, sets, brokers, extras):
    with transaction.atomic():
        ids = build_population(sets, brokers)
        _add_results(ids, extras)
        flags = brokers_readiness_flags(now=NOW, today=TODAY)
        for pk in ids:
            single = broker_readiness(pk, today=TODAY, now=NOW)
            groups = single.groups()
            assert {k: flags[pk][k] for k in groups} == groups, (pk, single)
            assert flags[pk]["set_id"] == (single.requirement_set.pk
                                           if single.requirement_set else None)
        transaction.set_rollback(True)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sets=st.lists(set_strategy, min_size=0, max_size=3),
       brokers=st.lists(broker_strategy, min_size=1, max_size=6),
       extras=st.lists(extra_strategy, min_size=6, max_size=6))
def test_the_funnel_and_every_drill_down_equal_the_engine_broker_by_broker(
        db, sets, brokers, extras):
    from talent import selectors
    from talent.selectors import TalentFilters

    with transaction.atomic():
        ids = build_population(sets, brokers)
        _add_results(ids, extras)
        level = Level.objects.get(code="intermediate")
        from courses.models import Enrolment

        expected = {key: set() for key in STEP_KEYS}
        for pk in ids:
            profile = BrokerProfile.objects.select_related("level").get(user_id=pk)
            enrolled = Enrolment.objects.filter(
                user_id=pk, cohort__programme__to_level=level).exclude(
                status=Enrolment.Status.WITHDRAWN).exists()
            single = broker_readiness(pk, today=TODAY, now=NOW)
            for step in funnel_steps_reached(single, enrolled=enrolled,
                                             rank=profile.level.rank, level=level):
                expected[step].add(pk)
        filters = TalentFilters()
        steps, _req = selectors.funnel(filters, now=NOW)
        assert {s.key: s.count for s in steps} == {k: len(v) for k, v in expected.items()}
        for key in STEP_KEYS:
            drilled = set(selectors.brokers_for(filters, {"step": key}, now=NOW)
                          .values_list("user_id", flat=True))
            assert drilled == expected[key], key
        transaction.set_rollback(True)


@given(start=st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2027, 1, 1)),
       today=st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2028, 1, 1)),
       months=st.integers(min_value=1, max_value=40))
def test_the_months_threshold_is_the_months_rule(start, today, months):
    assert (start <= months_threshold(months, today)) == (months_between(start, today) >= months)
    assert add_months(months_threshold(months, today), months) <= today
