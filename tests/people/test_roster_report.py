"""A roster with errors: the error report downloads as XLSX with the problem cells marked,
and the help lists the levels and regions it refers to."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "姓名,邮箱,身份证号,手机,区域,单位,等级,等级取得日期\n"


@pytest.fixture
def admin_client(client, mfa_enrolled):
    admin = UserFactory(roles=["admin"])
    mfa_enrolled(admin)
    client.force_login(admin)
    return client


def test_the_error_report_marks_the_cells_in_error(admin_client):
    content = (HEADER + "张三,zhangsan@example.test,,13800001111,湖滨区,"
               "三门峡市技术转移中心,初级,2024-01-01\n"
               "李四,not-an-email,123,13800002222,火星区,某单位,初级,2024-01-01\n")
    upload = SimpleUploadedFile("roster.csv", content.encode("utf-8"), "text/csv")
    page = admin_client.post(reverse("people:roster_import"), {"file": upload})
    assert page.status_code == 200
    token = page.context["report_token"]
    assert token and 'data-testid="roster-error-report"' in page.content.decode()

    response = admin_client.get(reverse("people:roster_error_report", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [2, 3]  # the file's own row numbers
    headers = list(rows[0])
    bad = sheet[3]
    marked = {headers[c.column - 1] for c in bad if c.fill.fgColor.rgb.endswith("F8D7DA")}
    assert {"邮箱", "身份证号", "区域"} <= marked
    assert not any(c.fill.fgColor.rgb.endswith("F8D7DA") for c in sheet[2][1:])
    assert rows[2][-1] and not rows[1][-1]  # the problems column


def test_someone_elses_report_is_not_found(admin_client, client, mfa_enrolled):
    assert admin_client.get(reverse("people:roster_error_report", args=["nope"])).status_code \
        == 404


def test_the_roster_help_lists_the_levels_and_regions(admin_client):
    html = admin_client.get(reverse("people:roster_import")).content.decode()
    assert 'data-testid="roster-lists"' in html
    for text in ("初级技术经纪人", "湖滨区", "411202"):
        assert text in html
