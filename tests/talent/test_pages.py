"""The bureau's pages, exports and API: figures shown, drill-down, dossier, audit viewer,
exports that open and match, constant queries at two sizes."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from academy.audit.models import AuditEvent
from academy.audit.services import audit_record
from talent.spreadsheets import safe_cell
from tests.audit.tamper import audit_tamper
from tests.factories import BrokerFactory
from tests.talent.conftest import certificate_for

pytestmark = pytest.mark.django_db


def test_dashboard_shows_the_figures_with_drill_down_links(bureau_client, population):
    response = bureau_client.get(reverse("talent:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="funnel-enrolled"' in html
    assert "style=" not in html.split("<body", 1)[1].replace("data-progress", "")
    assert "<script>" not in html
    funnel = response.context["f"]["funnel"]
    assert [s.count for s in funnel] == [4, 3, 2, 2, 2, 2, 1]


def test_dashboard_filter_by_region_changes_every_figure(bureau_client, population):
    response = bureau_client.get(reverse("talent:dashboard"),
                                 {"region": population.region_a.code})
    f = response.context["f"]
    assert f["total"] == 3
    assert [s.count for s in f["funnel"]] == [2, 2, 1, 1, 1, 1, 0]
    assert f["practice_totals"]["records"] == 1
    assert f["turnaround"].marks == 2


def test_invalid_period_shows_an_inline_error_and_filters_nothing(bureau_client, population):
    response = bureau_client.get(reverse("talent:dashboard"),
                                 {"date_from": "2025-05-01", "date_to": "2025-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["date_to"]
    assert response.context["f"]["total"] == 6


def test_drill_down_list_matches_the_number_and_masks_personal_data(bureau_client, population):
    response = bureau_client.get(reverse("talent:broker_list"), {"step": "exam"})
    assert response.context["page"].paginator.count == 2
    html = response.content.decode()
    b1 = population.brokers["b1"].broker_profile
    assert b1.national_id not in html and b1.phone not in html
    assert b1.national_id_masked in html


def test_broker_export_xlsx_and_csv_contain_the_list_and_are_audited(bureau_client, population,
                                                                    auditor):
    before = AuditEvent.objects.filter(action="talent.exported").count()
    response = bureau_client.get(reverse("talent:broker_list"),
                                 {"region": population.region_a.code, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    assert sorted(r[0] for r in rows[1:]) == ["一号", "二号", "五号"]
    assert population.brokers["b1"].broker_profile.national_id not in str(rows)

    response = bureau_client.get(reverse("talent:broker_list"),
                                 {"step": "practice", "format": "csv"})
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert sorted(r[0] for r in parsed[1:]) == ["一号", "四号"]

    events = AuditEvent.objects.filter(action="talent.exported").order_by("seq")
    assert events.count() == before + 2
    last = events.last()
    assert last.actor_id == auditor.pk
    assert last.after["personal_data"] is True and last.after["rows"] == 2


def test_the_broker_export_carries_the_working_columns(bureau_client, population):
    """Hours in total and by area, exams, practice, readiness and the newest certificate: the
    same figures the broker's own path page shows."""
    from certificates.selectors import broker_readiness
    from courses.models import CourseArea
    from courses.selectors import broker_hours

    b1, b4 = population.brokers["b1"], population.brokers["b4"]
    certificate_for(b4, level_code="intermediate", status="revoked")
    response = bureau_client.get(reverse("talent:broker_list"), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = list(rows[0])
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    areas = list(CourseArea.objects.all())
    assert header[8] == "总学时" or header[8] == "Class hours in total"
    assert len(header) == 8 + 1 + len(areas) + 14
    one, four, three = by_name["一号"], by_name["四号"], by_name["三号"]

    def column(row, index):
        return row[header[index]]

    assert column(one, 8) == 10 and column(three, 8) == 4
    hours = broker_hours(user_ids=[b1.pk])[b1.pk]
    assert [column(one, 9 + n) or 0 for n in range(len(areas))] \
        == [hours.by_area.get(area.code, 0) for area in areas]
    assert sum(hours.by_area.values()) == 10
    readiness = broker_readiness(b1)
    working = list(one.values())[9 + len(areas):]
    assert working[:3] == [1, 1, 0]  # the required exam passed, none awaiting
    assert working[3:7] == [1, 0, 500000, 400000]  # practice approved, pending, amount, income
    assert working[8:10] == [readiness.met_count, readiness.total_count]
    assert list(by_name["二号"].values())[9 + len(areas):][3:5] == [0, 0]  # a draft counts not
    four_working = list(four.values())[9 + len(areas):]
    assert four_working[11] and four_working[12] in ("已撤销", "Revoked")
    assert list(three.values())[-3:] == [None, None, None]


def test_dashboard_export_has_the_same_figures(bureau_client, population):
    response = bureau_client.get(reverse("talent:dashboard"), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    funnel_sheet = [ws for ws in book.worksheets if ws.max_column == 4 and ws.max_row == 8][0]
    counts = [row[1] for row in funnel_sheet.iter_rows(min_row=2, values_only=True)]
    assert counts == [4, 3, 2, 2, 2, 2, 1]


def test_formula_injection_is_neutralised():
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("+1") == "'+1"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("张三") == "张三"
    assert safe_cell(12) == 12


def test_export_of_a_formula_name_is_quoted(bureau_client, population):
    BrokerFactory(user__full_name="=cmd|' /C calc'!A0")
    response = bureau_client.get(reverse("talent:broker_list"), {"format": "csv"})
    assert "'=cmd|" in response.content.decode("utf-8-sig")


def test_dossier_shows_the_whole_record(bureau_client, population):
    b1 = population.brokers["b1"]
    audit_record(action="people.level_changed", subject=b1.broker_profile, person=b1,
                 before={"level": "junior"}, after={"level": "junior"})
    response = bureau_client.get(reverse("talent:dossier", args=[b1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("dossier-profile", "level-history", "transcript", "attempts",
                   "practice-records", "dossier-audit"):
        assert f'data-testid="{testid}"' in html, testid
    assert 'data-testid="event-sentence"' in html
    assert "people.level_changed" not in html
    assert b1.broker_profile.national_id not in html


def test_audit_viewer_filters_and_verifies_the_chain(bureau_client, population):
    audit_record(action="talent.export_downloaded", after={"rows": 3}, actor_label="system")
    audit_record(action="talent.test_event", after={"x": 1}, actor_label="system")
    response = bureau_client.get(reverse("talent:audit"), {"action": "talent.export_downloaded"})
    assert [e.action for e in response.context["page"].object_list] == [
        "talent.export_downloaded"]
    response = bureau_client.get(reverse("talent:audit"), {"verify": "1"})
    assert response.context["verification"]["ok"] is True
    assert 'data-chain="ok"' in response.content.decode()


def test_audit_viewer_shows_where_the_chain_breaks(bureau_client, population):
    from django.core.cache import cache

    cache.clear()
    event = audit_record(action="talent.test_event", after={"x": 1}, actor_label="system")
    audit_tamper("UPDATE audit_auditevent SET action = 'tampered' WHERE seq = %s",
                 [event.seq])
    response = bureau_client.get(reverse("talent:audit"), {"verify": "1"})
    assert response.context["verification"]["first_broken_seq"] == event.seq
    assert 'data-chain="broken"' in response.content.decode()


@pytest.mark.parametrize("name", ["talent:dashboard", "talent:broker_list", "talent:audit",
                                  "talent:registered_list", "talent:export_list"])
def test_pages_cost_constant_queries(bureau_client, population, name):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert bureau_client.get(reverse(name)).status_code == 200
        return len(ctx.captured_queries)

    count()  # the session's first request also loads the user's roles: not per data size
    small = count()
    for _ in range(15):
        broker = BrokerFactory()
        audit_record(action="talent.test_event", person=broker, actor_label="system")
    assert count() == small


def test_api_summary_and_lists(bureau_client, population):
    response = bureau_client.get("/api/v1/talent-pool/summary/",
                                 {"region": population.region_a.code})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 3
    assert [s["count"] for s in data["funnel"]] == [2, 2, 1, 1, 1, 1, 0]
    response = bureau_client.get("/api/v1/talent-pool/brokers/", {"step": "exam"})
    assert response.json()["count"] == 2
    assert "*" in response.json()["results"][0]["national_id"]
    response = bureau_client.get("/api/v1/talent-pool/results/")
    assert response.json()["count"] == 3
    assert bureau_client.get("/api/v1/talent-pool/summary/",
                             {"region": "nowhere"}).status_code == 400


def test_api_constant_queries(bureau_client, population):
    def count(url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert bureau_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = ["/api/v1/talent-pool/summary/", "/api/v1/talent-pool/brokers/",
            "/api/v1/talent-pool/results/", "/api/v1/talent-pool/certificates/"]
    certificate_for(population.brokers["b4"])
    count(urls[0])  # the session's first request also loads the user's roles
    small = [count(u) for u in urls]
    for _ in range(10):
        broker = BrokerFactory()
        certificate_for(broker)
    assert [count(u) for u in urls] == small


def test_brokers_and_trainers_cannot_open_the_bureau_pages(client, broker, trainer,
                                                          mfa_enrolled):
    mfa_enrolled(trainer)
    for user in (broker, trainer):
        client.force_login(user)
        assert client.get(reverse("talent:dashboard")).status_code == 403
        assert client.get("/api/v1/talent-pool/summary/").status_code == 403


def test_dossier_and_archive_page_cost_constant_queries(bureau_client, population):
    from tests.courses.factories import enrol
    from tests.talent.test_history import _promote

    b6 = population.brokers["b6"]
    dossier = reverse("talent:dossier", args=[b6.pk])
    archive = reverse("talent:cohort_archive", args=[population.cohort.code])

    def count(url) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert bureau_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    count(dossier)  # the session's first request also loads the user's roles
    small = [count(dossier), count(archive)]
    import datetime as dt

    for year in (2021, 2022, 2023):
        _promote(b6, dt.date(year, 3, 1), "junior", "intermediate")
        certificate_for(b6, status="revoked")
    for _ in range(5):
        enrol(BrokerFactory(), population.cohort)
    assert [count(dossier), count(archive)] == small
