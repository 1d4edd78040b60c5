"""The city's registered totals: entered by admins (audited), and set against the practice
records on the dashboard with the gap.

Population (conftest.py): approved records 2025-03 region A (1 record, 500000 / 400000) and
2025-04 region B (1 record, 300000 / no income). Registered here: 2025-03 region A 3 contracts,
900000, 600000; 2025-05 region B 2 contracts, 200000, income not registered. By hand:

| month   | region | recorded | registered | not recorded | share | amount gap | income gap |
| 2025-03 | A      | 1        | 3          | 2            | 33 %  | 400000     | 200000     |
| 2025-04 | B      | 1        | —          | —            | —     | —          | —          |
| 2025-05 | B      | 0        | 2          | 2            | 0 %   | 200000     | —          |

Totals where registered: recorded 1 of 5 (20 %), amounts 500000 of 1100000 (gap 600000),
income 400000 of 600000 (gap 200000: only months whose income is registered count).
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from academy.audit.models import AuditEvent
from talent import selectors
from talent.models import RegisteredTotal
from talent.selectors import TalentFilters, practice_comparison
from talent.services import registered_total_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(population, admin_user):
    registered_total_save(actor=admin_user, region=population.region_a,
                          month=datetime.date(2025, 3, 1), deal_count=3,
                          contract_amount=Decimal("900000"),
                          technical_income=Decimal("600000"))
    registered_total_save(actor=admin_user, region=population.region_b,
                          month=datetime.date(2025, 5, 17), deal_count=2,
                          contract_amount=Decimal("200000"), technical_income=None)
    return population


def _comparison(filters: TalentFilters):
    rows, _totals = selectors.practice_by_region_month(filters)
    return practice_comparison(filters, rows)


def test_recorded_against_registered_with_the_gap(registered):
    p = registered
    c = _comparison(TalentFilters())
    assert c.comparable and c.entered
    assert [(r.month.strftime("%Y-%m"), r.region_code, r.records,
             r.registered.deal_count if r.registered else None, r.gap_count, r.count_share,
             r.gap_amount, r.gap_income) for r in c.rows] == [
        ("2025-03", p.region_a.code, 1, 3, 2, 33, Decimal("400000.00"), Decimal("200000.00")),
        ("2025-04", p.region_b.code, 1, None, None, None, None, None),
        ("2025-05", p.region_b.code, 0, 2, 2, 0, Decimal("200000.00"), None),
    ]
    t = c.totals
    assert (t["records"], t["registered_count"], t["gap_count"], t["count_share"]) == (1, 5, 4,
                                                                                        20)
    assert (t["amount"], t["registered_amount"], t["gap_amount"]) == (
        Decimal("500000.00"), Decimal("1100000.00"), Decimal("600000.00"))
    assert (t["income"], t["registered_income"], t["gap_income"]) == (
        Decimal("400000.00"), Decimal("600000.00"), Decimal("200000.00"))


def test_the_comparison_under_region_and_period_filters(registered):
    p = registered
    c = _comparison(TalentFilters(region=p.region_b))
    assert [(r.month.strftime("%Y-%m"), r.records, r.gap_count) for r in c.rows] == [
        ("2025-04", 1, None), ("2025-05", 0, 2)]
    c = _comparison(TalentFilters(date_from=datetime.date(2025, 3, 10),
                                  date_to=datetime.date(2025, 4, 30)))
    assert [(r.month.strftime("%Y-%m"), r.gap_count) for r in c.rows] == [
        ("2025-03", 2), ("2025-04", None)]


@pytest.mark.parametrize("narrowing", ["organisation", "level", "cohort"])
def test_no_comparison_when_the_brokers_are_narrowed(registered, narrowing):
    from tests.factories import level

    value = {"organisation": registered.o1, "level": level("junior"),
             "cohort": registered.cohort}[narrowing]
    c = _comparison(TalentFilters(**{narrowing: value}))
    assert not c.comparable and c.rows == []


def test_the_dashboard_shows_the_gap_and_exports_it(bureau_client, registered):
    html = bureau_client.get(reverse("talent:dashboard")).content.decode()
    assert 'data-testid="gap-count-total">4<' in html
    narrowed = bureau_client.get(reverse("talent:dashboard"),
                                 {"organisation": registered.o1.pk}).content.decode()
    assert 'data-testid="registered-not-comparable"' in narrowed
    book = load_workbook(io.BytesIO(bureau_client.get(reverse("talent:dashboard"),
                                                      {"format": "xlsx"}).content))
    [sheet] = [ws for ws in book.worksheets if ws.max_column == 11]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("2025-03", 1, 3, 2), ("2025-04", 1, None, None), ("2025-05", 0, 2, 2)]
    data = bureau_client.get("/api/v1/talent-pool/summary/").json()
    assert data["practice_registered"]["totals"]["gap_count"] == 4


def test_an_admin_enters_and_corrects_totals_audited(client, admin_user, mfa_enrolled,
                                                     population):
    mfa_enrolled(admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("talent:registered_add"), {
        "region": population.region_a.pk, "month": "2025-06", "deal_count": "4",
        "contract_amount": "1200000", "technical_income": "", "note": "市技术市场"})
    assert response.status_code == 302
    total = RegisteredTotal.objects.get()
    assert (total.month, total.deal_count, total.technical_income, total.updated_by) == (
        datetime.date(2025, 6, 1), 4, None, admin_user)
    event = AuditEvent.objects.get(action="talent.registered_total_saved")
    assert event.before is None and event.after["deal_count"] == 4

    # The same region and month again: an inline error, nothing saved.
    response = client.post(reverse("talent:registered_add"), {
        "region": population.region_a.pk, "month": "2025-06", "deal_count": "5",
        "contract_amount": "1"})
    assert response.status_code == 400 and response.context["form"].errors["month"]
    assert RegisteredTotal.objects.count() == 1

    response = client.post(reverse("talent:registered_edit", args=[total.pk]), {
        "region": population.region_a.pk, "month": "2025-06", "deal_count": "5",
        "contract_amount": "1300000", "technical_income": "700000"})
    assert response.status_code == 302
    total.refresh_from_db()
    assert (total.deal_count, total.technical_income) == (5, Decimal("700000.00"))
    event = AuditEvent.objects.filter(action="talent.registered_total_saved").order_by(
        "seq").last()
    assert event.before["deal_count"] == 4 and event.after["deal_count"] == 5

    # Bad input: a clear message, nothing changed.
    response = client.post(reverse("talent:registered_edit", args=[total.pk]), {
        "region": population.region_a.pk, "month": "June", "deal_count": "-1",
        "contract_amount": "x"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"month", "deal_count", "contract_amount"}

    assert client.post(reverse("talent:registered_delete", args=[total.pk])).status_code == 302
    assert not RegisteredTotal.objects.exists()
    assert AuditEvent.objects.filter(action="talent.registered_total_deleted").count() == 1


def test_auditors_read_the_totals_but_cannot_enter_them(bureau_client, registered):
    html = bureau_client.get(reverse("talent:registered_list")).content.decode()
    assert 'data-testid="registered-table"' in html
    assert 'data-testid="registered-add"' not in html
    assert bureau_client.post(reverse("talent:registered_add"), {}).status_code == 403
    total = RegisteredTotal.objects.first()
    assert bureau_client.post(reverse("talent:registered_delete",
                                      args=[total.pk])).status_code == 403
    assert RegisteredTotal.objects.count() == 2


def test_the_admin_site_saves_through_the_audited_service(client, admin_user, mfa_enrolled,
                                                          population):
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    mfa_enrolled(admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("admin:talent_registeredtotal_add"), {
        "region": population.region_b.pk, "month": "2025-07-01", "deal_count": "1",
        "contract_amount": "10", "technical_income": "", "note": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RegisteredTotal.objects.get().deal_count == 1
    assert AuditEvent.objects.filter(action="talent.registered_total_saved").count() == 1
