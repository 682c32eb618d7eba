"""The one IPC code normaliser (国际专利分类号), for listing forms, imports and the search index.

Accepted: a subclass (`G01D`) or a main group / subgroup (`H01M 10/0525`), in any case, with
full-width characters from Chinese input methods, spaces anywhere between the parts, and the
CNIPA bibliographic form's trailing edition and flag (`H01M 10/0525 (2006.01)`, `…(2006.01)I`).
A one-digit subgroup is written with two (`10/5` -> `10/05`), as IPC subgroups are. Refused: any
other shape, and main group 0, which the IPC does not have (so a code a listing accepts is one
the index accepts). The result is WIPO's form: `H01M 10/0525` or `H01M`.

It lives with the listings, which store the codes; the search feature's ipc.py builds its index
terms on it. It checks the shape only and never invents subclass titles.
"""

import re
import unicodedata

from flask_babel import gettext

_IPC = re.compile(
    r"""
    ^(?P<section>[A-H])\s*(?P<cls>\d{2})\s*(?P<sub>[A-Z])
    (?:\s*(?P<group>\d{1,4})\s*/\s*(?P<subgroup>\d{1,6}))?
    (?:\s*\(\s*\d{4}\s*\.\s*\d{2}\s*\))?(?:\s*[IN])?$
    """,
    re.VERBOSE,
)


def normalise_ipc(value: str) -> str:
    """Return an IPC code as `H01M 10/0525` (or `G01D`), or raise ValueError in Chinese."""
    if value is not None and not isinstance(value, str):
        raise TypeError("IPC code must be a string")
    raw = unicodedata.normalize("NFKC", value or "").strip().upper()
    match = _IPC.match(raw)
    if not match:
        raise ValueError(
            gettext(
                "IPC 分类号“%(value)s”格式不正确：应为部（A–H）+ 2 位大类 + 小类字母，"
                "可带大组/小组，如 G01D 或 H01M 10/0525",
                value=value,
            )
        )
    code = match["section"] + match["cls"] + match["sub"]
    if match["group"] is None:
        return code
    group = int(match["group"])
    if group == 0:
        raise ValueError(gettext("IPC 分类号“%(value)s”的大组不能为 0", value=value))
    return f"{code} {group}/{match['subgroup'].zfill(2)}"
