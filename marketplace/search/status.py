"""How the index is doing, for the bureau's page and `flask search status`."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.search.log import lag
from marketplace.search.models import SearchMatchRefresh, SearchOutbox
from marketplace.search.store import current_directory, index_is_current, index_root, open_searcher


def index_status() -> dict:
    """Figures for the bureau's page and `flask search status`."""
    behind = lag(db.session)
    log_entries = db.session.scalar(select(db.func.count(SearchOutbox.id))) or 0
    refresh = db.session.scalar(select(db.func.count()).select_from(SearchMatchRefresh)) or 0
    with open_searcher() as searcher:
        docs = searcher.doc_count()
    return {
        "documents": docs,
        # Entries this host's index has yet to apply, and how many the log holds for all hosts.
        "pending": behind["entries"],
        "lag_seconds": behind["seconds"],
        "log_entries": log_entries,
        "refresh_pending": refresh,
        "directory": str(current_directory(index_root())),
        "schema_current": index_is_current(),
    }
