"""Roster import: every bad row reported, nothing partial saved, good files create invitations."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from academy.audit.models import AuditEvent
from academy.people.models import (
    BrokerProfile,
    Invitation,
    Organisation,
    RosterImport,
    User,
)
from academy.people.roles import Role, user_roles
from academy.people.roster import (
    INSTRUCTIONS_SHEET,
    ROSTER_EXAMPLE_EMAIL,
    RosterRow,
    roster_import,
    roster_validate,
)
from academy.people.validators import national_id_check_digit
from tests.factories import BrokerFactory, UserFactory

FILES = Path(__file__).parent / "files"
HEADERS_ZH = ["姓名", "邮箱", "身份证号", "手机", "区域", "单位", "等级", "等级取得日期"]
HEADERS_EN = ["name", "email", "national_id", "phone", "region", "organisation", "level",
              "level_since"]
KEYS = ["full_name", *HEADERS_EN[1:]]


def nid(seq: int) -> str:
    """A valid national ID that the factories never produce (birth year 1975+, region 411224)."""
    birth = datetime.date(1975, 1, 1) + datetime.timedelta(days=seq)
    first17 = f"411224{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + national_id_check_digit(first17)


def good_rows() -> list[list]:
    return [
        ["王芳", "wangfang@example.test", nid(1), "13903981234", "渑池县", "渑池县科技服务中心",
         "初级", datetime.date(2023, 5, 20)],
        ["李强", "LiQiang@Example.test", nid(2), "137 0398 5678", "411282", "灵宝市金源矿业有限公司",
         "intermediate", "2021-11-03"],
        ["赵敏", "zhaomin@example.test", nid(3), "", "Hubin District", "", "中级技术经纪人", ""],
    ]


def xlsx_bytes(rows: list[list], headers: list[str] = HEADERS_ZH) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], headers: list[str] = HEADERS_ZH, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, datetime.date)
                         else v) for v in row])
    return out.getvalue().encode(encoding)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "profiles": BrokerProfile.objects.count(),
        "addresses": EmailAddress.objects.count(),
        "invitations": Invitation.objects.count(),
        "organisations": Organisation.objects.count(),
        "imports": RosterImport.objects.count(),
    }


@pytest.fixture
def admin_client(client, admin_user, mfa_enrolled):
    mfa_enrolled(admin_user)
    client.force_login(admin_user)
    return client


# --- Bad files ---------------------------------------------------------------------------------


@pytest.fixture
def bad_roster(db):
    """A roster with one row for every kind of error, plus one good row; returns (bytes, expected).

    ``expected`` lists the (row, column) pairs that must be reported.
    """
    trainer = UserFactory(email="trainer@example.test", roles=["trainer"])
    existing = BrokerFactory(user__email="existing@example.test", user__full_name="钱伟",
                             national_id=nid(50))
    other = BrokerFactory(user__email="other@example.test", national_id=nid(51))
    profile = existing.broker_profile
    rows = [
        # row 2: fine on its own, but nothing may be saved while other rows are wrong
        ["王芳", "wangfang@example.test", nid(1), "13903981234", "渑池县", "", "初级", ""],
        ["", "noname@example.test", "", "", "渑池县", "", "初级", ""],          # 3 name required
        ["张伟", "not-an-email", "", "", "渑池县", "", "初级", ""],              # 4 e-mail format
        ["刘洋", "liuyang@example.test", nid(4)[:-1] + ("0" if nid(4)[-1] != "0" else "1"),
         "", "渑池县", "", "初级", ""],                                         # 5 ID check digit
        ["陈静", "chenjing@example.test", "", "12345", "渑池县", "", "初级", ""],  # 6 phone
        ["杨磊", "yanglei@example.test", "", "", "火星区", "", "初级", ""],        # 7 region
        ["黄丽", "huangli@example.test", "", "", "渑池县", "", "特级", ""],        # 8 level
        ["周杰", "zhoujie@example.test", "", "", "渑池县", "", "初级", "2024-02-30"],  # 9 date
        ["吴刚", "wugang@example.test", "", "", "渑池县", "", "初级", "2999-01-01"],   # 10 future
        ["徐明", "WangFang@example.test", "", "", "渑池县", "", "初级", ""],       # 11 dup e-mail
        ["孙丽", "sunli@example.test", nid(1), "", "渑池县", "", "初级", ""],      # 12 dup ID
        ["马超", "machao@example.test", nid(51), "", "渑池县", "", "初级", ""],    # 13 ID of other
        ["钱伟", "existing@example.test", profile.national_id, profile.phone,     # 14 data differ
         profile.region.name, profile.organisation.name, "高级", profile.level_since],
        ["林峰", "trainer@example.test", "", "", "渑池县", "", "初级", ""],        # 15 not a broker
        ["张三", ROSTER_EXAMPLE_EMAIL, "", "", "渑池县", "", "初级", ""],           # 16 example row
        ["郑爽", "", "", "", "", "", "", ""],                                     # 17 three required
    ]
    expected = {
        (3, "full_name"), (4, "email"), (5, "national_id"), (6, "phone"), (7, "region"),
        (8, "level"), (9, "level_since"), (10, "level_since"), (11, "email"),
        (12, "national_id"), (13, "national_id"), (14, "level"), (15, "email"), (16, "email"),
        (17, "email"), (17, "region"), (17, "level"),
    }
    assert trainer and other
    return xlsx_bytes(rows), expected


def test_bad_rows_are_each_reported_with_row_and_column_and_nothing_is_saved(
    bad_roster, admin_user, django_capture_on_commit_callbacks
):
    content, expected = bad_roster
    before = counts()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = roster_import(uploaded_by=admin_user, file=upload("bad.xlsx", content))
    assert not result.ok
    reported = {(e.row, e.column) for e in result.errors}
    assert reported == expected
    assert all(e.message for e in result.errors)
    assert result.rows_total == 16
    assert result.created == [] and result.record is None
    assert counts() == before
    assert callbacks == [] and mail.outbox == []
    assert not AuditEvent.objects.filter(action="people.roster_imported").exists()


def test_data_difference_names_the_column_and_both_values(bad_roster, admin_user):
    content, _ = bad_roster
    result = roster_import(uploaded_by=admin_user, file=upload("bad.xlsx", content))
    (difference,) = [e for e in result.errors if e.row == 14]
    assert difference.column_label == "Level" or difference.column == "level"
    assert "高级技术经理人" in difference.message and "初级技术经纪人" in difference.message


def test_in_file_duplicates_name_the_first_row(english, bad_roster, admin_user):
    content, _ = bad_roster
    result = roster_import(uploaded_by=admin_user, file=upload("bad.xlsx", content))
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "row 2" in messages[(11, "email")]
    assert "row 2" in messages[(12, "national_id")]


def test_error_report_is_a_table_in_the_users_language(bad_roster, admin_client):
    content, expected = bad_roster
    before = counts()
    response = admin_client.post(
        "/en" + reverse("people:roster_import"), {"file": upload("bad.xlsx", content)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "This field is required." in html
    assert "is not a valid e-mail address" in html
    assert "<td class=\"text-nowrap\">Mobile phone</td>" in html
    assert len(response.context["row_errors"]) == len(expected)
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("empty.csv", b"", "empty"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("broken.xlsx", b"this is not a workbook", "not a valid .xlsx"),
        ("noheader.csv", "王芳,wangfang@example.test\n".encode(), "No header row"),
        ("missing.csv", "姓名,邮箱,手机\n王芳,a@example.test,13903981234\n".encode(),
         "区域 / region"),
        ("twice.csv", "姓名,邮箱,区域,等级,email\n".encode(), "appears twice"),
        ("onlyheader.csv", ",".join(HEADERS_ZH).encode() + b"\n", "no data rows"),
    ],
)
def test_file_level_problems_are_reported_and_save_nothing(english, admin_user, name, content, fragment):
    before = counts()
    result = roster_import(uploaded_by=admin_user, file=upload(name, content))
    assert not result.ok
    (error,) = result.errors
    assert error.row is None and fragment in error.message
    assert counts() == before


def test_too_many_rows_is_refused_with_the_limit(english, admin_user, settings):
    settings.ACADEMY_ROSTER_MAX_ROWS = 2
    result = roster_import(uploaded_by=admin_user, file=upload("r.csv", csv_bytes(good_rows())))
    assert [e.message for e in result.errors] == [
        "The file has more than 2 rows; split it into smaller files."
    ]
    assert not User.objects.filter(email="wangfang@example.test").exists()


def test_too_large_file_is_refused_in_the_form(admin_client, settings):
    settings.ACADEMY_ROSTER_MAX_BYTES = 100
    content = csv_bytes(good_rows())
    response = admin_client.post(reverse("people:roster_import"),
                                 {"file": upload("r.csv", content)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert "MB" in response.context["form"].errors["file"][0]
    assert not User.objects.filter(email="wangfang@example.test").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("r.xlsx", xlsx_bytes([["王芳", "wangfang@example.test", 4.11221198503e17, "", "渑池县",
                             "", "初级", ""]])),
     ("r.csv", csv_bytes([["王芳", "wangfang@example.test", "4.11221E+17", "", "渑池县", "",
                           "初级", ""]]))],
)
def test_id_number_rounded_by_excel_gets_a_specific_message(english, admin_user, name, content):
    result = roster_import(uploaded_by=admin_user, file=upload(name, content))
    (error,) = result.errors
    assert error.column == "national_id" and "rounded" in error.message


# --- Good files ----------------------------------------------------------------------------------


def assert_imported(result, admin_user, emails: list[str]) -> None:
    assert result.ok, result.errors
    assert sorted(r.email for r in result.created) == sorted(emails)
    for email in emails:
        user = User.objects.get(email=email)
        assert not user.has_usable_password()
        address = EmailAddress.objects.get(user=user)
        assert address.email == email and address.primary and not address.verified
        assert user.broker_profile.level.code in ("junior", "intermediate")
        assert user_roles(user) == {Role.BROKER}
        invitation = Invitation.objects.get(user=user)
        assert invitation.sent_at is not None and len(invitation.token_hash) == 64
        assert invitation.created_by == admin_user
        assert invitation.roster_import == result.record
    assert sorted(m.to[0] for m in mail.outbox) == sorted(emails)
    record = result.record
    assert (record.rows_total, record.created_count, record.unchanged_count) == (
        len(emails), len(emails), 0)
    event = AuditEvent.objects.get(action="people.roster_imported")
    assert event.actor_id == admin_user.pk
    assert event.after["created"] == len(emails) and event.after["unchanged"] == 0
    assert event.after["sha256"] == record.file_sha256


def test_good_xlsx_creates_accounts_invitations_and_emails(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(uploaded_by=admin_user,
                               file=upload("r.xlsx", xlsx_bytes(good_rows())))
    emails = ["wangfang@example.test", "liqiang@example.test", "zhaomin@example.test"]
    assert_imported(result, admin_user, emails)
    wang = User.objects.get(email="wangfang@example.test").broker_profile
    assert (wang.user.full_name, wang.national_id, wang.phone, wang.region.code,
            wang.organisation.name, wang.level.code, wang.level_since) == (
        "王芳", nid(1), "13903981234", "411221", "渑池县科技服务中心", "junior",
        datetime.date(2023, 5, 20))
    li = User.objects.get(email="liqiang@example.test").broker_profile
    assert (li.phone, li.region.code, li.level.code) == ("13703985678", "411282", "intermediate")
    zhao = User.objects.get(email="zhaomin@example.test").broker_profile
    assert (zhao.organisation, zhao.region.code, zhao.level_since) == (None, "411202", None)
    assert Organisation.objects.get(name="渑池县科技服务中心").region.code == "411221"


@pytest.mark.parametrize(
    ("encoding", "headers"),
    [("utf-8-sig", HEADERS_ZH), ("utf-8", HEADERS_EN), ("gbk", HEADERS_ZH),
     ("gb18030", HEADERS_EN)],
)
def test_good_csv_in_any_encoding_creates_accounts(
    admin_user, django_capture_on_commit_callbacks, encoding, headers
):
    content = csv_bytes(good_rows(), headers=headers, encoding=encoding)
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(uploaded_by=admin_user, file=upload("r.csv", content))
    assert_imported(result, admin_user,
                    ["wangfang@example.test", "liqiang@example.test", "zhaomin@example.test"])
    assert User.objects.get(email="wangfang@example.test").full_name == "王芳"


def test_gbk_csv_as_excel_saves_it_imports(admin_user, django_capture_on_commit_callbacks):
    content = (FILES / "roster_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(uploaded_by=admin_user, file=upload("花名册.csv", content))
    assert result.ok, result.errors
    assert User.objects.get(email="liqiang@example.test").broker_profile.organisation.name == (
        "灵宝市金源矿业有限公司")
    assert len(mail.outbox) == 3


def test_reimporting_the_same_file_changes_nothing(admin_user, django_capture_on_commit_callbacks):
    content = xlsx_bytes(good_rows())
    with django_capture_on_commit_callbacks(execute=True):
        first = roster_import(uploaded_by=admin_user, file=upload("r.xlsx", content))
    assert first.ok and len(first.created) == 3
    before = counts()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = roster_import(uploaded_by=admin_user, file=upload("r.xlsx", content))
    assert second.ok, second.errors
    assert second.created == [] and len(second.unchanged) == 3
    assert mail.outbox == []
    after = counts()
    assert after.pop("imports") == before.pop("imports") + 1
    assert after == before
    assert second.record.unchanged_count == 3 and second.record.created_count == 0


def test_existing_broker_with_identical_data_is_unchanged(admin_user):
    broker = BrokerFactory()
    p = broker.broker_profile
    row = [broker.full_name, broker.email.upper(), p.national_id, p.phone, p.region.code,
           p.organisation.name, p.level.name, p.level_since]
    validation = roster_validate(rows=[RosterRow(2, dict(zip(KEYS, row, strict=True)))])
    assert validation.errors == []
    assert [r.user for r in validation.unchanged] == [broker]


def test_mixed_new_and_unchanged_rows_invite_only_the_new(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        roster_import(uploaded_by=admin_user, file=upload("a.xlsx", xlsx_bytes(good_rows()[:1])))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(uploaded_by=admin_user,
                               file=upload("b.xlsx", xlsx_bytes(good_rows())))
    assert result.ok
    assert [r.email for r in result.unchanged] == ["wangfang@example.test"]
    assert sorted(m.to[0] for m in mail.outbox) == ["liqiang@example.test", "zhaomin@example.test"]
    assert Invitation.objects.filter(user__email="wangfang@example.test").count() == 1


def test_title_row_serial_column_and_unknown_columns_are_handled(
    admin_user, django_capture_on_commit_callbacks
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["三门峡市技术经纪人名单"])
    sheet.append(["序号", "姓名（必填）", "邮箱*", "区域", "等级", "籍贯"])
    sheet.append([1, "王芳", "wangfang@example.test", "渑池县", "初级", "河南"])
    sheet.append([2])  # a numbered but otherwise empty row
    out = io.BytesIO()
    workbook.save(out)
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(uploaded_by=admin_user, file=upload("r.xlsx", out.getvalue()))
    assert result.ok, result.errors
    assert result.rows_total == 1
    assert [r.number for r in result.created] == [3]
    assert any("籍贯" in w for w in result.warnings)


@pytest.mark.parametrize(
    "value",
    ["2024-06-01", "2024/6/1", "2024.06.01", "2024年6月1日", "20240601", "45444",
     "2024-06-01 00:00:00", datetime.datetime(2024, 6, 1), "２０２４－０６－０１"],
)
def test_level_since_accepts_the_usual_date_forms(db, value):
    row = {"full_name": "王芳", "email": "w@example.test", "region": "渑池县", "level": "初级",
           "level_since": value}
    validation = roster_validate(rows=[RosterRow(2, row)])
    assert validation.errors == []
    assert validation.new[0].level_since == datetime.date(2024, 6, 1)


@pytest.mark.parametrize(
    ("value", "code"),
    [("初级", "junior"), ("junior", "junior"), ("Junior", "junior"), ("中级技术经纪人", "intermediate"),
     ("Intermediate technology broker", "intermediate"), ("高级", "senior"), ("senior", "senior")],
)
def test_level_accepts_chinese_english_and_codes(db, value, code):
    row = {"full_name": "王芳", "email": "w@example.test", "region": "411221", "level": value}
    validation = roster_validate(rows=[RosterRow(2, row)])
    assert validation.errors == []
    assert validation.new[0].level.code == code


# --- Template -------------------------------------------------------------------------------------


def test_xlsx_template_has_header_example_and_instructions(admin_client):
    response = admin_client.get(reverse("people:roster_template"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[1] == INSTRUCTIONS_SHEET
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True, max_row=2))
    assert list(rows[0]) == HEADERS_ZH
    assert rows[1][1] == ROSTER_EXAMPLE_EMAIL
    notes = "\n".join(str(c) for row in workbook[INSTRUCTIONS_SHEET].iter_rows(values_only=True)
                      for c in row if c)
    for expected in ("初级技术经纪人", "中级技术经纪人", "高级技术经理人", "渑池县", "411221",
                     "身份证号", "level_since"):
        assert expected in notes


def test_template_example_row_is_refused_if_left_in(admin_client, admin_user):
    content = admin_client.get(reverse("people:roster_template"), {"format": "xlsx"}).content
    result = roster_import(uploaded_by=admin_user, file=upload("t.xlsx", content))
    assert [(e.row, e.column) for e in result.errors] == [(2, "email")]


def test_filled_xlsx_template_imports(admin_client, django_capture_on_commit_callbacks):
    url = "/en" + reverse("people:roster_template")
    content = admin_client.get(url, {"format": "xlsx"}).content
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS_EN
    # As a person fills it in: over the example row and on down (the rows below are
    # pre-formatted, so appending would land after them).
    for number, row in enumerate(good_rows(), start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("people:roster_import"),
                                     {"file": upload("filled.xlsx", out.getvalue())})
    record = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:roster_import_detail", args=[record.pk])
    assert record.created_count == 3
    assert len(mail.outbox) == 3
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert "王芳" in page.content.decode() and "wangfang@example.test" in page.content.decode()
    back_office = admin_client.get(reverse("admin:people_invitation_changelist"),
                                   {"roster_import__id__exact": record.pk})
    assert back_office.status_code == 200
    assert "wangfang@example.test" in back_office.content.decode() or "王芳" in (
        back_office.content.decode())


def test_filled_csv_template_imports(admin_client, admin_user, django_capture_on_commit_callbacks):
    response = admin_client.get(reverse("people:roster_template"), {"format": "csv"})
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    header, example = list(csv.reader(io.StringIO(text)))
    assert header == HEADERS_ZH and example[1] == ROSTER_EXAMPLE_EMAIL
    filled = csv_bytes(good_rows(), headers=header)
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(uploaded_by=admin_user, file=upload("filled.csv", filled))
    assert result.ok and len(result.created) == 3


def test_unknown_template_format_is_a_bad_request(admin_client):
    assert admin_client.get(reverse("people:roster_template"), {"format": "pdf"}).status_code == 400


# --- Permissions and audit -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["broker", "trainer", "auditor"])
def test_only_admins_may_import(client, mfa_enrolled, role, request):
    user = request.getfixturevalue(role)
    if role != "broker":
        mfa_enrolled(user)
    client.force_login(user)
    record = RosterImport.objects.create(file_name="x.csv", file_sha256="0" * 64)
    before = counts()
    assert client.get(reverse("people:roster_import")).status_code == 403
    assert client.get(reverse("people:roster_template")).status_code == 403
    assert client.get(reverse("people:roster_import_detail", args=[record.pk])).status_code == 403
    response = client.post(reverse("people:roster_import"),
                           {"file": upload("r.csv", csv_bytes(good_rows()))})
    assert response.status_code == 403
    assert counts() == before


def test_anonymous_is_sent_to_login(client, db):
    for url in (reverse("people:roster_import"), reverse("people:roster_template")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_upload_page_lists_columns_templates_and_an_empty_history(admin_client):
    response = admin_client.get(reverse("people:roster_import"))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("people:roster_template") + "?format=xlsx" in html
    assert "等级取得日期" in html
    assert 'class="empty-state"' in html


def test_admin_sees_the_import_in_the_audit_trail(admin_client, admin_user,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("people:roster_import"),
                          {"file": upload("r.csv", csv_bytes(good_rows()))})
    record = RosterImport.objects.get()
    event = AuditEvent.objects.get(action="people.roster_imported")
    assert (event.subject_type, event.subject_id) == ("people.rosterimport", str(record.pk))
    assert event.actor_label == admin_user.email
    response = admin_client.get(reverse("admin:audit_auditevent_changelist"),
                                {"action": "people.roster_imported"})
    assert response.status_code == 200
    assert "people.roster_imported" in response.content.decode()
    response = admin_client.get(reverse("admin:people_rosterimport_changelist"))
    assert "r.csv" in response.content.decode()


def test_rows_after_a_long_run_of_empty_rows_are_still_read(admin_user):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS_ZH)
    sheet.append(good_rows()[0])
    for column, value in enumerate(good_rows()[1], start=1):
        sheet.cell(row=1500, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    result = roster_import(uploaded_by=admin_user, file=upload("gap.xlsx", out.getvalue()))
    assert result.ok, result.errors
    assert [r.number for r in result.created] == [2, 1500]


def test_a_sheet_running_far_beyond_the_row_limit_is_refused(english, admin_user, settings):
    settings.ACADEMY_ROSTER_MAX_ROWS = 5
    content = csv_bytes(good_rows()[:1] + [[""] * 8] * 20010 + good_rows()[1:2])
    result = roster_import(uploaded_by=admin_user, file=upload("long.csv", content))
    (error,) = result.errors
    assert error.row is None and "Delete the empty rows" in error.message
    assert not User.objects.filter(email="wangfang@example.test").exists()


def test_audit_event_lists_the_new_accounts_and_their_role(admin_user):
    result = roster_import(uploaded_by=admin_user, file=upload("r.csv", csv_bytes(good_rows())))
    event = AuditEvent.objects.get(action="people.roster_imported")
    assert event.after["role"] == "broker"
    assert sorted(event.after["created_user_ids"]) == sorted(r.user.pk for r in result.created)
    assert event.after["rows"] == 3 and event.after["file_name"] == "r.csv"


def test_an_account_created_meanwhile_makes_the_import_fail_cleanly(admin_user, monkeypatch):
    """Validation passed, then someone else created one of the accounts: nothing is saved."""
    from academy.people.roster import importing

    real_validate = importing.roster_validate

    def validate_then_race(*, rows):
        validation = real_validate(rows=rows)
        BrokerFactory(user__email="liqiang@example.test")
        return validation

    monkeypatch.setattr(importing, "roster_validate", validate_then_race)
    before_users = User.objects.count()
    result = roster_import(uploaded_by=admin_user, file=upload("r.csv", csv_bytes(good_rows())))
    assert not result.ok and result.errors[0].row is None
    assert User.objects.count() == before_users + 1  # only the racing account
    assert not User.objects.filter(email="wangfang@example.test").exists()
    assert not RosterImport.objects.exists()
