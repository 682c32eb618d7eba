"""One check of API request bodies against the schemas the features publish in the OpenAPI document.

A feature declares each body once, in its OpenAPI part; the same declaration documents the body
and is checked here before any service sees it. The check is about shape, the services keep the
rules of the domain (required fields, choices, dates) and their Chinese messages:

- an object accepts only its declared properties: an unknown field is named and refused;
- text must be a string (a list or an object where text is expected is refused, never stored as
  its Python repr), within maxLength, without lone surrogates (no database can store them);
- integers are JSON integers, never floats, strings, NaN, Infinity or numbers too long to be
  one; ids (format "id", or a name ending in `_id`/`_ids`) lie in 1..MAX_ID; amounts in 分
  (format "fen", or a name ending in `_fen`) are a JSON integer in 0..MAX_FEN; a string, even
  of digits, is refused, and a number too long to convert is refused on its text;
- null stands for "not given" anywhere; the services decide whether that is allowed.
"""

from typing import Any

from marketplace.common.json_input import RawNumber
from marketplace.common.money import AmountError, parse_fen
from marketplace.common.validators import MAX_ID, has_lone_surrogate, parse_id

MAX_INT = 2**63 - 1  # what a database integer column can hold at most
NOT_TEXT = "应为文本"
BAD_CHARACTER = "含有无效字符（孤立的 UTF-16 代理码位），请检查编码"


def resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def check(value: Any, schema: dict, components: dict, *, ignore=()) -> tuple[Any, dict[str, str]]:
    """Check a parsed JSON value against a schema: return (the value cleaned, errors by field path).

    Names in `ignore` may appear at the top level unchecked (fields a client may echo back).
    """
    errors: dict[str, str] = {}
    clean = _check(value, schema, components, "", errors, ignore=frozenset(ignore))
    return clean, errors


def _check(value, schema, components, path, errors, *, ignore=frozenset()):
    schema = resolve(schema, components)
    if value is None:
        return None
    kind = schema.get("type")
    if kind == "object":
        return _object(value, schema, components, path, errors, ignore)
    if kind == "array":
        return _array(value, schema, components, path, errors)
    if kind == "string":
        return _string(value, schema, path, errors)
    if kind == "integer":
        return _integer(value, schema, path, errors)
    if kind == "boolean":
        if not isinstance(value, bool):
            errors[path] = "应为 true 或 false"
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors[path] = "应为数字"
        return value
    if isinstance(value, RawNumber):
        errors[path] = "数值无效"
    return value


def _name(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def _object(value, schema, components, path, errors, ignore):
    if not isinstance(value, dict):
        errors[path or "body"] = "应为 JSON 对象"
        return None
    properties = schema.get("properties", {})
    open_ended = schema.get("additionalProperties", False) is not False
    clean = {}
    for key, item in value.items():
        name = _name(path, key)
        if has_lone_surrogate(key):
            errors[name.encode("utf-8", "replace").decode()] = BAD_CHARACTER
        elif key in properties:
            clean[key] = _check(item, properties[key], components, name, errors)
        elif not path and key in ignore:
            clean[key] = item
        elif open_ended:
            clean[key] = item
        else:
            errors[name] = "未知字段，请删除"
    return clean


def _array(value, schema, components, path, errors):
    if not isinstance(value, list):
        errors[path] = "应为列表"
        return None
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors[path] = f"最多 {schema['maxItems']} 项"
        return None
    items = schema.get("items", {})
    item_name = path.rsplit(".", 1)[-1]
    if item_name.endswith("_ids") and resolve(items, components).get("type") == "integer":
        items = {"format": "id", **items}
    return [_check(item, items, components, f"{path}.{index}", errors) for index, item in enumerate(value)]


def _string(value, schema, path, errors):
    if not isinstance(value, str):
        errors[path] = NOT_TEXT
        return None
    if has_lone_surrogate(value):
        errors[path] = BAD_CHARACTER
        return None
    limit = schema.get("maxLength")
    if limit is not None and len(value) > limit:
        errors[path] = f"不能超过 {limit} 字（现为 {len(value)} 字）"
    return value


def integer_format(schema: dict, path: str) -> str | None:
    """ "id", "fen" or None: explicit in the schema, else by the API's naming of fields."""
    if "format" in schema:
        return schema["format"]
    name = path.rsplit(".", 1)[-1]
    if name == "id" or name.endswith("_id"):
        return "id"
    if name.endswith("_fen"):
        return "fen"
    return None


def _integer(value, schema, path, errors):
    fmt = integer_format(schema, path)
    if fmt == "fen":
        if isinstance(value, str):
            # The API documents money as an integer number of 分; text is refused, not guessed at.
            errors[path] = "金额须为整数（JSON 数字，单位为分），不能是文本"
            return None
        try:
            return parse_fen(value)
        except AmountError as exc:
            errors[path] = str(exc)
            return None
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if fmt == "id":
        if number is None or parse_id(number) is None:
            errors[path] = f"应为有效的编号（1 到 {MAX_ID} 的整数）"
            return None
        return number
    low, high = schema.get("minimum", -MAX_INT), schema.get("maximum", MAX_INT)
    if number is None or not low <= number <= high:
        span = f"（{low} 到 {high}）" if high != MAX_INT else ""
        errors[path] = f"应为整数{span}"
        return None
    return number
