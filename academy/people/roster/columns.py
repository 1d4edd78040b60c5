"""Column definitions, limits and cell text: what every part of roster import shares."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..conf import app_settings
from ..spreadsheets import Column

# --- Limits ------------------------------------------------------------------------------------

#: Largest file accepted, in bytes (setting ``ACADEMY_ROSTER_MAX_BYTES``, default 5 MB).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: Most data rows accepted in one file (setting ``ACADEMY_ROSTER_MAX_ROWS``, default 5,000).
DEFAULT_MAX_ROWS = 5000


def roster_max_bytes() -> int:
    return app_settings.ROSTER_MAX_BYTES


def roster_max_rows() -> int:
    return app_settings.ROSTER_MAX_ROWS


# --- Columns -----------------------------------------------------------------------------------


COLUMNS: tuple[Column, ...] = (
    Column(
        "full_name", "姓名", "name", pgettext_lazy("roster column", "Name"), True,
        _("Full name as on the ID card."),
        ("full name", "full_name", "fullname"),
    ),
    Column(
        "email", "邮箱", "email", pgettext_lazy("roster column", "E-mail"), True,
        _("Used to log in; the invitation is sent here. One person per address."),
        ("电子邮箱", "电子邮件", "邮件", "e-mail", "email address", "e-mail address"),
    ),
    Column(
        "national_id", "身份证号", "national_id",
        pgettext_lazy("roster column", "National ID number"), False,
        _("18 characters, checked with the GB 11643 check digit. Format the column as text "
          "in Excel, or the last digits are lost."),
        ("身份证号码", "身份证", "公民身份号码", "national id", "id number", "national id number"),
    ),
    Column(
        "phone", "手机", "phone", pgettext_lazy("roster column", "Mobile phone"), False,
        _("11-digit mainland mobile number."),
        ("手机号", "手机号码", "联系电话", "电话", "mobile", "mobile phone"),
    ),
    Column(
        "region", "区域", "region", pgettext_lazy("roster column", "Region"), True,
        _("County or district: its name or code (see the list below)."),
        ("地区", "县区", "县(市、区)", "所属区域", "所在区域"),
    ),
    Column(
        "organisation", "单位", "organisation", pgettext_lazy("roster column", "Organisation"),
        False,
        _("Employer; created if it does not exist yet."),
        ("工作单位", "所在单位", "单位名称", "organization", "employer"),
    ),
    Column(
        "level", "等级", "level", pgettext_lazy("roster column", "Level"), True,
        _("初级/中级/高级 or junior/intermediate/senior (see the list below)."),
        ("级别", "当前等级"),
    ),
    Column(
        "level_since", "等级取得日期", "level_since",
        pgettext_lazy("roster column", "Level reached on"), False,
        _("Date, e.g. 2024-06-01."),
        ("取得日期", "获得日期", "取证日期", "level since", "level reached on", "level date"),
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# Columns that spreadsheets commonly carry and that mean nothing here; ignored without a word.
SILENTLY_IGNORED_HEADERS = {"序号", "编号", "no", "no.", "#", "备注", "remarks", "note", "notes"}

#: The template's example row uses this address; importing it unchanged is an error.
ROSTER_EXAMPLE_EMAIL = "zhangsan@example.com"


def header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    text = re.sub(r"\(.*?\)", "", text)  # "姓名（必填）", "email (required)"
    return re.sub(r"[\s*:：]+", " ", text).strip()


_HEADER_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.key, _column.header_zh, _column.header_en, *_column.aliases):
        _HEADER_ALIASES[header_key(_alias)] = _column.key
        _HEADER_ALIASES[header_key(_alias).replace(" ", "")] = _column.key


def column_for_header(header: Any) -> str | None:
    key = header_key(cell_text(header))
    return _HEADER_ALIASES.get(key) or _HEADER_ALIASES.get(key.replace(" ", ""))


# --- Cells ----------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as trimmed text: numbers without a trailing .0, Excel's ="..." text trick undone."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).replace("\ufeff", "").replace("\u200b", "").strip(" \t\r\n\u3000\xa0")
    match = re.fullmatch(r'="(.*)"', text)
    if match:
        text = match.group(1).strip()
    return text


def cells_blank(cells: Iterable[Any]) -> bool:
    return all(cell_text(cell) == "" for cell in cells)
