"""Domain errors raised by services, and the error pages/JSON the site answers with."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from marketplace.common.i18n import N_

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
HTTP_MESSAGES = {
    400: N_("请求无效，请检查后重试"),
    401: N_("请先登录"),
    403: N_("您没有权限执行此操作"),
    404: N_("您访问的页面或数据不存在"),
    405: N_("不支持该请求方法"),
    409: N_("操作与当前状态冲突"),
    413: N_("上传的文件过大"),
    415: N_("不支持的文件类型"),
    422: N_("提交的数据有误"),
    429: N_("操作过于频繁，请稍后再试"),
    500: N_("服务器内部错误，请稍后再试"),
    503: N_("服务暂时不可用，请稍后重试"),
}
# A database that is restarting or unreachable: what a person sees instead of a 500.
DATABASE_UNAVAILABLE = N_("数据库连接暂时中断，请稍后重试；您刚才提交的内容可能未保存")


class DomainError(Exception):
    """A rule of the platform was broken; the message is shown to the user as it is."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(DomainError):
    status = 422
    code = "validation_error"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    """Return the API's error shape: {"error": {"code", "message", "fields"?}}."""
    body: dict = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def register_error_handlers(app: Flask) -> None:
    """Answer every error as a Chinese page in the site's style, or as JSON under /api/."""

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        code = HTTP_CODES.get(status, "error")
        message = gettext(HTTP_MESSAGES[status]) if status in HTTP_MESSAGES else exc.name
        if status == 400 and getattr(exc, "description", "").startswith("The CSRF"):
            message = gettext("页面已过期或缺少安全令牌，请刷新页面后重新提交")
        if wants_json():
            response, _ = json_error(status, code, message)
            response.status_code = status
        else:
            template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
            response = app.make_response((render_template(template, status=status, message=message), status))
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(DomainError)
    def handle_domain(exc: DomainError):
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.fields)
        return render_template("errors/generic.html", status=exc.status, message=exc.message), (exc.status)

    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def handle_database_error(exc: Exception):
        if not database_unavailable(exc):
            return handle_unexpected(exc)
        app.logger.warning("Database unavailable on %s: %s", request.path, str(exc).splitlines()[0])
        return unavailable_response(app)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return handle_http(exc)
        app.logger.exception("Unhandled error on %s", request.path)
        from marketplace.extensions import db

        db.session.rollback()
        if wants_json():
            return json_error(500, "internal_error", gettext(HTTP_MESSAGES[500]))
        return render_template("errors/500.html", status=500, message=gettext(HTTP_MESSAGES[500])), 500


def database_unavailable(exc: Exception) -> bool:
    """Tell whether an error means the database went away (restart, network), not a bug."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    # Connection refused, server closed the connection, shutting down, too many clients...
    return isinstance(exc, (OperationalError, InterfaceError))


def unavailable_response(app: Flask):
    """A 503 that needs no database: the page is rendered for an anonymous visitor."""
    import contextlib

    from flask import g

    from marketplace.extensions import db, login_manager

    with contextlib.suppress(Exception):
        db.session.rollback()
    if wants_json():
        response, _ = json_error(503, "unavailable", gettext(DATABASE_UNAVAILABLE))
        response.status_code = 503
    else:
        # The navigation would otherwise load the signed-in user from the database that is down.
        # (The interface language is chosen after that, from the cookie, for the same reason.)
        g._login_user = login_manager.anonymous_user()
        html = render_template("errors/503.html", status=503, message=gettext(DATABASE_UNAVAILABLE))
        response = app.make_response((html, 503))
    response.headers["Retry-After"] = "5"
    return response
