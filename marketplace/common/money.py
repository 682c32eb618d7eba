"""Money at the edges: parse what people type into integer 分 and show 分 as 元/万元/亿元.

Amounts are integers in 分 everywhere inside the application; floats never touch them.
An English reader sees every amount in yuan with thousands separators ("CNY 125,000"), since
万 is not an English unit; exports are built under `force_locale("zh_CN")` and keep 万元.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import get_locale, gettext

from marketplace.common.i18n import N_

_AMOUNT = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
# Whole 分 as people and files write them: digits, maybe thousands commas, maybe ".00".
_FEN = re.compile(r"^[0-9][0-9,]*(\.0{1,2})?$")
UNIT_FEN = {"yuan": 100, "wan": 1_000_000}
UNIT_LABEL = {"yuan": N_("元"), "wan": N_("万元")}
MAX_FEN = 10**17  # far above any real contract, below a 64-bit integer
# Longer text than this cannot be an amount within MAX_FEN; it is refused before it is converted.
_MAX_AMOUNT_CHARS = 30


class AmountError(ValueError):
    """An amount that cannot be accepted; the message is for the person who typed it."""


def parse_amount(text: str, unit: str = "yuan") -> int:
    """Parse a non-negative amount in 元 or 万元 with at most two decimals into 分."""
    # NFKC turns full-width digits typed with a Chinese input method into ASCII ones.
    if unit not in UNIT_LABEL:  # a unit chosen in a form is a value from outside too
        raise AmountError(gettext("请选择金额单位（元或万元）"))
    raw = unicodedata.normalize("NFKC", text or "").strip().replace(",", "")
    label = gettext(UNIT_LABEL[unit])
    if not raw:
        raise AmountError(gettext("请填写金额（%(unit)s）", unit=label))
    if raw.startswith("-"):
        raise AmountError(gettext("金额不能为负数"))
    if len(raw) > _MAX_AMOUNT_CHARS:
        raise AmountError(gettext("金额超出允许范围"))
    if not _AMOUNT.match(raw):
        raise AmountError(
            gettext("金额格式不正确：请填写数字，单位为%(unit)s，最多两位小数，如 12.50", unit=label)
        )
    fen = int(Decimal(raw) * UNIT_FEN[unit])
    if unit == "wan" and Decimal(raw) * UNIT_FEN[unit] != fen:
        raise AmountError(gettext("金额不正确"))
    if fen > MAX_FEN:
        raise AmountError(gettext("金额超出允许范围"))
    return fen


def parse_fen(value) -> int:
    """Parse an amount already in 分: a JSON integer or a string of digits, 0..MAX_FEN.

    The text is checked before any conversion, so "Infinity", "1e300000" or a million-digit
    exponent are refused at once instead of being turned into a number first.
    """
    if isinstance(value, bool):
        raise AmountError(gettext("金额须为整数，单位为分"))
    if isinstance(value, int):
        fen = value
    elif isinstance(value, str):
        raw = value.strip()
        if len(raw) > _MAX_AMOUNT_CHARS:
            raise AmountError(gettext("金额超出允许范围"))
        raw = unicodedata.normalize("NFKC", raw)
        if raw.startswith("-"):
            raise AmountError(gettext("金额不能为负数"))
        if not _FEN.match(raw):
            raise AmountError(gettext("金额“%(text)s”须为整数，单位为分", text=raw[:20]))
        fen = int(raw.partition(".")[0].replace(",", ""))
    else:
        raise AmountError(gettext("金额须为整数，单位为分"))
    if fen < 0:
        raise AmountError(gettext("金额不能为负数"))
    if fen > MAX_FEN:
        raise AmountError(gettext("金额超出允许范围"))
    return fen


def parse_optional_amount(text: str | None, unit: str = "yuan") -> int | None:
    """Like parse_amount, but an empty value means 面议 (None)."""
    if text is None or not str(text).strip():
        return None
    return parse_amount(str(text), unit)


def fen_to_decimal(fen: int, unit: str = "yuan") -> Decimal:
    """Return an exact Decimal in the unit (元 or 万元)."""
    try:
        return Decimal(fen) / UNIT_FEN[unit]
    except InvalidOperation as exc:  # pragma: no cover - Decimal of an int cannot fail
        raise AmountError(str(exc)) from exc


def format_yuan(fen: int | None) -> str:
    """Show 分 as 元 with two decimals and thousands separators: 1,234.50 元 (CNY 1,234.50)."""
    if fen is None:
        return _negotiable()
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    if _in_english():
        return f"{sign}CNY {yuan:,}.{cents:02d}"
    return f"{sign}{yuan:,}.{cents:02d} 元"


def format_wan(fen: int | None, places: int = 2) -> str:
    """Show 分 as 万元 (or 亿元 from one hundred million yuan), rounded half-up for reading.

    In English the same rounded amount is written in yuan: 12.50 万元 is "CNY 125,000".
    """
    if fen is None:
        return _negotiable()
    unit_fen, unit = (10**10, "亿元") if abs(fen) >= 10**10 else (10**6, "万元")
    rounded = Decimal(fen) / unit_fen
    if _in_english():
        return _english_yuan(
            rounded.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP") * unit_fen
        )
    return f"{_quantize(rounded, places)} {unit}"


def format_wan_exact(fen: int | None) -> str:
    """Show 分 in 万元 to two places with the exact 元 beside it: 120.00 万元（1,200,000.00 元）.

    For records people sign (certificates, the review page): always 万元, whatever the size, and
    the exact figure so that rounding to 0.01 万元 never hides a difference.
    """
    if fen is None:
        return _negotiable()
    if _in_english():
        return format_yuan(fen)  # already exact, and 万 means nothing to an English reader
    return f"{format_wan_number(fen)} 万元（{format_yuan(fen)}）"


def format_in_unit(fen: int, unit: str) -> str:
    """Return the exact figure in the unit (元 or 万元) as typed into a form: no separators."""
    if unit == "wan":
        text = f"{fen_to_decimal(fen, 'wan'):f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    return fen_to_yuan_text(fen)


def format_wan_number(fen: int, places: int = 2) -> str:
    """Return 万元 as a bare number string (for tables and exports)."""
    return _quantize(Decimal(fen) / 10**6, places)


def fen_to_yuan_text(fen: int) -> str:
    """Return an exact 元 figure with two decimals, no separators (for exports and forms)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def _quantize(value: Decimal, places: int) -> str:
    quant = Decimal(1).scaleb(-places)
    return f"{value.quantize(quant, rounding='ROUND_HALF_UP'):,}"


def _in_english() -> bool:
    """Whether amounts are being shown to an English reader (never outside a request or an export)."""
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _negotiable() -> str:
    return gettext("面议") if _in_english() else "面议"


def _english_yuan(fen: Decimal) -> str:
    """A rounded amount of 分 as whole yuan, or with cents when it has them: CNY 125,000."""
    sign = "-" if fen < 0 else ""
    yuan = abs(fen) / 100
    text = f"{yuan:,.0f}" if yuan == yuan.to_integral_value() else f"{yuan:,.2f}"
    return f"{sign}CNY {text}"
