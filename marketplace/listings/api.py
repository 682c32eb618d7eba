"""The listings API: /api/v1/patents, /api/v1/results, /api/v1/demands."""

from datetime import date, datetime

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import or_, select

from marketplace.api.core import body_error_message, bp, token_required
from marketplace.api.openapi import FEATURE_PARTS, components, error_responses
from marketplace.api.schema import check
from marketplace.common.errors import DomainError, NotFound, PermissionDenied, ValidationError
from marketplace.common.money import MAX_FEN
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.extensions import db
from marketplace.listings import services
from marketplace.listings.fields import FIELDS, clean_record
from marketplace.listings.models import LISTING_MODELS, STATUSES


def _json_value(value):
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def serialise(listing, user) -> dict:
    """A listing as the API shows it to this user."""
    data = {"id": listing.id}
    for spec in FIELDS[listing.kind]:
        if spec.name == "patent_ids":
            data["patent_ids"] = sorted(p.id for p in listing.patents)
        else:
            data[spec.name] = _json_value(getattr(listing, spec.name))
    data["status"] = listing.effective_status
    data["updated_at"] = _json_value(listing.fresh_at)
    data["organisation"] = services.public_org(listing, user)
    if services.can_see_private(listing, user):
        data["private_details"] = listing.private_details
    if listing.status == "taken_down" and listing.can_edit(user):
        data["takedown_reason"] = listing.takedown_reason
    return data


def _user():
    return current_user if current_user.is_authenticated else None


def _get_visible(kind: str, listing_id: int):
    listing = services.get_listing(kind, listing_id)
    if not services.can_view(listing, _user()):
        raise NotFound(f"该{services.KIND_LABELS[kind]}不存在或未公开")
    return listing


def _get_own(kind: str, listing_id: int):
    listing = services.get_listing(kind, listing_id)
    if not listing.can_edit(current_user):
        raise PermissionDenied("只有发布单位的成员可以修改该信息")
    return listing


def _list(kind: str):
    model = LISTING_MODELS[kind]
    page, per_page = parse_page_args(request.args)
    visible = model.status.in_(services.PUBLIC_STATUSES)
    if current_user.is_authenticated and current_user.org is not None:
        visible = or_(visible, model.organisation_id == current_user.org.id)
    stmt = select(model).where(visible).order_by(model.updated_at.desc(), model.id.desc())
    result = paginate(stmt, page, per_page)
    user = _user()
    return jsonify({"total": result.total, "items": [serialise(item, user) for item in result.items]})


def _show(kind: str, listing_id: int):
    return jsonify(serialise(_get_visible(kind, listing_id), _user()))


def _values(kind: str, *, partial: bool = False) -> dict:
    """The body checked against the kind's input schema, then cleaned; every bad field is named."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("请求体须为 JSON 对象")
    shaped, errors = check(data, {"$ref": f"{_NAMES[kind]}Input"}, components())
    # Fields of the right shape are cleaned too, so one answer names every field to fix.
    values, field_errors, _unknown = clean_record(
        kind, {k: v for k, v in shaped.items() if k not in errors}, partial=partial
    )
    errors = {**field_errors, **errors}
    if errors:
        raise ValidationError(body_error_message(errors), fields=errors)
    return values


def _create(kind: str):
    if not services.can_post(current_user, kind):
        raise PermissionDenied(f"贵单位类型不能发布{services.KIND_LABELS[kind]}")
    values = _values(kind)
    listing = services.create_listing(current_user, kind, values)
    db.session.commit()
    return jsonify({"id": listing.id}), 201


def _update(kind: str, listing_id: int):
    listing = _get_own(kind, listing_id)
    values = _values(kind, partial=True)
    services.update_listing(current_user, listing, values)
    db.session.commit()
    return jsonify(serialise(listing, current_user))


def _publish(kind: str, listing_id: int):
    listing = _get_own(kind, listing_id)
    services.publish_listing(current_user, listing)
    db.session.commit()
    return jsonify(serialise(listing, current_user))


def _withdraw(kind: str, listing_id: int):
    listing = _get_own(kind, listing_id)
    services.withdraw_listing(current_user, listing)
    db.session.commit()
    return jsonify(serialise(listing, current_user))


def _register(kind: str, segment: str) -> None:
    def list_view():
        return _list(kind)

    def show_view(listing_id: int):
        return _show(kind, listing_id)

    @token_required()
    def create_view():
        return _create(kind)

    @token_required()
    def update_view(listing_id: int):
        return _update(kind, listing_id)

    @token_required()
    def publish_view(listing_id: int):
        return _publish(kind, listing_id)

    @token_required()
    def withdraw_view(listing_id: int):
        return _withdraw(kind, listing_id)

    base = f"/{segment}"
    bp.add_url_rule(base, f"{segment}_list", list_view, methods=["GET"])
    bp.add_url_rule(base, f"{segment}_create", create_view, methods=["POST"])
    bp.add_url_rule(f"{base}/<int:listing_id>", f"{segment}_show", show_view, methods=["GET"])
    bp.add_url_rule(f"{base}/<int:listing_id>", f"{segment}_update", update_view, methods=["PATCH"])
    bp.add_url_rule(f"{base}/<int:listing_id>/publish", f"{segment}_publish", publish_view, methods=["POST"])
    bp.add_url_rule(
        f"{base}/<int:listing_id>/withdraw", f"{segment}_withdraw", withdraw_view, methods=["POST"]
    )


for _kind, _segment in services.SEGMENTS.items():
    _register(_kind, _segment)


# --- OpenAPI -----------------------------------------------------------------------------------

_TYPES = {
    "str": {"type": "string"},
    "text": {"type": "string"},
    "list": {"type": "array", "items": {"type": "string"}},
    "choices": {"type": "array", "items": {"type": "string"}},
    "ipc": {"type": "array", "items": {"type": "string"}, "example": ["H01M 10/0525"]},
    "ids": {"type": "array", "items": {"type": "integer", "format": "id"}},
    "date": {"type": "string", "format": "date", "nullable": True},
    "int": {"type": "integer", "minimum": 1, "maximum": 9, "nullable": True},
    "fen": {
        "type": "integer",
        "format": "fen",
        "minimum": 0,
        "maximum": MAX_FEN,
        "nullable": True,
        "description": "单位：分；null 表示面议",
    },
    "bool": {"type": "boolean"},
    "app_no": {"type": "string", "nullable": True, "example": "201710601862.3"},
    "pub_no": {"type": "string", "nullable": True, "example": "CN107451234A"},
}
_NAMES = {"patent": "Patent", "result": "Result", "demand": "Demand"}


def _field_schema(spec) -> dict:
    schema = dict(_TYPES.get(spec.type, {"type": "string", "nullable": True}))
    if spec.type == "choice":
        schema["enum"] = list(spec.choices)
        schema["nullable"] = True
    if spec.type == "choices":
        schema["items"] = {"type": "string", "enum": list(spec.choices)}
    schema["description"] = spec.label + ("。" + schema["description"] if "description" in schema else "")
    return schema


def _openapi_part() -> dict:
    paths: dict = {}
    schemas: dict = {
        "Organisation": {
            "type": "object",
            "description": "发布单位；需求隐藏企业名称时对无权查看者显示为 {id: null, name: 某企业}",
            "properties": {"id": {"type": "integer", "nullable": True}, "name": {"type": "string"}},
        },
        "Created": {"type": "object", "properties": {"id": {"type": "integer"}}},
    }
    for kind, segment in services.SEGMENTS.items():
        name = _NAMES[kind]
        label = services.KIND_LABELS[kind]
        fields = {spec.name: _field_schema(spec) for spec in FIELDS[kind]}
        required = [spec.name for spec in FIELDS[kind] if spec.required]
        schemas[f"{name}Input"] = {"type": "object", "required": required, "properties": fields}
        schemas[name] = {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                **fields,
                "status": {"type": "string", "enum": list(STATUSES)},
                "updated_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "最近更新或确认时间（UTC）",
                },
                "organisation": {"$ref": "#/components/schemas/Organisation"},
                "private_details": {"type": "string", "description": "仅发布单位和科技局可见"},
            },
        }
        schemas[f"{name}List"] = {
            "type": "object",
            "properties": {
                "total": {"type": "integer"},
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
            },
        }
        one = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
        body = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Input"}}},
        }
        id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
        paths[f"/api/v1/{segment}"] = {
            "get": {
                "summary": f"{label}列表：已发布的，以及令牌所属单位自己的全部{label}",
                "security": [{}, {"bearer": []}],
                "parameters": [
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "分页结果",
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}List"}}
                        },
                    },
                    **error_responses(401),
                },
            },
            "post": {
                "summary": f"新建{label}（草稿）",
                "requestBody": body,
                "responses": {
                    "201": {
                        "description": "已创建",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}},
                    },
                    **error_responses(400, 401, 403, 422),
                },
            },
        }
        paths[f"/api/v1/{segment}/{{listing_id}}"] = {
            "get": {
                "summary": f"{label}详情",
                "security": [{}, {"bearer": []}],
                "parameters": [dict(id_param[0], name="listing_id")],
                "responses": {"200": {"description": label, "content": one}, **error_responses(404)},
            },
            "patch": {
                "summary": f"修改{label}（只改提交的字段）",
                "parameters": [dict(id_param[0], name="listing_id")],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}Input"}}
                    },
                },
                "responses": {
                    "200": {"description": label, "content": one},
                    **error_responses(400, 401, 403, 404, 422),
                },
            },
        }
        for action, summary in (("publish", "发布（仅限已认证单位）"), ("withdraw", "撤回")):
            paths[f"/api/v1/{segment}/{{listing_id}}/{action}"] = {
                "post": {
                    "summary": f"{summary}{label}",
                    "parameters": [dict(id_param[0], name="listing_id")],
                    "responses": {
                        "200": {"description": label, "content": one},
                        **error_responses(401, 403, 404, 409, 422),
                    },
                }
            }
    return {"paths": paths, "schemas": schemas}


FEATURE_PARTS.append(_openapi_part())
