"""Rebuilding every stored match list fast, without a moment of empty pages.

A full rebuild ranks each open demand once (one match query per demand) and derives every
result's and patent's list of demands from those rankings, instead of running one query per
supply listing as a change does: at 20,000 listings a tenth of them are demands, so the rebuild
does a tenth of the ranking work. A pair scores the same in both directions (the demand's
ranking, calibrated by the supply side's model). Each listing's list is replaced, delete and
insert, in the transaction of its chunk: pages read the old list until the new one commits.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update

from marketplace.common.timeutil import utcnow
from marketplace.listings.models import LISTING_MODELS
from marketplace.search import log as search_log
from marketplace.search.documents import indexable, load_listings
from marketplace.search.matching import STORE_LIMIT, Match, explain_hits, match_query, restrictions
from marketplace.search.models import SearchMatch, SearchMatchRefresh, SearchOutbox
from marketplace.search.ranking import rank_matches
from marketplace.search.snippets import snippet
from marketplace.search.store import open_searcher, query_analyzer

CHUNK = 200
# Supply listings a demand's ranking reaches when lists are derived from it (the demand's own
# list keeps STORE_LIMIT of them).
DERIVE_DEPTH = 100
# Matches per list stored with an excerpt by a rebuild: pages show ten.
SNIPPETS_STORED = 10


def _replace(session, lists: dict[tuple[str, int], list[Match]]) -> None:
    """Replace the stored lists of these listings (in the caller's transaction)."""
    now = utcnow()
    by_kind: dict[str, list[int]] = {}
    for kind, obj_id in lists:
        by_kind.setdefault(kind, []).append(obj_id)
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            session.execute(
                delete(SearchMatch).where(
                    SearchMatch.source_kind == kind, SearchMatch.source_id.in_(ids[start : start + 500])
                )
            )
    rows = [
        {
            "source_kind": kind,
            "source_id": obj_id,
            "target_kind": m.kind,
            "target_id": m.obj_id,
            "rank": m.rank,
            "score": m.score,
            "matched": m.matched,
            "snippet": m.snippet,
            "computed_at": now,
        }
        for (kind, obj_id), matches in lists.items()
        for m in matches
    ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(SearchMatch), rows[start : start + 1000])


def refresh_all(session, *, echo=None) -> int:
    """Recompute every published listing's stored matches; return how many listings.

    Commits once per chunk of listings. Lists of listings no longer published are emptied.
    """
    # Changes already in some host's index whose matches this rebuild computes: matched once it commits.
    upto = session.scalar(select(func.max(SearchOutbox.id)).where(SearchOutbox.indexed_at.is_not(None)))
    ids = {
        kind: list(session.scalars(select(model.id).where(model.status == "published").order_by(model.id)))
        for kind, model in LISTING_MODELS.items()
    }
    # supply key -> [(score, demand id, matched, demand body for the snippet)]
    reached: dict[tuple[str, int], list[tuple[float, int, list]]] = {}
    demand_bodies: dict[int, str] = {}
    done = 0
    with open_searcher() as searcher:
        analyzer = query_analyzer(searcher)
        limits = restrictions(searcher, "demand")
        demand_ids = ids.get("demand", [])
        for start in range(0, len(demand_ids), CHUNK):
            chunk = demand_ids[start : start + CHUNK]
            objs = load_listings(session, "demand", chunk)
            lists = {}
            for obj_id in chunk:
                obj = objs.get(obj_id)
                if not indexable(obj) or obj.effective_status != "published":
                    lists[("demand", obj_id)] = []
                    continue
                mq = match_query(searcher, analyzer, obj)
                hits = (
                    rank_matches(searcher, mq, DERIVE_DEPTH + 1, analyzer=analyzer, **limits)
                    if mq.clauses
                    else []
                )
                every = explain_hits(obj, mq, hits, analyzer, limit=DERIVE_DEPTH, snippets=False)
                lists[("demand", obj_id)] = _with_snippets(every[:STORE_LIMIT], searcher_hits(hits), analyzer)
                body = "\n".join(
                    p for p in (obj.description, obj.technical_indicators, obj.expected_outcome) if p
                )
                demand_bodies[obj_id] = body or obj.title
                for m in every:
                    reached.setdefault((m.kind, m.obj_id), []).append((m.score, obj_id, m.matched))
                done += 1
            _replace(session, lists)
            session.commit()
            if echo:
                echo(f"demands: {start + len(chunk)} of {len(demand_ids)}")
    supply = [(kind, i) for kind in LISTING_MODELS if kind != "demand" for i in ids.get(kind, [])]
    for start in range(0, len(supply), CHUNK * 10):
        chunk = supply[start : start + CHUNK * 10]
        lists = {}
        for key in chunk:
            pairs = sorted(reached.get(key, ()), key=lambda p: (-p[0], p[1]))[:STORE_LIMIT]
            lists[key] = [
                Match(
                    "demand",
                    demand_id,
                    n + 1,
                    score,
                    matched,
                    str(
                        snippet(demand_bodies.get(demand_id, ""), [m["term"] for m in matched], 160, analyzer)
                    )
                    if n < SNIPPETS_STORED
                    else "",
                )
                for n, (score, demand_id, matched) in enumerate(pairs)
            ]
            done += 1
        _replace(session, lists)
        session.commit()
        if echo:
            echo(f"results and patents: {start + len(chunk)} of {len(supply)}")
    session.execute(delete(SearchMatchRefresh))
    if upto is not None:
        # Their matches are stored now; each entry leaves the log once every host has applied it.
        session.execute(
            update(SearchOutbox)
            .where(
                SearchOutbox.id <= upto,
                SearchOutbox.indexed_at.is_not(None),
                SearchOutbox.matched_at.is_(None),
            )
            .values(matched_at=utcnow())
        )
        search_log.prune(session)
    session.commit()
    return done


def searcher_hits(hits):
    """{(kind, id): stored body} of ranked hits, for their snippets."""
    return {(h.stored["kind"], int(h.stored["obj_id"])): h.stored.get("body") or "" for h in hits}


def _with_snippets(matches: list[Match], bodies: dict, analyzer) -> list[Match]:
    """Excerpts for the matches a page shows first (the rest are read rarely and have none)."""
    for m in matches[:SNIPPETS_STORED]:
        if not m.snippet:
            m.snippet = str(
                snippet(bodies.get((m.kind, m.obj_id), ""), [t["term"] for t in m.matched], 160, analyzer)
            )
    return matches
