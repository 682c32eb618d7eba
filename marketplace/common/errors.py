"""Domain errors raised by services, and the error pages/JSON the site answers with."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

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
}
HTTP_MESSAGES = {
    400: "请求无效，请检查后重试",
    401: "请先登录",
    403: "您没有权限执行此操作",
    404: "您访问的页面或数据不存在",
    405: "不支持该请求方法",
    409: "操作与当前状态冲突",
    413: "上传的文件过大",
    415: "不支持的文件类型",
    422: "提交的数据有误",
    429: "操作过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
}


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
        message = HTTP_MESSAGES.get(status, exc.name)
        if status == 400 and getattr(exc, "description", "").startswith("The CSRF"):
            message = "页面已过期或缺少安全令牌，请刷新页面后重新提交"
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

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return handle_http(exc)
        app.logger.exception("Unhandled error on %s", request.path)
        from marketplace.extensions import db

        db.session.rollback()
        if wants_json():
            return json_error(500, "internal_error", HTTP_MESSAGES[500])
        return render_template("errors/500.html", status=500, message=HTTP_MESSAGES[500]), 500
