"""Values as patent databases write them, turned into what the platform stores.

Exports say 「发明授权」 for a type, 「实质审查」 or 「未缴年费专利权终止」 for a legal status, 20170725 for
a date, and list several publication numbers (the A and the B of one application) in one cell.
`prepare_patent` rewrites one raw row, keyed by target column, before the shared field cleaning.
"""

import re
import unicodedata
from datetime import date, datetime

from marketplace.listings.models import LEGAL_STATUSES, PATENT_TYPES, PUBLICATION_KINDS

# Finer statuses, in the order they are tested: the first group whose word appears decides.
LEGAL_STATUS_WORDS = (
    (
        "lapsed",
        (
            "失效",
            "无效",
            "驳回",
            "视撤",
            "视为撤回",
            "撤回",
            "终止",
            "未缴年费",
            "届满",
            "放弃",
            "避免重复授权",
            "权利丧失",
        ),
    ),
    (
        "pending",
        ("审中", "实审", "实质审查", "公开", "公布", "受理", "申请", "初审", "在审", "审查中", "pct"),
    ),
    ("valid", ("有效", "授权", "权利转移", "许可", "质押", "变更", "恢复")),
)
TYPE_WORDS = (("utility_model", ("实用新型", "新型")), ("design", ("外观",)), ("invention", ("发明",)))
_MULTI = re.compile(r"[|｜;；,，、\n\r]+")
_PUBLICATION = re.compile(r"CN\d{6,12}[ABUSCY]\d?")
_IPC_IN_TEXT = re.compile(r"[A-H]\s*\d{2}\s*[A-Z](?:\s*\d{1,4}\s*/\s*\d{1,6})?(?:\s*\(\d{4}\.\d{2}\))?")
# A grant (B, C) outranks the application (A); among equals the later publication wins.
_KIND_RANK = {"A": 0, "B": 2, "C": 3, "U": 2, "Y": 1, "S": 2}


def legal_status_code(text: str) -> str | None:
    """The coarse status (valid, pending, lapsed) for a status a database wrote, or None."""
    raw = unicodedata.normalize("NFKC", text or "").strip().lower()
    if not raw:
        return None
    if raw in LEGAL_STATUSES:
        return raw
    for code, words in LEGAL_STATUS_WORDS:
        if any(word in raw for word in words):
            return code
    return None


def patent_type_code(text: str) -> str | None:
    raw = unicodedata.normalize("NFKC", text or "").strip().lower()
    if raw in PATENT_TYPES:
        return raw
    for code, words in TYPE_WORDS:
        if any(word in raw for word in words):
            return code
    return None


def kind_name(publication_number: str | None) -> str:
    """发明公开 / 发明授权 / 实用新型 / 外观设计, read from the kind code of a CN publication number."""
    match = re.search(r"([ABUSCY])\d?$", publication_number or "")
    return PUBLICATION_KINDS.get(match.group(1), "") if match else ""


def publication_stem(number: str | None) -> str:
    """The number without its kind code: an application's A and B publications share it."""
    return re.sub(r"[ABUSCY]\d?$", "", (number or "").upper())


def best_publication(value) -> str:
    """The most advanced of the publication numbers in a cell (the grant over the application)."""
    if isinstance(value, (list, tuple)):
        value = "|".join(str(v) for v in value)
    text = re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", str(value or ""))).upper()
    numbers = _PUBLICATION.findall(text)
    if not numbers:
        return str(value or "").strip()
    return max(numbers, key=lambda n: (_KIND_RANK.get(re.sub(r"\d$", "", n)[-1], 0), n))


def _date_text(value):
    if isinstance(value, (date, datetime)) or value in (None, ""):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    # "2019-08-02 00:00:00" and "2019-08-02;2020-01-01" (first date) as exports write them.
    match = re.match(r"(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)", text)
    return match.group(1) if match else text


def _split(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [item.strip() for item in _MULTI.split(str(value or "")) if item.strip()]


def prepare_patent(raw: dict) -> dict:
    """Rewrite a patent row from a database export into the platform's values (a new dict)."""
    record = dict(raw)
    single = False
    if record.get("publication_number") not in (None, ""):
        single = (
            len(_PUBLICATION.findall(re.sub(r"[\s\u3000]+", "", str(record["publication_number"]).upper())))
            == 1
        )
        record["publication_number"] = best_publication(record["publication_number"])
    number = record.get("application_number")
    if isinstance(number, str):
        # Several numbers (rare: a divisional's parent) keep the first; "CN2017…" loses its prefix.
        number = _split(number)[0] if _split(number) else ""
        record["application_number"] = re.sub(r"^CN", "", number.strip(), flags=re.I)
    for name in ("filing_date", "grant_date", "publication_date", "legal_status_date"):
        if name in record:
            record[name] = _date_text(record[name])
    if (
        single
        and record.get("grant_date") in (None, "")
        and record.get("publication_date") not in (None, "")
        and re.search(r"[BCUYS]\d?$", str(record["publication_number"]))
    ):
        # The date of a grant publication (B, U, S) is its 授权公告日.
        record["grant_date"] = record["publication_date"]
    status = record.get("legal_status")
    if status not in (None, "") and not (isinstance(status, str) and status.strip() in LEGAL_STATUSES):
        text = str(status).strip()
        record["legal_status"] = legal_status_code(text) or text
        if text not in LEGAL_STATUSES.values() and not record.get("legal_status_detail"):
            record["legal_status_detail"] = text[:100]
    elif record.get("legal_status_detail") and not status:
        record["legal_status"] = legal_status_code(str(record["legal_status_detail"]))
    ptype = record.get("patent_type")
    if ptype not in (None, "") and str(ptype).strip() not in PATENT_TYPES:
        record["patent_type"] = patent_type_code(str(ptype)) or ptype
    if record.get("ipc_codes") not in (None, ""):
        # CNIPA writes "H01M 10/0525 (2006.01)"; some exports list codes separated by spaces too.
        codes = []
        for item in _split(record["ipc_codes"]):
            text = unicodedata.normalize("NFKC", item).upper()
            codes += _IPC_IN_TEXT.findall(text) or [item]
        record["ipc_codes"] = "|".join(codes)
    return record
