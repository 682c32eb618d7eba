"""Security headers and safe redirects."""

from urllib.parse import urlsplit

from flask import Flask, request

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
