"""Whoosh schema for listings (patents, research results, demands) in one index."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from whoosh.analysis import Analyzer
from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from marketplace.common.kinds import KIND_LABELS
from marketplace.search import sources
from marketplace.search.ipc import ipc_keywords, ipc_text, normalise_ipc

KINDS = tuple(KIND_LABELS)

# Field boosts raise the term weight inside a field (BM25F); the ranking module also weights
# fields per query. Title words describe the listing best, keywords are chosen by the owner.
TITLE_BOOST = 2.5
KEYWORDS_BOOST = 1.5

# Fields a free-text query searches; the ranking module gives them per-query weights.
TEXT_FIELDS = ("title", "keywords", "body", "org_name", "ipc_text")

# Bump when fields or what goes into them change: the sync worker then rebuilds an index built by
# an older version on its own (`index.index_is_current`), so a deployment needs no manual reindex.
SCHEMA_VERSION = 3

# price_fen value meaning 面议 (negotiable); absent also means 面议.
PRICE_NEGOTIABLE = -1


def doc_id(kind: str, obj_id: int) -> str:
    """Return the unique index key of a listing, e.g. "patent:12"."""
    if kind not in KINDS and sources.get(kind) is None:
        raise ValueError(f"unknown listing kind: {kind!r}")
    return f"{kind}:{int(obj_id)}"


def _sort_only_datetime() -> DATETIME:
    """A stored, sortable DATETIME indexed as one term per value (no range tiers).

    Never searched by range, only sorted on through its column; DATETIME takes no shift_step.
    """
    field = DATETIME(stored=True, sortable=True)
    field.shift_step = 0
    return field


def make_schema(analyzer: Analyzer) -> Schema:
    """Build the listing schema around the given text analyzer."""
    return Schema(
        doc_id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        # shift_step=0: one term per value instead of 16 tiers. Ids are only matched exactly, and
        # every indexed term is a posting Whoosh writes one by one (a third of the postings were
        # numeric tiers, see bench/README.md "Search").
        obj_id=NUMERIC(numtype=int, bits=64, stored=True, shift_step=0),
        # No positions (phrase=False) in any text field: no query runs phrases, and positions
        # make indexing and every posting read slower.
        title=TEXT(analyzer=analyzer, phrase=False, field_boost=TITLE_BOOST, stored=True),
        # Title, keywords and abstract / description / indicators / outcome (see build_document);
        # the description alone is stored, so hits can show snippets.
        body=TEXT(analyzer=analyzer, phrase=False, stored=True),
        keywords=TEXT(analyzer=analyzer, phrase=False, field_boost=KEYWORDS_BOOST, stored=True),
        # Full codes without spaces ("H01M10/0525"), subclasses, classes and sections.
        ipc=KEYWORD(stored=True, scorable=False),
        ipc_text=TEXT(analyzer=analyzer, phrase=False),
        field=ID(stored=True),
        industry=ID(stored=True),
        org_id=NUMERIC(numtype=int, bits=64, stored=True, shift_step=0),
        org_name=TEXT(analyzer=analyzer, stored=True, phrase=False),
        region=ID(stored=True),
        patent_type=ID(stored=True),
        legal_status=ID(stored=True),
        # TRL 1-9: matched exactly, never by range.
        maturity=NUMERIC(numtype=int, bits=32, stored=True, shift_step=0),
        # Money in fen as a 64-bit integer: yuan amounts above 21 million overflow 32 bits.
        # Price ranges are searched: 4 tiers per value keep a range query short.
        price_fen=NUMERIC(numtype=int, bits=64, stored=True, sortable=True, shift_step=16),
        status=ID(stored=True),
        public=BOOLEAN(stored=True),
        updated_at=_sort_only_datetime(),
        hide_name=BOOLEAN(stored=True),
        # The model's prediction of the listing's field and IPC subclasses (inference.encode),
        # read by the ranking; `field_inferred` marks a `field` that is the prediction.
        inferred=STORED(),
        field_inferred=BOOLEAN(stored=True),
    )


def build_document(
    kind: str,
    obj_id: int,
    *,
    title: str,
    body_parts: Iterable[str | None] = (),
    keywords: Iterable[str] = (),
    ipc_codes: Iterable[str] = (),
    field: str | None = None,
    industry: str | None = None,
    org_id: int | None = None,
    org_name: str | None = None,
    hide_name: bool = False,
    region: str | None = None,
    patent_type: str | None = None,
    legal_status: str | None = None,
    maturity: int | None = None,
    price_fen: int | None = None,
    status: str | None = None,
    public: bool = True,
    updated_at: datetime | None = None,
    inferred: str = "",
    inferred_field: str | None = None,
) -> dict:
    """Return the field values for writer.update_document() of one listing.

    A hidden organisation name is neither stored nor indexed, so neither results nor a search
    for the company's name can reveal who posted a demand. Invalid IPC codes raise ValueError.
    `inferred` is the model's prediction (inference.encode); `inferred_field` is indexed as the
    field of a listing without one, marked as inferred, so the field filter finds it.
    """
    if price_fen is not None and (isinstance(price_fen, bool) or not isinstance(price_fen, int)):
        raise TypeError("price_fen must be an int number of fen")
    codes = [normalise_ipc(c) for c in ipc_codes]
    title = title or ""
    keywords_line = " ".join(k.strip() for k in keywords if k and k.strip())
    description = "\n".join(p.strip() for p in body_parts if p and p.strip())
    doc = {
        "doc_id": doc_id(kind, obj_id),
        "kind": kind,
        "obj_id": int(obj_id),
        "title": title,
        # Indexed: the title line, the keywords line, then the description, so one field holds
        # the whole listing for matching (one incidental word in a short title field otherwise
        # outweighs the description; measured in bench/search_quality.py). Stored: the
        # description alone, for snippets.
        "body": "\n".join(filter(None, [title, keywords_line, description])),
        "_stored_body": description,
        "keywords": keywords_line,
        "price_fen": PRICE_NEGOTIABLE if price_fen is None else price_fen,
        "public": bool(public),
        "hide_name": bool(hide_name),
    }
    if codes:
        doc["ipc"] = ipc_keywords(codes)
        doc["ipc_text"] = ipc_text(codes)
    if org_name and not hide_name:
        doc["org_name"] = org_name
    optional = {
        "field": field,
        "industry": industry,
        "org_id": org_id,
        "region": region,
        "patent_type": patent_type,
        "legal_status": legal_status,
        "maturity": maturity,
        "status": status,
        "updated_at": updated_at,
    }
    doc.update({k: v for k, v in optional.items() if v is not None and v != ""})
    return with_inferred(doc, inferred, inferred_field)


def with_inferred(doc: dict, inferred: str = "", inferred_field: str | None = None) -> dict:
    """Add the model's prediction to a listing's document; a listing without a field of its own
    is indexed under the inferred one, marked as inferred."""
    if inferred:
        doc["inferred"] = inferred
    if inferred_field and not doc.get("field"):
        doc["field"] = inferred_field
        doc["field_inferred"] = True
    return doc
