"""Sample inquiries and deals for the demo site, built on whatever listings are published.

Run after the listings are seeded (`flask deals seed-demo`, or from `flask seed-demo`). Every
message says it is sample data; nothing is sent as a notice or mail.
"""

import itertools
from datetime import timedelta

from sqlalchemy import func, select

from marketplace.common.roles import Role
from marketplace.common.timeutil import utcnow
from marketplace.deals.funnel import record_matches_shown
from marketplace.deals.models import Deal, DealMessage, Inquiry, MatchShown
from marketplace.extensions import db
from marketplace.listings.models import Demand, ResearchResult
from marketplace.organisations.models import Organisation

# What happens to the n-th sample inquiry, in turn.
OUTCOMES = ["pending", "contact", "negotiating", "declined", "agreed", "overdue", "closed", "negotiating"]
MESSAGES = [
    "【示例】您好，我们对该成果很感兴趣，想了解中试数据和设备投入。",
    "【示例】感谢关注，中试报告已整理好，可以约时间到实验室现场交流。",
    "【示例】我方技术负责人下周二有空，是否方便？",
]


def seed_demo_deals(limit: int = 24, progress=print) -> int:
    """Create sample inquiries and deals between published demands and results; once only."""
    if db.session.scalar(select(func.count(Inquiry.id))):
        progress("已有对接数据，跳过示例对接")
        return 0
    broker = db.session.scalar(
        select(Organisation).where(
            Organisation.org_type == Role.BROKER, Organisation.verification_status == "verified"
        )
    )
    demands = db.session.scalars(
        select(Demand)
        .join(Organisation, Organisation.id == Demand.organisation_id)
        .where(
            Demand.status == "published",
            Organisation.org_type == Role.ENTERPRISE,
            Organisation.verification_status == "verified",
        )
        .order_by(Demand.id)
        .limit(limit * 3)
    ).all()
    now = utcnow()
    made = 0
    outcomes = itertools.cycle(OUTCOMES)
    used_results: set[int] = set()
    for index, demand in enumerate(demands):
        if made >= limit:
            break
        candidates = db.session.scalars(
            select(ResearchResult)
            .where(
                ResearchResult.status == "published",
                ResearchResult.technology_field == demand.technology_field,
                ResearchResult.organisation_id != demand.organisation_id,
                ResearchResult.id.not_in(used_results or {0}),
            )
            .order_by(ResearchResult.id)
            .limit(5)
        ).all()
        if not candidates:
            continue
        result = candidates[0]
        used_results.add(result.id)
        record_matches_shown(demand.id, [("result", r.id) for r in candidates[:3]], demand.organisation_id)
        sent = now - timedelta(days=200 - index * 7 % 190, hours=index)
        db.session.execute(
            MatchShown.__table__.update()
            .where(MatchShown.demand_id == demand.id)
            .values(shown_at=sent - timedelta(days=3 + index % 5))
        )
        outcome = next(outcomes)
        if outcome in ("pending", "overdue"):
            sent = now - timedelta(days=10 if outcome == "overdue" else 2)
        introducer = broker.id if broker is not None and index % 3 == 0 else None
        inquiry = Inquiry(
            kind="inquiry",
            sender_org_id=demand.organisation_id,
            recipient_org_id=result.organisation_id,
            introducer_org_id=introducer,
            result_id=result.id,
            demand_id=demand.id,
            purpose=("license", "transfer", "cooperation", "consulting")[index % 4],
            message=f"【示例】我公司正在解决“{demand.title}”，希望了解贵单位成果的转化条件。",
            wants_private_details=index % 2 == 0,
            status="pending",
            created_at=sent,
        )
        db.session.add(inquiry)
        db.session.flush()
        if outcome in ("pending", "overdue"):
            inquiry.open_key = f"i:{demand.organisation_id}:result:{result.id}"
        elif outcome == "declined":
            inquiry.status = "declined"
            inquiry.decline_reason = "mismatch"
            inquiry.answered_at = sent + timedelta(days=2)
        else:
            _accepted(inquiry, outcome, sent, index)
        made += 1
    progress(f"示例对接意向 {made} 条")
    return made


def _accepted(inquiry: Inquiry, stage: str, sent, index: int) -> None:
    accepted_at = sent + timedelta(days=1 + index % 4)
    inquiry.status = "accepted"
    inquiry.answered_at = accepted_at
    deal = Deal(
        inquiry_id=inquiry.id,
        seller_org_id=inquiry.recipient_org_id,
        buyer_org_id=inquiry.sender_org_id,
        broker_org_id=inquiry.introducer_org_id,
        broker_source="introduced" if inquiry.introducer_org_id else None,
        result_id=inquiry.result_id,
        demand_id=inquiry.demand_id,
        technology_field=db.session.get(ResearchResult, inquiry.result_id).technology_field,
        stage=stage,
        created_at=accepted_at,
        last_activity_at=accepted_at + timedelta(days=3),
    )
    if stage == "agreed":
        deal.agreed_at = accepted_at + timedelta(days=20 + index % 9)
    if stage == "closed":
        deal.close_reason = "budget"
        deal.close_text = "【示例】年度预算调整，暂缓引进"
        deal.closed_at = accepted_at + timedelta(days=12)
    db.session.add(deal)
    db.session.flush()
    for offset, body in enumerate(MESSAGES):
        author = deal.buyer_org_id if offset % 2 == 0 else deal.seller_org_id
        db.session.add(
            DealMessage(
                deal_id=deal.id,
                author_org_id=author,
                body=body,
                created_at=accepted_at + timedelta(hours=6 * (offset + 1)),
            )
        )
