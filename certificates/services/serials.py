"""Certificate serial numbers: readable, gap-free per level and year, with a check character.

The format is the setting ``ACADEMY_CERT_SERIAL_FORMAT`` (default
``"{city}-{level}-{year}-{seq:05d}{check}"``, e.g. ``4112-M-2026-00001H``): ``city`` is
``ACADEMY_CERT_CITY_CODE`` (4112, Sanmenxia), ``level`` the level's letter from
``ACADEMY_CERT_LEVEL_CODES`` (else the first letter of its code), ``year`` the year of issue,
``seq`` the sequence number of that level and year, ``check`` the check character.

The check character is ISO/IEC 7064 MOD 37-2 over the serial's letters and digits (separators
ignored): with 37 prime and 2 a primitive root modulo 37, every single-character substitution
and every swap of two adjacent different characters changes the sum, so a mistyped serial is
told apart before any lookup (``tests/certificates/test_serials.py`` checks it by enumeration).
The check character is one of ``0-9``, ``A-Z`` or ``*``.
"""

from __future__ import annotations

import re
import string

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from academy.errors import ApplicationError
from academy.links import absolute_url

from ..conf import app_settings

ALPHABET = string.digits + string.ascii_uppercase + "*"  # value = index, 0..36
MODULUS = 37
RADIX = 2

_CHECK_MARK = "\x00CHECK\x00"



def _value(char: str) -> int:
    index = ALPHABET.find(char)
    if index < 0 or char == "*":
        raise ValueError(f"not a serial character: {char!r}")
    return index


def mod37_2_check(data: str) -> str:
    """The ISO/IEC 7064 MOD 37-2 check character of ``data`` (letters and digits only)."""
    total = 0
    for char in data:
        total = ((total + _value(char)) * RADIX) % MODULUS
    return ALPHABET[(MODULUS + 1 - total) % MODULUS]


def mod37_2_valid(data_with_check: str) -> bool:
    """Whether the last character of ``data_with_check`` is the right check character."""
    if len(data_with_check) < 2:
        return False
    total = 0
    for position, char in enumerate(data_with_check):
        index = ALPHABET.find(char)
        if index < 0 or (char == "*" and position != len(data_with_check) - 1):
            return False
        total = (total * RADIX + index) % MODULUS if position else index % MODULUS
    # Pure system: the whole string, check character included, sums to 1 modulo 37.
    return total == 1


def compact(serial: str) -> str:
    """The serial's letters, digits and ``*``, upper-cased (what the check covers)."""
    return re.sub(r"[^0-9A-Z*]", "", serial.upper())


def normalise(raw: str) -> str:
    """What a person typed, as stored: trimmed, upper-cased, full-width forms folded."""
    text = (raw or "").strip().upper()
    # Full-width digits, letters and hyphens typed on a Chinese keyboard.
    text = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)
    text = text.replace("－", "-").replace("—", "-").replace("–", "-")
    return re.sub(r"\s+", "", text)


def serial_valid(raw: str) -> bool:
    """Whether ``raw`` is well formed and its check character right."""
    text = normalise(raw)
    if not text or len(text) > 40 or not re.fullmatch(r"[0-9A-Z*\-]+", text):
        return False
    return mod37_2_valid(compact(text))


def serial_clean(raw: str) -> str:
    """``raw`` normalised, or ApplicationError saying what is wrong with it."""
    text = normalise(raw)
    if not text:
        raise ApplicationError(_("Enter a certificate serial number."))
    if len(text) > 40 or not re.fullmatch(r"[0-9A-Z*\-]+", text):
        raise ApplicationError(_("A serial number has only letters, digits and hyphens."))
    if not mod37_2_valid(compact(text)):
        raise ApplicationError(_("This serial number is not valid: a character is mistyped or "
                                 "two are swapped. Please check it against the certificate."))
    return text


def level_letter(level_code: str) -> str:
    codes = app_settings.CERT_LEVEL_CODES or {}
    return str(codes.get(level_code) or level_code[:1]).upper()


def serial_format(*, level_code: str, year: int, seq: int) -> str:
    """The serial of sequence number ``seq`` of a level and year, with its check character."""
    pattern = app_settings.CERT_SERIAL_FORMAT
    body = pattern.format(city=app_settings.CERT_CITY_CODE, level=level_letter(level_code),
                          year=year, seq=seq, check=_CHECK_MARK)
    if _CHECK_MARK not in body:
        body += _CHECK_MARK
    before, _sep, after = body.partition(_CHECK_MARK)
    if compact(after):
        raise ValueError("ACADEMY_CERT_SERIAL_FORMAT: {check} must come last")
    return before + mod37_2_check(compact(before)) + after


def serial_allocate(*, level, year: int) -> str:
    """The next serial of ``level`` in ``year``. Call inside the issuing transaction: the
    counter row stays locked until it commits, so concurrent issuances take turns and a
    rolled-back one gives its number back (no gaps)."""
    from ..models.issued import SerialCounter

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serial_allocate must run inside the issuing transaction")
    SerialCounter.objects.bulk_create([SerialCounter(level=level, year=year)],
                                      ignore_conflicts=True)
    counter = SerialCounter.objects.select_for_update().get(level=level, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return serial_format(level_code=level.code, year=year, seq=counter.last)


def verify_url(serial: str) -> str:
    """The public verification page of ``serial`` (what the certificate's QR code holds)."""
    return absolute_url(f"/verify/{serial}/")
