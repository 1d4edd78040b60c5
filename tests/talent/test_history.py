"""Promotions over time and a dossier's level history, from the profiles' level dates and the
``people.level_changed`` events (the population of conftest.py, plus recorded promotions).

b6 (senior since 2025-05-20 by the profile) was promoted junior → intermediate by the system
on 2024-09-15 (an event), then intermediate → senior on 2025-05-20 (an event matching the
profile). b4 (intermediate since 2025-05-10) has an event for that promotion too. So, by
hand: 2024-09 intermediate 1 (b6's superseded step), 2024-11 intermediate 1 (b5, imported),
2025-05 intermediate 1 (b4), 2025-05 senior 1 (b6); years 2024: 2, 2025: 2.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from academy.audit.services import audit_record
from talent import selectors
from talent.selectors import TalentFilters, level_history
from tests.factories import level

pytestmark = pytest.mark.django_db


def _promote(broker, on: datetime.date, before: str, after: str, serial: str = "") -> None:
    moment = datetime.datetime.combine(on, datetime.time(10, 0),
                                       tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    with time_machine.travel(moment, tick=False):
        audit_record(action="people.level_changed", subject=broker.broker_profile,
                     person=broker, actor_label="system",
                     before={"level": before}, after={"level": after,
                                                      "level_since": on.isoformat(),
                                                      "certificate": serial})


@pytest.fixture
def promoted(population):
    b = population.brokers
    _promote(b["b6"], datetime.date(2024, 9, 15), "junior", "intermediate", "C-1")
    _promote(b["b6"], datetime.date(2025, 5, 20), "intermediate", "senior", "C-2")
    _promote(b["b4"], datetime.date(2025, 5, 10), "junior", "intermediate", "C-3")
    return population


def _rows(filters: TalentFilters | None = None):
    return [(r.month.strftime("%Y-%m"), r.level_code, r.count)
            for r in selectors.promotions_by_month(filters or TalentFilters())]


def test_promotions_count_every_step_not_only_the_last(promoted):
    assert _rows() == [("2024-09", "intermediate", 1), ("2024-11", "intermediate", 1),
                       ("2025-05", "intermediate", 1), ("2025-05", "senior", 1)]
    assert selectors.promotions_by_year(selectors.promotions_by_month(TalentFilters())) == [
        (2024, 2), (2025, 2)]


def test_promotions_under_filters(promoted):
    p = promoted
    assert _rows(TalentFilters(region=p.region_b)) == [
        ("2024-09", "intermediate", 1), ("2025-05", "intermediate", 1), ("2025-05", "senior", 1)]
    # The level filter selects brokers by their level now: b6 is senior, so both of b6's
    # steps are there.
    assert _rows(TalentFilters(level=level("senior"))) == [
        ("2024-09", "intermediate", 1), ("2025-05", "senior", 1)]
    assert _rows(TalentFilters(date_from=datetime.date(2024, 1, 1),
                               date_to=datetime.date(2024, 12, 31))) == [
        ("2024-09", "intermediate", 1), ("2024-11", "intermediate", 1)]


def test_a_sideways_or_downward_event_is_no_promotion(promoted):
    _promote(promoted.brokers["b1"], datetime.date(2024, 10, 1), "intermediate", "junior")
    _promote(promoted.brokers["b2"], datetime.date(2024, 10, 2), "junior", "junior")
    assert ("2024-10", "junior", 1) not in _rows()
    assert [r for r in _rows() if r[0] == "2024-10"] == []


def test_promotion_drill_down_lists_the_brokers_counted(promoted):
    for filters in (TalentFilters(), TalentFilters(region=promoted.region_b),
                    TalentFilters(level=level("senior"))):
        for row in selectors.promotions_by_month(filters):
            names = [p.user.full_name for p in selectors.brokers_for(filters, row.drill)]
            assert len(names) == row.count, (row, names)
    drill = {"promoted": "2024-09", "promoted_level": "intermediate"}
    assert [p.user.full_name for p in selectors.brokers_for(TalentFilters(), drill)] == ["六号"]


def test_level_history_of_a_promoted_and_of_an_imported_broker(promoted):
    b6 = promoted.brokers["b6"].broker_profile
    steps = level_history(b6)
    assert [(s.date, s.from_label, s.to_label, s.certificate, s.source) for s in steps] == [
        (datetime.date(2025, 5, 20), "中级技术经纪人", "高级技术经理人", "C-2", "event"),
        (datetime.date(2024, 9, 15), "初级技术经纪人", "中级技术经纪人", "C-1", "event"),
    ]
    b5 = promoted.brokers["b5"].broker_profile  # imported at intermediate, no event
    [only] = level_history(b5)
    assert (only.date, only.to_label, only.source) == (datetime.date(2024, 11, 3),
                                                       "中级技术经纪人", "profile")


def test_dossier_shows_the_level_history(bureau_client, promoted):
    b6 = promoted.brokers["b6"]
    html = bureau_client.get(reverse("talent:dossier", args=[b6.pk])).content.decode()
    history = html.split('data-testid="level-history"', 1)[1].split("</ul>", 1)[0]
    assert "2024-09-15" in history and "2025-05-20" in history and "C-1" in history
