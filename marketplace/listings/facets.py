"""Filter values with counts for the listing list pages, so no offered filter empties the list.

Each filter counts its values over the listings the page would show with every *other* current
filter applied (the visibility clauses included, so a hidden demand's owner is never counted by
an owner filter the viewer may not use); only values with listings are offered, plus the chosen
one so it can be seen and cleared.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from marketplace.common.domain import INDUSTRIES, TECHNOLOGY_FIELDS
from marketplace.common.i18n import N_
from marketplace.extensions import db
from marketplace.listings.models import LEGAL_STATUSES, MATURITY_LEVELS, PATENT_TYPES


@dataclass(frozen=True)
class ListFacet:
    arg: str  # the query-string name
    column: str  # the model attribute
    label: str
    values: dict  # value -> label, in display order


_FIELD = ListFacet("field", "technology_field", N_("技术领域"), {f: f for f in TECHNOLOGY_FIELDS})
_INDUSTRY = ListFacet("industry", "industry", N_("产业方向"), {i: i for i in INDUSTRIES})
FACETS = {
    "patent": (
        _FIELD,
        ListFacet("type", "patent_type", N_("专利类型"), PATENT_TYPES),
        ListFacet("legal", "legal_status", N_("法律状态"), LEGAL_STATUSES),
    ),
    "result": (_FIELD, _INDUSTRY, ListFacet("maturity", "maturity", N_("成熟度"), MATURITY_LEVELS)),
    "demand": (_FIELD, _INDUSTRY),
}


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetView:
    facet: ListFacet
    options: list[Option]


def field_column(model):
    """A listing's 技术领域 for filters and counts: its own, else the one the search model inferred
    from its text (patents have none of their own; see search/inference.py)."""
    own = getattr(model, "technology_field", None)
    return model.inferred_field if own is None else func.coalesce(own, model.inferred_field)


def list_facets(kind: str, model, base: list, chosen: dict, chosen_values: dict) -> list[FacetView]:
    """Count each filter's values under the base clauses and the other chosen filters' clauses."""
    views = []
    for facet in FACETS[kind]:
        others = [clause for arg, clause in chosen.items() if arg != facet.arg]
        column = field_column(model) if facet is _FIELD else getattr(model, facet.column)
        counts = dict(
            db.session.execute(
                select(column, func.count()).where(*base, *others, column.isnot(None)).group_by(column)
            ).all()
        )
        selected = str(chosen_values.get(facet.arg, ""))
        options = [
            Option(str(value), str(label), counts.get(value, 0), str(value) == selected)
            for value, label in facet.values.items()
            if counts.get(value) or str(value) == selected
        ]
        views.append(FacetView(facet, options))
    return views


def count_where(model, clauses: list) -> int:
    """How many listings a set of clauses finds (for the demand state choice)."""
    return db.session.scalar(select(func.count()).select_from(model).where(*clauses)) or 0
