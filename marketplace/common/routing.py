"""The URL converter for ids: `<int:…>` in every route matches only a real database id."""

from werkzeug.routing import IntegerConverter

from marketplace.common.validators import MAX_ID


def digits_up_to(limit: int) -> str:
    """A regular expression matching exactly the numbers 1..limit written without leading zeros."""
    text = str(limit)
    options = [f"[1-9][0-9]{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(text) - i - 1
            options.append(f"{text[:i]}[{low}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    options.append(text)
    return "(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """Flask's int converter matching only 1..MAX_ID, so `/contracts/9223372036854775808` is a 404.

    Without the bound such a number reached the database, which cannot hold it (a 500). The bound
    is in the pattern, not in to_python, so that every method of the URL answers 404 alike
    (a refusal in to_python makes Werkzeug answer 405 to the methods of neighbouring rules).
    """

    regex = digits_up_to(MAX_ID)

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)
