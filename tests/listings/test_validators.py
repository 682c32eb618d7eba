"""Patent numbers, IPC codes and the shared field cleaning used by forms, imports and the API."""

from datetime import date

import pytest

from marketplace.common.validators import normalise_application_number
from marketplace.listings.fields import clean_record, patent_type_from_publication_number
from marketplace.listings.ipc import normalise_ipc


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("201710601862.3", "201710601862.3"),  # the CNIPA example: year 2017, invention
        ("CN201710601862.3", "201710601862.3"),
        ("ZL 2017 1060 1862.3", "201710601862.3"),
        ("zl2017106018623", "201710601862.3"),  # no dot, lower-case prefix
        ("95115608.X", "95115608.X"),  # an old 8-digit number with check X
    ],
)
def test_real_application_numbers_are_accepted(typed, expected):
    assert normalise_application_number(typed) == expected


@pytest.mark.parametrize("typed", ["201710601862.4", "95115608.1", "20171060186.3", "CN10601862", ""])
def test_wrong_check_digit_or_shape_is_refused_in_chinese(typed):
    with pytest.raises(ValueError, match="申请号"):
        normalise_application_number(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("H01M 10/0525", "H01M 10/0525"),
        ("h01m10/0525", "H01M 10/0525"),
        ("G01D", "G01D"),
        ("A61K 36/00", "A61K 36/00"),
        ("Ｇ０１Ｆ", "G01F"),
    ],
)
def test_ipc_codes_are_normalised(typed, expected):
    assert normalise_ipc(typed) == expected


@pytest.mark.parametrize("typed", ["Z01M", "H1M", "H01", "H01M 10", "H01M/0525", "01MH", "H01M 10/"])
def test_bad_ipc_codes_are_refused(typed):
    with pytest.raises(ValueError, match="IPC"):
        normalise_ipc(typed)


def test_kind_code_gives_patent_type():
    assert patent_type_from_publication_number("CN111504366B") == "invention"
    assert patent_type_from_publication_number("CN114220277A") == "invention"
    assert patent_type_from_publication_number("CN215792497U") == "utility_model"
    assert patent_type_from_publication_number("CN305123456S") == "design"


def test_clean_patent_record_from_csv_strings():
    values, errors, unknown = clean_record(
        "patent",
        {
            "title": " 一种方法 ",
            "application_number": "ZL 201710601862.3",
            "ipc_subclasses": "G01D|g01f",
            "transfer_modes": "转让|license",
            "price_wan": "12.5",
            "filing_date": "2017/07/25",
            "colour": "red",
        },
    )
    assert errors == {}
    assert unknown == ["colour"]
    assert values["title"] == "一种方法"
    assert values["application_number"] == "201710601862.3"
    assert values["ipc_codes"] == ["G01D", "G01F"]
    assert values["transfer_modes"] == ["transfer", "license"]
    assert values["price_fen"] == 12_500_000
    assert values["filing_date"] == date(2017, 7, 25)
    assert values["legal_status"] is None


def test_clean_reports_every_bad_field_in_chinese():
    values, errors, _ = clean_record(
        "demand",
        {
            "title": "",
            "deadline": "2027-02-30",
            "budget_wan": "十万",
            "keywords": "a|b|c|d|e|f",
            "hide_name": "maybe",
        },
    )
    assert set(errors) == {"title", "deadline", "budget_fen", "keywords", "hide_name"}
    assert "必填" in errors["title"] and "日期" in errors["deadline"] and "最多 5 个" in errors["keywords"]


def test_empty_money_means_negotiable_and_fen_must_be_whole():
    values, errors, _ = clean_record("result", {"title": "x", "price_fen": ""})
    assert errors == {} and values["price_fen"] is None
    _, errors, _ = clean_record("result", {"title": "x", "price_fen": "12.5"})
    assert "price_fen" in errors
    values, errors, _ = clean_record("result", {"title": "x", "price_fen": 1999})
    assert values["price_fen"] == 1999


def test_demand_deadline_before_start_is_refused():
    _, errors, _ = clean_record(
        "demand", {"title": "x", "start_date": "2027-01-02", "deadline": "2027-01-01"}
    )
    assert "deadline" in errors


def test_partial_clean_touches_only_given_fields():
    values, errors, _ = clean_record("result", {"maturity": 7}, partial=True)
    assert errors == {} and values == {"maturity": 7}
    _, errors, _ = clean_record("result", {"maturity": 10}, partial=True)
    assert "maturity" in errors
