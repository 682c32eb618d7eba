"""Search and stored-match reads for pages and the API, with the platform's visibility rules."""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from flask_babel import gettext
from markupsafe import Markup, escape
from whoosh.query import NumericRange, Term

from marketplace.common.domain import REGIONS, TECHNOLOGY_FIELDS
from marketplace.common.errors import NotFound, PermissionDenied
from marketplace.common.i18n import N_, tr
from marketplace.common.kinds import KIND_LABELS
from marketplace.common.pagination import Page
from marketplace.common.permissions import can
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.listings.models import (
    LEGAL_STATUSES,
    MATURITY_LEVELS,
    PATENT_TYPES,
    Demand,
    sees_every_hidden_name,
)
from marketplace.search import engine, sources
from marketplace.search.access import ACTION, MATCH_VIEWERS
from marketplace.search.documents import expired_mask, load_listings
from marketplace.search.engine import all_docs, column, doc_set
from marketplace.search.ipc import SECTION_NAMES
from marketplace.search.ranking import user_clauses, user_query_terms
from marketplace.search.reasons import identity
from marketplace.search.snippets import snippet
from marketplace.search.store import cached_searcher, query_analyzer, retry_on_index_change
from marketplace.search.urls import listing_url

KINDS = tuple(KIND_LABELS)


def search_kinds() -> dict[str, str]:
    """Every kind the site search shows, with its label: the listings, then registered kinds (articles)."""
    return {**KIND_LABELS, **sources.labels()}


FIELD_LABELS = {"title": N_("标题"), "keywords": N_("关键词"), "body": N_("正文")}
SORTS = {
    "relevance": N_("相关度"),
    "newest": N_("最新发布"),
    "price_asc": N_("价格从低到高"),
    "price_desc": N_("价格从高到低"),
}
MAX_QUERY_CHARS = 5000
MAX_PRICE_WAN = 10_000_000
# --- parameters ---------------------------------------------------------------------------------


@dataclass
class SearchParams:
    q: str = ""
    kind: str = ""
    field: str = ""
    ipc_section: str = ""
    patent_type: str = ""
    legal_status: str = ""
    maturity: int | None = None
    price_min: int | None = None  # 万元
    price_max: int | None = None
    region: str = ""
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    notes: list[str] = dc_field(default_factory=list)

    def filter_args(self) -> dict:
        """Current filters as query args (for tab links and the pager)."""
        out = {
            "q": self.q,
            "field": self.field,
            "ipc": self.ipc_section,
            "patent_type": self.patent_type,
            "legal_status": self.legal_status,
            "maturity": self.maturity,
            "price_min": self.price_min,
            "price_max": self.price_max,
            "region": self.region,
            "sort": self.sort if self.sort != "relevance" else None,
        }
        return {k: v for k, v in out.items() if v not in (None, "")}

    @property
    def has_filters(self) -> bool:
        return any((self.field, self.ipc_section, self.patent_type, self.legal_status, self.region)) or any(
            v is not None for v in (self.maturity, self.price_min, self.price_max)
        )


_PLAIN_NUMBER = re.compile(r"([0-9]+)(?:\.[0-9]*)?")


def _int_arg(args, name: str, low: int, high: int) -> int | None:
    raw = (args.get(name) or "").strip()
    # Plain digits (a decimal part is dropped) and short: "1e300000", "inf" or "²" are ignored
    # without being turned into a number first.
    match = _PLAIN_NUMBER.fullmatch(raw) if len(raw) <= 20 else None
    if match is None:
        return None
    return max(low, min(int(match.group(1)), high))


def parse_search_args(args, per_page_default: int = 10) -> SearchParams:
    """Read search parameters; anything unknown or malformed is ignored, never an error."""
    p = SearchParams()
    q = args.get("q", "")
    p.q = q if isinstance(q, str) else ""
    if len(p.q) > MAX_QUERY_CHARS:
        p.q = p.q[:MAX_QUERY_CHARS]
        p.notes.append(gettext("检索词过长，只使用了前 %(n)s 个字符", n=MAX_QUERY_CHARS))
    kind = args.get("type") or args.get("kind") or ""
    p.kind = kind if kind in search_kinds() else ""
    p.field = args.get("field", "") if args.get("field") in TECHNOLOGY_FIELDS else ""
    ipc = (args.get("ipc") or "").strip().upper()
    p.ipc_section = ipc if ipc in SECTION_NAMES else ""
    p.patent_type = args.get("patent_type", "") if args.get("patent_type") in PATENT_TYPES else ""
    p.legal_status = args.get("legal_status", "") if args.get("legal_status") in LEGAL_STATUSES else ""
    maturity = _int_arg(args, "maturity", 1, 9)
    p.maturity = maturity if maturity in MATURITY_LEVELS else None
    p.price_min = _int_arg(args, "price_min", 0, MAX_PRICE_WAN)
    p.price_max = _int_arg(args, "price_max", 0, MAX_PRICE_WAN)
    if p.price_min is not None and p.price_max is not None and p.price_min > p.price_max:
        p.price_min, p.price_max = p.price_max, p.price_min
        p.notes.append(gettext("价格下限高于上限，已为您对调"))
    p.region = args.get("region", "") if args.get("region") in REGIONS else ""
    p.sort = args.get("sort", "relevance") if args.get("sort") in SORTS else "relevance"
    p.page = _int_arg(args, "page", 1, 1000) or 1
    p.per_page = _int_arg(args, "per_page", 1, 50) or per_page_default
    return p


# --- searching ----------------------------------------------------------------------------------


@dataclass
class SearchOutcome:
    page: Page
    counts: dict[str, int]
    terms: list[str]


# Filters on the owner's attributes: a demand that hides its owner must not be found by them.
OWNER_FILTERS = ("region",)


def _owner_filtered(p: SearchParams) -> bool:
    return any(getattr(p, name) for name in OWNER_FILTERS)


def _filters(p: SearchParams) -> list:
    """The structured filters as Whoosh queries (only public listings are indexed)."""
    clauses = []
    if p.field:
        clauses.append(Term("field", p.field))
    if p.ipc_section:
        clauses.append(Term("ipc", p.ipc_section))
    if p.patent_type:
        clauses.append(Term("patent_type", p.patent_type))
    if p.legal_status:
        clauses.append(Term("legal_status", p.legal_status))
    if p.maturity is not None:
        clauses.append(Term("maturity", p.maturity))
    if p.region:
        clauses.append(Term("region", p.region))
    if p.price_min is not None or p.price_max is not None:
        low = (p.price_min or 0) * 1_000_000
        high = None if p.price_max is None else p.price_max * 1_000_000
        clauses.append(NumericRange("price_fen", low, high))
    return clauses


# Sortable NUMERIC columns hold signed 64-bit values shifted by 2**63.
_SHIFT = 1 << 63


def _price_asc(key):
    # 面议 (-1) sorts after every priced listing, whichever the direction.
    value = key - _SHIFT
    return value if value >= 0 else 1 << 62


def _price_desc(key):
    value = key - _SHIFT
    return -value if value >= 0 else 1


def _order(searcher, sort: str, scores: dict[int, float]):
    """Return the sort key of a docnum for a sort (smaller first), ties broken by docnum."""
    if sort == "newest":
        updated = column(searcher, "updated_at")
        return lambda d: (-(updated[d] or 0), d)
    if sort in ("price_asc", "price_desc"):
        prices = column(searcher, "price_fen")
        translate = _price_asc if sort == "price_asc" else _price_desc
        return lambda d: (translate(prices[d] if prices[d] is not None else _SHIFT - 1), d)
    return lambda d: (-scores.get(d, 0.0), d)


@retry_on_index_change
def search(
    p: SearchParams, user, *, snippets: bool = True, kinds: tuple[str, ...] | None = None
) -> SearchOutcome:
    """Search published listings; empty text lists everything, newest first.

    `kinds` limits the kinds searched (the API lists listings only); all of them by default.
    Scored with the engine module straight from the postings: every matching document is
    counted per kind (the tabs), and stored fields are read for the shown page only. The
    analyzer comes from the same held searcher, never from the index's files on disk.
    """
    searcher = cached_searcher()
    analyzer = query_analyzer(searcher)
    terms = user_query_terms(p.q, analyzer) if p.q.strip() else []
    sort = p.sort if (p.sort != "relevance" or terms) else "newest"
    scores: dict[int, float] = {}
    if terms:
        scores, _ = engine.score(searcher, user_clauses(terms))
        matching = scores.keys()
    else:
        matching = all_docs(searcher)
    # Demands past their deadline drop out at query time, before any job marks them expired.
    hidden = doc_set(searcher, expired_mask())
    if _owner_filtered(p) and not sees_every_hidden_name(user):
        # The region is the owner's district: a hidden owner's demands match no such filter,
        # for whoever may not see the name, so results and counts do not narrow down who it is.
        hidden = hidden | doc_set(searcher, Term("hide_name", True))
    allowed = [doc_set(searcher, q) for q in _filters(p)]
    allowed.sort(key=len)
    if allowed:
        candidates = {d for d in allowed[0] if d in matching and d not in hidden}
        for group in allowed[1:]:
            candidates &= group
    else:
        candidates = {d for d in matching if d not in hidden}
    limited = kinds is not None
    kinds = tuple(search_kinds()) if kinds is None else kinds
    by_kind = {k: doc_set(searcher, Term("kind", k)) for k in kinds}
    counts = {k: len(candidates & by_kind[k]) for k in kinds}
    counts["all"] = sum(counts.values())
    if p.kind in by_kind:
        pool = candidates & by_kind[p.kind]
    elif limited:
        pool = {d for d in candidates if any(d in docs for docs in by_kind.values())}
    else:
        pool = candidates
    total = len(pool)
    shown = heapq.nsmallest(p.page * p.per_page, pool, key=_order(searcher, sort, scores))
    keys = []
    for docnum in shown[(p.page - 1) * p.per_page :]:
        stored = searcher.stored_fields(docnum)
        keys.append((stored["kind"], int(stored["obj_id"])))
    items = build_items(keys, user, terms=terms, analyzer=analyzer, snippets=snippets)
    return SearchOutcome(Page(items=items, total=total, page=p.page, per_page=p.per_page), counts, terms)


# --- items --------------------------------------------------------------------------------------


def organisation_of(obj, user) -> dict:
    if obj.organisation is None:
        return {"id": None, "name": ""}
    return listing_services.public_org(obj, user)


def _body(obj) -> str:
    if isinstance(obj, Demand):
        return obj.description or obj.technical_indicators or ""
    return obj.abstract or ""


def build_items(
    keys,
    user,
    *,
    terms=(),
    analyzer=None,
    scores=None,
    matched=None,
    snippets: bool = True,
    stored_snippets=None,
) -> list[dict]:
    """Turn (kind, id) keys into display items, dropping anything no longer public."""
    objs: dict[str, dict[int, object]] = {}
    for kind in KINDS:
        ids = [i for k, i in keys if k == kind]
        if ids:
            objs[kind] = load_listings(db.session, kind, ids)
    for kind in sources.kinds():
        ids = [i for k, i in keys if k == kind]
        if ids:
            objs[kind] = sources.get(kind).load(db.session, ids)
    items = []
    seen: set[tuple] = set()
    for n, (kind, obj_id) in enumerate(keys):
        obj = objs.get(kind, {}).get(obj_id)
        if obj is None or not obj.is_public:
            continue
        if (source := sources.get(kind)) is not None:
            items.append(_source_item(source, obj, terms, analyzer, snippets))
            continue
        # The same patent (A and B publications, a repeated import) or the same result of one
        # organisation is shown once, at its best place.
        same = identity(obj)
        if same in seen:
            continue
        seen.add(same)
        words = [m["term"] for m in matched[n]] if matched else list(terms)
        if stored_snippets is not None:
            # Made by ranking.snippet when the match was computed: escaped text and <mark> only.
            excerpt = Markup(stored_snippets[n] or "") if snippets else Markup("")
        else:
            # Patents imported from bibliographic data may have a title only: excerpt the title then.
            excerpt = snippet(_body(obj) or obj.title, words, 160, analyzer) if snippets else Markup("")
        item = {
            "type": kind,
            "type_label": KIND_LABELS[kind],
            "id": obj.id,
            "title": obj.title,
            "title_html": (
                snippet(obj.title, words, 200, analyzer)
                if snippets and stored_snippets is None
                else escape(obj.title)
            ),
            "score": scores[n] if scores else None,
            "snippet": excerpt,
            "matched_terms": matched[n] if matched else _found_terms(obj, words),
            "organisation": organisation_of(obj, user),
            "url": listing_url(kind, obj.id),
            "obj": obj,
        }
        if kind == "patent":
            item["publication_number"] = obj.publication_number
        items.append(item)
    return items


def _source_item(source, obj, words, analyzer, snippets: bool) -> dict:
    """A search hit of a registered kind (an article): the fields of a listing's item that apply."""
    words = list(words)
    text = source.text(obj)
    return {
        "type": source.kind,
        "type_label": source.label,
        "id": obj.id,
        "title": obj.title,
        "title_html": snippet(obj.title, words, 200, analyzer) if snippets else escape(obj.title),
        "score": None,
        "snippet": snippet(text or obj.title, words, 160, analyzer) if snippets else Markup(""),
        "matched_terms": [
            {"term": w, "fields": [f for f, t in (("title", obj.title), ("body", text)) if w and w in t]}
            for w in words
            if w and (w in obj.title or w in text)
        ],
        "organisation": {"id": None, "name": source.source_name(obj)},
        "url": source.url(obj),
        "obj": obj,
    }


def _found_terms(obj, words) -> list[dict]:
    """For a search hit: which query words occur in the listing, and where (same shape as matches)."""
    places = {
        "title": obj.title or "",
        "body": _body(obj),
        "keywords": " ".join(getattr(obj, "keywords", None) or []),
    }
    found = []
    for word in words:
        fields = [name for name, text in places.items() if word and word in text]
        if fields:
            found.append({"term": word, "fields": fields})
    return found


def api_item(item: dict) -> dict:
    out = {
        "type": item["type"],
        "id": item["id"],
        "title": item["title"],
        "score": item["score"],
        "snippet": str(item["snippet"]),
        "matched_terms": item["matched_terms"],
        "organisation": item["organisation"],
        "url": item["url"],
    }
    if item["type"] == "patent":
        out["publication_number"] = item.get("publication_number")
    return out


# --- stored matches -----------------------------------------------------------------------------


def may_see_matches(user, obj) -> bool:
    """Whether `user` may see the stored matches of a listing (rules in access.py)."""
    return can(user, ACTION, obj)


def get_listing(kind: str, obj_id: int, user):
    """A listing whose matches are asked for, if the user may see the listing itself.

    The listing's own detail page rule (`can(user, "view", listing)`) decides: a listing that is not
    public is "not found" to everyone but its owner's members and the bureau where it moderates.
    """
    obj = listing_services.get_listing(kind, obj_id)
    if not can(user if getattr(user, "is_authenticated", False) else None, "view", obj):
        raise NotFound(gettext("该%(kind)s不存在或未公开", kind=tr(KIND_LABELS[kind])))
    return obj


def require_matches_access(user, obj) -> None:
    if not may_see_matches(user, obj):
        raise PermissionDenied(gettext("只有%(who)s可以查看匹配结果", who=tr(MATCH_VIEWERS[obj.kind])))
