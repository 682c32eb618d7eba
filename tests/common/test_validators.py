import pytest

from marketplace.common.validators import (
    credit_code_error,
    is_valid_credit_code,
    normalise_application_number,
    patent_type_from_application_number,
)

# Real 统一社会信用代码 of well-known companies, published on their business licences.
REAL_CODES = ["91330100799655058B", "9144030071526726XG", "914403001922038216", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_valid(code):
    assert is_valid_credit_code(code)
    assert is_valid_credit_code(code.lower())  # people type lower case


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91330100799655058C", "校验位"),  # one changed check character
        ("91330100799655058", "18 位"),
        ("9133010079965505IB", "无效字符"),  # I is not in the alphabet
        ("", "18 位"),
    ],
)
def test_invalid_credit_codes_say_why(code, message):
    assert message in credit_code_error(code)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("201710601862.3", "201710601862.3"),
        ("CN201710601862.3", "201710601862.3"),
        ("ZL 2017 1060 1862.3", "201710601862.3"),
        ("zl201710601862.3", "201710601862.3"),
        ("95115608.X", "95115608.X"),
    ],
)
def test_application_numbers_normalise(typed, expected):
    assert normalise_application_number(typed) == expected


@pytest.mark.parametrize("bad", ["201710601862.4", "2017106018623X", "abc", "", "20171060186.3"])
def test_bad_application_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        normalise_application_number(bad)


def test_patent_type_follows_the_type_digit():
    assert patent_type_from_application_number("201710601862.3") == "invention"
    assert patent_type_from_application_number("201820001234.5") == "utility_model"
    assert patent_type_from_application_number("201830001234.5") == "design"
