"""The search log seen from one host: its cursor, what it has left to apply, the match lease, pruning.

Every web host keeps its own index and follows the log (the `search_outbox` table, written in
commit order by outbox.py). Its position is one row of `search_hosts`, named SEARCH_HOST_NAME (the
machine's name by default): the id of the last entry its index holds. All processes of a host share
the row and the host's index lock, so any of them may apply entries.

Work done once for all hosts (storing matches, and the notices they raise) is held under a lease
in `search_leases`, renewed with each batch; a host that dies loses it when it expires. An entry is
pruned once its matches are stored and every live host (seen within SEARCH_HOST_TIMEOUT) has
passed it. A host silent longer than that no longer holds entries back, and rebuilds its index from
the database when it returns, as does a new host or one whose index folder was wiped.

With one host (and SQLite) this is the old outbox: one cursor, entries pruned once matched.
"""

from __future__ import annotations

import socket
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.common.timeutil import utcnow
from marketplace.listings.models import LISTING_MODELS
from marketplace.search.models import SearchHost, SearchLease, SearchMatchRefresh, SearchOutbox
from marketplace.search.store import current_directory, index_root, open_searcher

MATCH_LEASE = "matches"
# Seconds a host holds the match stage after its last batch; another host takes over after that.
LEASE_SECONDS = 120
DEFAULT_HOST_TIMEOUT = 24 * 3600
# A drain refreshes its host's `seen_at` at most this often (the worker does it every round).
HEARTBEAT_EVERY = timedelta(seconds=30)


def host_name() -> str:
    """This host's name in `search_hosts`: SEARCH_HOST_NAME, else the machine's name."""
    return current_app.config.get("SEARCH_HOST_NAME") or socket.gethostname()


def host_timeout() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("SEARCH_HOST_TIMEOUT") or DEFAULT_HOST_TIMEOUT))


def _row(session):
    return session.execute(
        select(SearchHost.cursor, SearchHost.seen_at, SearchHost.worker_seen_at).where(
            SearchHost.name == host_name()
        )
    ).first()


def cursor(session) -> int:
    """The id of the last entry this host's index holds (0 before its first)."""
    return session.scalar(select(SearchHost.cursor).where(SearchHost.name == host_name())) or 0


def head(session) -> int:
    """The id of the newest committed entry (0 for an empty log)."""
    return session.scalar(select(func.max(SearchOutbox.id))) or 0


# --- joining: new, wiped and returning hosts ----------------------------------------------------


def needs_rebuild(session) -> bool:
    """Whether this host must build its index from the database before following the log.

    Called under the host's index lock. A host without a row joins at the start of the log when
    the log is whole (nothing pruned yet) or its index already holds documents (a host of the
    version before the log, whose outbox kept every entry it had not finished).
    """
    row = _row(session)
    if row is None:
        if _index_has_documents() or _log_is_whole(session):
            _insert_host(session, 0)
            return False
        return True
    if current_directory(index_root()) is None:
        return True  # the index folder was wiped
    return row.seen_at < utcnow() - host_timeout()  # entries it needed may have been pruned


def _index_has_documents() -> bool:
    if current_directory(index_root()) is None:
        return False
    with open_searcher() as searcher:
        return searcher.doc_count() > 0


def _log_is_whole(session) -> bool:
    first = session.scalar(select(func.min(SearchOutbox.id)))
    if first is not None:
        return first == 1
    return all(session.scalar(select(model.id).limit(1)) is None for model in LISTING_MODELS.values())


def _insert_host(session, position: int) -> None:
    now = utcnow()
    try:
        with session.begin_nested():
            session.execute(
                insert(SearchHost).values(name=host_name(), cursor=position, seen_at=now, applied_at=now)
            )
    except IntegrityError:
        pass  # another process of this host made the row at the same moment


def set_cursor(session, position: int, *, rebuilt: bool = False) -> None:
    """Record that this host's index holds every entry up to `position` (after a rebuild, too)."""
    now = utcnow()
    values = {"cursor": position, "seen_at": now, "applied_at": now}
    if rebuilt:
        values["rebuilt_at"] = now
    done = session.execute(update(SearchHost).where(SearchHost.name == host_name()).values(**values))
    if done.rowcount == 0:
        _insert_host(session, position)
        session.execute(update(SearchHost).where(SearchHost.name == host_name()).values(**values))


def heartbeat(session, *, worker: bool = False) -> None:
    """Note that this host is alive (the worker notes its round as well); the caller commits."""
    now = utcnow()
    values = {"seen_at": now, **({"worker_seen_at": now} if worker else {})}
    stmt = update(SearchHost).where(SearchHost.name == host_name())
    if not worker:
        stmt = stmt.where(SearchHost.seen_at < now - HEARTBEAT_EVERY)
    session.execute(stmt.values(**values))


# --- the index stage: this host's own --------------------------------------------------------------


def index_pending(session) -> bool:
    return (
        session.scalar(select(SearchOutbox.id).where(SearchOutbox.id > cursor(session)).limit(1)) is not None
    )


def entries_to_index(session, limit: int) -> list:
    """The next entries after this host's cursor, oldest first: (id, kind, obj_id)."""
    return session.execute(
        select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.obj_id)
        .where(SearchOutbox.id > cursor(session))
        .order_by(SearchOutbox.id)
        .limit(limit)
    ).all()


def mark_indexed(session, rows) -> None:
    """Move this host's cursor past entries its index now holds; the caller commits."""
    ids = [r[0] for r in rows]
    session.execute(
        update(SearchOutbox)
        .where(SearchOutbox.id.in_(ids), SearchOutbox.indexed_at.is_(None))
        .values(indexed_at=utcnow())
    )
    set_cursor(session, max(ids))
    prune(session)


# --- the match stage: once for all hosts ----------------------------------------------------------


def _lease_free_or_mine(now):
    return (SearchLease.holder == host_name()) | (SearchLease.expires_at < now)


def match_pending(session) -> bool:
    """Match work this host may do now: entries it has indexed, not yet matched, or queued lists.

    None while this host is joining or back after a long silence (another of its processes is
    rebuilding): its matches would be computed against an incomplete index.
    """
    now = utcnow()
    row = _row(session)
    if row is None or row.seen_at < now - host_timeout():
        return False
    holder = session.execute(
        select(SearchLease.holder, SearchLease.expires_at).where(SearchLease.name == MATCH_LEASE)
    ).first()
    if holder is not None and holder.holder != host_name() and holder.expires_at >= now:
        return False  # another host is storing the matches
    if session.scalar(select(SearchMatchRefresh.kind).limit(1)) is not None:
        return True
    unmatched = select(SearchOutbox.id).where(
        SearchOutbox.matched_at.is_(None), SearchOutbox.id <= cursor(session)
    )
    return session.scalar(unmatched.limit(1)) is not None


def claim_matching(session) -> bool:
    """Hold the match stage for LEASE_SECONDS in the current transaction; False if another host does."""
    now = utcnow()
    until = now + timedelta(seconds=LEASE_SECONDS)
    claimed = session.execute(
        update(SearchLease)
        .where(SearchLease.name == MATCH_LEASE, _lease_free_or_mine(now))
        .values(holder=host_name(), expires_at=until)
    )
    if claimed.rowcount == 1:
        return True
    if session.scalar(select(SearchLease.name).where(SearchLease.name == MATCH_LEASE)) is not None:
        return False
    try:
        with session.begin_nested():
            session.execute(
                insert(SearchLease).values(name=MATCH_LEASE, holder=host_name(), expires_at=until)
            )
    except IntegrityError:
        return False
    return True


def entries_to_match(session, limit: int) -> list:
    """Indexed here, not yet matched: (id, kind, obj_id), demands first."""
    return session.execute(
        select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.obj_id)
        .where(SearchOutbox.matched_at.is_(None), SearchOutbox.id <= cursor(session))
        # Demands first: their pages show the ranked supply, and refreshing a demand also refreshes
        # the demand lists of the listings it matches, so a large import is useful soonest.
        .order_by(case((SearchOutbox.kind == "demand", 0), else_=1), SearchOutbox.id)
        .limit(limit)
    ).all()


def mark_matched(session, ids: list[int]) -> None:
    """Record that these entries' matches are stored (in the transaction that stores them)."""
    session.execute(update(SearchOutbox).where(SearchOutbox.id.in_(ids)).values(matched_at=utcnow()))
    prune(session)


# --- pruning and lag --------------------------------------------------------------------------------


def live_horizon(session) -> int | None:
    """The smallest cursor of the hosts seen within SEARCH_HOST_TIMEOUT (None when there are none)."""
    since = utcnow() - host_timeout()
    return session.scalar(select(func.min(SearchHost.cursor)).where(SearchHost.seen_at >= since))


def prune(session) -> int:
    """Delete the entries every live host has passed and whose matches are stored; the caller commits."""
    horizon = live_horizon(session)
    if horizon is None:
        return 0
    done = session.execute(
        delete(SearchOutbox).where(SearchOutbox.id <= horizon, SearchOutbox.matched_at.is_not(None))
    )
    return done.rowcount or 0


def lag(session) -> dict:
    """How far this host's index is behind the log: entries, seconds, and its worker's last round."""
    row = _row(session)
    position = row.cursor if row else 0
    behind = select(SearchOutbox).where(SearchOutbox.id > position).subquery()
    entries, oldest = session.execute(select(func.count(), func.min(behind.c.created_at))).one()
    seconds = max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0
    worker = row.worker_seen_at if row else None
    return {
        "entries": entries,
        "seconds": round(seconds, 1),
        "worker_last_run_seconds_ago": round((utcnow() - worker).total_seconds(), 1) if worker else None,
    }
