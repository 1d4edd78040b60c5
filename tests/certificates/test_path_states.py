"""The path page and the readiness API say where a broker stands on each requirement: met, in
progress, awaiting grading, failed (a retake open or not) or not started; bars show 100 % only when met;
the overall bar is the share met; unpublished requirements are said plainly."""

from __future__ import annotations

import datetime
import itertools
import secrets
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.selectors.readiness import broker_readiness
from tests.certificates.conftest import course_of, earn
from tests.certificates.factories import requirement_set
from tests.exams.factories import SittingFactory
from tests.factories import BrokerFactory, level

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


def attempt(user, sitting, *, status, score=None, passed=None):
    from exams.models import Attempt

    now = timezone.now()
    released = status == Attempt.Status.RELEASED
    return Attempt.objects.create(
        sitting=sitting, user=user, number=next(_numbers), seed=1, started_at=now,
        deadline=now, submitted_at=now, status=status,
        score=None if score is None else Decimal(score), max_score=Decimal("100"),
        passed=passed, code=secrets.token_hex(6), released_at=now if released else None,
    )


@pytest.fixture
def world(enrolled, programme, cohort):
    """Five exam requirements (one per exam state: the failed one can be retaken, its sitting
    allowing two attempts; the closed one cannot, its only attempt used), hours in progress,
    practice not started, months met."""
    sittings = [SittingFactory(cohort=cohort, attempts_allowed=2 if n == 2 else 1)
                for n in range(5)]
    requirement_set(total_hours=Decimal("20"), exams={s.paper: None for s in sittings},
                    practice_records=1, months_at_previous_level=0)
    earn(enrolled, course_of(programme, "policy"), "5")
    from exams.models import Attempt

    passed, waiting, failed, _untaken, used_up = sittings
    attempt(enrolled, passed, status=Attempt.Status.RELEASED, score="80", passed=True)
    attempt(enrolled, waiting, status=Attempt.Status.SUBMITTED)
    attempt(enrolled, failed, status=Attempt.Status.RELEASED, score="40", passed=False)
    attempt(enrolled, used_up, status=Attempt.Status.RELEASED, score="30", passed=False)
    return enrolled, sittings


def test_each_requirement_has_its_state(world):
    broker, (passed, waiting, failed, untaken, used_up) = world
    states = {r.key: r.status for r in broker_readiness(broker).requirements}
    assert states == {
        "total_hours": "in_progress",
        f"exam:{passed.paper_id}": "met",
        f"exam:{waiting.paper_id}": "awaiting_grading",
        f"exam:{failed.paper_id}": "failed_can_retake",
        f"exam:{untaken.paper_id}": "not_started",
        f"exam:{used_up.paper_id}": "failed",
        "practice_records": "not_started",
        "months_at_level": "met",
    }


def test_no_unmet_requirement_shows_a_full_bar(world):
    broker, _sittings = world
    readiness = broker_readiness(broker)
    for r in readiness.requirements:
        assert (r.percent == 100) == r.met, r
    assert readiness.met_count == 2 and readiness.total_count == 8
    assert readiness.percent == 2 * 100 // 8


def test_the_page_shows_the_states_and_an_overall_bar_that_agrees_with_the_count(client, world):
    broker, (passed, waiting, failed, untaken, used_up) = world
    client.force_login(broker)
    body = client.get(reverse("certificates:my_path")).content.decode()
    assert f'data-key="exam:{waiting.paper_id}" data-met="false" data-state="awaiting_grading"' \
        in body
    assert f'data-key="exam:{failed.paper_id}" data-met="false" data-state="failed_can_retake"' \
        in body
    assert f'data-key="exam:{used_up.paper_id}" data-met="false" data-state="failed"' in body
    assert "Awaiting grading" in body and "Not passed: can retake" in body
    assert "Not passed: no retake open" in body and "the training office schedules" in body
    assert "Not started" in body and "In progress" in body
    assert "Submitted: awaiting grading." in body
    assert "2 of 8 requirements met" in body
    assert 'data-progress="25" data-testid="path-overall"' in body
    assert "share of requirements met (25 %)" in body
    assert body.count('data-progress="100"') == 2  # the two met requirements only


def test_the_api_carries_the_same_states_for_me_and_for_staff(client, world, admin_user,
                                                               mfa_enrolled):
    broker, _sittings = world
    expected = {r.key: r.status for r in broker_readiness(broker).requirements}
    client.force_login(broker)
    mine = client.get("/api/v1/me/readiness/").json()
    assert {r["key"]: r["state"] for r in mine["requirements"]} == expected
    assert all((r["percent"] == 100) == r["met"] for r in mine["requirements"])
    assert mine["percent"] == 25 and mine["requirements_published"] is True
    mfa_enrolled(admin_user)
    client.force_login(admin_user)
    theirs = client.get(f"/api/v1/brokers/{broker.pk}/readiness/").json()
    assert {r["key"]: r["state"] for r in theirs["requirements"]} == expected


def test_a_failed_exam_can_be_retaken_only_while_a_sitting_is_open_to_the_broker(world,
                                                                                cohort):
    broker, (_passed, _waiting, failed, _untaken, used_up) = world

    def state(sitting):
        return {r.key: r.status for r in broker_readiness(broker).requirements}[
            f"exam:{sitting.paper_id}"]

    failed.closes_at = failed.opens_at + datetime.timedelta(minutes=30)  # closed by now
    failed.save(update_fields=["closes_at"])
    assert state(failed) == "failed"
    retake = SittingFactory(paper=used_up.paper, cohort=None, brokers=[broker],
                            opens_at=timezone.now() + datetime.timedelta(days=7),
                            closes_at=timezone.now() + datetime.timedelta(days=8))
    assert state(used_up) == "failed_can_retake"  # scheduled, on its list
    retake.brokers.clear()
    assert state(used_up) == "failed"  # not a candidate
    SittingFactory(paper=failed.paper, cohort=cohort)  # open to the cohort the broker is in
    assert state(failed) == "failed_can_retake"


def test_the_set_based_form_gives_the_same_states_as_the_single_broker_form(world):
    from certificates.selectors.readiness import brokers_readiness

    broker, _sittings = world
    single = {r.key: r.status for r in broker_readiness(broker).requirements}
    assert {r.key: r.status for r in brokers_readiness([broker.pk])[broker.pk].requirements} \
        == single


def test_unpublished_requirements_are_said_plainly_on_the_path_home_and_api(client):
    broker = BrokerFactory(level=level("intermediate"))  # no set for senior is in force
    client.force_login(broker)
    path = client.get(reverse("certificates:my_path")).content.decode()
    assert 'data-testid="path-no-set"' in path and "have not been published yet" in path
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-next-unpublished"' in home
    assert "have not been published yet" in home
    api = client.get("/api/v1/me/readiness/").json()
    assert api["requirements_published"] is False and api["requirements"] == []
