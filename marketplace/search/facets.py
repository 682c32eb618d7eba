"""Filter values with counts for the search page, so no offered filter empties the list.

For each filter, the values are counted over the results of every *other* current filter (and
the text and the kind tab), so choosing any offered value leaves at least its count of results,
and changing a chosen value offers the alternatives. A value with no result is not offered,
except the one already chosen (so it can be seen and cleared).

Owner-based filters (the region is the owner's district): a demand whose owner is hidden is not
counted under any region for a viewer who may not see the name, just as the search itself never
finds it through that filter; counts cannot narrow down who posted it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from whoosh.query import Term

from marketplace.common.domain import REGIONS, TECHNOLOGY_FIELDS
from marketplace.common.i18n import N_, tr
from marketplace.listings.models import LEGAL_STATUSES, MATURITY_LEVELS, PATENT_TYPES, sees_every_hidden_name
from marketplace.search import engine
from marketplace.search.documents import expired_mask
from marketplace.search.engine import all_docs, doc_set
from marketplace.search.ipc import SECTION_NAMES
from marketplace.search.ranking import user_clauses, user_query_terms
from marketplace.search.services import OWNER_FILTERS, SearchParams, _filters
from marketplace.search.store import cached_searcher, query_analyzer, retry_on_index_change


@dataclass(frozen=True)
class Facet:
    param: str  # the SearchParams attribute
    arg: str  # the query-string name
    index_field: str
    label: str
    values: dict  # value -> label, in display order
    empty: object = ""
    code_shown: bool = False  # the label reads "<code> <name>" (IPC sections: "H 电学")


FACETS = (
    Facet("field", "field", "field", N_("技术领域"), {f: f for f in TECHNOLOGY_FIELDS}),
    Facet("ipc_section", "ipc", "ipc", N_("IPC 部"), SECTION_NAMES, code_shown=True),
    Facet("patent_type", "patent_type", "patent_type", N_("专利类型"), PATENT_TYPES),
    Facet("legal_status", "legal_status", "legal_status", N_("法律状态"), LEGAL_STATUSES),
    Facet("maturity", "maturity", "maturity", N_("成熟度"), MATURITY_LEVELS, empty=None),
    Facet("region", "region", "region", N_("地区"), REGIONS),
)


@dataclass
class FacetOption:
    value: object
    label: str
    count: int
    selected: bool


@dataclass
class FacetView:
    facet: Facet
    options: list[FacetOption]

    @property
    def selected(self):
        return next((o.value for o in self.options if o.selected), None)


def _pool(searcher, p: SearchParams, matching, hidden, owner_hidden, kind_docs):
    docs = [doc_set(searcher, q) for q in _filters(p)]
    docs.sort(key=len)
    excluded = hidden | owner_hidden if any(getattr(p, name) for name in OWNER_FILTERS) else hidden
    if docs:
        pool = {d for d in docs[0] if d in matching and d not in excluded}
        for group in docs[1:]:
            pool &= group
    else:
        pool = {d for d in matching if d not in excluded}
    return pool & kind_docs if kind_docs is not None else pool


@retry_on_index_change
def facet_counts(p: SearchParams, user) -> list[FacetView]:
    """Each filter's values present in the current results (other filters applied), with counts."""
    searcher = cached_searcher()
    terms = user_query_terms(p.q, query_analyzer(searcher)) if p.q.strip() else []
    matching = engine.score(searcher, user_clauses(terms))[0].keys() if terms else all_docs(searcher)
    hidden = doc_set(searcher, expired_mask())
    owner_hidden = frozenset() if sees_every_hidden_name(user) else doc_set(searcher, Term("hide_name", True))
    kind_docs = doc_set(searcher, Term("kind", p.kind)) if p.kind else None
    views = []
    for facet in FACETS:
        chosen = getattr(p, facet.param)
        pool = _pool(
            searcher, replace(p, **{facet.param: facet.empty}), matching, hidden, owner_hidden, kind_docs
        )
        if facet.param in OWNER_FILTERS:
            pool = pool - owner_hidden
        options = []
        for value, label in facet.values.items():
            count = len(pool & doc_set(searcher, Term(facet.index_field, value))) if pool else 0
            if count or value == chosen:
                shown = tr(label)  # in the interface language; values themselves are codes
                options.append(
                    FacetOption(
                        value, f"{value} {shown}" if facet.code_shown else shown, count, value == chosen
                    )
                )
        views.append(FacetView(facet, options))
    return views
