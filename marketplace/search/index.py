"""The names `marketplace.search.index` held before the index was split by concern.

The index on disk, its locks and searchers are in store.py; what a listing's document holds in
documents.py; the drain, match batches and rebuild in pipeline.py; the figures in status.py. Code
outside the search package uses gateway.py; this module keeps the tools in bench/ working.
"""

from marketplace.search.documents import expired_mask, indexable, listing_document, load_listings
from marketplace.search.pipeline import MERGE_AT_SEGMENTS, drain, merge_segments, reindex
from marketplace.search.status import index_status
from marketplace.search.store import (
    INDEX_LOCK,
    MATCH_LOCK,
    VERSION_FILE,
    cached_searcher,
    flock,
    index_is_current,
    index_root,
    open_index,
    open_searcher,
    query_analyzer,
)

__all__ = [
    "INDEX_LOCK",
    "MATCH_LOCK",
    "MERGE_AT_SEGMENTS",
    "VERSION_FILE",
    "cached_searcher",
    "drain",
    "expired_mask",
    "flock",
    "index_is_current",
    "index_root",
    "index_status",
    "indexable",
    "listing_document",
    "load_listings",
    "merge_segments",
    "open_index",
    "open_searcher",
    "query_analyzer",
    "reindex",
]
