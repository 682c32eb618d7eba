"""The search log (outbox): every listing change writes an entry in its own transaction.

SQLAlchemy session events do it, so listing code needs nothing: `after_flush` notes each inserted,
changed or deleted Patent/ResearchResult/Demand (and each listing of an organisation whose name
or district changed), `before_commit` writes the entries, and `after_commit` starts a background
drain. Bulk loads that bypass the ORM call `enqueue(kind, ids)`.

Entries are written at commit, under a PostgreSQL transaction lock, so their ids are in commit
order: a host that has applied entry N has seen every change committed before it, and its cursor
is one number (log.py). The lock is held only from the insert to the commit, never while waiting
for anything else. SQLite writes one transaction at a time, so its ids are in commit order anyway.

This module is the bottom of the search package (it needs the outbox table only), so listing code
may queue work without importing the index: the drain to start is handed over by `install`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app, has_app_context
from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import Session

from marketplace.common import tasks
from marketplace.common.timeutil import utcnow
from marketplace.common.uow import unit_of_work
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.organisations.models import Organisation
from marketplace.search import sources
from marketplace.search.models import SearchOutbox

PENDING_KEY = "search_outbox_pending"
# (kind, id) of the changes a transaction made, written as log entries when it commits.
CHANGES_KEY = "search_log_changes"
# Any constant: the PostgreSQL advisory lock that puts log entries in commit order.
LOG_LOCK_KEY = 718_300_018
_MODEL_KINDS = {model: kind for kind, model in LISTING_MODELS.items()}
# Organisation columns that are copied into listing documents.
_ORG_INDEXED = ("name", "district")
# The drain started after a commit that queued rows (pipeline.drain), set by install().
_drain: Callable[..., object] | None = None


def _changed_listings(session: Session) -> set[tuple[str, int]]:
    changed: set[tuple[str, int]] = set()
    for obj in list(session.new) + list(session.deleted):
        kind = _MODEL_KINDS.get(type(obj)) or sources.kind_of(obj)
        if kind and obj.id is not None:
            changed.add((kind, obj.id))
    orgs = []
    for obj in session.dirty:
        kind = _MODEL_KINDS.get(type(obj)) or sources.kind_of(obj)
        if kind and obj.id is not None and session.is_modified(obj, include_collections=False):
            changed.add((kind, obj.id))
        elif isinstance(obj, Organisation) and session.is_modified(obj, include_collections=False):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _ORG_INDEXED):
                orgs.append(obj.id)
    if orgs:
        conn = session.connection()
        for kind, model in LISTING_MODELS.items():
            for obj_id in conn.scalars(select(model.id).where(model.organisation_id.in_(orgs))):
                changed.add((kind, obj_id))
    return changed


def _after_flush(session: Session, _flush_context) -> None:
    changed = _changed_listings(session)
    if changed:
        session.info.setdefault(CHANGES_KEY, set()).update(changed)


def _before_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint: the entries go with the outer commit
    session.flush()  # the commit would flush after this hook; its changes must be noted first
    changed = session.info.pop(CHANGES_KEY, None)
    if not changed:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOG_LOCK_KEY})
    now = utcnow()
    conn.execute(
        insert(SearchOutbox.__table__),
        [{"kind": kind, "obj_id": obj_id, "created_at": now} for kind, obj_id in sorted(changed)],
    )
    session.info[PENDING_KEY] = True


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info.pop(CHANGES_KEY, None)


def _after_commit(session: Session) -> None:
    if not session.info.pop(PENDING_KEY, False):
        return
    if not has_app_context() or _drain is None:
        return
    app = current_app._get_current_object()
    mode = app.config.get("SEARCH_AUTO_DRAIN", True)
    if mode:
        # "index": make the change searchable now and leave the slow match stage to the worker.
        tasks.run_in_background(_drain, app=app, with_matches=mode != "index")


def install(drain: Callable[..., object]) -> None:
    """Listen to every session once per process (all apps share the mapped classes).

    `drain` runs in the background after a commit that queued rows.
    """
    global _drain
    if _drain is not None:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    # A savepoint's rollback keeps the outer transaction's noted changes (a spare entry is harmless).
    event.listen(Session, "after_soft_rollback", lambda s, t: None if t.nested else _after_rollback(s))
    event.listen(Session, "after_commit", _after_commit)
    _drain = drain


def enqueue(kind: str, ids: Iterable[int], *, session=None) -> int:
    """Queue listings (or a registered kind's objects) for indexing; the caller's commit writes the entries."""
    if kind not in LISTING_MODELS and sources.get(kind) is None:
        raise ValueError(f"unknown listing kind: {kind!r}")
    session = session or db.session
    keys = {(kind, int(i)) for i in ids}
    session.info.setdefault(CHANGES_KEY, set()).update(keys)
    return len(keys)


def after_bulk_import(kind: str, ids: Iterable[int]) -> int:
    """Queue an import's listings and commit, which starts the drain (call after the import commits).

    Rows added through the ORM are queued by the session events already; this covers Core inserts.
    """
    with unit_of_work():
        count = enqueue(kind, ids)
    return count
