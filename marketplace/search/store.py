"""The index on disk: its directory, the locks on it, and the searchers held open on it.

Layout of SEARCH_INDEX_DIR: `current` is a symlink to the live index directory `ix-...`;
`index.lock` and `match.lock` are flock files that let one process at a time write the index or
store matches. The database is the source of truth; the index is rebuilt from it at any time
(pipeline.reindex), so nothing here decides what a document holds (documents.py) or when it is
written (pipeline.py).
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
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC

from marketplace.extensions import db
from marketplace.search.analysis import load_terms, make_analyzer
from marketplace.search.models import SearchTerm
from marketplace.search.schema import SCHEMA_VERSION, make_schema

CURRENT = "current"
INDEX_LOCK = "index.lock"
VERSION_FILE = "schema-version"
# The dictionary terms an index directory was built with, one a line, written before `current`
# points at it: readers rebuild the schema from code and these terms instead of reading it back
# from a table of contents that a concurrent commit may delete.
DICTIONARY_FILE = "dictionary.txt"
MATCH_LOCK = "match.lock"
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


# --- schema ------------------------------------------------------------------------------------


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


# --- directories --------------------------------------------------------------------------------


def new_directory_name() -> str:
    return f"ix-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"


def publish_directory(root: Path, name: str, terms: list[str]) -> None:
    """Record how a freshly built directory was made, point `current` at it, drop older ones.

    The caller holds the index lock.
    """
    _write_dictionary(root / name, terms)
    _write_version(root / name)
    _point_current(root, name)
    _remove_old(root, keep={name})


def _remove_old(root: Path, keep: set[str]) -> None:
    olds = sorted(p for p in root.glob("ix-*") if p.is_dir() and p.name not in keep)
    for path in olds[: max(0, len(olds) - KEEP_OLD)]:
        shutil.rmtree(path, ignore_errors=True)


# --- opening ------------------------------------------------------------------------------------


def current_directory(root: Path) -> Path | None:
    link = root / CURRENT
    try:
        return root / os.readlink(link)
    except FileNotFoundError:
        return None


def _create_empty(root: Path) -> None:
    """Create an empty index and point `current` at it (the caller holds the index lock)."""
    if current_directory(root) is not None:
        return
    name = new_directory_name()
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
        target = current_directory(root)
        if target is None:
            return True
        try:
            return (target / VERSION_FILE).read_text().strip() == str(SCHEMA_VERSION)
        except FileNotFoundError:
            if current_directory(root) == target:  # built before versions were recorded
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
    target = current_directory(root)
    if target is None:
        with flock(root / INDEX_LOCK, blocking=True):
            _create_empty(root)
        target = current_directory(root)
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
