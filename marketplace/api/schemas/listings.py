"""Patents, results and demands in the API: one input and one output model per kind.

The models are built from the listing field tables (`listings.fields.FIELDS`), the one place that
names each field, its type and its label for imports, forms and the API alike.
"""

from pydantic import Field, create_model

from marketplace.api.schemas.base import (
    ApiModel,
    Boolean,
    Date,
    Id,
    Text,
    choice,
    fen,
    integer,
    text,
)
from marketplace.listings.fields import FIELDS, TEXT_MAX
from marketplace.listings.models import STATUSES

NAMES = {"patent": "Patent", "result": "Result", "demand": "Demand"}


class Organisation(ApiModel):
    """发布单位；需求隐藏企业名称时对无权查看者显示为 {id: null, name: 某企业}"""

    id: Id | None
    name: Text


class Created(ApiModel):
    id: Id


def _field_type(spec):
    """The type of one listing field; the length limits are the cleaner's, shown here."""
    label = {"description": spec.label}
    kind = spec.type
    if kind in ("list", "ipc"):
        example = {"examples": [["H01M 10/0525"]]} if kind == "ipc" else {}
        return list[Text], {**label, **example}
    if kind == "choices":
        return list[choice(spec.choices)], label
    if kind == "ids":
        return list[Id], label
    if kind == "date":
        return Date, label
    if kind == "int":
        return integer(1, 9), label
    if kind == "fen":
        return fen(), {"description": f"{spec.label}。单位：分；null 表示面议"}
    if kind == "bool":
        return Boolean, label
    if kind == "choice":
        return choice(spec.choices), label
    if kind == "str":
        return text(None, maxLength=spec.max_length), label
    if kind == "text":  # long texts: the field's own limit where it sets one, else TEXT_MAX
        return text(None, maxLength=spec.max_length if spec.max_length != 200 else TEXT_MAX), label
    return Text, label


def _fields(kind: str) -> dict:
    fields = {}
    for spec in FIELDS[kind]:
        annotation, extra = _field_type(spec)
        fields[spec.name] = (annotation | None, Field(None, json_schema_extra=extra))
    return fields


def _models(kind: str) -> tuple[type[ApiModel], type[ApiModel], type[ApiModel]]:
    name = NAMES[kind]
    fields = _fields(kind)
    required = tuple(spec.name for spec in FIELDS[kind] if spec.required)
    listing_input = create_model(f"{name}Input", __base__=ApiModel, __module__=__name__, **fields)
    listing_input.REQUIRED = required
    output = create_model(
        name,
        __base__=ApiModel,
        __module__=__name__,
        id=(Id, ...),
        **fields,
        status=(choice(STATUSES), ...),
        updated_at=(text(None, format="date-time", description="最近更新或确认时间（UTC）"), ...),
        organisation=(Organisation, ...),
        private_details=(text(None, description="仅发布单位和科技局可见") | None, None),
        takedown_reason=(text(None, description="被下架的原因（仅发布单位可见）") | None, None),
    )
    listing_list = create_model(
        f"{name}List",
        __base__=ApiModel,
        __module__=__name__,
        total=(integer(0), ...),
        items=(list[output], ...),
    )
    return listing_input, output, listing_list


SCHEMAS = {kind: _models(kind) for kind in NAMES}
