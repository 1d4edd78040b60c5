"""Each dashboard figure against hand-computed values (the population in conftest.py), under
each filter; each drill-down lists exactly the brokers its number counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from talent import selectors
from talent.selectors import TalentFilters
from tests.factories import level

pytestmark = pytest.mark.django_db


def _counts(rows):
    return {r.key: r.count for r in rows if r.count}


def _names(qs):
    return sorted(p.user.full_name for p in qs)


def _funnel(filters):
    steps, _req = selectors.funnel(filters)
    return {s.key: s.count for s in steps}


def test_brokers_by_level_region_and_organisation(population):
    p = population
    f = TalentFilters()
    assert _counts(selectors.brokers_by_level(f)) == {"junior": 3, "intermediate": 2,
                                                      "senior": 1}
    assert _counts(selectors.brokers_by_region(f)) == {p.region_a.code: 3, p.region_b.code: 3}
    assert _counts(selectors.brokers_by_organisation(f)) == {str(p.o1.pk): 3, str(p.o2.pk): 2}


def test_counts_under_region_organisation_level_and_cohort_filters(population):
    p = population
    assert _counts(selectors.brokers_by_level(TalentFilters(region=p.region_a))) == {
        "junior": 2, "intermediate": 1}
    assert _counts(selectors.brokers_by_level(TalentFilters(organisation=p.o2))) == {
        "junior": 1, "intermediate": 1}
    assert _counts(selectors.brokers_by_region(TalentFilters(level=level("junior")))) == {
        p.region_a.code: 2, p.region_b.code: 1}
    assert _counts(selectors.brokers_by_level(TalentFilters(cohort=p.cohort))) == {
        "junior": 3, "intermediate": 1}


def test_a_deactivated_account_leaves_every_figure_and_list(population):
    p = population
    p.brokers["b1"].is_active = False
    p.brokers["b1"].save(update_fields=["is_active"])
    f = TalentFilters()
    assert _counts(selectors.brokers_by_level(f)) == {"junior": 2, "intermediate": 2,
                                                      "senior": 1}
    assert _counts(selectors.brokers_by_region(TalentFilters(organisation=p.o1))) == {
        p.region_a.code: 1, p.region_b.code: 1}
    assert _funnel(f) == {"enrolled": 3, "hours": 2, "exams_sat": 1, "exam": 1, "practice": 1,
                          "ready": 1, "certified": 1}
    assert selectors.dashboard(f)["total"] == 5
    assert "一号" not in _names(selectors.brokers_for(f))
    assert selectors.brokers_for(TalentFilters(region=p.region_a)).count() == 2


def test_funnel_counts_each_step_cumulatively(population):
    assert _funnel(TalentFilters()) == {"enrolled": 4, "hours": 3, "exams_sat": 2, "exam": 2,
                                        "practice": 2, "ready": 2, "certified": 1}
    steps, _req = selectors.funnel(TalentFilters())
    by_key = {s.key: s for s in steps}
    assert by_key["hours"].of_previous == 75
    assert by_key["exams_sat"].of_previous == 67
    assert by_key["exam"].of_previous == 100
    assert by_key["certified"].of_first == 25


def test_funnel_under_filters(population):
    p = population
    assert _funnel(TalentFilters(region=p.region_a)) == {
        "enrolled": 2, "hours": 2, "exams_sat": 1, "exam": 1, "practice": 1, "ready": 1,
        "certified": 0}
    assert _funnel(TalentFilters(region=p.region_b)) == {
        "enrolled": 2, "hours": 1, "exams_sat": 1, "exam": 1, "practice": 1, "ready": 1,
        "certified": 1}
    assert _funnel(TalentFilters(level=level("intermediate"))) == {
        "enrolled": 1, "hours": 1, "exams_sat": 1, "exam": 1, "practice": 1, "ready": 1,
        "certified": 1}
    assert _funnel(TalentFilters(organisation=p.o1)) == {
        "enrolled": 2, "hours": 1, "exams_sat": 1, "exam": 1, "practice": 1, "ready": 1,
        "certified": 0}
    # Enrolled today: a period in the past has nobody entering the funnel.
    assert _funnel(TalentFilters(date_to=datetime.date(2025, 1, 1)))["enrolled"] == 0
    today = timezone.localdate()
    assert _funnel(TalentFilters(date_from=today, date_to=today))["enrolled"] == 4


def test_funnel_drill_down_lists_the_brokers_counted(population):
    for filters in (TalentFilters(), TalentFilters(region=population.region_a)):
        steps, _req = selectors.funnel(filters)
        for step in steps:
            assert selectors.brokers_for(filters, step.drill).count() == step.count
    assert _names(selectors.brokers_for(TalentFilters(), {"step": "practice"})) == [
        "一号", "四号"]
    assert _names(selectors.brokers_for(TalentFilters(), {"step": "certified"})) == ["四号"]


def test_promotions_by_month_and_year(population):
    rows = selectors.promotions_by_month(TalentFilters())
    assert [(r.month.strftime("%Y-%m"), r.level_code, r.count) for r in rows] == [
        ("2024-11", "intermediate", 1), ("2025-05", "intermediate", 1), ("2025-05", "senior", 1)]
    assert selectors.promotions_by_year(rows) == [(2024, 1), (2025, 2)]
    in_2025 = selectors.promotions_by_month(TalentFilters(date_from=datetime.date(2025, 1, 1),
                                                          date_to=datetime.date(2025, 12, 31)))
    assert sum(r.count for r in in_2025) == 2
    region_b = selectors.promotions_by_month(TalentFilters(region=population.region_b))
    assert sum(r.count for r in region_b) == 2
    for row in rows:
        # The drill link carries the month and the level reached as the figure's own keys.
        assert row.drill == {"promoted": row.month.strftime("%Y-%m"),
                             "promoted_level": row.level_code}
        assert selectors.brokers_for(TalentFilters(), row.drill).count() == row.count


def test_exam_results_by_sitting(population):
    [row] = selectors.exam_results_by_sitting(TalentFilters())
    assert (row.attempts, row.brokers, row.passed_brokers, row.pass_rate) == (3, 3, 2, 67)
    assert row.avg_percent == Decimal("70.00")
    assert row.buckets == [0, 0, 0, 0, 1, 0, 0, 0, 1, 1]
    [a] = selectors.exam_results_by_sitting(TalentFilters(region=population.region_a))
    assert (a.brokers, a.passed_brokers, a.pass_rate, a.avg_percent) == (2, 1, 50,
                                                                         Decimal("60.00"))
    assert selectors.exam_results_by_sitting(
        TalentFilters(date_to=datetime.date(2025, 1, 1))) == []
    drill = {"sitting": str(row.sitting_id), "passed": "1"}
    assert _names(selectors.brokers_for(TalentFilters(), drill)) == ["一号", "四号"]
    assert selectors.brokers_for(TalentFilters(), {"sitting": str(row.sitting_id)}).count() == 3


def test_grading_turnaround_average_and_median(population):
    t = selectors.grading_turnaround(TalentFilters())
    assert (t.marks, t.average_hours, t.median_hours) == (3, Decimal("5.3"), Decimal("4.0"))
    t = selectors.grading_turnaround(TalentFilters(region=population.region_a))
    assert (t.marks, t.average_hours, t.median_hours) == (2, Decimal("3.0"), Decimal("3.0"))
    assert selectors.grading_turnaround(TalentFilters(level=level("senior"))).marks == 0


def test_practice_by_region_and_month(population):
    p = population
    rows, totals = selectors.practice_by_region_month(TalentFilters())
    assert [(r.month.strftime("%Y-%m"), r.region_code, r.records, r.amount, r.income)
            for r in rows] == [
        ("2025-03", p.region_a.code, 1, Decimal("500000.00"), Decimal("400000.00")),
        ("2025-04", p.region_b.code, 1, Decimal("300000.00"), Decimal("0")),
    ]
    assert totals["records"] == 2 and totals["brokers"] == 2
    assert totals["amount"] == Decimal("800000.00")
    assert totals["income"] == Decimal("400000.00")
    _rows, march = selectors.practice_by_region_month(
        TalentFilters(date_from=datetime.date(2025, 3, 1), date_to=datetime.date(2025, 3, 31)))
    assert march["records"] == 1
    for row in rows:
        assert _names(selectors.brokers_for(TalentFilters(region=None), row.drill)) == (
            ["一号"] if row.region_code == p.region_a.code else ["四号"])


def test_cohort_progress(population):
    rows = selectors.cohort_progress_summary(TalentFilters())
    [row] = rows
    assert (row.enrolled, row.completed, row.withdrawn, row.hours_met) == (4, 0, 0, 3)
    assert row.avg_hours == Decimal("8.50")
    assert row.percent == 75


def test_level_drill_down_matches_the_count(population):
    for row in selectors.brokers_by_level(TalentFilters()):
        filters = TalentFilters(level=level(row.key))
        assert selectors.brokers_for(filters).count() == row.count


def test_dashboard_without_any_data(db):
    figures = selectors.dashboard(TalentFilters())
    assert figures["total"] == 0
    assert [s.count for s in figures["funnel"]] == [0, 0, 0, 0, 0, 0, 0]
    assert figures["turnaround"].marks == 0


def test_a_sitting_whose_answers_await_grading_is_listed_with_its_count(population):
    from exams.models import Attempt
    from tests.exams.factories import SittingFactory

    sitting = SittingFactory(cohort=population.cohort, title="结业考试（待阅卷）")
    now = timezone.now()
    for key in ("b2", "b3"):
        Attempt.objects.create(
            sitting=sitting, user=population.brokers[key], number=1, seed=1, started_at=now,
            deadline=now, submitted_at=now, status=Attempt.Status.SUBMITTED,
            max_score=Decimal("100"), code=f"W{key}")
    rows = {r.sitting_id: r for r in selectors.exam_results_by_sitting(TalentFilters())}
    assert rows[sitting.pk].awaiting == 2 and rows[sitting.pk].attempts == 0
    assert rows[population.sitting.pk].awaiting == 0
