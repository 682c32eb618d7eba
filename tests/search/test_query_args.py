"""Search filters read numbers from plain digits only; anything else is ignored, never converted."""

import time

import pytest

from marketplace.search.services import parse_search_args


@pytest.mark.parametrize(
    "raw, expected",
    [("12", 12), ("12.5", 12), ("1e3", None), ("inf", None), ("²", None), ("-3", None), ("9" * 21, None)],
)
def test_price_filter_takes_plain_digits(raw, expected):
    assert parse_search_args({"price_min": raw}).price_min == expected


def test_a_huge_exponent_is_ignored_at_once():
    started = time.perf_counter()
    params = parse_search_args({"price_max": "1e" + "9" * 1_000_000, "page": "1e" + "9" * 1_000_000})
    assert params.price_max is None and params.page == 1
    assert time.perf_counter() - started < 1.0
