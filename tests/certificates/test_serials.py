"""Serial numbers: the check character catches every single typo and adjacent swap."""

from __future__ import annotations

import pytest

from academy.errors import ApplicationError
from certificates.services.serials import (
    ALPHABET,
    compact,
    mod37_2_check,
    serial_clean,
    serial_format,
    serial_valid,
)

TYPED = ALPHABET[:36]  # what a person can type: digits and letters (and "*" as a check)


def _samples() -> list[str]:
    serials = [serial_format(level_code=code, year=year, seq=seq)
               for code in ("junior", "intermediate", "senior")
               for year in (2025, 2026, 2031)
               for seq in (1, 2, 9, 10, 99, 12345, 99999)]
    assert len(set(serials)) == len(serials)
    return serials


def test_the_iso_7064_reference_example():
    assert mod37_2_check("G123498654321") == "H"


def test_every_sample_serial_is_valid():
    for serial in _samples():
        assert serial_valid(serial), serial


def test_every_single_character_substitution_is_detected():
    checked = 0
    for serial in _samples():
        for position, original in enumerate(serial):
            if original == "-":
                continue
            for replacement in ALPHABET:
                if replacement == original:
                    continue
                typo = serial[:position] + replacement + serial[position + 1:]
                assert not serial_valid(typo), typo
                checked += 1
    assert checked > 10_000


def test_every_adjacent_transposition_is_detected():
    checked = 0
    for serial in _samples():
        chars = compact(serial)
        for position in range(len(chars) - 1):
            a, b = chars[position], chars[position + 1]
            if a == b:
                continue
            swapped = chars[:position] + b + a + chars[position + 2:]
            assert not serial_valid(swapped), swapped
            checked += 1
        # and in the hyphenated form, across a hyphen too (the check ignores separators)
        for position in range(len(serial) - 1):
            a, b = serial[position], serial[position + 1]
            if a == b or "-" in (a, b):
                continue
            assert not serial_valid(serial[:position] + b + a + serial[position + 2:])
    assert checked > 500


def test_the_check_is_exhaustive_over_all_short_data():
    """For every 2-character body and every pair of different characters, the arithmetic
    guarantee holds (37 is prime, 2 a primitive root): substitution and swap change the sum."""
    for a in TYPED:
        for b in TYPED:
            good = a + b + mod37_2_check(a + b)
            assert serial_valid(good)
            for c in TYPED:
                if c != a:
                    assert not serial_valid(c + good[1:])
            if a != b:
                assert not serial_valid(b + a + good[2])


def test_typed_serials_are_normalised_before_checking():
    serial = serial_format(level_code="intermediate", year=2026, seq=7)
    assert serial_clean(f"  {serial.lower()} ") == serial
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c != "-" else "－" for c in serial)
    assert serial_clean(fullwidth) == serial


@pytest.mark.parametrize("raw", ["", "   ", "4112-M-2026-<script>", "4112 M 2026 00007x?"])
def test_malformed_serials_are_refused_with_a_message(raw):
    with pytest.raises(ApplicationError):
        serial_clean(raw)


def test_the_format_is_configurable(settings):
    settings.ACADEMY_CERT_SERIAL_FORMAT = "SMX{year}{level}{seq:04d}-{check}"
    settings.ACADEMY_CERT_CITY_CODE = "9999"
    serial = serial_format(level_code="senior", year=2027, seq=3)
    assert serial.startswith("SMX2027S0003-") and serial_valid(serial)
