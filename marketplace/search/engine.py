"""Fast BM25F scoring straight from Whoosh's postings, for the search page and matching.

Whoosh's query matchers spend 10-25 microseconds of Python per posting and per level of their
OR tree, and a search with per-kind counts must visit every matching document, so a two-word
query over 20,000 listings took 120-150 ms and a demand's key-term query 350-500 ms. Here a
query is a flat list of (field, term, boost) clauses scored term at a time: each posting list is
decoded into numpy arrays and added into one dense score array over the docnums, a few
nanoseconds per posting. Scores are Whoosh's BM25F (same idf, K1, B and field boosts), so
rankings match what `searcher.search(Or([...]))` returns.

Decoded posting lists, document sets (a kind, a filter, the expired demands) and sort columns
are computed once per index segment or per searcher and kept: segments never change once written.
"""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import numpy as np
from whoosh.query import Query, Term
from whoosh.reading import TermNotFound

# Per-segment caches (field lengths, sort columns) kept at most this many entries.
_SEGMENT_CACHE_SIZE = 128
# Per-searcher memo of document sets (filters, kinds) kept at most this many entries.
_SET_MEMO_SIZE = 256

# Decoded posting lists kept across searchers (segments never change), at most this many
# postings in all: 8 bytes each, so 16 MB per process. Matching a batch of demands asks for the
# same words again and again, and decoding a list costs more than scoring it.
POSTINGS_CACHE_SIZE = 2_000_000

_segment_cache: dict[tuple, list | None] = {}
_segment_lock = threading.Lock()
_postings_cache: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_postings_held = 0


class Clause(NamedTuple):
    """One term of a query in one field, and its weight in the query."""

    field: str
    text: str
    boost: float = 1.0


# --- segments -----------------------------------------------------------------------------------


def leaves(searcher) -> list[tuple[object, int]]:
    """Return (segment reader, first global docnum) for every segment of a searcher."""
    reader = searcher.reader()
    if reader.is_atomic():
        return [(reader, 0)]
    return list(reader.leaf_readers())


def _segment_key(leaf, name: str) -> tuple | None:
    segment = getattr(leaf, "segment", None)
    if segment is None:
        return None
    seg = segment()
    if seg is None:  # an empty index's reader
        return None
    # Segment ids are random names, and a segment's documents never change once written.
    return (seg.segment_id(), seg.doc_count_all(), name)


def _cached_per_segment(leaf, name: str, build: Callable[[], list | None]) -> list | None:
    key = _segment_key(leaf, name)
    if key is None:
        return build()
    with _segment_lock:
        if key in _segment_cache:
            return _segment_cache[key]
    value = build()
    with _segment_lock:
        if len(_segment_cache) >= _SEGMENT_CACHE_SIZE:
            _segment_cache.clear()
        _segment_cache[key] = value
    return value


def _deleted(leaf) -> frozenset[int]:
    return leaf.deleted_docs_set if leaf.has_deletions() else frozenset()


def _field_lengths(leaf, fieldname: str) -> np.ndarray | None:
    """Return the length of a field in every document of a segment (None: not scorable)."""

    def build():
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        perdoc = getattr(leaf, "_perdoc", None)
        if perdoc is not None and hasattr(perdoc, "_cached_reader"):
            column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None:
                return None
            table = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
            return table[np.fromiter(column, dtype=np.uint8, count=leaf.doc_count_all())]
        # Another codec: ask document by document (slow, but correct).
        return np.array(
            [leaf.doc_field_length(d, fieldname) for d in range(leaf.doc_count_all())], dtype=np.float64
        )

    return _cached_per_segment(leaf, f"len:{fieldname}", build)


def _raw_postings(leaf, fieldname: str, text: str):
    """Return the postings matcher of a term in a segment, without the deletion filter."""
    matcher = leaf.postings(fieldname, text)
    # Deletions are applied by the callers once per query, not per posting.
    while not hasattr(matcher, "_read_ids") and hasattr(matcher, "child"):
        matcher = matcher.child
    return matcher


def _blocks(matcher) -> Iterable[tuple[Sequence[int], Sequence[float]]]:
    """Yield (docnums, weights) of a posting list, a whole block at a time when possible."""
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            yield matcher._ids, matcher._weights
            matcher._next_block()
        return
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    yield ids, weights


def _posting_arrays(matcher) -> tuple[np.ndarray, np.ndarray]:
    """Return a whole posting list as (segment docnums, weights) arrays.

    Whoosh's block reader delta-decodes ids in a Python generator; a cumulative sum does the
    same in C. Other matchers go through _blocks.
    """
    fast = all(hasattr(matcher, a) for a in ("_read_data", "_data", "_byteids", "_next_block"))
    id_parts, weight_parts = [], []
    if fast and not matcher._byteids:
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            deltas, weights = matcher._data[0], matcher._data[1]
            id_parts.append(np.cumsum(np.fromiter(deltas, dtype=np.int64, count=len(deltas))))
            if weights is None or isinstance(weights, float):
                weight_parts.append(np.full(len(deltas), 1.0 if weights is None else weights))
            else:
                weight_parts.append(np.fromiter(weights, dtype=np.float64, count=len(weights)))
            matcher._next_block()
    else:
        for ids, weights in _blocks(matcher):
            id_parts.append(np.asarray(ids, dtype=np.int64))
            weight_parts.append(np.asarray(weights, dtype=np.float64))
    if not id_parts:
        return np.empty(0, dtype=np.int64), np.empty(0)
    if len(id_parts) == 1:
        return id_parts[0], weight_parts[0]
    return np.concatenate(id_parts), np.concatenate(weight_parts)


def _segment_postings(leaf, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Return a term's postings in a segment as (docnums, weights) arrays, cached (LRU)."""
    global _postings_held
    key = _segment_key(leaf, fieldname)
    if key is not None:
        key += (text,)
        with _segment_lock:
            found = _postings_cache.get(key)
            if found is not None:
                _postings_cache.move_to_end(key)
                return found
    try:
        ids, weights = _posting_arrays(_raw_postings(leaf, fieldname, text))
    except TermNotFound:
        ids, weights = np.empty(0, dtype=np.int64), np.empty(0)
    found = (ids.astype(np.int32), weights.astype(np.float32))
    for array in found:
        array.setflags(write=False)  # shared by every caller: never changed in place
    if key is not None:
        with _segment_lock:
            if key not in _postings_cache:
                _postings_cache[key] = found
                _postings_held += len(ids) + 1
            while _postings_held > POSTINGS_CACHE_SIZE and _postings_cache:
                _, (old, _) = _postings_cache.popitem(last=False)
                _postings_held -= len(old) + 1
    return found


def clear_postings_cache() -> None:
    """Forget every decoded posting list (as a freshly started process has none)."""
    global _postings_held
    with _segment_lock:
        _postings_cache.clear()
        _postings_held = 0


# --- scoring ------------------------------------------------------------------------------------


def score_array(searcher, clauses: Sequence[Clause]) -> tuple[np.ndarray, np.ndarray]:
    """Score every document matching any clause with BM25F, as dense arrays over docnums.

    Returns (scores, hit): float scores for every global docnum of the searcher, and a boolean
    array of the live (not deleted) documents that matched at least one clause.
    """
    weighting = searcher.weighting
    k1 = getattr(weighting, "K1", 1.2)
    default_b = getattr(weighting, "B", 0.75)
    field_b = getattr(weighting, "_field_B", {})
    schema = searcher.schema
    size = searcher.doc_count_all()
    scores = np.zeros(size)
    hit = np.zeros(size, dtype=bool)
    for fieldname, text, boost in clauses:
        if fieldname not in schema or boost <= 0:
            continue
        scorable = schema[fieldname].scorable
        scale = None
        for leaf, offset in leaves(searcher):
            ids, weights = _segment_postings(leaf, fieldname, text)
            if not len(ids):
                continue
            norms = (
                _norms(searcher, leaf, fieldname, k1, field_b.get(fieldname, default_b)) if scorable else None
            )
            at = ids + offset if offset else ids
            # A term occurs once per document of its posting list, so fancy-index += is exact.
            if norms is None:
                scores[at] += boost
            else:
                if scale is None:
                    # Whoosh's BM25F: idf over the whole index, field length against its average.
                    scale = searcher.idf(fieldname, text) * (k1 + 1.0) * boost
                scores[at] += scale * weights / (weights + norms[ids])
            hit[at] = True
    hit &= live_mask(searcher)
    return scores, hit


def score(searcher, clauses: Sequence[Clause], *, track: bool = False):
    """Score every document matching any clause with BM25F; return (scores, matched).

    `scores` maps global docnums to scores; `matched` (only with track=True) maps them to a
    bit mask of the clause indexes that matched, to explain a hit without re-reading it.
    """
    values, hit = score_array(searcher, clauses)
    docs = np.flatnonzero(hit)
    scores = dict(zip(docs.tolist(), values[docs].tolist(), strict=True))
    matched: dict[int, int] = {}
    if track:
        for i, clause in enumerate(clauses):
            _, one = score_array(searcher, [clause])
            for d in np.flatnonzero(one).tolist():
                matched[d] = matched.get(d, 0) | (1 << i)
    return scores, matched


def _norms(searcher, leaf, fieldname: str, k1: float, b: float) -> np.ndarray | None:
    """Return BM25's length normaliser K1 * (1 - B + B * length / average) for a segment's docs.

    Kept per searcher: the average length is the whole index's, fixed for a searcher.
    """
    memo = _memo(searcher)
    key = ("norms", id(leaf), fieldname)
    if key not in memo:
        lengths = _field_lengths(leaf, fieldname)
        if lengths is None:
            memo[key] = None
        else:
            avgfl = searcher.avg_field_length(fieldname) or 1.0
            memo[key] = k1 * (1.0 - b) + (k1 * b / avgfl) * lengths
    return memo[key]


def live_mask(searcher) -> np.ndarray:
    """Return a boolean array over the searcher's docnums: True where not deleted."""
    memo = _memo(searcher)
    if "live" not in memo:
        live = np.ones(searcher.doc_count_all(), dtype=bool)
        for leaf, offset in leaves(searcher):
            deleted = _deleted(leaf)
            if deleted:
                live[np.fromiter(deleted, dtype=np.int64, count=len(deleted)) + offset] = False
        live.setflags(write=False)
        memo["live"] = live
    return memo["live"]


def doc_mask(searcher, docs: frozenset[int]) -> np.ndarray:
    """Return a document set as a boolean array over the searcher's docnums (memoised)."""
    memo = _memo(searcher)
    # A frozenset computes its hash once, so looking up even a large set is cheap.
    key = ("mask", docs)
    found = memo.get(key)
    if found is None:
        found = np.zeros(searcher.doc_count_all(), dtype=bool)
        if docs:
            found[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
        found.setflags(write=False)
        memo[key] = found
    return found


def top_array(scores: np.ndarray, eligible: np.ndarray, n: int) -> list[tuple[int, float]]:
    """Return the n best (docnum, score) among eligible docnums, ties broken by lower docnum."""
    docs = np.flatnonzero(eligible)
    if n <= 0 or not len(docs):
        return []
    values = scores[docs]
    if len(docs) > n:
        # Everything scoring at least the n-th best value (ties included), then an exact sort.
        cut = np.partition(values, len(values) - n)[len(values) - n]
        keep = values >= cut
        docs, values = docs[keep], values[keep]
    order = np.lexsort((docs, -values))[:n]
    return list(zip(docs[order].tolist(), values[order].tolist(), strict=True))


def top(scores: dict[int, float], n: int, pool: Iterable[int] | None = None) -> list[int]:
    """Return the n best docnums by score (ties: lower docnum first), optionally within a pool."""
    if n <= 0:
        return []
    items = scores.items() if pool is None else ((d, scores[d]) for d in pool if d in scores)
    best = heapq.nsmallest(n, items, key=lambda item: (-item[1], item[0]))
    return [d for d, _ in best]


# --- document sets and columns ------------------------------------------------------------------


def _memo(searcher) -> dict:
    memo = searcher.__dict__.setdefault("_marketplace_sets", {})
    if len(memo) > _SET_MEMO_SIZE:
        memo.clear()
    return memo


def all_docs(searcher) -> frozenset[int]:
    """Return every live (not deleted) docnum of a searcher."""
    memo = _memo(searcher)
    if "*" not in memo:
        memo["*"] = frozenset(searcher.reader().all_doc_ids())
    return memo["*"]


def doc_set(searcher, query: Query) -> frozenset[int]:
    """Return the live docnums matching a query, remembered for the searcher's lifetime."""
    memo = _memo(searcher)
    key = repr(query)
    found = memo.get(key)
    if found is not None:
        return found
    if type(query) is Term:
        docs: set[int] = set()
        for leaf, offset in leaves(searcher):
            try:
                matcher = _raw_postings(leaf, query.fieldname, query.text)
            except TermNotFound:
                continue
            deleted = _deleted(leaf)
            for ids, _ in _blocks(matcher):
                docs.update(d + offset for d in ids if d not in deleted)
        found = frozenset(docs)
    else:
        found = frozenset(query.docs(searcher))
    memo[key] = found
    return found


def column(searcher, fieldname: str) -> list:
    """Return a sortable column's raw values for every global docnum (segments are cached)."""
    memo = _memo(searcher)
    key = f"col:{fieldname}"
    if key not in memo:
        values: list = []
        for leaf, _ in leaves(searcher):
            values.extend(
                _cached_per_segment(
                    leaf,
                    key,
                    lambda leaf=leaf: (
                        list(leaf.column_reader(fieldname, translate=False))
                        if leaf.has_column(fieldname)
                        else [None] * leaf.doc_count_all()
                    ),
                )
            )
        memo[key] = values
    return memo[key]
