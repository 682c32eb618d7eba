"""The API's schema layer: pydantic v2 models that check bodies, shape answers and write the document.

Each API object is one model. The same model validates a request body (`parse_body`), serialises
an answer (`dump`) and gives the JSON Schema that `marketplace.api.openapi` publishes, so what the
document says and what the API does cannot drift apart.

A model checks the *shape* of a body; the services keep the rules of the domain (required fields,
choices, dates, check digits) and their Chinese messages:

- an object accepts only its declared properties: an unknown field is named and refused;
- text must be a string (never a list or object stored as its repr), within its maximum length,
  without lone surrogates (no database can store them);
- integers are JSON integers, never floats, strings, NaN, Infinity or numbers too long to be one
  (see common.json_input.RawNumber); ids lie in 1..MAX_ID, amounts in 分 in 0..MAX_FEN;
- null stands for "not given" anywhere: the services decide whether that is allowed. The
  document lists the fields a service requires (`REQUIRED`), and shows null only for the others.
"""

from collections.abc import Iterable
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema
from pydantic import ValidationError as PydanticError
from pydantic_core import PydanticCustomError

from marketplace.common.errors import DomainError, ValidationError
from marketplace.common.json_input import RawNumber
from marketplace.common.money import MAX_FEN, AmountError, parse_fen
from marketplace.common.validators import MAX_ID, has_lone_surrogate, parse_id

MAX_INT = 2**63 - 1  # what a database integer column can hold at most
NOT_TEXT = "应为文本"
BAD_CHARACTER = "含有无效字符（孤立的 UTF-16 代理码位），请检查编码"
BAD_ID = f"应为有效的编号（1 到 {MAX_ID} 的整数）"
UNKNOWN_FIELD = "未知字段，请删除"
NOT_OBJECT = "应为 JSON 对象"


def _fail(message: str):
    raise PydanticCustomError("api", message)


def _plain_int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- field types: each checks a value and says how the document shows it ------------------------


def text(max_length: int | None = None, **schema: Any):
    """A string within max_length characters and without lone surrogates."""

    def check(value):
        if not isinstance(value, str):
            _fail(NOT_TEXT)
        if has_lone_surrogate(value):
            _fail(BAD_CHARACTER)
        if max_length is not None and len(value) > max_length:
            _fail(f"不能超过 {max_length} 字（现为 {len(value)} 字）")
        return value

    shown = {"type": "string", **({"maxLength": max_length} if max_length is not None else {}), **schema}
    return Annotated[str, PlainValidator(check), WithJsonSchema(shown)]


def choice(values: Iterable[str], **schema: Any):
    """Text whose values the document lists; the service refuses others with its own message."""
    return text(None, enum=list(values), **schema)


def one_of(values: Iterable[str], **schema: Any):
    """Text that must be one of the values (query arguments, which no service checks again)."""
    allowed = list(values)

    def check(value):
        if not isinstance(value, str) or value not in allowed:
            _fail("取值无效")
        return value

    return Annotated[
        str, PlainValidator(check), WithJsonSchema({"type": "string", "enum": allowed, **schema})
    ]


def integer(minimum: int = -MAX_INT, maximum: int = MAX_INT, **schema: Any):
    """A JSON integer between minimum and maximum."""

    def check(value):
        number = _plain_int(value)
        if number is None or not minimum <= number <= maximum:
            span = f"（{minimum} 到 {maximum}）" if maximum != MAX_INT else ""
            _fail(f"应为整数{span}")
        return number

    shown = {"type": "integer", "minimum": minimum, "maximum": maximum, **schema}
    return Annotated[int, PlainValidator(check), WithJsonSchema(shown)]


def _id(value):
    number = _plain_int(value)
    if number is None or parse_id(number) is None:
        _fail(BAD_ID)
    return number


def _fen(value):
    if isinstance(value, str):
        # The API documents money as an integer number of 分; text is refused, not guessed at.
        _fail("金额须为整数（JSON 数字，单位为分），不能是文本")
    try:
        return parse_fen(value)
    except AmountError as exc:
        _fail(str(exc))


def _boolean(value):
    if not isinstance(value, bool):
        _fail("应为 true 或 false")
    return value


def fen(minimum: int = 0, **schema: Any):
    """An amount in 分: a JSON integer in minimum..MAX_FEN."""

    def check(value):
        amount = _fen(value)
        if amount is not None and amount < minimum:
            _fail(f"金额不能小于 {minimum} 分")
        return amount

    shown = {"type": "integer", "format": "fen", "minimum": minimum, "maximum": MAX_FEN, **schema}
    return Annotated[int, PlainValidator(check), WithJsonSchema(shown)]


Id = Annotated[int, PlainValidator(_id), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_ID})]
Fen = fen()
Boolean = Annotated[bool, PlainValidator(_boolean), WithJsonSchema({"type": "boolean"})]
Text = text()
Date = text(None, format="date")
DateTime = text(None, description="UTC 时间，ISO 8601（如 2026-05-31T11:39:01）")


class ApiModel(BaseModel):
    """An API object. Input fields are all optional to the check (the services name what is missing);
    REQUIRED lists what the document marks as required."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    REQUIRED: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        schema = handler.resolve_ref_schema(handler(core_schema))
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
            prop.pop("default", None)
        required = [name for name in cls.REQUIRED if name in schema.get("properties", {})]
        for name in required:
            if not cls.model_fields[name].is_required():  # an input field: null is "not given"
                _drop_null(schema["properties"][name])
        if required:
            schema["required"] = required
        else:
            schema.pop("required", None)
        return schema


def _drop_null(prop: dict) -> None:
    options = prop.get("anyOf")
    if options:
        rest = [option for option in options if option != {"type": "null"}]
        if len(rest) == 1:
            prop.pop("anyOf")
            prop.update(rest[0])
        else:
            prop["anyOf"] = rest


# --- reading bodies -------------------------------------------------------------------------------


def _path(loc: tuple) -> str:
    name = ".".join(str(part) for part in loc)
    return name.encode("utf-8", "replace").decode() if has_lone_surrogate(name) else name


def _message(error: dict) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return BAD_CHARACTER if has_lone_surrogate(str(error["loc"][-1])) else UNKNOWN_FIELD
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return NOT_OBJECT
    if kind == "list_type":
        return "应为列表"
    if kind == "too_long":
        return f"最多 {error['ctx']['max_length']} 项"
    if isinstance(error.get("input"), RawNumber):
        return "数值无效"
    return error["msg"]


def field_errors(exc: PydanticError) -> dict[str, str]:
    """The Chinese message of each bad field, by its dotted path ("body" for the whole body)."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        errors.setdefault(_path(error["loc"]) or "body", _message(error))
    return errors


def body_error_message(errors: dict[str, str]) -> str:
    """One line naming the bad fields of a body, for the error's message."""
    shown = "；".join(f"{name}：{message}" for name, message in list(errors.items())[:5])
    return f"提交的数据有误：{shown}"


def check(model: type[ApiModel], data: dict, *, ignore: Iterable[str] = ()) -> tuple[dict, dict[str, str]]:
    """Check a JSON object against a model: (the fields it set, cleaned; errors by field path).

    Names in `ignore` may appear at the top level unchecked (fields a client may echo back).
    """
    skipped = {key: data[key] for key in ignore if key in data}
    given = {key: value for key, value in data.items() if key not in skipped}
    try:
        parsed = model.model_validate(given)
    except PydanticError as exc:
        errors = field_errors(exc)
        clean = {key: value for key, value in given.items() if key not in errors}
        return {**clean, **skipped}, errors
    return {**_set_fields(parsed), **skipped}, {}


def _set_fields(parsed: BaseModel) -> dict:
    """The fields a client sent (null included), nested models as dicts."""
    out = {}
    for name in parsed.model_fields_set:
        value = getattr(parsed, name)
        if isinstance(value, BaseModel):
            value = _set_fields(value)
        elif isinstance(value, list):
            value = [_set_fields(item) if isinstance(item, BaseModel) else item for item in value]
        out[name] = value
    return out


def parse_body(model: type[ApiModel], data: Any, *, ignore: Iterable[str] = ()) -> dict:
    """The request's JSON object checked against a model.

    A body that is not a JSON object is a 400; one of the wrong shape a 422 naming each bad field.
    """
    if not isinstance(data, dict):
        raise DomainError("请求体须为 JSON 对象")
    clean, errors = check(model, data, ignore=ignore)
    if errors:
        raise ValidationError(body_error_message(errors), fields=errors)
    return clean


def parse_query(model: type[ApiModel], args) -> dict:
    """Query arguments checked against a model whose fields are all text; a bad one is a 422."""
    given = {name: args.get(name) for name in model.model_fields if name in args}
    try:
        return model.model_validate(given).model_dump(exclude_unset=True)
    except PydanticError as exc:
        errors = field_errors(exc)
        raise ValidationError(body_error_message(errors), fields=errors) from None


def dump(model: type[BaseModel], data: dict) -> dict:
    """An answer shaped by its model: checked against what the document promises, then as JSON."""
    return model.model_validate(data).model_dump(mode="json", exclude_unset=True, by_alias=True)
