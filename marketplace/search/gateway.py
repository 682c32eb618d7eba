"""The one way the rest of the code indexes and queries listings.

Other features call these functions and nothing else of the search package, so what sits behind
them (today a Whoosh index in SEARCH_INDEX_DIR and tables in the same database) can move to a
host of its own without their code changing. Pages of the search feature itself (views, api)
may use the modules behind this one.

Changes made through the ORM reach the index on their own (outbox.py listens to the session);
`enqueue` is for rows inserted in bulk, and it needs nothing but the outbox table, so a caller
low in the package graph can queue work through `marketplace.search.outbox.enqueue` as well.
"""

from collections.abc import Iterable

from sqlalchemy import Select, select

from marketplace.extensions import db
from marketplace.search import log, match_lists, outbox, pipeline, services, status, tasks
from marketplace.search.models import SearchMatch
from marketplace.search.services import SearchOutcome, SearchParams


def enqueue(kind: str, ids: Iterable[int]) -> int:
    """Queue listings inserted in bulk for indexing; the caller's commit makes it durable."""
    return outbox.enqueue(kind, ids)


def parse_search_args(args, per_page_default: int = 10) -> SearchParams:
    """Read a search's parameters from a request's arguments (malformed ones are ignored)."""
    return services.parse_search_args(args, per_page_default)


def search(params: SearchParams, user, *, snippets: bool = True) -> SearchOutcome:
    """Published listings matching the parameters, as `user` may see them."""
    return services.search(params, user, snippets=snippets)


def matches_for(obj, user, *, limit: int = 10) -> list[dict]:
    """A listing's stored matches; raises PermissionDenied when `user` may not see them."""
    return match_lists.stored_matches(obj, user, limit=limit)


def matched_demand_ids(min_score: float | None = None) -> Select:
    """The ids of demands with a stored match shown on their page, as a subquery.

    Shown: at or above the calibrated cut-off of its kind, or `min_score` when given.
    """
    cond = SearchMatch.score >= min_score if min_score is not None else match_lists.above_cutoff("demand")
    return select(SearchMatch.source_id).where(SearchMatch.source_kind == "demand", cond)


def sync() -> dict[str, int]:
    """Apply every queued change now (index, then matches); returns how many of each."""
    return pipeline.drain()


def rebuild() -> tuple[int, int]:
    """Rebuild the index and every stored match list; returns (documents, listings matched)."""
    return tasks.rebuild_everything()


def index_status() -> dict:
    """Documents indexed, changes pending, the live directory and whether its schema is current."""
    return status.index_status()


def index_lag() -> dict:
    """How far this host's index is behind the search log (entries, seconds), and its worker's last round."""
    return log.lag(db.session)
