"""The bureau's funnel: matches shown → inquiries → accepted → agreed → registered contracts."""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marketplace.common.i18n import N_
from marketplace.common.timeutil import utcnow
from marketplace.deals.models import Deal, Inquiry, MatchShown
from marketplace.extensions import db
from marketplace.listings.models import Demand, ResearchResult

STEPS = ("shown", "inquiries", "accepted", "agreed", "contracted")
STEP_LABELS = {
    "shown": N_("展示匹配"),
    "inquiries": N_("发出意向"),
    "accepted": N_("接受意向"),
    "agreed": N_("达成一致"),
    "contracted": N_("登记合同"),
}
GAPS = {
    "shown_to_inquiry": N_("展示匹配 → 发出意向"),
    "inquiry_to_accepted": N_("发出意向 → 接受"),
    "accepted_to_agreed": N_("接受 → 达成一致"),
    "agreed_to_contracted": N_("达成一致 → 登记合同"),
}
UNCLASSIFIED = N_("未分类")
LISTING_KINDS = ("patent", "result")


def record_matches_shown(demand_id: int, items: list[tuple[str, int]], viewer_org_id: int | None) -> int:
    """Record listings shown as matches for a demand, once per demand/listing pair; return the new ones.

    `items` are ("patent" | "result", id) pairs; other kinds are ignored. The rows join the caller's
    transaction, so the caller commits (a GET page that records matches must commit too).
    """
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


BEIJING_OFFSET = timedelta(hours=8)


def _chunks(values: list, size: int = 500):
    for index in range(0, len(values), size):
        yield values[index : index + size]


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
    # Month boundaries in stored (naive UTC) time: midnight of the 1st in Beijing is 16:00 UTC the day before.
    bounds = [datetime(year, m, 1) - BEIJING_OFFSET for m in range(1, 13)] + [
        datetime(year + 1, 1, 1) - BEIJING_OFFSET
    ]
    labels = [f"{year}-{m:02d}" for m in range(1, 13)]
    months: dict[str, dict[str, int]] = {label: dict.fromkeys(STEPS, 0) for label in labels}
    by_field: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STEPS, 0))
    gaps: dict[str, list[float]] = {name: [] for name in GAPS}

    def within(column):
        return (column >= bounds[0]) & (column < bounds[-1])

    def count(step: str, when: datetime | None, tech_field: str | None, n: int = 1) -> bool:
        if when is None or not bounds[0] <= when < bounds[-1]:
            return False
        name = tech_field or UNCLASSIFIED
        if technology_field and name != technology_field:
            return False
        months[labels[bisect_right(bounds, when) - 1]][step] += n
        by_field[name][step] += n
        return True

    # Matches shown is the big table: count it in the database, bucketed by month with a CASE.
    bucket = case(*[(MatchShown.shown_at < bounds[m + 1], m) for m in range(12)], else_=11)
    shown_counts = db.session.execute(
        select(bucket, MatchShown.technology_field, func.count())
        .where(within(MatchShown.shown_at))
        .group_by(bucket, MatchShown.technology_field)
    )
    for month_index, tech_field, n in shown_counts:
        count("shown", bounds[month_index], tech_field, n)

    # Each inquiry with the first time its listing was shown for its demand, when it was.
    shown_pair = and_(
        MatchShown.demand_id == Inquiry.demand_id,
        or_(
            and_(MatchShown.listing_kind == "patent", MatchShown.listing_id == Inquiry.patent_id),
            and_(MatchShown.listing_kind == "result", MatchShown.listing_id == Inquiry.result_id),
        ),
    )
    inquiries = db.session.execute(
        select(
            Inquiry.id,
            Inquiry.created_at,
            MatchShown.shown_at,
            ResearchResult.technology_field.label("result_field"),
            Demand.technology_field.label("demand_field"),
        )
        .outerjoin(ResearchResult, ResearchResult.id == Inquiry.result_id)
        .outerjoin(Demand, Demand.id == Inquiry.demand_id)
        .outerjoin(MatchShown, shown_pair)
        .where(within(Inquiry.created_at))
    ).all()
    sent_at = {}
    for row in inquiries:
        sent_at[row.id] = row.created_at
        if count("inquiries", row.created_at, row.result_field or row.demand_field):
            if row.shown_at is not None and row.shown_at <= row.created_at:
                gaps["shown_to_inquiry"].append(_days(row.shown_at, row.created_at))

    deals = db.session.execute(
        select(
            Deal.inquiry_id, Deal.created_at, Deal.agreed_at, Deal.contracted_at, Deal.technology_field
        ).where(or_(within(Deal.created_at), within(Deal.agreed_at), within(Deal.contracted_at)))
    ).all()
    # Deals accepted this year may answer inquiries sent the year before.
    earlier = sorted({deal.inquiry_id for deal in deals} - sent_at.keys())
    for chunk in _chunks(earlier):
        sent_at.update(
            db.session.execute(select(Inquiry.id, Inquiry.created_at).where(Inquiry.id.in_(chunk))).all()
        )
    for deal in deals:
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
