"""How the index is doing, for the bureau's page and `flask search status`."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.search.models import SearchMatchRefresh, SearchOutbox
from marketplace.search.store import current_directory, index_is_current, index_root, open_searcher


def index_status() -> dict:
    """Figures for the bureau's page and `flask search status`."""
    pending = db.session.scalar(select(db.func.count(SearchOutbox.id))) or 0
    refresh = db.session.scalar(select(db.func.count()).select_from(SearchMatchRefresh)) or 0
    with open_searcher() as searcher:
        docs = searcher.doc_count()
    return {
        "documents": docs,
        "pending": pending,
        "refresh_pending": refresh,
        "directory": str(current_directory(index_root())),
        "schema_current": index_is_current(),
    }
