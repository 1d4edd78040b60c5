"""Checking every row: formats, reference data, duplicates, the database."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext

from ..models import BrokerProfile, Level, Region, User
from ..validators import (
    mask_national_id,
    mask_phone,
    national_id_normalise,
    phone_normalise,
    validate_national_id,
    validate_phone,
)
from .columns import COLUMN_BY_KEY, COLUMNS, ROSTER_EXAMPLE_EMAIL, cell_text
from .results import CleanRow, RosterError, RosterRow, RosterValidation

# --- Validating rows -----------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", cell_text(value)).strip()


def _lookup_key(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).lower()


def _clean_full_name(value: Any) -> str:
    name = re.sub(r"\s+", " ", cell_text(value))
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


# What an 18-digit number becomes once Excel has treated it as a number and saved it as CSV.
_SCIENTIFIC_RE = re.compile(r"^\d(\.\d+)?E\+?\d+$")


def _clean_national_id(value: Any) -> str:
    number = national_id_normalise(_nfkc(value).lstrip("'"))
    if isinstance(value, float) or _SCIENTIFIC_RE.match(number):
        raise _Invalid(gettext(
            "Excel stored this ID number as a number and rounded its last digits. Format the "
            "column as text and type the number again."
        ))
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
    name = re.sub(r"\s+", " ", cell_text(value))
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
        level = self.levels.get(_lookup_key(cell_text(value)))
        if level is None:
            raise _Invalid(
                gettext("Unknown level “%(value)s”. Use one of: %(allowed)s.")
                % {"value": cell_text(value),
                   "allowed": ", ".join(f"{lv.name[:2]} / {lv.code}" for lv in self.level_list)}
            )
        return level

    def region(self, value: Any) -> Region:
        region = self.regions.get(_lookup_key(cell_text(value)))
        if region is None:
            raise _Invalid(
                gettext("Unknown region “%(value)s”. Use a region's name or code from the "
                        "template's instructions sheet.") % {"value": cell_text(value)}
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
        if cell_text(raw) == "":
            if column.required:
                errors.append(
                    RosterError(row.number, column.key, gettext("This field is required."))
                )
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
