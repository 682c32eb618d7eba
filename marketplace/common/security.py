"""Security headers and safe redirects."""

from urllib.parse import urlsplit

from flask import Flask, request
from flask_babel import gettext

from marketplace.common.errors import ValidationError

# Scripts only from this site. Styles also allow 'unsafe-inline' because ECharts writes inline
# style attributes on its chart and tooltip elements; no inline or foreign script is ever allowed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def is_safe_next(target: str | None) -> bool:
    """Accept only a path on this site, never another host or scheme."""
    if not target:
        return False
    target = target.strip()
    if target.startswith("//") or target.startswith("\\") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")


def register_security_headers(app: Flask) -> None:
    """Add CSP and the usual hardening headers to every response."""

    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("HTTPS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/") or response.mimetype == "text/html":
            # Pages can hold private data (contracts, hidden names): never keep them in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def accepts_any_query_text(view):
    """Mark a GET view whose query text never reaches the database, so NUL is searched, not refused."""
    view.accepts_any_query_text = True
    return view


def register_input_guards(app: Flask) -> None:
    """Refuse NUL characters in query strings, forms and JSON before they reach the database.

    PostgreSQL cannot store them in text columns, so they would otherwise end in a 500.
    """

    @app.before_request
    def refuse_nul_bytes():
        view = app.view_functions.get(request.endpoint)
        any_query_text = request.method == "GET" and getattr(view, "accepts_any_query_text", False)
        values = [*request.form.values(), *request.form.keys()]
        if not any_query_text:
            values += [*request.args.values(), *request.args.keys()]
        if request.is_json:
            values.append(request.get_json(silent=True))
        if any(_holds_nul(value) for value in values):
            raise ValidationError(gettext("请求中含有无效的空字符（\\0），请删除后重试"))
