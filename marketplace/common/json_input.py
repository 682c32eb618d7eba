"""JSON from outside, parsed without letting a number cost time or memory.

Python's json turns `1e300000` into inf, `NaN` into nan and a 5000-digit literal into an error,
and a later Decimal or int() of such text can take seconds. Here every number whose text is not
an ordinary 64-bit integer or a finite float of ordinary length stays a `RawNumber` holding its
text: no type check accepts it, so the API answers 422 naming the field, at once.
"""

import json

from flask.json.provider import DefaultJSONProvider

MAX_INT_DIGITS = 19
MAX_FLOAT_CHARS = 32


class RawNumber:
    """A JSON number (or NaN/Infinity) that was not converted; `text` is what the client sent."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawNumber({self.text[:40]!r})"


def _parse_int(text: str):
    digits = text[1:] if text.startswith("-") else text
    return int(text) if len(digits) <= MAX_INT_DIGITS else RawNumber(text)


def _parse_float(text: str):
    if len(text) > MAX_FLOAT_CHARS:
        return RawNumber(text)
    value = float(text)
    return value if value - value == 0 else RawNumber(text)  # inf - inf is nan


def loads(data: str | bytes):
    """Parse JSON text; refuse nesting too deep for the parser with a ValueError."""
    try:
        return json.loads(data, parse_int=_parse_int, parse_float=_parse_float, parse_constant=RawNumber)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


class BoundedJSONProvider(DefaultJSONProvider):
    """The app's JSON provider: request bodies are read with `loads` above."""

    def loads(self, s: str | bytes, **kwargs):
        if kwargs:  # pragma: no cover - nothing in the app passes options
            return super().loads(s, **kwargs)
        return loads(s)
