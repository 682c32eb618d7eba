"""The public certificate check (/verify): a per-client rate limit and the certificate's QR code."""

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from marketplace.accounts.models import LoginFailure
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

WINDOW_SECONDS = 60


def allow_check(client: str | None) -> bool:
    """Count one certificate check for the client; False once it passed the limit this minute.

    Guessing codes must stay slow, so every check counts, found or not. The counts live where the
    login throttle keeps its own (Redis when REDIS_URL is set, else rows in the database), so all
    workers share them; keys start with `verify:` and never meet the login keys.
    """
    limit = current_app.config.get("VERIFY_CHECKS_PER_MINUTE", 10)
    key = f"verify:{client or 'unknown'}"
    url = current_app.config.get("REDIS_URL")
    if url:
        import redis

        connection = redis.Redis.from_url(url)
        name = f"{key}:{int(time.time() // WINDOW_SECONDS)}"
        count = connection.incr(name)  # atomic, so parallel checks cannot all slip through
        connection.expire(name, 2 * WINDOW_SECONDS)
        return count <= limit
    now = utcnow()
    since = now - timedelta(seconds=WINDOW_SECONDS)
    count = db.session.scalar(
        select(func.count(LoginFailure.id)).where(LoginFailure.key == key, LoginFailure.created_at >= since)
    )
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.key.startswith("verify:"), LoginFailure.created_at < since)
    )
    if count >= limit:
        return False
    db.session.add(LoginFailure(key=key, created_at=now))
    return True


def verify_url(number: str, code: str) -> str:
    """The absolute address a certificate's QR code opens."""
    from flask import url_for

    site = current_app.config.get("SITE_URL", "").rstrip("/")
    path = url_for("contracts.verify_certificate", number=number, code=code)
    return (
        f"{site}{path}"
        if site
        else url_for("contracts.verify_certificate", number=number, code=code, _external=True)
    )


def qr_svg_uri(text: str) -> str:
    """A QR code of the text as an SVG data URI, drawn on the server (no script, no extra request).

    An <img> of a data URI rather than inline <svg> markup: the page carries no SVG elements, and
    the CSP's img-src already allows data: images.
    """
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=4, title="扫码核验登记证明")
