"""What the index holds of a listing: its document, whether it is indexed, how deadlines are masked.

Read by the drain and the rebuild (pipeline.py), which write documents, and by searches and
matching, which mask demands past their deadline and load the listings behind the hits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload
from whoosh.query import NumericRange

from marketplace.common.timeutil import beijing_today
from marketplace.listings.models import LISTING_MODELS, Demand, Patent, ResearchResult
from marketplace.search.classifier import Prediction
from marketplace.search.inference import current_model, encode, inferred_columns, listing_text
from marketplace.search.ipc import is_valid_ipc
from marketplace.search.schema import build_document, with_inferred


def date_number(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def expired_mask():
    """Matches demands whose deadline is before today in Beijing."""
    return NumericRange("deadline", None, date_number(beijing_today()), endexcl=True)


def _with_columns(doc: dict) -> dict:
    doc["kind_col"] = doc["kind"]
    return doc


def indexable(obj) -> bool:
    return obj is not None and obj.is_public


def predict_listing(obj) -> Prediction | None:
    """The model's prediction of a listing's field and IPC subclasses (None without a model)."""
    model = current_model()
    if model is None:
        return None
    if isinstance(obj, Demand):
        parts = (obj.description, obj.technical_indicators)
    else:
        parts = (getattr(obj, "abstract", "") or "",)
    return model.predict(listing_text(obj.title, getattr(obj, "keywords", None), *parts))


def own_field(obj) -> str | None:
    return getattr(obj, "technology_field", None)


def listing_document(obj, pred: Prediction | None = None) -> dict:
    """Build the index document of a published listing; a hidden owner is indexed as nobody.

    `pred` (predict_listing) is stored with it, and its field indexed for a listing without one.
    """
    inferred_field, _ = inferred_columns(pred, own_field(obj))
    return _with_columns(with_inferred(_listing_document(obj), encode(pred), inferred_field))


def _listing_document(obj) -> dict:
    org = obj.organisation
    common = {
        "title": obj.title,
        "org_id": None,
        "org_name": None,
        "region": org.district if org else None,
        "status": obj.status,
        "public": True,
        "updated_at": obj.updated_at,
    }
    if isinstance(obj, Demand):
        hidden = bool(obj.hide_name)
        if not hidden and org:
            common.update(org_id=org.id, org_name=org.name)
        doc = build_document(
            "demand",
            obj.id,
            body_parts=[obj.description, obj.technical_indicators, obj.expected_outcome],
            keywords=obj.keywords or [],
            field=obj.technology_field,
            industry=obj.industry,
            price_fen=obj.budget_fen,
            hide_name=hidden,
            **common,
        )
        if obj.deadline:
            doc["deadline"] = date_number(obj.deadline)
        return doc
    if org:
        common.update(org_id=org.id, org_name=org.name)
    if isinstance(obj, Patent):
        return build_document(
            "patent",
            obj.id,
            body_parts=[obj.abstract],
            ipc_codes=[c for c in (obj.ipc_codes or []) if isinstance(c, str) and is_valid_ipc(c)],
            patent_type=obj.patent_type,
            legal_status=obj.legal_status,
            price_fen=obj.price_fen,
            **common,
        )
    assert isinstance(obj, ResearchResult)
    return build_document(
        "result",
        obj.id,
        body_parts=[obj.abstract, obj.technical_level],
        keywords=obj.keywords or [],
        field=obj.technology_field,
        industry=obj.industry,
        maturity=obj.maturity,
        price_fen=obj.price_fen,
        **common,
    )


def inferred_changes(obj, pred: Prediction | None) -> dict | None:
    """The inferred columns to write for a listing, or None when they hold it already (or no
    model predicted anything: a site without the model keeps what an earlier model wrote)."""
    if pred is None:
        return None
    field, ipc = inferred_columns(pred, own_field(obj))
    if field == obj.inferred_field and ipc == (obj.inferred_ipc or []):
        return None
    return {"row_id": obj.id, "inferred_field": field, "inferred_ipc": ipc}


def store_inferred(session, changes: dict[str, list[dict]]) -> None:
    """Write listings' inferred columns, as a table UPDATE: derived data, so it is not a listing
    change (the ORM's flush, hence the search log, never sees it) and needs no re-indexing."""
    for kind, rows in changes.items():
        if rows:
            table = LISTING_MODELS[kind].__table__
            session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values(inferred_field=bindparam("inferred_field"), inferred_ipc=bindparam("inferred_ipc")),
                rows,
            )


def load_listings(session, kind: str, ids) -> dict[int, object]:
    model = LISTING_MODELS[kind]
    rows = session.scalars(
        select(model).where(model.id.in_(list(ids))).options(selectinload(model.organisation))
    ).all()
    return {row.id: row for row in rows}
