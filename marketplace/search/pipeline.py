"""Getting the database's changes into the index: the outbox drain, match batches, the rebuild.

Every listing change leaves a row in the search outbox (outbox.py). The drain indexes the rows'
listings, then stores their matches (matching.py), then merges small segments, each stage under
its own lock so any process may call it; `reindex` builds a fresh directory and swaps it in.
"""

from __future__ import annotations

import shutil
import time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import index as whoosh_index
from whoosh.writing import MERGE_SMALL

from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS
from marketplace.search import log as search_log
from marketplace.search import sources
from marketplace.search.documents import (
    indexable,
    inferred_changes,
    listing_document,
    load_listings,
    predict_listing,
    store_inferred,
)
from marketplace.search.matching import refresh_many, refresh_queued
from marketplace.search.schema import doc_id
from marketplace.search.store import (
    INDEX_LOCK,
    MATCH_LOCK,
    dictionary_terms,
    flock,
    index_root,
    new_directory_name,
    new_schema,
    open_index,
    publish_directory,
)

INDEX_BATCH = 500
MATCH_BATCH = 50
# Memory for sorting a rebuild's postings: at 256 MB Whoosh spilled 20,000 listings to disk in
# runs and merged them back, a fifth of the rebuild time (profiled).
REINDEX_LIMITMB = 1024
# Segments (one per committed batch of changes) at which the drain merges the small ones.
MERGE_AT_SEGMENTS = 8


def _pending(session, indexed: bool) -> bool:
    """Is there work for this host's index stage (indexed=False) or the shared match stage (indexed=True)?"""
    return search_log.match_pending(session) if indexed else search_log.index_pending(session)


def _index_batch(session) -> int:
    rows = search_log.entries_to_index(session, INDEX_BATCH)
    if not rows:
        return 0
    by_kind: dict[str, set[int]] = {}
    for _, kind, obj_id in rows:
        by_kind.setdefault(kind, set()).add(obj_id)
    ix = open_index()
    writer = ix.writer(timeout=30.0)
    inferred: dict[str, list[dict]] = {}
    try:
        for kind, ids in by_kind.items():
            source = sources.get(kind)  # articles and other kinds registered by their features
            if source is not None:
                objs = source.load(session, ids)
            else:
                objs = load_listings(session, kind, ids) if kind in LISTING_MODELS else {}
            for obj_id in ids:
                obj = objs.get(obj_id)
                try:
                    if source is not None:
                        doc = source.document(obj) if obj is not None else None
                    elif indexable(obj):
                        doc = _document_noting_inferred(obj, inferred)
                    else:
                        doc = None
                except Exception:  # noqa: BLE001 - one bad row must not block the outbox
                    current_app.logger.exception("Cannot index %s %s; left out of the index", kind, obj_id)
                    doc = None
                if doc is not None:
                    writer.update_document(**doc)
                else:
                    writer.delete_by_term("doc_id", doc_id(kind, obj_id))
        # No merging here: a merge of small segments can take several times as long as writing
        # the change, and the change should be searchable first. merge_segments() follows.
        writer.commit(merge=False)
    except BaseException:
        writer.cancel()
        raise
    store_inferred(session, inferred)
    search_log.mark_indexed(session, rows)
    session.commit()
    return len(rows)


def _document_noting_inferred(obj, inferred: dict[str, list[dict]]) -> dict:
    """A listing's index document with the model's prediction; notes its inferred columns to write."""
    pred = predict_listing(obj)
    if (change := inferred_changes(obj, pred)) is not None:
        inferred.setdefault(obj.kind, []).append(change)
    return listing_document(obj, pred)


def _match_batch(session) -> int:
    """Store the matches of a batch of changed listings, or else recompute queued lists."""
    if not search_log.claim_matching(session):
        session.rollback()
        return 0  # another host stores the matches (once for all)
    rows = search_log.entries_to_match(session, MATCH_BATCH)
    if not rows:
        done = refresh_queued(session, MATCH_BATCH)
        session.commit()
        return done
    # Only listings are matched; other kinds in the log (articles) were indexed and are done.
    keys = list(dict.fromkeys((kind, obj_id) for _, kind, obj_id in rows if kind in LISTING_MODELS))
    if keys:
        refresh_many(session, keys, notify=True)
    search_log.mark_matched(session, [r[0] for r in rows])
    session.commit()
    return len(rows)


def merge_segments(min_segments: int = MERGE_AT_SEGMENTS) -> bool:
    """Merge the small segments that single updates leave, once there are min_segments or more.

    Every query visits every segment, so they must not pile up; run after the outbox's changes
    are searchable. Returns whether a merge ran. Skipped when another process holds the lock.
    """
    root = index_root()
    with flock(root / INDEX_LOCK) as held:
        if not held:
            return False
        # Under the index lock no commit, merge or swap can remove the table of contents.
        ix = open_index()
        if len(ix._segments()) < min_segments:  # reads the table of contents only
            return False
        writer = ix.writer(timeout=30.0)
        try:
            writer.commit(mergetype=MERGE_SMALL)
        except BaseException:
            writer.cancel()
            raise
    return True


def drain(*, with_matches: bool = True, merge: bool = True, budget: float | None = None) -> dict[str, int]:
    """Apply the outbox: index changes, store matches, merge small segments; safe from any process.

    Only the holder of a stage's lock works on it. A caller that finds a lock taken returns at
    once; the holder re-checks the outbox after releasing its lock, so no row is stranded.
    With a `budget` (seconds) it returns after the batch that exhausts it, with `more` = 1 if
    work is left, so the background worker's other duties (failed imports, mail) are not starved
    under load.
    """
    root = index_root()
    session = db.session
    done = {"indexed": 0, "matched": 0, "more": 0}
    done["indexed"] += _join_the_log(session, root)
    deadline = None if budget is None else time.monotonic() + budget
    while True:
        worked = done["indexed"] or done["matched"]
        if deadline is not None and worked and time.monotonic() > deadline:
            # At least one batch per call, however small the budget.
            done["more"] = int(
                _pending(session, indexed=False) or (with_matches and _pending(session, indexed=True))
            )
            session.commit()
            return done
        progressed = False
        while _pending(session, indexed=False):
            with flock(root / INDEX_LOCK) as held:
                if not held:
                    break
                done["indexed"] += _index_batch(session)
                progressed = True
            session.commit()  # end the read transaction so the re-check sees new commits
        while with_matches and _pending(session, indexed=True):
            with flock(root / MATCH_LOCK) as held:
                if not held:
                    break
                done["matched"] += _match_batch(session)
                progressed = True
            session.commit()
            if _pending(session, indexed=False):
                break  # new changes first: a published listing is searchable within seconds
            if deadline is not None and time.monotonic() > deadline:
                break
        session.commit()
        if not progressed:
            if merge:
                merge_segments()
            return done


def _join_the_log(session, root) -> int:
    """Build this host's index from the database first if it is new, wiped or back from the dead.

    Returns how many listings a rebuild indexed (0 when the host simply follows the log).
    """
    with flock(root / INDEX_LOCK) as held:
        if held and search_log.needs_rebuild(session):
            current_app.logger.warning("search index of this host is missing or stale: rebuilding it")
            return reindex()
        search_log.heartbeat(session)
        session.commit()
    return 0


def reindex(batch: int = 1000) -> int:
    """Rebuild the index from the database into a fresh directory and swap it in atomically.

    Holds the index lock while building, so changes committed meanwhile stay in the outbox and
    are applied to the new index right after the swap (by the drain at the end).
    """
    root = index_root()
    session = db.session
    count = 0
    with flock(root / INDEX_LOCK, blocking=True):
        # Entries are in commit order: what the build reads includes every entry up to here.
        position = search_log.head(session)
        name = new_directory_name()
        path = root / name
        path.mkdir()
        terms = dictionary_terms()
        ix = whoosh_index.create_in(str(path), new_schema(terms))
        writer = ix.writer(
            limitmb=REINDEX_LIMITMB, procs=current_app.config.get("SEARCH_INDEX_PROCS", 1), multisegment=True
        )
        try:
            for model in LISTING_MODELS.values():
                last = 0
                while True:
                    objs = session.scalars(
                        select(model)
                        .where(model.status == "published", model.id > last)
                        .order_by(model.id)
                        .limit(batch)
                        .options(selectinload(model.organisation))
                    ).all()
                    if not objs:
                        break
                    inferred: dict[str, list[dict]] = {}
                    for obj in objs:
                        if not indexable(obj):
                            continue
                        try:
                            doc = _document_noting_inferred(obj, inferred)
                        except Exception:  # noqa: BLE001 - one bad row must not stop a rebuild
                            current_app.logger.exception("Cannot index %s %s; left out", obj.kind, obj.id)
                            continue
                        writer.add_document(**doc)
                        count += 1
                    store_inferred(session, inferred)
                    last = objs[-1].id
                    session.expunge_all()
            for source in map(sources.get, sources.kinds()):
                for obj in source.published(session):
                    if (doc := source.document(obj)) is not None:
                        writer.add_document(**doc)
                        count += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        publish_directory(root, name, terms)
        search_log.set_cursor(session, position, rebuilt=True)
        session.commit()
    drain(with_matches=False)
    return count
