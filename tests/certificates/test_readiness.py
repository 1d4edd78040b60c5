"""The readiness engine: every requirement kind, at its boundaries, and their combination."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.people.models import Level, PracticeRecord
from certificates.selectors import readiness as engine
from certificates.selectors.readiness import (
    AREA_HOURS,
    COURSE_HOURS,
    EXAM,
    MONTHS_AT_LEVEL,
    PRACTICE_AMOUNT,
    PRACTICE_INCOME,
    PRACTICE_RECORDS,
    TOTAL_HOURS,
    add_months,
    broker_readiness,
    brokers_readiness,
    months_between,
)
from tests.certificates.conftest import course_of, earn
from tests.certificates.factories import (
    PracticeRecordFactory,
    approved_record,
    requirement_set,
    submitted_record,
)
from tests.courses.factories import OfflineSessionFactory, attended
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def by_kind(readiness, kind: str, key: str | None = None):
    matches = [r for r in readiness.requirements
               if r.kind == kind and (key is None or r.key == key)]
    assert len(matches) == 1, readiness.requirements
    return matches[0]


def both(broker, **kwargs):
    """The single-broker answer, checked against the set-based one."""
    single = broker_readiness(broker, **kwargs)
    many = brokers_readiness([broker.pk], **kwargs)[broker.pk]
    assert many == single
    return single


# --- Class hours ------------------------------------------------------------------------------


def test_exactly_64_hours_in_total_is_met(enrolled, programme):
    requirement_set(total_hours=Decimal("64"))
    earn(enrolled, course_of(programme, "policy"), "60")
    earn(enrolled, course_of(programme, "practice"), "4")
    hours = by_kind(both(enrolled), TOTAL_HOURS)
    assert hours.met and hours.current == Decimal("64.00") and hours.required == 64
    assert hours.percent == 100
    assert hours.next_action_url == ""


def test_a_quarter_hour_short_of_64_is_not_met(enrolled, programme):
    requirement_set(total_hours=Decimal("64"))
    earn(enrolled, course_of(programme, "policy"), "63.75")
    hours = by_kind(both(enrolled), TOTAL_HOURS)
    assert not hours.met
    assert hours.percent == 99
    assert hours.detail == "63.75 of 64 class hours"
    assert hours.next_action_url == reverse("courses:my_programme")


def test_offline_attendance_counts_toward_hours(enrolled, cohort, programme):
    requirement_set(total_hours=Decimal("8"), areas={"practice": "4"})
    session = OfflineSessionFactory(cohort=cohort, course=course_of(programme, "practice"),
                                    class_hours=Decimal("4"))
    attended(enrolled, session)
    earn(enrolled, course_of(programme, "policy"), "4")
    answer = both(enrolled)
    assert by_kind(answer, TOTAL_HOURS).met
    assert by_kind(answer, AREA_HOURS, "area:practice").current == Decimal("4.00")


def test_area_hours_are_counted_per_area(enrolled, programme):
    requirement_set(areas={"policy": "12", "practice": "20"})
    earn(enrolled, course_of(programme, "policy"), "12")
    earn(enrolled, course_of(programme, "practice"), "18")
    answer = both(enrolled)
    policy = by_kind(answer, AREA_HOURS, "area:policy")
    practice = by_kind(answer, AREA_HOURS, "area:practice")
    assert policy.met and not practice.met
    assert practice.current == Decimal("18.00") and practice.required == Decimal("20")
    assert "Practical skills" in practice.label
    assert not answer.ready


def test_course_hours_are_counted_per_course_and_link_to_the_course(enrolled, programme):
    course = course_of(programme, "policy")
    requirement_set(courses={course: "6"})
    earn(enrolled, course, "4")
    row = by_kind(both(enrolled), COURSE_HOURS)
    assert row.key == f"course:{course.pk}" and not row.met
    assert row.next_action_url.endswith(f"/{course.pk}/")
    earn(enrolled, course, "2")
    assert by_kind(both(enrolled), COURSE_HOURS).met


# --- Exams ------------------------------------------------------------------------------------


def released(user, paper, *, percent: str, passed: bool):
    """A released attempt at ``paper`` scoring ``percent`` out of 100."""
    from exams.models import Attempt
    from tests.exams.factories import SittingFactory

    now = timezone.now()
    sitting = SittingFactory(paper=paper)
    return Attempt.objects.create(
        sitting=sitting, user=user, number=1, seed=1, started_at=now, deadline=now,
        submitted_at=now, status=Attempt.Status.RELEASED, score=Decimal(percent),
        max_score=Decimal("100"), passed=passed, code=secrets.token_hex(6), released_at=now,
    )


@pytest.fixture
def paper(db):
    from tests.exams.factories import PaperFactory

    return PaperFactory(title="中级综合")


def test_exam_passed_is_met_with_the_score(enrolled, paper):
    requirement_set(exams={paper: None})
    released(enrolled, paper, percent="82", passed=True)
    exam = by_kind(both(enrolled), EXAM)
    assert exam.met and exam.current == Decimal("82.00")
    assert "中级综合" in exam.label and "82" in exam.detail


def test_exam_not_taken_or_failed_is_not_met(enrolled, paper):
    requirement_set(exams={paper: None})
    exam = by_kind(both(enrolled), EXAM)
    assert not exam.met and exam.current is None
    released(enrolled, paper, percent="55", passed=False)
    exam = by_kind(both(enrolled), EXAM)
    assert not exam.met and exam.current == Decimal("55.00")


def test_exam_minimum_above_the_pass_mark_applies_at_the_boundary(enrolled, paper):
    requirement_set(exams={paper: "85"})
    released(enrolled, paper, percent="84.99", passed=True)
    assert not by_kind(both(enrolled), EXAM).met
    released(enrolled, paper, percent="85", passed=True)
    exam = by_kind(both(enrolled), EXAM)
    assert exam.met and exam.current == Decimal("85.00")


def test_exam_results_accept_objects_as_well_as_dicts(monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setattr(engine, "best_results", lambda ids: {
        ids[0]: {7: SimpleNamespace(percent=Decimal("70"), passed=True)},
    })
    assert engine.exam_results([5]) == {5: {7: engine.ExamResult(Decimal("70.00"), True)}}


# --- Practice records -------------------------------------------------------------------------


def test_only_approved_practice_records_count(enrolled):
    requirement_set(practice_records=2)
    approved_record(enrolled)
    submitted_record(enrolled)
    PracticeRecordFactory(broker=enrolled, status=PracticeRecord.Status.DRAFT)
    PracticeRecordFactory(broker=enrolled, status=PracticeRecord.Status.REJECTED,
                          reviewed_at=timezone.now(), review_comment="缺少登记证明")
    row = by_kind(both(enrolled), PRACTICE_RECORDS)
    assert not row.met and row.current == 1 and row.required == 2
    assert "1 of 2 approved" in row.detail and "1 awaiting review" in row.detail
    assert row.next_action_url.endswith("/people/practice/new/")
    approved_record(enrolled)
    assert by_kind(both(enrolled), PRACTICE_RECORDS).met


def test_contract_amount_and_technical_income_at_the_boundary(enrolled):
    requirement_set(practice_min_contract_amount=Decimal("1000000"),
                    practice_min_technical_income=Decimal("800000"))
    approved_record(enrolled, contract_amount=Decimal("600000"),
                    technical_income=Decimal("500000"))
    approved_record(enrolled, contract_amount=Decimal("400000"),
                    technical_income=Decimal("299999.99"))
    submitted_record(enrolled, contract_amount=Decimal("9000000"),
                     technical_income=Decimal("9000000"))
    answer = both(enrolled)
    amount = by_kind(answer, PRACTICE_AMOUNT)
    income = by_kind(answer, PRACTICE_INCOME)
    assert amount.met and amount.current == Decimal("1000000.00")
    assert not income.met and income.current == Decimal("799999.99")
    assert "¥799,999.99" in income.detail


# --- Months at the previous level -------------------------------------------------------------


@pytest.mark.parametrize(("since", "months", "met"), [
    (datetime.date(2024, 6, 1), 24, True),     # exactly 24 months
    (datetime.date(2024, 6, 2), 23, False),    # one day short: still 23
    (datetime.date(2024, 7, 1), 23, False),    # one month short
    (datetime.date(2026, 6, 2), 0, False),     # not even started (future date)
])
def test_months_at_the_previous_level_at_the_boundary(enrolled, since, months, met):
    requirement_set(months_at_previous_level=24)
    enrolled.broker_profile.level_since = since
    enrolled.broker_profile.save(update_fields=["level_since"])
    row = by_kind(both(enrolled, today=TODAY), MONTHS_AT_LEVEL)
    assert (row.current, row.met) == (months, met)
    assert "Junior technology broker" in row.label
    if not met:
        assert add_months(since, 24).isoformat() in row.detail


def test_unknown_date_of_reaching_the_level_is_not_met(enrolled):
    requirement_set(months_at_previous_level=24)
    enrolled.broker_profile.level_since = None
    enrolled.broker_profile.save(update_fields=["level_since"])
    row = by_kind(both(enrolled, today=TODAY), MONTHS_AT_LEVEL)
    assert not row.met and row.current is None and "administrator" in row.detail


@pytest.mark.parametrize(("start", "end", "months"), [
    ("2024-01-31", "2024-02-29", 1),   # to the last day of a shorter month
    ("2024-01-31", "2024-02-28", 0),
    ("2023-01-31", "2023-02-28", 1),
    ("2024-03-15", "2024-03-14", 0),
    ("2024-03-15", "2026-03-15", 24),
    ("2024-03-15", "2026-03-14", 23),
])
def test_months_between(start, end, months):
    start_date, end_date = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    assert months_between(start_date, end_date) == months
    if months:
        assert add_months(start_date, months) <= end_date


# --- Together -----------------------------------------------------------------------------------


def _full_set(paper, programme):
    return requirement_set(
        total_hours=Decimal("64"), areas={"policy": "20", "practice": "20"},
        courses={course_of(programme, "policy"): "20"}, exams={paper: None},
        practice_records=2, practice_min_technical_income=Decimal("100000"),
        months_at_previous_level=24,
    )


def test_every_requirement_met_makes_the_broker_ready(enrolled, programme, paper):
    _full_set(paper, programme)
    earn(enrolled, course_of(programme, "policy"), "32")
    earn(enrolled, course_of(programme, "practice"), "32")
    released(enrolled, paper, percent="82", passed=True)
    approved_record(enrolled)
    approved_record(enrolled)
    answer = both(enrolled, today=TODAY)
    assert [r.kind for r in answer.requirements] == [
        TOTAL_HOURS, AREA_HOURS, AREA_HOURS, COURSE_HOURS, EXAM, PRACTICE_RECORDS,
        PRACTICE_INCOME, MONTHS_AT_LEVEL]
    assert answer.ready and answer.met_count == answer.total_count == 8
    assert answer.level.code == "intermediate" and answer.current_level.code == "junior"


@pytest.mark.parametrize("missing", ["hours", "exam", "practice", "months"])
def test_one_requirement_short_keeps_the_broker_not_ready(enrolled, programme, paper, missing):
    _full_set(paper, programme)
    earn(enrolled, course_of(programme, "policy"), "32")
    earn(enrolled, course_of(programme, "practice"), "32" if missing != "hours" else "19.5")
    released(enrolled, paper, percent="82" if missing != "exam" else "59",
             passed=missing != "exam")
    approved_record(enrolled)
    if missing != "practice":
        approved_record(enrolled)
    today = TODAY if missing != "months" else datetime.date(2026, 5, 31)
    answer = both(enrolled, today=today)
    assert not answer.ready
    assert answer.met_count == answer.total_count - (2 if missing == "hours" else 1)


def test_a_set_that_requires_nothing_never_makes_anyone_ready(enrolled):
    requirement_set()
    answer = both(enrolled)
    assert answer.requirement_set is not None and answer.requirements == ()
    assert not answer.ready


def test_no_published_set_gives_no_requirements(enrolled):
    requirement_set(total_hours=Decimal("1"), effective_from=None)  # a draft
    answer = both(enrolled)
    assert answer.level.code == "intermediate"
    assert answer.requirement_set is None and not answer.ready


def test_the_highest_level_has_no_next_level():
    senior = BrokerFactory(level=Level.objects.get(code="senior"))
    answer = both(senior)
    assert answer.level is None and answer.requirements == () and not answer.ready


def test_a_user_without_broker_profile_gets_an_empty_answer(trainer):
    answer = both(trainer)
    assert answer.current_level is None and answer.level is None and not answer.ready


def test_an_intermediate_broker_works_toward_senior():
    broker = BrokerFactory(level=Level.objects.get(code="intermediate"))
    requirement_set(level=Level.objects.get(code="senior"), practice_records=5)
    answer = both(broker)
    assert answer.level.code == "senior"
    assert by_kind(answer, PRACTICE_RECORDS).required == 5
