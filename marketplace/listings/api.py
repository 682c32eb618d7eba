"""The listings API: /api/v1/patents, /api/v1/results, /api/v1/demands."""

from datetime import date, datetime

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import or_, select

from marketplace.api.core import bp, token_required
from marketplace.api.openapi import add_paths, id_param, operation, page_params
from marketplace.api.schemas.base import body_error_message, check, dump
from marketplace.api.schemas.listings import SCHEMAS, Created
from marketplace.common.errors import DomainError, NotFound, PermissionDenied, ValidationError
from marketplace.common.pagination import paginate, parse_page_args
from marketplace.common.permissions import can
from marketplace.common.uow import unit_of_work
from marketplace.listings import services
from marketplace.listings.fields import FIELDS, clean_record
from marketplace.listings.models import LISTING_MODELS


def _json_value(value):
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def serialise(listing, user) -> dict:
    """A listing as the API shows it to this user (the kind's output schema)."""
    return dump(SCHEMAS[listing.kind][1], _values_of(listing, user))


def _values_of(listing, user) -> dict:
    data = {"id": listing.id}
    for spec in FIELDS[listing.kind]:
        if spec.name == "patent_ids":
            data["patent_ids"] = sorted(p.id for p in listing.patents)
        else:
            data[spec.name] = _json_value(getattr(listing, spec.name))
    data["status"] = listing.effective_status
    data["updated_at"] = _json_value(listing.fresh_at)
    data["organisation"] = services.public_org(listing, user)
    if can(user, "see_private", listing):
        data["private_details"] = listing.private_details
    if listing.status == "taken_down" and listing.can_edit(user):
        data["takedown_reason"] = listing.takedown_reason
    return data


def _user():
    return current_user if current_user.is_authenticated else None


def _get_visible(kind: str, listing_id: int):
    listing = services.get_listing(kind, listing_id)
    if not can(_user(), "view", listing):
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
    body = {"total": result.total, "items": [_values_of(item, user) for item in result.items]}
    return jsonify(dump(SCHEMAS[kind][2], body))


def _show(kind: str, listing_id: int):
    return jsonify(serialise(_get_visible(kind, listing_id), _user()))


def _values(kind: str, *, partial: bool = False) -> dict:
    """The body checked against the kind's input schema, then cleaned; every bad field is named."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("请求体须为 JSON 对象")
    shaped, errors = check(SCHEMAS[kind][0], data)
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
    with unit_of_work():
        listing = services.create_listing(current_user, kind, values)
    return jsonify(dump(Created, {"id": listing.id})), 201


def _update(kind: str, listing_id: int):
    listing = _get_own(kind, listing_id)
    values = _values(kind, partial=True)
    with unit_of_work():
        services.update_listing(current_user, listing, values)
    return jsonify(serialise(listing, current_user))


def _publish(kind: str, listing_id: int):
    listing = _get_own(kind, listing_id)
    with unit_of_work():
        services.publish_listing(current_user, listing)
    return jsonify(serialise(listing, current_user))


def _withdraw(kind: str, listing_id: int):
    listing = _get_own(kind, listing_id)
    with unit_of_work():
        services.withdraw_listing(current_user, listing)
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


def _document(kind: str, segment: str) -> None:
    listing_input, output, listing_list = SCHEMAS[kind]
    label = services.KIND_LABELS[kind]
    listing_id = [id_param("listing_id")]
    paths = {
        f"/api/v1/{segment}": {
            "get": operation(
                f"{label}列表：已发布的，以及令牌所属单位自己的全部{label}",
                optional_token=True,
                params=page_params(),
                response=listing_list,
                response_description="分页结果",
            ),
            "post": operation(
                f"新建{label}（草稿）",
                status=201,
                body=listing_input,
                response=Created,
                response_description="已创建",
                errors=(403,),
            ),
        },
        f"/api/v1/{segment}/{{listing_id}}": {
            "get": operation(
                f"{label}详情",
                optional_token=True,
                params=listing_id,
                response=output,
                response_description=label,
                errors=(404,),
            ),
            "patch": operation(
                f"修改{label}（只改提交的字段）",
                params=listing_id,
                body=listing_input,
                response=output,
                response_description=label,
                errors=(403, 404, 409),
            ),
        },
    }
    for action, summary in (("publish", "发布（仅限已认证单位）"), ("withdraw", "撤回")):
        paths[f"/api/v1/{segment}/{{listing_id}}/{action}"] = {
            "post": operation(
                f"{summary}{label}",
                params=listing_id,
                response=output,
                response_description=label,
                errors=(403, 404, 409),
            )
        }
    add_paths(paths)


for _kind, _segment in services.SEGMENTS.items():
    _document(_kind, _segment)
