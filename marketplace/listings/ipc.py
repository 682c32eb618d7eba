"""IPC code format check (国际专利分类号), e.g. `H01M 10/0525` or a bare subclass `G01D`.

marketplace/search/ipc.py (the search feature) was not in this tree when listings were built, so
listings carry this small format validator; it only checks the shape, never invents names.
"""

import re
import unicodedata

_IPC = re.compile(r"^([A-H])(\d{2})([A-Z])(?:\s*(\d{1,4})\s*/\s*(\d{1,6}))?$")


def normalise_ipc(value: str) -> str:
    """Return an IPC code as `H01M 10/0525` (or `G01D`), or raise ValueError in Chinese."""
    raw = unicodedata.normalize("NFKC", value or "").strip().upper()
    raw = re.sub(r"\s+", " ", raw)
    match = _IPC.match(raw)
    if not match:
        raise ValueError(
            f"IPC 分类号“{value}”格式不正确：应为部（A–H）+ 2 位大类 + 小类字母，"
            "可带大组/小组，如 G01D 或 H01M 10/0525"
        )
    section, klass, subclass, group, subgroup = match.groups()
    code = f"{section}{klass}{subclass}"
    if group is not None:
        code += f" {int(group)}/{subgroup.zfill(2)}"
    return code
