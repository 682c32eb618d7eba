"""The bureau's funnel: matches shown → inquiries → accepted → agreed → registered contracts."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marketplace.common.timeutil import to_beijing, utcnow
from marketplace.deals.models import Deal, Inquiry, MatchShown
from marketplace.extensions import db
from marketplace.listings.models import Demand, ResearchResult

STEPS = ("shown", "inquiries", "accepted", "agreed", "contracted")
STEP_LABELS = {
    "shown": "展示匹配",
    "inquiries": "发出意向",
    "accepted": "接受意向",
    "agreed": "达成一致",
    "contracted": "登记合同",
}
GAPS = {
    "shown_to_inquiry": "展示匹配 → 发出意向",
    "inquiry_to_accepted": "发出意向 → 接受",
    "accepted_to_agreed": "接受 → 达成一致",
    "agreed_to_contracted": "达成一致 → 登记合同",
}
UNCLASSIFIED = "未分类"
LISTING_KINDS = ("patent", "result")


def record_matches_shown(demand_id: int, items: list[tuple[str, int]], viewer_org_id: int | None) -> int:
    """Record listings shown as matches for a demand, once per demand/listing pair; return the new ones."""
    pairs = []
    seen = set()
    for kind, listing_id in items:
        key = (kind, int(listing_id))
        if kind in LISTING_KINDS and key not in seen:
            seen.add(key)
            pairs.append(key)
    if not pairs:
        return 0
    demand_field = db.session.scalar(select(Demand.technology_field).where(Demand.id == demand_id))
    result_ids = [listing_id for kind, listing_id in pairs if kind == "result"]
    result_fields = (
        dict(
            db.session.execute(
                select(ResearchResult.id, ResearchResult.technology_field).where(
                    ResearchResult.id.in_(result_ids)
                )
            ).all()
        )
        if result_ids
        else {}
    )
    now = utcnow()
    rows = [
        {
            "demand_id": demand_id,
            "listing_kind": kind,
            "listing_id": listing_id,
            "viewer_org_id": viewer_org_id,
            "technology_field": (result_fields.get(listing_id) if kind == "result" else None) or demand_field,
            "shown_at": now,
        }
        for kind, listing_id in pairs
    ]
    # Insert-or-skip in one statement, so two pages showing the same match at once never collide.
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(MatchShown)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["demand_id", "listing_kind", "listing_id"])
        .returning(MatchShown.id)
    )
    return len(db.session.execute(stmt).all())


def _month(value: datetime) -> str:
    return to_beijing(value).strftime("%Y-%m")


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


@dataclass
class Funnel:
    year: int
    technology_field: str | None
    months: list[tuple[str, dict[str, int]]]
    fields: list[tuple[str, dict[str, int]]]
    totals: dict[str, int]
    medians: dict[str, float | None]
    samples: dict[str, int] = field(default_factory=dict)

    def rate(self, step: str) -> str:
        """Share of the previous step that reached this one, as a percentage text."""
        index = STEPS.index(step)
        if index == 0:
            return ""
        previous = self.totals[STEPS[index - 1]]
        if not previous:
            return "—"
        return f"{self.totals[step] * 100 / previous:.1f}%"


def compute_funnel(year: int, technology_field: str | None = None) -> Funnel:
    """Count each step by the Beijing month it happened in, per field, with median days between steps."""
    months: dict[str, dict[str, int]] = {f"{year}-{m:02d}": dict.fromkeys(STEPS, 0) for m in range(1, 13)}
    by_field: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STEPS, 0))
    gaps: dict[str, list[float]] = {name: [] for name in GAPS}
    prefix = f"{year}-"

    def count(step: str, when: datetime | None, tech_field: str | None) -> bool:
        if when is None:
            return False
        month = _month(when)
        name = tech_field or UNCLASSIFIED
        if not month.startswith(prefix) or (technology_field and name != technology_field):
            return False
        months[month][step] += 1
        by_field[name][step] += 1
        return True

    shown_at: dict[tuple[int, str, int], datetime] = {}
    for row in db.session.execute(
        select(
            MatchShown.demand_id,
            MatchShown.listing_kind,
            MatchShown.listing_id,
            MatchShown.shown_at,
            MatchShown.technology_field,
        )
    ):
        shown_at[(row.demand_id, row.listing_kind, row.listing_id)] = row.shown_at
        count("shown", row.shown_at, row.technology_field)

    inquiries = db.session.execute(
        select(
            Inquiry.id,
            Inquiry.created_at,
            Inquiry.demand_id,
            Inquiry.patent_id,
            Inquiry.result_id,
            ResearchResult.technology_field.label("result_field"),
            Demand.technology_field.label("demand_field"),
        )
        .outerjoin(ResearchResult, ResearchResult.id == Inquiry.result_id)
        .outerjoin(Demand, Demand.id == Inquiry.demand_id)
    ).all()
    sent_at = {}
    for row in inquiries:
        tech_field = row.result_field or row.demand_field
        sent_at[row.id] = row.created_at
        if count("inquiries", row.created_at, tech_field) and row.demand_id:
            kind, listing_id = ("patent", row.patent_id) if row.patent_id else ("result", row.result_id)
            first_shown = shown_at.get((row.demand_id, kind, listing_id))
            if first_shown is not None and first_shown <= row.created_at:
                gaps["shown_to_inquiry"].append(_days(first_shown, row.created_at))

    for deal in db.session.scalars(select(Deal)):
        tech_field = deal.technology_field
        if count("accepted", deal.created_at, tech_field) and deal.inquiry_id in sent_at:
            gaps["inquiry_to_accepted"].append(_days(sent_at[deal.inquiry_id], deal.created_at))
        # A registered contract implies agreement, even when nobody clicked “达成一致” first.
        if count("agreed", deal.agreed_at or deal.contracted_at, tech_field) and deal.agreed_at:
            gaps["accepted_to_agreed"].append(_days(deal.created_at, deal.agreed_at))
        if count("contracted", deal.contracted_at, tech_field) and deal.agreed_at:
            gaps["agreed_to_contracted"].append(_days(deal.agreed_at, deal.contracted_at))

    totals = dict.fromkeys(STEPS, 0)
    for counts in months.values():
        for step in STEPS:
            totals[step] += counts[step]
    return Funnel(
        year=year,
        technology_field=technology_field,
        months=sorted(months.items()),
        fields=sorted(by_field.items(), key=lambda item: (-item[1]["shown"] - item[1]["inquiries"], item[0])),
        totals=totals,
        medians={name: (round(median(values), 1) if values else None) for name, values in gaps.items()},
        samples={name: len(values) for name, values in gaps.items()},
    )
