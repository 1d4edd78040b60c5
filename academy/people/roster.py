"""Roster import: brokers from an XLSX or CSV file, all rows or none.

``roster_parse`` reads the file into rows of raw cells, ``roster_validate`` checks every row
(formats, reference data, duplicates inside the file and against the database) and
``roster_import`` saves a clean file in one transaction: accounts with unusable passwords,
unverified e-mail addresses, broker profiles, the broker role, invitations (e-mailed after
commit), a ``RosterImport`` record and one audit event. A file with any error saves nothing.
A row describing an existing broker exactly as the database has them is "unchanged", so
importing the same file twice changes nothing the second time.

The downloadable template (``roster_template_xlsx`` / ``roster_template_csv``) uses the
same column definitions, so a filled-in template always imports.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from academy.audit.services import audit_record
from academy.errors import ApplicationError

from .invitations import invitation_create_many
from .models import BrokerProfile, Level, Organisation, Region, RosterImport, User
from .roles import Role
from .services import role_groups_ensure
from .validators import (
    mask_national_id,
    mask_phone,
    national_id_check_digit,
    national_id_normalise,
    phone_normalise,
    validate_national_id,
    validate_phone,
)

# --- Limits ------------------------------------------------------------------------------------

#: Largest file accepted, in bytes (setting ``ACADEMY_ROSTER_MAX_BYTES``, default 5 MB).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: Most data rows accepted in one file (setting ``ACADEMY_ROSTER_MAX_ROWS``, default 5,000).
DEFAULT_MAX_ROWS = 5000
_MAX_COLUMNS = 60
# Excel files often carry formatted but empty rows after the data; they are read (data may
# follow them) but only up to this many beyond the row limit.
_EXTRA_BLANK_ROWS_READ = 20000
_HEADER_SEARCH_ROWS = 10


def roster_max_bytes() -> int:
    return getattr(settings, "ACADEMY_ROSTER_MAX_BYTES", DEFAULT_MAX_BYTES)


def roster_max_rows() -> int:
    return getattr(settings, "ACADEMY_ROSTER_MAX_ROWS", DEFAULT_MAX_ROWS)


# --- Columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header_zh: str
    header_en: str
    label: Promise
    required: bool
    description: Promise
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("full_name", "姓名", "name", _("Name"), True,
           _("Full name as on the ID card."), ("full name", "full_name", "fullname")),
    Column("email", "邮箱", "email", _("E-mail"), True,
           _("Used to log in; the invitation is sent here. One person per address."),
           ("电子邮箱", "电子邮件", "邮件", "e-mail", "email address", "e-mail address")),
    Column("national_id", "身份证号", "national_id", _("National ID number"), False,
           _("18 characters, checked with the GB 11643 check digit. Format the column as text "
             "in Excel, or the last digits are lost."),
           ("身份证号码", "身份证", "公民身份号码", "national id", "id number", "national id number")),
    Column("phone", "手机", "phone", _("Mobile phone"), False,
           _("11-digit mainland mobile number."),
           ("手机号", "手机号码", "联系电话", "电话", "mobile", "mobile phone")),
    Column("region", "区域", "region", _("Region"), True,
           _("County or district: its name or code (see the list below)."),
           ("地区", "县区", "县(市、区)", "所属区域", "所在区域")),
    Column("organisation", "单位", "organisation", _("Organisation"), False,
           _("Employer; created if it does not exist yet."),
           ("工作单位", "所在单位", "单位名称", "organization", "employer")),
    Column("level", "等级", "level", _("Level"), True,
           _("初级/中级/高级 or junior/intermediate/senior (see the list below)."),
           ("级别", "当前等级")),
    Column("level_since", "等级取得日期", "level_since", _("Level reached on"), False,
           _("Date, e.g. 2024-06-01."),
           ("取得日期", "获得日期", "取证日期", "level since", "level reached on", "level date")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# Columns that spreadsheets commonly carry and that mean nothing here; ignored without a word.
_SILENTLY_IGNORED = {"序号", "编号", "no", "no.", "#", "备注", "remarks", "note", "notes"}

#: The template's example row uses this address; importing it unchanged is an error.
ROSTER_EXAMPLE_EMAIL = "zhangsan@example.com"


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    text = re.sub(r"\(.*?\)", "", text)  # "姓名（必填）", "email (required)"
    return re.sub(r"[\s*:：]+", " ", text).strip()


_HEADER_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.key, _column.header_zh, _column.header_en, *_column.aliases):
        _HEADER_ALIASES[_header_key(_alias)] = _column.key
        _HEADER_ALIASES[_header_key(_alias).replace(" ", "")] = _column.key


def column_for_header(header: Any) -> str | None:
    key = _header_key(_text(header))
    return _HEADER_ALIASES.get(key) or _HEADER_ALIASES.get(key.replace(" ", ""))


# --- Results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterError:
    """One problem: ``row`` as the spreadsheet numbers it (None for the whole file)."""

    row: int | None
    column: str  # a Column.key, or "" for the whole file or row
    message: str

    @property
    def column_label(self) -> str:
        column = COLUMN_BY_KEY.get(self.column)
        return str(column.label) if column else ""


@dataclass
class RosterRow:
    """The raw cells of one data row, keyed by column key."""

    number: int
    values: dict[str, Any]


@dataclass
class ParsedRoster:
    file_name: str
    rows: list[RosterRow]
    columns: list[str]
    ignored_headers: list[str] = field(default_factory=list)


@dataclass
class CleanRow:
    """A row that passed validation, with its values normalised and resolved."""

    number: int
    full_name: str
    email: str
    national_id: str
    phone: str
    region: Region
    organisation: str
    level: Level
    level_since: datetime.date | None
    user: User | None = None  # the account, once created or when unchanged


@dataclass
class RosterValidation:
    new: list[CleanRow]
    unchanged: list[CleanRow]
    errors: list[RosterError]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class RosterImportResult:
    file_name: str
    rows_total: int = 0
    created: list[CleanRow] = field(default_factory=list)
    unchanged: list[CleanRow] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    record: RosterImport | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def file_errors(self) -> list[RosterError]:
        return [error for error in self.errors if error.row is None]

    @property
    def row_errors(self) -> list[RosterError]:
        return [error for error in self.errors if error.row is not None]

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.errors if error.row is not None})


# --- Reading files -------------------------------------------------------------------------------


def _text(value: Any) -> str:
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


def _is_blank(cells: Iterable[Any]) -> bool:
    return all(_text(cell) == "" for cell in cells)


def _file_kind(file_name: str, content: bytes) -> str:
    extension = os.path.splitext(file_name)[1].lower()
    if content[:4] == b"PK\x03\x04":
        return "xlsx"
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or extension == ".xls":
        raise ApplicationError(
            _("This is an old Excel file (.xls). Open it in Excel or WPS and save it as .xlsx, "
              "or as CSV.")
        )
    if extension in (".xlsx", ".xlsm"):
        raise ApplicationError(_("This file is not a valid .xlsx workbook."))
    if extension in (".csv", ".txt", ""):
        return "csv"
    raise ApplicationError(_("Upload an .xlsx or .csv file."))


def _rows_xlsx(content: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it does not read (data validation, styles).
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise ApplicationError(_("This file is not a valid .xlsx workbook.")) from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # Some programs write a wrong sheet size; read up to the real last row instead.
        sheet.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield from sheet.iter_rows(values_only=True, max_col=_MAX_COLUMNS)
    except ApplicationError:
        raise
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise ApplicationError(_("This file is not a valid .xlsx workbook.")) from exc
    finally:
        workbook.close()


def _decode_csv(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK: Excel's CSV in China)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ApplicationError(
            _("The CSV file's text encoding was not recognised; save it as UTF-8 or GBK.")
        ) from exc


def _rows_csv(content: bytes) -> Iterator[list[str]]:
    text = _decode_csv(content)
    sample = text[:4096]
    first_line = sample.splitlines()[0] if sample else ""
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise ApplicationError(_("The CSV file could not be read: %(error)s") % {"error": exc}) \
            from exc


def roster_parse(*, file_name: str, content: bytes) -> ParsedRoster:
    """Read an XLSX (first sheet) or CSV roster into rows of raw cells.

    The header row is the first of the top rows that names at least two known columns
    (a title row above it is allowed); Chinese and English headers are accepted. Empty rows
    are skipped. Raises ``ApplicationError`` for problems with the file as a whole: too
    large, unreadable, no header, a required column missing, a column twice, too many rows.
    """
    max_bytes = roster_max_bytes()
    if len(content) > max_bytes:
        raise ApplicationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
            % {"size": f"{len(content) / 1048576:.1f}", "limit": f"{max_bytes / 1048576:g}"}
        )
    if not content.strip():
        raise ApplicationError(_("The file is empty."))
    kind = _file_kind(file_name, content)
    source: Iterator[Any] = _rows_xlsx(content) if kind == "xlsx" else _rows_csv(content)

    header_row = 0
    positions: dict[int, str] = {}
    ignored: list[str] = []
    max_rows = roster_max_rows()
    rows: list[RosterRow] = []
    for number, cells in enumerate(source, start=1):
        cells = tuple(cells)
        if not header_row:
            if number > _HEADER_SEARCH_ROWS:
                break
            found = {i: column_for_header(cell) for i, cell in enumerate(cells)}
            if sum(1 for key in found.values() if key) >= 2:
                header_row = number
                positions, ignored = _header_positions(cells, found)
            continue
        if number > max_rows + _EXTRA_BLANK_ROWS_READ:
            raise ApplicationError(
                _("The sheet goes on beyond row %(row)s, most of it empty. Delete the empty rows "
                  "below your data (or copy the data to a new file) and upload it again.")
                % {"row": f"{max_rows + _EXTRA_BLANK_ROWS_READ:,}"}
            )
        if _is_blank(cells[i] for i in positions if i < len(cells)):
            continue
        if len(rows) >= max_rows:
            raise ApplicationError(
                _("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": f"{max_rows:,}"}
            )
        values = {key: cells[i] if i < len(cells) else None for i, key in positions.items()}
        rows.append(RosterRow(number=number, values=values))
    if not header_row:
        raise ApplicationError(
            _("No header row was found. The first row must name the columns, e.g. %(headers)s.")
            % {"headers": ", ".join(column.header_zh for column in COLUMNS)}
        )
    if not rows:
        raise ApplicationError(_("The file has a header row but no data rows."))
    return ParsedRoster(
        file_name=file_name, rows=rows, columns=list(positions.values()), ignored_headers=ignored
    )


def _header_positions(
    cells: tuple[Any, ...], found: dict[int, str | None]
) -> tuple[dict[int, str], list[str]]:
    positions: dict[int, str] = {}
    ignored: list[str] = []
    for index, key in found.items():
        header = _text(cells[index])
        if key is None:
            if header and _header_key(header) not in _SILENTLY_IGNORED:
                ignored.append(header)
            continue
        if key in positions.values():
            raise ApplicationError(
                _("The column “%(column)s” appears twice in the header row.")
                % {"column": COLUMN_BY_KEY[key].label}
            )
        positions[index] = key
    missing = [column for column in COLUMNS if column.required and column.key not in
               positions.values()]
    if missing:
        raise ApplicationError(
            ngettext(
                "A required column is missing: %(columns)s.",
                "Required columns are missing: %(columns)s.",
                len(missing),
            )
            % {"columns": ", ".join(f"{c.header_zh} / {c.header_en}" for c in missing)}
        )
    return positions, ignored


# --- Validating rows -----------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", _text(value)).strip()


def _lookup_key(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).lower()


def _clean_full_name(value: Any) -> str:
    name = re.sub(r"\s+", " ", _text(value))
    if len(name) > 100:
        raise _Invalid(gettext("A name can have at most 100 characters."))
    return name


def _clean_email(value: Any) -> str:
    email = _nfkc(value).lower()
    if email.startswith("mailto:"):
        email = email[len("mailto:"):]
    try:
        validate_email(email)
    except ValidationError:
        raise _Invalid(gettext("“%(value)s” is not a valid e-mail address.") % {"value": email}) \
            from None
    if email == ROSTER_EXAMPLE_EMAIL:
        raise _Invalid(gettext("This is the template's example row; delete it before importing."))
    return email


def _clean_national_id(value: Any) -> str:
    if isinstance(value, float):
        raise _Invalid(gettext(
            "Excel stored this ID number as a number and rounded its last digits. Format the "
            "column as text and type the number again."
        ))
    number = national_id_normalise(_nfkc(value).lstrip("'"))
    try:
        validate_national_id(number)
    except ValidationError as exc:
        raise _Invalid(" ".join(str(m) for m in exc.messages)) from None
    return number


def _clean_phone(value: Any) -> str:
    phone = phone_normalise(_nfkc(value).lstrip("'"))
    try:
        validate_phone(phone)
    except ValidationError as exc:
        raise _Invalid(" ".join(str(m) for m in exc.messages)) from None
    return phone


def _clean_organisation(value: Any) -> str:
    name = re.sub(r"\s+", " ", _text(value))
    if len(name) > 200:
        raise _Invalid(gettext("An organisation name can have at most 200 characters."))
    return name


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _clean_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = _nfkc(value)
        text = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", text)  # a time of 00:00:00
        day = None
        try:
            match = _DATE_RE.match(text)
            if match:
                day = datetime.date(*(int(part) for part in match.groups()))
            elif re.fullmatch(r"\d{8}", text):
                day = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
            elif re.fullmatch(r"\d{4,5}(\.0+)?", text):
                # An Excel serial day number, as a date cell becomes in some CSV exports.
                from openpyxl.utils.datetime import from_excel

                day = from_excel(float(text)).date()
        except (ValueError, OverflowError, TypeError):
            raise _Invalid(gettext("“%(value)s” is not a real date.") % {"value": text}) from None
        if day is None:
            raise _Invalid(
                gettext("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 2024-06-01.")
                % {"value": text}
            )
    if day > timezone.localdate():
        raise _Invalid(gettext("The date %(date)s is in the future.") % {"date": day.isoformat()})
    if day.year < 1950:
        raise _Invalid(gettext("The date %(date)s is not plausible.") % {"date": day.isoformat()})
    return day


class _Reference:
    """Levels and regions by every name people use for them (one query each)."""

    def __init__(self) -> None:
        self.levels: dict[str, Level] = {}
        self.regions: dict[str, Region] = {}
        level_list = list(Level.objects.order_by("rank"))
        for level in level_list:
            aliases = {level.code, level.name, level.name_en}
            # "初级" for 初级技术经纪人, "junior" for "Junior technology broker".
            if len(level.name) > 2:
                aliases.add(level.name[:2])
            if level.name_en:
                aliases.add(level.name_en.split()[0])
            for alias in aliases:
                self._add(self.levels, alias, level)
        for region in Region.objects.all():
            for alias in (region.code, region.name, region.name_en):
                self._add(self.regions, alias, region)
        self.level_list = level_list

    @staticmethod
    def _add(table: dict, alias: str, obj: Any) -> None:
        key = _lookup_key(alias)
        if not key:
            return
        if key in table and table[key] != obj:
            table[key] = None  # ambiguous: accepted for neither
        else:
            table[key] = obj

    def level(self, value: Any) -> Level:
        level = self.levels.get(_lookup_key(_text(value)))
        if level is None:
            raise _Invalid(
                gettext("Unknown level “%(value)s”. Use one of: %(allowed)s.")
                % {"value": _text(value),
                   "allowed": ", ".join(f"{lv.name[:2]} / {lv.code}" for lv in self.level_list)}
            )
        return level

    def region(self, value: Any) -> Region:
        region = self.regions.get(_lookup_key(_text(value)))
        if region is None:
            raise _Invalid(
                gettext("Unknown region “%(value)s”. Use a region's name or code from the "
                        "template's instructions sheet.") % {"value": _text(value)}
            )
        return region


_CLEANERS = {
    "full_name": _clean_full_name,
    "email": _clean_email,
    "national_id": _clean_national_id,
    "phone": _clean_phone,
    "organisation": _clean_organisation,
    "level_since": _clean_date,
}


def _clean_row(
    row: RosterRow, reference: _Reference
) -> tuple[dict[str, Any], list[RosterError]]:
    clean: dict[str, Any] = {}
    errors: list[RosterError] = []
    for column in COLUMNS:
        raw = row.values.get(column.key)
        if _text(raw) == "":
            if column.required:
                errors.append(RosterError(row.number, column.key, gettext("This field is required.")))
            else:
                clean[column.key] = None if column.key == "level_since" else ""
            continue
        try:
            if column.key == "level":
                clean[column.key] = reference.level(raw)
            elif column.key == "region":
                clean[column.key] = reference.region(raw)
            else:
                clean[column.key] = _CLEANERS[column.key](raw)
        except _Invalid as exc:
            errors.append(RosterError(row.number, column.key, exc.message))
    return clean, errors


def roster_validate(*, rows: list[RosterRow]) -> RosterValidation:
    """Check every row and sort the good ones into new and unchanged.

    Reports, per row and column: required fields, formats (e-mail, GB 11643 ID, mobile,
    date), unknown region or level, an e-mail or ID that appears twice in the file, an ID
    that belongs to another account, and an existing account whose data differ from the
    row (naming each difference). A row equal to an existing broker is "unchanged". Costs
    a constant number of queries whatever the number of rows.
    """
    reference = _Reference()
    errors: list[RosterError] = []
    cleaned: list[tuple[RosterRow, dict[str, Any]]] = []
    first_row_of_email: dict[str, int] = {}
    first_row_of_id: dict[str, int] = {}
    for row in rows:
        clean, row_errors = _clean_row(row, reference)
        errors.extend(row_errors)
        email, national_id = clean.get("email"), clean.get("national_id")
        if email:
            if email in first_row_of_email:
                errors.append(RosterError(row.number, "email", gettext(
                    "The same e-mail address is already in row %(row)s of this file."
                ) % {"row": first_row_of_email[email]}))
                clean.pop("email")
            else:
                first_row_of_email[email] = row.number
        if national_id:
            if national_id in first_row_of_id:
                errors.append(RosterError(row.number, "national_id", gettext(
                    "The same ID number is already in row %(row)s of this file."
                ) % {"row": first_row_of_id[national_id]}))
                clean.pop("national_id")
            else:
                first_row_of_id[national_id] = row.number
        cleaned.append((row, clean))

    existing = _existing_accounts(
        emails=list(first_row_of_email), national_ids=list(first_row_of_id)
    )
    new: list[CleanRow] = []
    unchanged: list[CleanRow] = []
    for row, clean in cleaned:
        row_errors = _check_against_database(row.number, clean, existing)
        errors.extend(row_errors)
        if row_errors or len(clean) < len(COLUMNS):
            continue  # invalid somewhere: reported above
        clean_row = CleanRow(number=row.number, **clean)
        user = existing.users.get(clean_row.email)
        if user is not None:
            clean_row.user = user
            unchanged.append(clean_row)
        else:
            new.append(clean_row)
    errors.sort(key=lambda e: (e.row or 0, [c.key for c in COLUMNS].index(e.column)
                               if e.column in COLUMN_BY_KEY else -1))
    return RosterValidation(new=new, unchanged=unchanged, errors=errors)


@dataclass
class _Existing:
    users: dict[str, User]  # by e-mail
    id_owner: dict[str, User]  # national ID → account
    address_owner: dict[str, int]  # e-mail address (allauth) → user id


def _existing_accounts(*, emails: list[str], national_ids: list[str]) -> _Existing:
    users: dict[str, User] = {}
    id_owner: dict[str, User] = {}
    address_owner: dict[str, int] = {}
    for chunk in _chunks(emails):
        for user in User.objects.filter(email__in=chunk).select_related(
            "broker_profile__level", "broker_profile__region", "broker_profile__organisation"
        ):
            users[user.email] = user
        for email, user_id in EmailAddress.objects.filter(email__in=chunk).values_list(
            "email", "user_id"
        ):
            address_owner[email.lower()] = user_id
    for chunk in _chunks(national_ids):
        for profile in BrokerProfile.objects.filter(national_id__in=chunk).select_related("user"):
            id_owner[profile.national_id] = profile.user
    return _Existing(users=users, id_owner=id_owner, address_owner=address_owner)


def _chunks(items: list[str], size: int = 900) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _shown(key: str, value: Any) -> str:
    if value in (None, ""):
        return gettext("(empty)")
    if key == "national_id":
        return mask_national_id(value)
    if key == "phone":
        return mask_phone(value)
    if isinstance(value, (Level, Region)):
        return value.display_name
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _check_against_database(
    number: int, clean: dict[str, Any], existing: _Existing
) -> list[RosterError]:
    errors: list[RosterError] = []
    email = clean.get("email")
    user = existing.users.get(email) if email else None
    national_id = clean.get("national_id")
    if national_id:
        owner = existing.id_owner.get(national_id)
        if owner is not None and owner.email != email:
            errors.append(RosterError(number, "national_id", gettext(
                "This ID number already belongs to another account (%(email)s)."
            ) % {"email": owner.email}))
    if not email:
        return errors
    address_owner = existing.address_owner.get(email)
    if address_owner is not None and (user is None or address_owner != user.pk):
        errors.append(RosterError(number, "email", gettext(
            "This e-mail address is already used by another account."
        )))
        return errors
    if user is None:
        return errors
    profile = getattr(user, "broker_profile", None)
    if profile is None:
        errors.append(RosterError(number, "email", gettext(
            "This e-mail address belongs to an existing account that is not a broker; "
            "change that account in the back office instead."
        )))
        return errors
    current = {
        "full_name": user.full_name,
        "national_id": profile.national_id,
        "phone": phone_normalise(profile.phone),
        "region": profile.region,
        "organisation": profile.organisation.name if profile.organisation else "",
        "level": profile.level,
        "level_since": profile.level_since,
    }
    for key, value in current.items():
        if key not in clean or clean[key] == value:
            continue
        errors.append(RosterError(number, key, gettext(
            "An account with this e-mail already exists and differs here: the file says "
            "“%(file)s”, the account has “%(account)s”."
        ) % {"file": _shown(key, clean[key]), "account": _shown(key, value)}))
    return errors


# --- Importing ---------------------------------------------------------------------------------


def roster_import(*, uploaded_by: User, file: Any) -> RosterImportResult:
    """Import an uploaded roster file: every row or nothing.

    ``file`` is an uploaded file (``name``, ``size``, ``read()``). Returns a
    ``RosterImportResult``: with ``errors`` (file-level ones have no row) nothing was saved;
    otherwise ``created`` and ``unchanged`` rows and the ``RosterImport`` record. Invitation
    e-mails are queued when the transaction commits.
    """
    file_name = os.path.basename(getattr(file, "name", "") or "roster")[:255]
    result = RosterImportResult(file_name=file_name)
    max_bytes = roster_max_bytes()
    size = getattr(file, "size", None)
    content = file.read(max_bytes + 1) if size is None or size <= max_bytes else b""
    if size is not None and size > max_bytes or len(content) > max_bytes:
        result.errors.append(RosterError(None, "", gettext(
            "The file is larger than %(limit)s MB. Split it into smaller files."
        ) % {"limit": f"{max_bytes / 1048576:g}"}))
        return result
    try:
        parsed = roster_parse(file_name=file_name, content=content)
    except ApplicationError as exc:
        result.errors.append(RosterError(None, "", str(exc.message)))
        return result
    result.rows_total = len(parsed.rows)
    if parsed.ignored_headers:
        result.warnings.append(gettext("These columns were not recognised and were ignored: "
                                       "%(columns)s.") % {"columns": ", ".join(
                                           parsed.ignored_headers)})
    validation = roster_validate(rows=parsed.rows)
    if validation.errors:
        result.errors = validation.errors
        return result
    try:
        with transaction.atomic(durable=True):
            result.record = _roster_save(
                uploaded_by=uploaded_by,
                file_name=file_name,
                file_sha256=hashlib.sha256(content).hexdigest(),
                validation=validation,
                rows_total=len(parsed.rows),
            )
    except IntegrityError:
        # Another import or an admin created one of these accounts since validation ran.
        result.errors.append(RosterError(None, "", gettext(
            "Some of these accounts were changed by someone else at the same moment. Nothing "
            "was imported; please upload the file again."
        )))
        return result
    result.created = validation.new
    result.unchanged = validation.unchanged
    return result


def _roster_save(
    *,
    uploaded_by: User,
    file_name: str,
    file_sha256: str,
    validation: RosterValidation,
    rows_total: int,
) -> RosterImport:
    record = RosterImport.objects.create(
        uploaded_by=uploaded_by,
        file_name=file_name,
        file_sha256=file_sha256,
        rows_total=rows_total,
        created_count=len(validation.new),
        unchanged_count=len(validation.unchanged),
    )
    rows = validation.new
    if rows:
        organisations = _organisations_ensure(rows)
        users = User.objects.bulk_create([_new_user(row) for row in rows])
        for row, user in zip(rows, users, strict=True):
            row.user = user
        EmailAddress.objects.bulk_create([
            EmailAddress(user=user, email=user.email, verified=False, primary=True)
            for user in users
        ])
        BrokerProfile.objects.bulk_create([
            BrokerProfile(
                user=row.user,
                level=row.level,
                level_since=row.level_since,
                region=row.region,
                organisation=organisations.get(row.organisation),
                phone=row.phone,
                national_id=row.national_id,
            )
            for row in rows
        ])
        _broker_role_grant(users)
        invitation_create_many(users=users, created_by=uploaded_by, roster_import=record)
    audit_record(
        action="people.roster_imported",
        subject=record,
        after={
            "file_name": file_name,
            "sha256": file_sha256,
            "rows": rows_total,
            "created": len(validation.new),
            "unchanged": len(validation.unchanged),
            # The new accounts and the role they were given, recorded here once rather than
            # as one role-change event per account (which made large imports take minutes).
            "role": Role.BROKER.value,
            "created_user_ids": [row.user.pk for row in rows if row.user],
        },
        actor=uploaded_by,
    )
    return record


def _broker_role_grant(users: list[User]) -> None:
    """Give brand-new accounts the broker role in one insert (see ``user_set_roles``)."""
    group = Group.objects.filter(name=Role.BROKER).first()
    if group is None:
        role_groups_ensure()
        group = Group.objects.get(name=Role.BROKER)
    membership = User.groups.through
    membership.objects.bulk_create(
        [membership(user_id=user.pk, group_id=group.pk) for user in users]
    )


def _new_user(row: CleanRow) -> User:
    user = User(email=row.email, full_name=row.full_name)
    user.set_unusable_password()
    return user


def _organisations_ensure(rows: list[CleanRow]) -> dict[str, Organisation]:
    names = {row.organisation for row in rows if row.organisation}
    found = {o.name: o for o in Organisation.objects.filter(name__in=names)}
    for row in rows:
        if row.organisation and row.organisation not in found:
            found[row.organisation] = Organisation.objects.create(
                name=row.organisation, region=row.region, kind=Organisation.Kind.OTHER
            )
    return found


# --- The template --------------------------------------------------------------------------------


def _headers() -> list[str]:
    english = (get_language() or "").startswith("en")
    return [column.header_en if english else column.header_zh for column in COLUMNS]


def _example_row() -> list[Any]:
    first17 = "41120219900101123"
    region = Region.objects.order_by("sort_order", "code").first()
    level = Level.objects.order_by("rank").first()
    return [
        "张三",
        ROSTER_EXAMPLE_EMAIL,
        first17 + national_id_check_digit(first17),
        "13800138000",
        region.name if region else "",
        "三门峡示例科技有限公司",
        (level.name[:2] if len(level.name) > 2 else level.name) if level else "",
        datetime.date(2024, 6, 1),
    ]


def roster_template_csv() -> bytes:
    """The CSV template: header and example row, UTF-8 with a BOM so that Excel shows Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers())
    writer.writerow([_text(value) for value in _example_row()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


INSTRUCTIONS_SHEET = "说明"


def roster_template_xlsx() -> bytes:
    """The XLSX template: the roster sheet (header, example row, text-formatted ID and phone
    columns, drop-down lists for level and region) and the instructions sheet "说明"."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Roster")[:31]
    sheet.append(_headers())
    sheet.append(_example_row())
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DCE6F1")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.fill = fill
        sheet.column_dimensions[get_column_letter(index)].width = (
            {"email": 28, "national_id": 22, "organisation": 30, "level_since": 14}
            .get(column.key, 12)
        )
    sheet.freeze_panes = "A2"
    text_columns = [i for i, c in enumerate(COLUMNS, start=1) if c.key in ("national_id", "phone")]
    date_column = [i for i, c in enumerate(COLUMNS, start=1) if c.key == "level_since"][0]
    for row in range(2, 1002):
        for index in text_columns:
            sheet.cell(row=row, column=index).number_format = "@"
        sheet.cell(row=row, column=date_column).number_format = "yyyy-mm-dd"

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 22
    notes.column_dimensions["C"].width = 12
    notes.column_dimensions["D"].width = 80
    notes.append([gettext("How to fill in the roster")])
    notes["A1"].font = Font(bold=True, size=14)
    for line in (
        gettext("One broker per row on the first sheet; delete the example row (张三)."),
        gettext("If any row has an error, nothing is imported and every error is listed "
                "with its row and column."),
        gettext("A person already in the system with the same data is left unchanged; "
                "new people receive an invitation e-mail to set their password."),
        gettext("At most %(rows)s rows and %(size)s MB per file.")
        % {"rows": f"{roster_max_rows():,}", "size": f"{roster_max_bytes() / 1048576:g}"},
    ):
        notes.append([line])
    notes.append([])
    notes.append([gettext("Column (Chinese)"), gettext("Column (English)"), gettext("Required"),
                  gettext("What to enter")])
    _bold_row(notes, bold)
    for column in COLUMNS:
        notes.append([column.header_zh, column.header_en,
                      gettext("yes") if column.required else gettext("no"),
                      str(column.description)])
    notes.append([])
    notes.append([gettext("Levels"), gettext("Code"), gettext("Also accepted")])
    _bold_row(notes, bold)
    level_first = notes.max_row + 1
    for level in Level.objects.order_by("rank"):
        short = level.name[:2] if len(level.name) > 2 else ""
        notes.append([level.name, level.code,
                      ", ".join(a for a in (short, level.name_en) if a)])
    level_last = notes.max_row
    notes.append([])
    notes.append([gettext("Regions"), gettext("Code"), gettext("English name")])
    _bold_row(notes, bold)
    region_first = notes.max_row + 1
    for region in Region.objects.order_by("sort_order", "code"):
        notes.append([region.name, region.code, region.name_en])
    region_last = notes.max_row

    for key, first, last in (("level", level_first, level_last),
                             ("region", region_first, region_last)):
        if last < first:
            continue
        index = [c.key for c in COLUMNS].index(key) + 1
        letter = get_column_letter(index)
        validation = DataValidation(
            type="list",
            formula1=f"'{INSTRUCTIONS_SHEET}'!$A${first}:$A${last}",
            allow_blank=True,
            showErrorMessage=False,  # short forms (初级, codes) are accepted too
        )
        validation.add(f"{letter}2:{letter}1001")
        sheet.add_data_validation(validation)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _bold_row(sheet: Any, font: Any) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = font
