import pytest

from marketplace.common.money import AmountError, format_wan, format_yuan, parse_amount


@pytest.mark.parametrize(
    ("text", "unit", "fen"),
    [
        ("0", "yuan", 0),
        ("12.5", "yuan", 1250),
        ("12.05", "yuan", 1205),
        ("1,234.56", "yuan", 123456),
        ("1", "wan", 1_000_000),
        ("0.01", "wan", 10_000),
        ("500000", "wan", 500_000_000_000),  # 50亿元
        ("１２", "yuan", 1200),  # full-width digits from a Chinese input method
    ],
)
def test_parse_amount_is_exact(text, unit, fen):
    assert parse_amount(text, unit) == fen


@pytest.mark.parametrize("text", ["1.234", "-5", "abc", "1e5", "", "٣", "0.1.2", "nan"])
def test_parse_amount_refuses_what_it_cannot_take_exactly(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_formatting():
    assert format_yuan(123456) == "1,234.56 元"
    assert format_yuan(None) == "面议"
    assert format_wan(1_234_567) == "1.23 万元"
    assert format_wan(10**12) == "100.00 亿元"
