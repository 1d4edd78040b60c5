"""The dashboard's monthly charts have every month on their axis, in order: a month without
promotions or practice records is a zero, never skipped."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from talent import charts


def url(drill: dict[str, str]) -> str:
    return "/talent/brokers/?" + "&".join(f"{k}={v}" for k, v in sorted(drill.items()))


def promotion(month: datetime.date, level: str, count: int) -> SimpleNamespace:
    return SimpleNamespace(month=month, level_code=level, level_label=level.title(),
                           count=count, drill={"level": level, "month": f"{month:%Y-%m}"})


def test_months_without_promotions_are_zeros_between_the_first_and_the_last():
    rows = [promotion(datetime.date(2026, 2, 1), "intermediate", 3),  # not in order
            promotion(datetime.date(2025, 11, 1), "intermediate", 2),
            promotion(datetime.date(2025, 11, 1), "senior", 1)]
    chart = charts.promotions(rows, url=url)
    assert chart["categories"] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    by_name = {s["name"]: s for s in chart["series"]}
    assert by_name["Intermediate"]["values"] == [2, 0, 0, 3]
    assert by_name["Senior"]["values"] == [1, 0, 0, 0]
    assert by_name["Intermediate"]["urls"][1:3] == ["", ""]  # nothing to drill into
    assert by_name["Intermediate"]["urls"][3] == url({"level": "intermediate",
                                                      "month": "2026-02"})


def test_practice_months_run_on_across_a_year_and_from_any_day_of_a_month():
    rows = [SimpleNamespace(month=datetime.date(2024, 12, 17), region_code="411202",
                            region_label="湖滨区", records=2, drill={"region": "411202"}),
            SimpleNamespace(month=datetime.date(2025, 3, 1), region_code="411221",
                            region_label="渑池县", records=1, drill={"region": "411221"})]
    chart = charts.practice(rows, url=url)
    assert chart["categories"] == ["2024-12", "2025-01", "2025-02", "2025-03"]
    assert [s["values"] for s in chart["series"]] == [[2, 0, 0, 0], [0, 0, 0, 1]]


def test_one_month_and_no_month():
    only = charts.promotions([promotion(datetime.date(2026, 12, 1), "intermediate", 4)],
                             url=url)
    assert only["categories"] == ["2026-12"]
    assert charts.promotions([], url=url) == {} and charts.practice([], url=url) == {}
