"""The API base: bearer-token authentication, JSON errors and helpers for feature APIs."""

from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_login import AnonymousUserMixin, current_user

from marketplace.accounts.services import user_for_api_token
from marketplace.common.errors import DomainError, ValidationError, json_error
from marketplace.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Tokens, not cookies, authenticate API calls, so a cross-site form cannot ride a session.
csrf.exempt(bp)


@bp.before_request
def authenticate():
    """Act as the token's user; ignore the browser session entirely."""
    header = request.headers.get("Authorization", "")
    user = None
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return json_error(401, "unauthorized", "Authorization 头格式应为 Bearer <令牌>")
        user = user_for_api_token(raw.strip())
        if user is None:
            return json_error(401, "unauthorized", "API 令牌无效或已吊销")
        db.session.commit()  # records last_used_at
    # Flask-Login reads the current user from g._login_user; set it so no session cookie is used.
    g._login_user = user if user is not None else AnonymousUserMixin()
    return None


def token_required(*roles: str):
    """Require a valid token, and optionally a user of one of these organisation types."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return json_error(401, "unauthorized", "需要 API 令牌：Authorization: Bearer <令牌>")
            if roles and current_user.role not in roles:
                return json_error(403, "forbidden", "该令牌所属单位无权执行此操作")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def json_body(schema: str | dict, *, ignore=()) -> dict:
    """Return the request's JSON object checked against a schema of the OpenAPI document.

    `schema` names a component schema (e.g. "ContractInput") or is a schema itself. A body that
    is not JSON is a 400; a body of the wrong shape a 422 naming each bad field (see api.schema).
    """
    from marketplace.api.openapi import components
    from marketplace.api.schema import check

    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("请求体须为 JSON 对象")
    clean, errors = check(
        data, schema if isinstance(schema, dict) else {"$ref": schema}, components(), ignore=ignore
    )
    if errors:
        raise ValidationError(body_error_message(errors), fields=errors)
    return clean


def body_error_message(errors: dict[str, str]) -> str:
    """One line naming the bad fields of a body, for the error's message."""
    shown = "；".join(f"{name}：{message}" for name, message in list(errors.items())[:5])
    return f"提交的数据有误：{shown}"


@bp.route("/")
def index():
    return jsonify(
        {"name": "石家庄科技成果转化服务广场 API", "version": "v1", "openapi": "/api/v1/openapi.json"}
    )


@bp.route("/me")
@token_required()
def me():
    user = current_user
    org = user.org
    return jsonify(
        {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "is_admin": user.is_admin,
            "role": user.role,
            "organisation": (
                {"id": org.id, "name": org.name, "type": org.org_type, "verified": org.is_verified}
                if org
                else None
            ),
        }
    )
