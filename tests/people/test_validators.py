import pytest
from django.core.exceptions import ValidationError

from academy.people.validators import (
    mask_national_id,
    mask_phone,
    national_id_check_digit,
    validate_national_id,
)


@pytest.mark.parametrize("value", ["11010519491231002X", "411202198506151234", "11010519491231002x"])
def test_valid_national_ids_pass(value):
    validate_national_id(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "check_digit"),
        ("11010519491331002X", "birth_date"),
        ("1101051949123100", "format"),
        ("11010519491231002Y", "format"),
        ("110105219912310025", "birth_date"),
        ("440524188001010014", "birth_date"),
    ],
)
def test_invalid_national_ids_are_rejected_with_a_reason(value, code):
    with pytest.raises(ValidationError) as info:
        validate_national_id(value)
    assert info.value.code == code


def test_check_digit_of_the_standard_example():
    # GB 11643-1999's worked example.
    assert national_id_check_digit("11010519491231002") == "X"


def test_masking_keeps_only_the_ends():
    assert mask_national_id("11010519491231002X") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
