"""One IPC normaliser for listing forms and the index: what one accepts, the other indexes."""

import csv
from pathlib import Path

import pytest

from marketplace.listings.fields import clean_record
from marketplace.listings.ipc import normalise_ipc
from marketplace.search import ipc as search_ipc
from marketplace.search.ipc import ipc_keywords, is_valid_ipc

PATENTS = Path(__file__).resolve().parents[2] / "bench" / "data" / "patents_dev.csv"


def _dev_codes() -> list[str]:
    with PATENTS.open(encoding="utf-8", newline="") as fh:
        return sorted(
            {code for row in csv.DictReader(fh) for code in row["ipc_subclasses"].split("|") if code}
        )


def test_search_uses_the_listings_normaliser():
    assert search_ipc.normalise_ipc is normalise_ipc


def test_every_code_of_the_patent_sample_is_accepted_and_indexed():
    codes = _dev_codes()
    assert len(codes) > 100
    for code in codes:
        assert normalise_ipc(code) == code
        assert is_valid_ipc(code)
        assert code in ipc_keywords([code]).split()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("H01M 10/0525 (2006.01)", "H01M 10/0525"),
        ("H01M10/0525(2006.01)I", "H01M 10/0525"),
        ("ｈ０１ｍ　１０／０５２５（２００６．０１）", "H01M 10/0525"),
        ("G01D (2006.01) N", "G01D"),
        ("H01M 10/5", "H01M 10/05"),
    ],
)
def test_the_cnipa_forms_are_accepted(typed, expected):
    assert normalise_ipc(typed) == expected
    assert is_valid_ipc(typed)


@pytest.mark.parametrize("typed", ["H01M 0/02", "H01M 10/0525 (2006)", "H01M 10/0525 X"])
def test_what_the_index_refuses_a_listing_refuses_in_chinese(typed):
    assert not is_valid_ipc(typed)
    with pytest.raises(ValueError, match="IPC 分类号"):
        normalise_ipc(typed)


def test_a_listing_form_keeps_its_message():
    _, errors, _ = clean_record("patent", {"ipc_codes": "H01M 10/0525 (2006.01)|Z01M"}, partial=True)
    assert errors["ipc_codes"] == (
        "IPC 分类号：IPC 分类号“Z01M”格式不正确：应为部（A–H）+ 2 位大类 + 小类字母，"
        "可带大组/小组，如 G01D 或 H01M 10/0525"
    )
