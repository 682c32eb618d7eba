"""Whole-index jobs, run from the CLI or in the background from the bureau's page."""

from marketplace.extensions import db
from marketplace.search.index import drain, reindex
from marketplace.search.matching import refresh_all


def rebuild_everything() -> tuple[int, int]:
    """Rebuild the index (new dictionary, new scores), then every stored match list."""
    documents = reindex()
    matches = refresh_all(db.session)
    db.session.commit()
    drain()
    return documents, matches
