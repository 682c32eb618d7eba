"""Fast BM25F scoring straight from Whoosh's postings, for the search page and matching.

Whoosh's query matchers spend 10-25 microseconds of Python per posting and per level of their
OR tree, and a search with per-kind counts must visit every matching document, so a two-word
query over 20,000 listings took 120-150 ms and a demand's key-term query 350-500 ms. Here a
query is a flat list of (field, term, boost) clauses scored term at a time: each posting list is
decoded a block at a time and added into one dict, which costs well under a microsecond per
posting. Scores are Whoosh's BM25F (same idf, K1, B and field boosts), so rankings match what
`searcher.search(Or([...]))` returns.

Document sets (a kind, a filter, the expired demands) and sort columns are computed once per
searcher or per index segment and kept: segments never change once written.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from whoosh.query import Query, Term
from whoosh.reading import TermNotFound

# Per-segment caches (field lengths, sort columns) kept at most this many entries.
_SEGMENT_CACHE_SIZE = 128
# Per-searcher memo of document sets (filters, kinds) kept at most this many entries.
_SET_MEMO_SIZE = 256

_segment_cache: dict[tuple, list | None] = {}
_segment_lock = threading.Lock()


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


def _field_lengths(leaf, fieldname: str) -> list[int] | None:
    """Return the length of a field in every document of a segment (None: not scorable)."""

    def build():
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        perdoc = getattr(leaf, "_perdoc", None)
        if perdoc is not None and hasattr(perdoc, "_cached_reader"):
            column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None:
                return None
            table = [byte_to_length(b) for b in range(256)]
            return [table[b] for b in column]
        # Another codec: ask document by document (slow, but correct).
        return [leaf.doc_field_length(d, fieldname) for d in range(leaf.doc_count_all())]

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


# --- scoring ------------------------------------------------------------------------------------


def score(searcher, clauses: Sequence[Clause], *, track: bool = False):
    """Score every document matching any clause with BM25F; return (scores, matched).

    `scores` maps global docnums to scores; `matched` (only with track=True) maps them to a
    bit mask of the clause indexes that matched, to explain a hit without re-reading it.
    """
    weighting = searcher.weighting
    k1 = getattr(weighting, "K1", 1.2)
    default_b = getattr(weighting, "B", 0.75)
    field_b = getattr(weighting, "_field_B", {})
    schema = searcher.schema
    scores: dict[int, float] = {}
    matched: dict[int, int] = {}
    get = scores.get
    mget = matched.get
    stats: dict[int, float] = {}
    for i, clause in enumerate(clauses):
        fieldname, text, boost = clause
        if fieldname not in schema or boost <= 0:
            continue
        bit = 1 << i
        scorable = schema[fieldname].scorable
        for leaf, offset in leaves(searcher):
            try:
                matcher = _raw_postings(leaf, fieldname, text)
            except TermNotFound:
                continue
            if i not in stats:
                # Whoosh's BM25F: idf over the whole index, field length against its average.
                idf = searcher.idf(fieldname, text)
                stats[i] = idf * (k1 + 1.0) * boost
            scale = stats[i]
            norms = (
                _norms(searcher, leaf, fieldname, k1, field_b.get(fieldname, default_b)) if scorable else None
            )
            for ids, weights in _blocks(matcher):
                if norms is None:
                    for d in ids:
                        g = d + offset
                        scores[g] = get(g, 0.0) + boost
                        if track:
                            matched[g] = mget(g, 0) | bit
                elif track:
                    for d, w in zip(ids, weights, strict=True):
                        g = d + offset
                        scores[g] = get(g, 0.0) + scale * w / (w + norms[d])
                        matched[g] = mget(g, 0) | bit
                else:
                    for d, w in zip(ids, weights, strict=True):
                        g = d + offset
                        scores[g] = get(g, 0.0) + scale * w / (w + norms[d])
    _drop_deleted(searcher, scores, matched)
    return scores, matched


def _norms(searcher, leaf, fieldname: str, k1: float, b: float) -> list[float] | None:
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
            base, per_len = k1 * (1.0 - b), k1 * b / avgfl
            memo[key] = [base + per_len * n for n in lengths]
    return memo[key]


def _drop_deleted(searcher, scores: dict, matched: dict) -> None:
    for leaf, offset in leaves(searcher):
        for d in _deleted(leaf):
            scores.pop(d + offset, None)
            matched.pop(d + offset, None)


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
