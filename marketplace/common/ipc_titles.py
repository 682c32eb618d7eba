"""IPC subclass titles (国际专利分类 小类名称), read from a table of WIPO's own titles.

The table is `data/ipc_titles.csv`; its header names the sources and their licences. No public
Chinese table of subclass titles was found, so the titles are WIPO's English ones; a code the
table does not hold has no title (None), never an invented one.
"""

import csv
import re
from functools import cache
from pathlib import Path

from marketplace.listings.ipc import normalise_ipc

DATA_FILE = Path(__file__).with_name("data") / "ipc_titles.csv"
# Words WIPO writes in lower case inside capitalised titles, and tokens to keep as they are.
_KEEP = re.compile(r"^(?:e\.g\.|i\.e\.|.*\d.*|\[.*\])[,;:)]*$")


@cache
def _titles() -> dict[str, str]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return {row["code"]: row["title"] for row in csv.DictReader(lines)}


def sentence_case(title: str) -> str:
    """Write a capitalised WIPO title in sentence case, keeping e.g., i.e. and tokens with digits."""
    words = [word if _KEEP.match(word) else word.lower() for word in title.split(" ")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def subclass_title(code: str) -> str | None:
    """The WIPO title of the subclass a code belongs to (`H01M`, `H01M 10/0525 (2006.01)`), or None."""
    try:
        subclass = normalise_ipc(code or "").split(" ")[0]
    except (TypeError, ValueError):
        return None
    title = _titles().get(subclass)
    return sentence_case(title) if title else None


def class_title(code: str) -> str | None:
    """The WIPO title of an IPC class (`H01`) or of the class a code belongs to, or None."""
    raw = (code or "").strip().upper()[:3]
    title = _titles().get(raw) if re.fullmatch(r"[A-H]\d\d", raw) else None
    return sentence_case(title) if title else None
