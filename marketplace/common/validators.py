"""Validators for Chinese identifiers: 统一社会信用代码, patent application numbers."""

import re

from flask_babel import gettext

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_credit_code(value: str) -> str:
    """Return the code upper-cased and without spaces, as people often type it."""
    return re.sub(r"\s+", "", value or "").upper()


def credit_code_check_char(first17: str) -> str:
    """Compute the GB 32100 check character for the first 17 characters."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    check = 31 - total % 31
    return CREDIT_CODE_ALPHABET[0 if check == 31 else check]


def credit_code_error(value: str) -> str | None:
    """Say in Chinese what is wrong with a 统一社会信用代码, or None when it is valid."""
    code = normalise_credit_code(value)
    if len(code) != 18:
        return gettext("统一社会信用代码应为 18 位")
    bad = [ch for ch in code if ch not in CREDIT_CODE_ALPHABET]
    if bad:
        return gettext("统一社会信用代码含有无效字符：%(char)s（不使用 I、O、Z、S、V）", char=bad[0])
    if credit_code_check_char(code[:17]) != code[17]:
        return gettext("统一社会信用代码校验位不正确，请核对后重新输入")
    return None


def is_valid_credit_code(value: str) -> bool:
    return credit_code_error(value) is None


_APP_NO_NEW = re.compile(r"^(\d{12})\.?([0-9X])$")
_APP_NO_OLD = re.compile(r"^(\d{8})\.?([0-9X])$")


def patent_check_char(digits: str) -> str:
    """Compute the check character of a CNIPA application number (12 or 8 digits)."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5) if len(digits) == 12 else tuple(range(2, 10))
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if total == 10 else str(total)


def normalise_application_number(value: str) -> str:
    """Return an application number as `201710601862.3`, or raise ValueError in Chinese.

    Accepts the CN/ZL prefixes, spaces and a missing dot, as people type them.
    """
    raw = re.sub(r"[\s\u3000]+", "", value or "").upper()
    raw = re.sub(r"^(CN|ZL)", "", raw)
    match = _APP_NO_NEW.match(raw) or _APP_NO_OLD.match(raw)
    if not match:
        raise ValueError(gettext("申请号格式不正确，应为 12 位数字加校验位，如 201710601862.3"))
    digits, check = match.groups()
    if patent_check_char(digits) != check:
        raise ValueError(
            gettext("申请号校验位不正确（应为 %(char)s），请核对", char=patent_check_char(digits))
        )
    return f"{digits}.{check}"


def patent_type_from_application_number(number: str) -> str | None:
    """Derive the patent type from the type digit of a 12-digit application number."""
    if len(number) < 12 or not number[:12].isdigit():
        return None
    return {"1": "invention", "8": "invention", "2": "utility_model", "9": "utility_model"}.get(
        number[4], "design" if number[4] == "3" else None
    )


# --- ids and plain integers from outside ---------------------------------------------------------

MAX_ID = 2**31 - 1  # every key is a 32-bit integer column on PostgreSQL
MAX_INT_DIGITS = 19  # a 64-bit integer has at most 19 digits; longer text is refused unread


def plain_int(value) -> int | None:
    """Return value as an int when it is a JSON integer or ASCII digits, else None.

    The digits are checked before any conversion: int() would accept "²"-like digits, spaces
    and underscores, and a ten-thousand-digit string costs time and then fails anyway.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if 0 < len(text) <= MAX_INT_DIGITS and text.isascii() and text.isdigit():
            return int(text)
    return None


def parse_id(value) -> int | None:
    """Return value as a database id (1..MAX_ID) from an int or a digit string, else None."""
    number = plain_int(value)
    return number if number is not None and 1 <= number <= MAX_ID else None


# --- text from outside ---------------------------------------------------------------------------

# C0 and C1 control characters, DEL, and the bidi controls that can make "gpj.exe" read "exe.jpg".
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def strip_control_characters(text: str) -> str:
    """Remove control and bidi-control characters (names of uploaded files, one-line text)."""
    return _CONTROL.sub("", text)


def has_lone_surrogate(text: str) -> bool:
    """Tell whether a string holds a surrogate code point, which no database or UTF-8 file can store."""
    return _SURROGATE.search(text) is not None
