"""The public certificate check (/verify): a per-client rate limit and the certificate's QR code."""

import time

from flask import current_app
from flask_babel import gettext

from marketplace.common import counters
from marketplace.common.timeutil import utcnow

WINDOW_SECONDS = 60


def allow_check(client: str | None) -> bool:
    """Count one certificate check for the client; False once it passed the limit this minute.

    Guessing codes must stay slow, so every check counts, found or not. The count is shared by all
    workers: a Redis key per minute when REDIS_URL is set, else a counter row per client and
    minute (common/counters.py), taken atomically so parallel checks cannot all slip through.
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
    # One conditional UPDATE on this minute's counter: parallel checks cannot all see room left.
    minute = utcnow().strftime("%Y%m%d%H%M")
    return counters.take("verify", client or "unknown", minute, limit)


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

    return segno.make(text, error="m").svg_data_uri(scale=4, title=gettext("扫码核验登记证明"))
