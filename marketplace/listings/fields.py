"""The listing fields shared by imports, the API and the forms, and how raw values are cleaned.

One table per kind names each field, its type and its Chinese label; `clean_record` turns what a
person or a file supplied (strings from CSV/XLSX/forms, or JSON values) into model values, and says
in Chinese what is wrong with each bad field.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext

from marketplace.common.domain import INDUSTRIES, TECHNOLOGY_FIELDS
from marketplace.common.i18n import N_, tr
from marketplace.common.money import MAX_FEN, AmountError, parse_amount, parse_fen
from marketplace.common.validators import normalise_application_number, parse_id, plain_int
from marketplace.listings.ipc import normalise_ipc
from marketplace.listings.models import (
    LEGAL_STATUSES,
    MATURITY_LEVELS,
    PATENT_TYPES,
    RESULT_FORMS,
    SOLUTION_MODES,
    TRANSFER_MODES,
)

TEXT_MAX = 5000
DEMAND_TEXT_MAX = 500  # the Hebei demand form limits each part to 500 characters


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str  # str, text, list, date, choice, choices, int, fen, bool, app_no, pub_no, ipc, ids
    max_length: int = 200
    choices: dict | None = None
    required: bool = False
    # (alias column, unit): an alias supplies the value in another unit, e.g. price_wan in 万元.
    aliases: tuple = field(default_factory=tuple)
    example: str = ""


PATENT_FIELDS = [
    Field("application_number", N_("申请号"), "app_no", example="201710601862.3"),
    Field("publication_number", N_("公开（公告）号"), "pub_no", example="CN107451234A"),
    Field("patent_type", N_("专利类型"), "choice", choices=PATENT_TYPES, example="invention"),
    Field("title", N_("专利名称"), "str", required=True, example="一种锂离子电池正极材料的制备方法"),
    Field("abstract", N_("摘要"), "text", example="本发明公开了……"),
    Field(
        "ipc_codes", N_("IPC 分类号"), "ipc", aliases=(("ipc_subclasses", None),), example="H01M 4/36|H01M"
    ),
    Field("applicants", N_("申请（专利权）人"), "list", example="某某大学"),
    Field("inventors", N_("发明人"), "list", example="张三|李四"),
    Field("filing_date", N_("申请日"), "date", example="2017-07-25"),
    Field("publication_date", N_("公开（公告）日"), "date", example="2017-11-28"),
    Field("grant_date", N_("授权日"), "date", example=""),
    Field("legal_status", N_("法律状态"), "choice", choices=LEGAL_STATUSES, example="valid"),
    Field("legal_status_detail", N_("法律状态（原文）"), "str", max_length=100, example="实质审查"),
    Field("legal_status_date", N_("法律状态日"), "date", example=""),
    Field("transfer_modes", N_("转化方式"), "choices", choices=TRANSFER_MODES, example="transfer|license"),
    Field("price_fen", N_("参考价格（分）"), "fen", aliases=(("price_wan", "wan"),), example=""),
]
RESULT_FIELDS = [
    Field("title", N_("成果名称"), "str", required=True, example="高强韧钛合金短流程制备技术"),
    Field("abstract", N_("成果简介"), "text", example="该成果……"),
    Field("keywords", N_("关键词"), "list", example="钛合金|短流程"),
    Field(
        "technology_field",
        N_("技术领域"),
        "choice",
        choices={f: f for f in TECHNOLOGY_FIELDS},
        example="新材料及其应用",
    ),
    Field("industry", N_("产业方向"), "choice", choices={i: i for i in INDUSTRIES}, example="新材料"),
    Field("form", N_("成果体现形式"), "choice", choices=RESULT_FORMS, example="new_process"),
    Field("maturity", N_("技术成熟度（TRL 1–9）"), "int", choices=MATURITY_LEVELS, example="6"),
    Field("transfer_modes", N_("转化方式"), "choices", choices=TRANSFER_MODES, example="license|cooperation"),
    Field("price_fen", N_("参考价格（分）"), "fen", aliases=(("price_wan", "wan"),), example=""),
    Field("patent_ids", N_("关联专利编号"), "ids", example=""),
    Field("completers", N_("完成人"), "list", example="张三|李四"),
]
DEMAND_FIELDS = [
    Field("title", N_("需求名称"), "str", required=True, example="高速压片机在线检测系统开发"),
    Field("description", N_("主要问题"), "text", max_length=DEMAND_TEXT_MAX, example="目前……"),
    Field(
        "technical_indicators",
        N_("技术关键/指标"),
        "text",
        max_length=DEMAND_TEXT_MAX,
        example="检测精度≥99%",
    ),
    Field(
        "expected_outcome", N_("预期目标"), "text", max_length=DEMAND_TEXT_MAX, example="完成样机并投入试用"
    ),
    Field("keywords", N_("关键词（1–5 个）"), "list", max_length=5, example="在线检测|机器视觉"),
    Field(
        "technology_field",
        N_("技术领域"),
        "choice",
        choices={f: f for f in TECHNOLOGY_FIELDS},
        example="先进制造",
    ),
    Field("budget_fen", N_("拟投入资金（分）"), "fen", aliases=(("budget_wan", "wan"),), example=""),
    Field("start_date", N_("开始日期"), "date", example="2026-12-01"),
    Field("deadline", N_("截止日期"), "date", required=True, example="2027-12-31"),
    Field("solution_mode", N_("解决方式"), "choice", choices=SOLUTION_MODES, example="cooperative"),
    Field("hide_name", N_("隐藏企业名称"), "bool", example="false"),
]
FIELDS = {"patent": PATENT_FIELDS, "result": RESULT_FIELDS, "demand": DEMAND_FIELDS}
FIELD_BY_NAME = {kind: {f.name: f for f in fields} for kind, fields in FIELDS.items()}
# Columns that may stand for a field, alias included, with the unit of the alias.
COLUMNS = {
    kind: {
        **{f.name: (f.name, None) for f in fields},
        **{alias: (f.name, unit) for f in fields for alias, unit in f.aliases},
    }
    for kind, fields in FIELDS.items()
}

_TRUE = {"1", "true", "yes", "y", "是", "隐藏", "t"}
_FALSE = {"0", "false", "no", "n", "否", "", "f", "不隐藏"}
_SPLIT = re.compile(r"[|｜;；,，、\n]+")


LIST_TYPES = ("list", "choices", "ipc", "ids")


class FieldError(ValueError):
    """A value that cannot be accepted; the message says what to fix."""


class FieldMessage(str):
    """A field's error as shown in a list ("申请日：…"), which also knows its part after the label."""

    detail: str


def labelled(label: str, message: str) -> FieldMessage:
    """The error of a field named by its label, in the interface language."""
    text = FieldMessage(gettext("%(label)s：%(message)s", label=tr(label), message=message))
    text.detail = message
    return text


def field_detail(message: str) -> str:
    """The part of a field's error after its label (what a form shows under the field)."""
    return getattr(message, "detail", None) or message.split("：", 1)[-1]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _as_list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        items = [_text(v) for v in value]
    else:
        items = [item.strip() for item in _SPLIT.split(_text(value))]
    return [item for item in items if item]


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = _text(value).replace("/", "-").replace(".", "-")
    raw = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", r"\1-\2-\3", raw)
    try:
        year, month, day = (int(part) for part in raw.split("-"))
        return date(year, month, day)
    except (ValueError, TypeError):
        raise FieldError(gettext("日期“%(value)s”无效，请写成 2026-05-01", value=_text(value))) from None


def _parse_fen(value, unit: str | None) -> int:
    try:
        if unit is None:  # already in 分: an integer
            if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_FEN:
                value = int(value)  # a whole number read from a spreadsheet cell
            return parse_fen(value)
        return parse_amount(_text(value), unit)
    except AmountError as exc:
        raise FieldError(str(exc)) from None


def _clean_value(spec: Field, value, unit: str | None = None):
    """Clean one non-empty value for a field, or raise FieldError."""
    kind = spec.type
    if isinstance(value, dict) or (isinstance(value, (list, tuple)) and kind not in LIST_TYPES):
        raise FieldError(gettext("格式不正确：应为单个值"))
    if kind in ("str", "text"):
        text = _text(value)
        limit = spec.max_length if kind == "str" or spec.max_length != 200 else TEXT_MAX
        if len(text) > limit:
            raise FieldError(gettext("不能超过 %(limit)s 字（现为 %(n)s 字）", limit=limit, n=len(text)))
        return text
    if kind == "list":
        items = _as_list(value)
        if spec.max_length < 200 and len(items) > spec.max_length:
            raise FieldError(gettext("最多 %(n)s 个", n=spec.max_length))
        too_long = [item for item in items if len(item) > 100]
        if too_long:
            raise FieldError(gettext("“%(item)s…”过长，每项不超过 100 字", item=too_long[0][:20]))
        return items
    if kind == "date":
        return _parse_date(value)
    if kind == "choice":
        text = _text(value)
        if text in spec.choices:
            return text
        # People often type the Chinese label; accept it too.
        for key, label in spec.choices.items():
            if text == label:
                return key
        raise FieldError(
            gettext(
                "“%(value)s”不是可选值，可选：%(choices)s",
                value=text,
                choices=gettext("、").join(_choice_hint(spec.choices)),
            )
        )
    if kind == "choices":
        items = []
        for item in _as_list(value):
            items.append(_clean_value(Field(spec.name, spec.label, "choice", choices=spec.choices), item))
        return list(dict.fromkeys(items))
    if kind == "int":
        number = plain_int(value.strip() if isinstance(value, str) else value)
        if number is None or number not in spec.choices:
            raise FieldError(gettext("“%(value)s”无效，请填 1–9 的整数", value=_text(value)[:20]))
        return number
    if kind == "fen":
        return _parse_fen(value, unit)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise FieldError(gettext("“%(value)s”无效，请填 是/否 或 true/false", value=text))
    if kind == "app_no":
        try:
            return normalise_application_number(_text(value))
        except ValueError as exc:
            raise FieldError(str(exc)) from None
    if kind == "pub_no":
        text = re.sub(r"[\s\u3000]+", "", _text(value)).upper()
        if not re.fullmatch(r"CN\d{6,12}[ABUSCY]\d?", text):
            raise FieldError(
                gettext("公开号“%(value)s”格式不正确，应如 CN107451234A、CN215792497U", value=_text(value))
            )
        return text
    if kind == "ipc":
        codes = []
        for item in _as_list(value):
            try:
                codes.append(normalise_ipc(item))
            except ValueError as exc:
                raise FieldError(str(exc)) from None
        return list(dict.fromkeys(codes))
    if kind == "ids":
        items = value if isinstance(value, (list, tuple)) else _as_list(value)
        ids = []
        for item in items:
            number = parse_id(item)
            if number is None:
                raise FieldError(gettext("“%(value)s”不是有效的专利编号（应为整数）", value=_text(item)[:20]))
            ids.append(number)
        return list(dict.fromkeys(ids))
    raise AssertionError(f"unknown field type {kind}")  # pragma: no cover


def _choice_hint(choices: dict) -> list[str]:
    return [
        gettext("%(key)s（%(label)s）", key=key, label=tr(label)) if key != label else tr(key)
        for key, label in choices.items()
    ]


EMPTY_VALUES = {"list": list, "ipc": list, "choices": list, "ids": list, "str": str, "text": str}


def empty_value(spec: Field):
    """The value a field takes when it is left empty (None for dates, money = 面议, choices)."""
    if spec.type == "bool":
        return False
    maker = EMPTY_VALUES.get(spec.type)
    return maker() if maker else None


def clean_record(kind: str, raw: dict, *, partial: bool = False) -> tuple[dict, dict[str, str], list[str]]:
    """Clean a record of raw values: return (values, errors by field, unknown column names).

    With `partial`, only the fields present are cleaned (a PATCH); otherwise absent fields take
    their empty value and required fields must be present.
    """
    columns = COLUMNS[kind]
    specs = FIELD_BY_NAME[kind]
    values: dict = {}
    errors: dict[str, str] = {}
    unknown = [name for name in raw if name not in columns]
    for column, value in raw.items():
        if column not in columns:
            continue
        name, unit = columns[column]
        spec = specs[name]
        if name in values and _is_empty(value):
            continue  # the alias or the main column was already given
        if _is_empty(value):
            values[name] = empty_value(spec)
            continue
        try:
            values[name] = _clean_value(spec, value, unit)
        except FieldError as exc:
            errors[name] = labelled(spec.label, str(exc))
    if not partial:
        for name, spec in specs.items():
            values.setdefault(name, empty_value(spec))
    for name, spec in specs.items():
        if spec.required and name in values and _is_empty(values[name]) and name not in errors:
            errors[name] = labelled(spec.label, gettext("必填，请填写"))
    _check_together(kind, values, errors)
    return values, errors, unknown


def _check_together(kind: str, values: dict, errors: dict) -> None:
    """Rules across fields: dates in order, a patent needs a number or a title."""
    if kind == "demand":
        start, deadline = values.get("start_date"), values.get("deadline")
        if start and deadline and start > deadline and "deadline" not in errors:
            errors["deadline"] = labelled(N_("截止日期"), gettext("不能早于开始日期"))
    if kind == "patent":
        filing, grant = values.get("filing_date"), values.get("grant_date")
        if filing and grant and grant < filing and "grant_date" not in errors:
            errors["grant_date"] = labelled(N_("授权日"), gettext("不能早于申请日"))


def patent_type_from_publication_number(number: str | None) -> str | None:
    """Derive the type from the kind code: A/B invention, U utility model, S design."""
    match = re.search(r"([ABUSCY])\d?$", number or "")
    if not match:
        return None
    return {
        "A": "invention",
        "B": "invention",
        "C": "invention",
        "U": "utility_model",
        "Y": "utility_model",
        "S": "design",
    }[match.group(1)]
