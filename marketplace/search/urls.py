"""Where a listing's public page is, for links in search results and in match notices."""

from flask import current_app, has_request_context, url_for

from marketplace.common.kinds import SEGMENTS


def listing_url(kind: str, obj_id: int) -> str:
    """The path of a listing's detail page; works in background jobs too (no request needed)."""
    values = {"segment": SEGMENTS[kind], "listing_id": obj_id}
    if has_request_context():
        return url_for("listings.show", **values)
    return current_app.url_map.bind("localhost").build("listings.show", values)
