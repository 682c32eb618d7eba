"""The API base: bearer-token authentication, JSON errors and helpers for feature APIs."""

from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_login import AnonymousUserMixin, current_user

from marketplace.accounts.services import user_for_api_token
from marketplace.api.schemas.base import ApiModel, dump, parse_body, parse_query
from marketplace.api.schemas.core import ApiIndex, Me
from marketplace.common.errors import NotFound, json_error
from marketplace.common.uow import unit_of_work
from marketplace.common.validators import MAX_ID
from marketplace.extensions import csrf

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
        with unit_of_work():  # records last_used_at
            user = user_for_api_token(raw.strip())
        if user is None:
            return json_error(401, "unauthorized", "API 令牌无效或已吊销")
    # Flask-Login reads the current user from g._login_user; set it so no session cookie is used.
    g._login_user = user if user is not None else AnonymousUserMixin()
    return None


@bp.before_request
def refuse_ids_beyond_the_keys():
    """An id in the path beyond any database key names nothing: 404, before a query overflows."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise NotFound("您访问的数据不存在")


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


def json_body(model: type[ApiModel], *, ignore=()) -> dict:
    """The request's JSON object checked against the model that documents it (400 or 422 if not)."""
    return parse_body(model, request.get_json(silent=True), ignore=ignore)


def query_args(model: type[ApiModel]) -> dict:
    """The query arguments the model declares, checked (422 naming the bad one)."""
    return parse_query(model, request.args)


@bp.route("/")
def index():
    return jsonify(
        dump(
            ApiIndex,
            {"name": "石家庄科技成果转化服务广场 API", "version": "v1", "openapi": "/api/v1/openapi.json"},
        )
    )


@bp.route("/me")
@token_required()
def me():
    user = current_user
    org = user.org
    return jsonify(
        dump(
            Me,
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
            },
        )
    )
