"""The index service: documents from listings, one writer at a time, atomic rebuilds.

Layout of SEARCH_INDEX_DIR: `current` is a symlink to the live index directory `ix-...`;
`index.lock` and `match.lock` are flock files that let one process at a time write the index or
store matches. The database is the source of truth; the index is rebuilt from it at any time.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import shutil
import threading
import time
import uuid
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import selectinload
from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC
from whoosh.query import NumericRange
from whoosh.writing import MERGE_SMALL

from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.extensions import db
from marketplace.listings.models import LISTING_MODELS, Demand, Patent, ResearchResult
from marketplace.search.analysis import load_terms, make_analyzer
from marketplace.search.ipc import is_valid_ipc
from marketplace.search.models import SearchMatchRefresh, SearchOutbox, SearchTerm
from marketplace.search.schema import SCHEMA_VERSION, build_document, doc_id, make_schema

CURRENT = "current"
INDEX_LOCK = "index.lock"
VERSION_FILE = "schema-version"
# The dictionary terms an index directory was built with, one a line, written before `current`
# points at it: readers rebuild the schema from code and these terms instead of reading it back
# from a table of contents that a concurrent commit may delete.
DICTIONARY_FILE = "dictionary.txt"
MATCH_LOCK = "match.lock"
INDEX_BATCH = 500
MATCH_BATCH = 50
# Memory for sorting a rebuild's postings: at 256 MB Whoosh spilled 20,000 listings to disk in
# runs and merged them back, a fifth of the rebuild time (profiled).
REINDEX_LIMITMB = 1024
# Segments (one per committed batch of changes) at which the drain merges the small ones.
MERGE_AT_SEGMENTS = 8
# Old index directories kept after a swap, so a reader that resolved `current` just before the
# swap can still open it.
KEEP_OLD = 1

_cache: dict[str, tuple[str, object]] = {}
_cache_lock = threading.Lock()

# What a reader gets when a commit, merge or rebuild swap removed the files it was about to read:
# a table of contents or segment file gone (FileNotFoundError), or the whole old directory gone
# (Whoosh then finds no table of contents at all: EmptyIndexError).
INDEX_CHANGED = (FileNotFoundError, whoosh_index.EmptyIndexError)


# --- locations and locks ------------------------------------------------------------------------


def index_root() -> Path:
    root = Path(current_app.config["SEARCH_INDEX_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


_held = threading.local()


@contextlib.contextmanager
def flock(path: Path, blocking: bool = False):
    """Hold an exclusive lock on a file across processes and threads; yield whether it was obtained.

    Re-entrant within a thread (flock would otherwise deadlock on a second descriptor).
    """
    held: set[str] = _held.__dict__.setdefault("paths", set())
    key = str(path)
    if key in held:
        yield True
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        held.add(key)
        try:
            yield True
        finally:
            held.discard(key)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --- analyzer, schema and documents -------------------------------------------------------------


def dictionary_terms() -> list[str]:
    """The packaged terms plus the bureau's, as the analyzer of a new index gets them."""
    extra = db.session.scalars(select(SearchTerm.term).order_by(SearchTerm.term)).all()
    return list(dict.fromkeys([*load_terms(), *extra]))


def new_schema(terms: list[str] | None = None):
    schema = make_schema(make_analyzer(dictionary_terms() if terms is None else terms))
    # Demands expire on their deadline without any change to the row: searches mask them by date.
    schema.add("deadline", NUMERIC(numtype=int, bits=32, stored=True))
    # A column copy of `kind`, so per-kind counts read a column instead of walking postings.
    schema.add("kind_col", ID(sortable=True))
    return schema


def date_number(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def expired_mask():
    """Matches demands whose deadline is before today in Beijing."""
    return NumericRange("deadline", None, date_number(beijing_today()), endexcl=True)


def _with_columns(doc: dict) -> dict:
    doc["kind_col"] = doc["kind"]
    return doc


def indexable(obj) -> bool:
    return obj is not None and obj.is_public


def listing_document(obj) -> dict:
    """Build the index document of a published listing; a hidden owner is indexed as nobody."""
    return _with_columns(_listing_document(obj))


def _listing_document(obj) -> dict:
    org = obj.organisation
    common = {
        "title": obj.title,
        "org_id": None,
        "org_name": None,
        "region": org.district if org else None,
        "status": obj.status,
        "public": True,
        "updated_at": obj.updated_at,
    }
    if isinstance(obj, Demand):
        hidden = bool(obj.hide_name)
        if not hidden and org:
            common.update(org_id=org.id, org_name=org.name)
        doc = build_document(
            "demand",
            obj.id,
            body_parts=[obj.description, obj.technical_indicators, obj.expected_outcome],
            keywords=obj.keywords or [],
            field=obj.technology_field,
            industry=obj.industry,
            price_fen=obj.budget_fen,
            hide_name=hidden,
            **common,
        )
        if obj.deadline:
            doc["deadline"] = date_number(obj.deadline)
        return doc
    if org:
        common.update(org_id=org.id, org_name=org.name)
    if isinstance(obj, Patent):
        return build_document(
            "patent",
            obj.id,
            body_parts=[obj.abstract],
            ipc_codes=[c for c in (obj.ipc_codes or []) if isinstance(c, str) and is_valid_ipc(c)],
            patent_type=obj.patent_type,
            legal_status=obj.legal_status,
            price_fen=obj.price_fen,
            **common,
        )
    assert isinstance(obj, ResearchResult)
    return build_document(
        "result",
        obj.id,
        body_parts=[obj.abstract, obj.technical_level],
        keywords=obj.keywords or [],
        field=obj.technology_field,
        industry=obj.industry,
        maturity=obj.maturity,
        price_fen=obj.price_fen,
        **common,
    )


def load_listings(session, kind: str, ids) -> dict[int, object]:
    model = LISTING_MODELS[kind]
    rows = session.scalars(
        select(model).where(model.id.in_(list(ids))).options(selectinload(model.organisation))
    ).all()
    return {row.id: row for row in rows}


# --- opening ------------------------------------------------------------------------------------


def _target(root: Path) -> Path | None:
    link = root / CURRENT
    try:
        return root / os.readlink(link)
    except FileNotFoundError:
        return None


def _create_empty(root: Path) -> None:
    """Create an empty index and point `current` at it (the caller holds the index lock)."""
    if _target(root) is not None:
        return
    name = f"ix-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    (root / name).mkdir()
    terms = dictionary_terms()
    whoosh_index.create_in(str(root / name), new_schema(terms))
    _write_dictionary(root / name, terms)
    _write_version(root / name)
    _point_current(root, name)


def _write_version(path: Path) -> None:
    (path / VERSION_FILE).write_text(f"{SCHEMA_VERSION}\n")


def _write_dictionary(path: Path, terms: list[str]) -> None:
    tmp = path / f"{DICTIONARY_FILE}.tmp"
    tmp.write_text("".join(f"{t}\n" for t in terms), encoding="utf-8")
    os.replace(tmp, path / DICTIONARY_FILE)


def _directory_schema(target: Path):
    """The schema of an index directory, built from code and the dictionary recorded beside it.

    A directory built before dictionaries were recorded has its schema read once from its table
    of contents; either way the schema is held in memory for as long as the directory is live.
    """
    try:
        text = (target / DICTIONARY_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        if not target.is_dir():
            raise  # the directory itself is gone: the caller retries on the new `current`
        return whoosh_index.open_dir(str(target)).schema
    return new_schema([line for line in text.splitlines() if line])


def index_is_current() -> bool:
    """Whether the live index was built with this code's schema (or none exists yet)."""
    root = index_root()
    for _ in range(2):
        target = _target(root)
        if target is None:
            return True
        try:
            return (target / VERSION_FILE).read_text().strip() == str(SCHEMA_VERSION)
        except FileNotFoundError:
            if _target(root) == target:  # built before versions were recorded
                return False
            # else a rebuild swapped `current` and removed this directory meanwhile: look again
    return False


def _point_current(root: Path, name: str) -> None:
    tmp = root / f"{CURRENT}.{uuid.uuid4().hex}.tmp"
    os.symlink(name, tmp)
    os.replace(tmp, root / CURRENT)


def open_index():
    """Return the live index, reopening it when `current` points somewhere new.

    The index carries its schema in memory (see _directory_schema), so neither opening a reader
    nor asking for the analyzer reads the schema back from a table of contents on disk.
    """
    try:
        return _open_index()
    except INDEX_CHANGED:
        # A rebuild swapped `current` and removed the directory, or a commit removed the table
        # of contents, between resolving and reading: once more, on the new generation.
        return _open_index()


def _open_index():
    root = index_root()
    target = _target(root)
    if target is None:
        with flock(root / INDEX_LOCK, blocking=True):
            _create_empty(root)
        target = _target(root)
    key = str(root)
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == str(target):
            return cached[1]
    schema = _directory_schema(target)
    ix = whoosh_index.open_dir(str(target), schema=schema)
    with _cache_lock:
        _cache[key] = (str(target), ix)
    return ix


def open_searcher():
    """Open a new searcher on the live index (the caller closes it), surviving a concurrent commit.

    Whoosh retries a table of contents or segment that vanished while it opened them; a
    directory removed by a rebuild swap is retried here once, on the new `current`.
    """
    try:
        return open_index().searcher()
    except INDEX_CHANGED:
        return open_index().searcher()


_searchers = threading.local()


def cached_searcher():
    """A searcher kept per thread and refreshed when the index changes (opening one costs ~20 ms).

    Do not close it; a swap to a rebuilt directory opens a new one on the next call. A segment
    is opened in full (memory-mapped) with its reader, so a held searcher keeps answering after a
    commit or merge deletes its files.
    """
    try:
        return _cached_searcher()
    except INDEX_CHANGED:
        forget_cached_searcher()
        return _cached_searcher()


def _cached_searcher():
    ix = open_index()
    cached = getattr(_searchers, "entry", None)
    if cached is not None and cached[0] is ix and ix.latest_generation() == cached[1].reader().generation():
        return cached[1]
    if cached is not None:
        cached[1].close()
        _searchers.entry = None
    searcher = ix.searcher()
    _searchers.entry = (ix, searcher)
    return searcher


def forget_cached_searcher() -> None:
    """Drop this thread's cached searcher, so the next call opens the newest generation."""
    cached = getattr(_searchers, "entry", None)
    _searchers.entry = None
    if cached is not None:
        with contextlib.suppress(Exception):
            cached[1].close()


def retry_on_index_change(func):
    """Run a function that reads the index once more on the new generation if the index changed under it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except INDEX_CHANGED:
            forget_cached_searcher()
            return func(*args, **kwargs)

    return wrapper


def query_analyzer(source):
    """The analyzer the index was built with (its dictionary travels with the index directory).

    Taken from a held searcher's schema, or an opened index's schema in memory; never read from
    the table of contents on disk, which a concurrent commit may have just deleted.
    """
    schema = getattr(source, "_schema", None) or source.schema
    return schema["title"].analyzer


# --- the outbox drain ---------------------------------------------------------------------------


def _pending(session, indexed: bool) -> bool:
    """Is there work for the index stage (indexed=False) or the match stage (indexed=True)?"""
    if indexed and session.scalar(select(SearchMatchRefresh.kind).limit(1)) is not None:
        return True
    column = SearchOutbox.indexed_at
    cond = column.is_not(None) if indexed else column.is_(None)
    return session.scalar(select(SearchOutbox.id).where(cond).limit(1)) is not None


def _index_batch(session) -> int:
    rows = session.execute(
        select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.obj_id)
        .where(SearchOutbox.indexed_at.is_(None))
        .order_by(SearchOutbox.id)
        .limit(INDEX_BATCH)
    ).all()
    if not rows:
        return 0
    by_kind: dict[str, set[int]] = {}
    for _, kind, obj_id in rows:
        by_kind.setdefault(kind, set()).add(obj_id)
    ix = open_index()
    writer = ix.writer(timeout=30.0)
    try:
        for kind, ids in by_kind.items():
            objs = load_listings(session, kind, ids) if kind in LISTING_MODELS else {}
            for obj_id in ids:
                obj = objs.get(obj_id)
                try:
                    doc = listing_document(obj) if indexable(obj) else None
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
    session.execute(
        update(SearchOutbox).where(SearchOutbox.id.in_([r[0] for r in rows])).values(indexed_at=utcnow())
    )
    session.commit()
    return len(rows)


def _match_batch(session) -> int:
    """Store the matches of a batch of changed listings, or else recompute queued lists."""
    from marketplace.search.matching import refresh_many, refresh_queued

    rows = session.execute(
        select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.obj_id)
        .where(SearchOutbox.indexed_at.is_not(None))
        # Demands first: their pages show the ranked supply, and refreshing a demand also refreshes
        # the demand lists of the listings it matches, so a large import is useful soonest.
        .order_by(case((SearchOutbox.kind == "demand", 0), else_=1), SearchOutbox.id)
        .limit(MATCH_BATCH)
    ).all()
    if not rows:
        done = refresh_queued(session, MATCH_BATCH)
        session.commit()
        return done
    keys = list(dict.fromkeys((kind, obj_id) for _, kind, obj_id in rows))
    refresh_many(session, keys, notify=True)
    session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r[0] for r in rows])))
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
    With a `budget` (seconds) it returns after the batch that exhausts it, with `more` = 1, so
    the background worker's other duties (failed imports, mail) are not starved under load.
    """
    root = index_root()
    session = db.session
    done = {"indexed": 0, "matched": 0, "more": 0}
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


# --- rebuilding ---------------------------------------------------------------------------------


def reindex(batch: int = 1000) -> int:
    """Rebuild the index from the database into a fresh directory and swap it in atomically.

    Holds the index lock while building, so changes committed meanwhile stay in the outbox and
    are applied to the new index right after the swap (by the drain at the end).
    """
    root = index_root()
    session = db.session
    count = 0
    with flock(root / INDEX_LOCK, blocking=True):
        name = f"ix-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
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
                    for obj in objs:
                        if indexable(obj):
                            writer.add_document(**listing_document(obj))
                            count += 1
                    last = objs[-1].id
                    session.expunge_all()
            writer.commit()
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        _write_dictionary(path, terms)
        _write_version(path)
        _point_current(root, name)
        _remove_old(root, keep={name})
    session.commit()
    drain(with_matches=False)
    return count


def _remove_old(root: Path, keep: set[str]) -> None:
    olds = sorted(p for p in root.glob("ix-*") if p.is_dir() and p.name not in keep)
    for path in olds[: max(0, len(olds) - KEEP_OLD)]:
        shutil.rmtree(path, ignore_errors=True)


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
        "directory": str(_target(index_root())),
        "schema_current": index_is_current(),
    }
