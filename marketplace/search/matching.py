"""Demand <-> supply matching, computed when a listing changes and stored in search_matches.

Ranking an abstract-length text against 20,000 listings is too slow for every page view, so a
listing's matches are computed in the background (by the outbox drain) and pages read the list.
A demand matches published results and patents; a result or patent matches open demands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from whoosh.query import Term

from marketplace.common.timeutil import utcnow
from marketplace.listings.models import Demand, Patent
from marketplace.search import sources
from marketplace.search.documents import expired_mask, indexable, load_listings
from marketplace.search.engine import doc_set
from marketplace.search.inference import decode
from marketplace.search.models import SearchMatch, SearchMatchRefresh
from marketplace.search.ranking import (
    build_match_query,
    calibration_model,
    cutoff,
    rank_matches,
    scored_matches,
)
from marketplace.search.schema import doc_id
from marketplace.search.snippets import snippet
from marketplace.search.store import open_searcher, query_analyzer

# How many matches are stored per listing; pages show fewer.
STORE_LIMIT = 30


@dataclass
class Match:
    kind: str
    obj_id: int
    rank: int
    score: float
    matched: list[dict]
    snippet: str = ""


def threshold(source_kind: str = "demand", target_kind: str = "result") -> float:
    """The display cut-off of a pair (ranking.CUTOFFS); MATCH_THRESHOLD in the config overrides it."""
    configured = current_app.config.get("MATCH_THRESHOLD")
    return float(configured) if configured is not None else cutoff(source_kind, target_kind)


def _query_parts(obj) -> dict:
    if isinstance(obj, Demand):
        body = "\n".join(p for p in (obj.description, obj.technical_indicators, obj.expected_outcome) if p)
        return {
            "title": obj.title,
            "body": body,
            "keywords": obj.keywords or [],
            "structured": {"field": obj.technology_field or "", "industry": obj.industry or ""},
        }
    if isinstance(obj, Patent):
        return {"title": obj.title, "body": obj.abstract or "", "keywords": [], "structured": {}}
    return {
        "title": obj.title,
        "body": obj.abstract or "",
        "keywords": obj.keywords or [],
        "structured": {"field": obj.technology_field or "", "industry": obj.industry or ""},
    }


def restrictions(searcher, kind: str) -> dict:
    """Limit matches to the other side's kind and to open demands (docnum sets, kept per searcher)."""
    demands = doc_set(searcher, Term("kind", "demand"))
    if kind == "demand":
        # Articles and other registered kinds share the index but are never a demand's match.
        others = tuple(doc_set(searcher, Term("kind", k)) for k in sources.kinds())
        return {"without": (demands, *others)}
    return {"within": demands, "without": (doc_set(searcher, expired_mask()),)}


def match_query(searcher, analyzer, obj):
    """Build the key-term query of one published (so already indexed) listing, with the model's
    prediction of its field and IPC subclasses as its document stores it (ranking features)."""
    parts = _query_parts(obj)
    mq = build_match_query(
        searcher,
        analyzer,
        title=parts["title"],
        body=parts["body"],
        keywords=parts["keywords"],
        structured=parts["structured"],
        in_index=True,
    )
    docnum = searcher.document_number(doc_id=doc_id(obj.kind, obj.id))
    inferred = decode(searcher.stored_fields(docnum).get("inferred")) if docnum is not None else None
    return replace(mq, inferred=inferred) if inferred is not None else mq


def compute(searcher, analyzer, obj, limit: int = STORE_LIMIT, known: Mapping | None = None) -> list[Match]:
    """Rank the other side's listings for one listing, ordered by the calibrated score.

    The score (0..1) is the chance that the target is on the listing's subject, calibrated on
    the development data (ranking.CALIBRATION); the stored rank follows it.

    `known` maps (kind, id) of targets to (set of matched terms, snippet) of the listing's stored
    list (see stored_snippets): a target still matched by the same terms keeps its snippet (the
    snippet marks a set of words), which otherwise costs a third of the computation. Leave out
    targets whose text may have changed.
    """
    mq = match_query(searcher, analyzer, obj)
    if not mq.clauses:
        return []
    ranked_hits = rank_matches(searcher, mq, limit + 1, analyzer=analyzer, **restrictions(searcher, obj.kind))
    return explain_hits(obj, mq, ranked_hits, analyzer, limit=limit, known=known)


def explain_hits(
    obj, mq, ranked_hits, analyzer, *, limit: int = STORE_LIMIT, known=None, snippets: bool = True
) -> list[Match]:
    """Score, order and excerpt ranked hits of one listing's match query (snippets=False: none)."""
    known = known or {}
    own = doc_id(obj.kind, obj.id)
    hits = [h for h in ranked_hits if h.stored["doc_id"] != own]
    out: list[Match] = []
    for ranked, score in scored_matches(mq, hits, lambda h: calibration_model(obj.kind, h.stored["kind"])):
        hit = ranked.stored
        found = ranked.matched
        terms = tuple(term for term, _ in found)
        key = (hit["kind"], int(hit["obj_id"]))
        previous = known.get(key)
        if previous is not None and previous[0] == frozenset(terms):
            excerpt = previous[1]
        elif not snippets:
            excerpt = ""
        else:
            excerpt = snippet(hit.get("body") or "", terms, 160, analyzer)
        out.append(
            Match(
                *key,
                len(out) + 1,
                round(score, 4),
                [{"term": term, "fields": list(fields)} for term, fields in found],
                str(excerpt),
            )
        )
        if len(out) >= limit:
            break
    return out


def _store(session, kind: str, obj_id: int, matches: list[Match]) -> None:
    session.execute(
        delete(SearchMatch).where(SearchMatch.source_kind == kind, SearchMatch.source_id == obj_id)
    )
    now = utcnow()
    session.add_all(
        SearchMatch(
            source_kind=kind,
            source_id=obj_id,
            target_kind=m.kind,
            target_id=m.obj_id,
            rank=m.rank,
            score=m.score,
            matched=m.matched,
            snippet=m.snippet,
            computed_at=now,
        )
        for m in matches
    )


def stored_snippets(session, kind: str, obj_id: int, changed=frozenset()) -> dict:
    """Return {(kind, id): (set of matched terms, snippet)} of a listing's stored list, for compute().

    Targets in `changed` are left out: their text may differ from when the snippet was made. So
    are rows without a snippet: `refresh_many` blanks the snippets of a changed listing in the
    other side's lists until they are recomputed.
    """
    rows = session.execute(
        select(
            SearchMatch.target_kind, SearchMatch.target_id, SearchMatch.matched, SearchMatch.snippet
        ).where(SearchMatch.source_kind == kind, SearchMatch.source_id == obj_id)
    ).all()
    return {
        (k, i): (frozenset(m["term"] for m in matched or ()), snip)
        for k, i, matched, snip in rows
        if (k, i) not in changed and snip
    }


def _sources_pointing_at(session, kind: str, obj_id: int) -> set[tuple[str, int]]:
    rows = session.execute(
        select(SearchMatch.source_kind, SearchMatch.source_id).where(
            SearchMatch.target_kind == kind, SearchMatch.target_id == obj_id
        )
    ).all()
    return {(k, i) for k, i in rows}


def refresh_many(session, keys: list[tuple[str, int]], *, notify: bool) -> int:
    """Recompute and store the matches of changed listings; queue the other side's lists they touch.

    The other side's stored lists that contained or now contain a changed listing must be
    recomputed too, so both directions stay current; they are queued in search_match_refresh
    (once per listing) and worked off by `refresh_queued`. Notices go out only for the changed
    listings.
    """
    changed = set(keys)
    affected: set[tuple[str, int]] = set()
    computed = 0
    for kind, obj_id in keys:
        pointing = _sources_pointing_at(session, kind, obj_id)
        if pointing:
            affected |= pointing
            # Its text may have changed: no list may reuse the old excerpt (the changed listings'
            # own lists, computed below, write fresh ones; the others are queued).
            session.execute(
                update(SearchMatch)
                .where(SearchMatch.target_kind == kind, SearchMatch.target_id == obj_id)
                .values(snippet="")
            )
    with open_searcher() as searcher:
        analyzer = query_analyzer(searcher)
        for kind, ids in _group(keys).items():
            objs = load_listings(session, kind, ids)
            for obj_id in ids:
                obj = objs.get(obj_id)
                if not indexable(obj):
                    _store(session, kind, obj_id, [])
                    session.execute(
                        delete(SearchMatch).where(
                            SearchMatch.target_kind == kind, SearchMatch.target_id == obj_id
                        )
                    )
                    continue
                try:
                    matches = compute(
                        searcher, analyzer, obj, known=stored_snippets(session, kind, obj_id, changed)
                    )
                except Exception:  # noqa: BLE001 - one bad listing must not block the outbox
                    current_app.logger.exception("Cannot match %s %s", kind, obj_id)
                    matches = []
                _store(session, kind, obj_id, matches)
                computed += 1
                # The other side's lists gain this listing where it is a real match.
                affected |= {(m.kind, m.obj_id) for m in matches if m.score >= threshold(kind, m.kind)}
                # Notices of new matches go out once a day (digest.py), not per change.
    queue_refresh(session, affected - changed)
    session.flush()
    return computed


def queue_refresh(session, keys) -> None:
    """Queue listings whose stored lists must be recomputed; a listing already queued stays once."""
    rows = [{"kind": kind, "obj_id": obj_id, "queued_at": utcnow()} for kind, obj_id in sorted(keys)]
    if not rows:
        return
    table = SearchMatchRefresh.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for start in range(0, len(rows), 1000):
        session.execute(insert(table).values(rows[start : start + 1000]).on_conflict_do_nothing())


def refresh_queued(session, limit: int) -> int:
    """Recompute the stored lists of up to `limit` queued listings, oldest first; return how many.

    Only the match-lock holder runs this, so nothing else removes or recomputes these rows
    meanwhile; a change that queues a listing again after its row is deleted adds a new row.
    """
    rows = session.execute(
        select(SearchMatchRefresh.kind, SearchMatchRefresh.obj_id)
        .order_by(SearchMatchRefresh.queued_at, SearchMatchRefresh.kind, SearchMatchRefresh.obj_id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    with open_searcher() as searcher:
        analyzer = query_analyzer(searcher)
        for kind, ids in _group(rows).items():
            objs = load_listings(session, kind, ids)
            for obj_id in ids:
                obj = objs.get(obj_id)
                try:
                    known = stored_snippets(session, kind, obj_id)
                    matches = compute(searcher, analyzer, obj, known=known) if indexable(obj) else []
                except Exception:  # noqa: BLE001 - one bad listing must not block the queue
                    current_app.logger.exception("Cannot match %s %s", kind, obj_id)
                    matches = []
                _store(session, kind, obj_id, matches)
            session.execute(
                delete(SearchMatchRefresh).where(
                    SearchMatchRefresh.kind == kind, SearchMatchRefresh.obj_id.in_(ids)
                )
            )
    session.flush()
    return len(rows)


def _group(keys) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for kind, obj_id in keys:
        out.setdefault(kind, []).append(obj_id)
    return out
