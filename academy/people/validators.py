"""Validation of Chinese personal identifiers."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


def national_id_normalise(value: str) -> str:
    """Upper-case the check character and strip spaces (people type 'x' and add blanks)."""
    return re.sub(r"\s+", "", value or "").upper()


def national_id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_national_id(value: str) -> None:
    """Validate an 18-character resident identity number (GB 11643-1999).

    Checks the shape, the embedded date of birth and the ISO 7064 MOD 11-2 check character.
    """
    value = national_id_normalise(value)
    if not _ID_RE.match(value):
        raise ValidationError(
            _("A national ID number has 17 digits followed by a digit or X."), code="format"
        )
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The date of birth inside this ID number does not exist."), code="birth_date"
        ) from None
    if birth.year < 1900 or birth > datetime.date.today():
        raise ValidationError(
            _("The date of birth inside this ID number is not plausible."), code="birth_date"
        )
    if national_id_check_digit(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong; please check for a typing error."),
            code="check_digit",
        )


def phone_normalise(value: str) -> str:
    return re.sub(r"[\s-]+", "", value or "")


def validate_phone(value: str) -> None:
    """A mainland mobile number, optionally with +86."""
    if not _PHONE_RE.match(phone_normalise(value)):
        raise ValidationError(_("Enter an 11-digit mainland mobile number."), code="phone")


def mask_national_id(value: str) -> str:
    """Keep the first 3 and last 4 characters: 411***********123X."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: 138****5678."""
    if not value:
        return ""
    digits = phone_normalise(value)
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
