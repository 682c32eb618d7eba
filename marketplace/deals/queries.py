"""What inquiry and deal pages show: lists, counts, links and the details a viewer may read.

Nothing here writes. The rules for who sees what are in `access`; these helpers shape what a
permitted viewer gets (contacts only after acceptance, a hidden demand owner's name kept hidden).
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, or_, select

from marketplace.common.audit import AuditLog
from marketplace.common.errors import NotFound, PermissionDenied
from marketplace.common.permissions import can
from marketplace.common.roles import Role
from marketplace.common.timeutil import utcnow
from marketplace.deals.access import broker_org_ids, viewer_org_id
from marketplace.deals.models import Deal, Inquiry
from marketplace.extensions import db
from marketplace.organisations.models import Organisation


def inquiry_path(inquiry_id: int) -> str:
    # Plain paths, not url_for: notices are also made by CLI commands that have no request.
    return f"/deals/inquiries/{inquiry_id}"


def deal_path(deal_id: int) -> str:
    return f"/deals/{deal_id}"


def overdue_after() -> timedelta:
    return timedelta(days=int(current_app.config.get("DEALS_OVERDUE_DAYS", 7)))


def is_overdue(inquiry: Inquiry) -> bool:
    return inquiry.status == "pending" and utcnow() - inquiry.created_at > overdue_after()


def org_name_for(inquiry: Inquiry, org: Organisation | None, user) -> str:
    """An organisation's name as this viewer may see it: a hidden demand owner stays 某企业.

    The demand's own rule decides (Demand.shows_name_to): an accepted inquiry makes its
    counterpart see the name, as do the owner, the bureau and verified brokers.
    """
    if org is None:
        return ""
    demand = inquiry.demand
    if demand is None or demand.organisation_id != org.id:
        return org.name
    return demand.public_org_name(user)


def contacts_for(inquiry: Inquiry, user) -> list[dict]:
    """Contact details of the other side, once the inquiry is accepted; nothing before."""
    if inquiry.status != "accepted":
        return []
    viewer = viewer_org_id(user)
    if viewer in (inquiry.sender_org_id, inquiry.recipient_org_id):
        others = [inquiry.recipient_org if viewer == inquiry.sender_org_id else inquiry.sender_org]
    elif viewer in broker_org_ids(inquiry):
        others = [inquiry.sender_org, inquiry.recipient_org]
    else:
        return []
    contacts = []
    for org in others:
        entry = {
            "org_id": org.id,
            "organisation": org.name,
            "contact_name": org.contact_name,
            "contact_phone": org.contact_phone,
            "contact_email": org.contact_email,
        }
        result = inquiry.result
        if (
            result is not None
            and result.organisation_id == org.id
            and (result.contact_name or result.contact_phone)
        ):
            entry["result_contact_name"] = result.contact_name
            entry["result_contact_phone"] = result.contact_phone
        contacts.append(entry)
    return contacts


def private_details_for(inquiry: Inquiry, user) -> list[dict]:
    """Private details the viewer may read: only after acceptance, and only the other side's."""
    if inquiry.status != "accepted":
        return []
    viewer = viewer_org_id(user)
    brokers = broker_org_ids(inquiry)
    shown = []
    target = inquiry.target
    # The asker sees the target's private part when it asked for it.
    if (viewer == inquiry.sender_org_id or viewer in brokers) and inquiry.wants_private_details:
        if target is not None and target.private_details:
            shown.append(
                {"kind": target.kind, "id": target.id, "title": target.title, "text": target.private_details}
            )
    # In an offer, the university chose to share its result with the demand's owner.
    if inquiry.kind == "offer" and (viewer == inquiry.recipient_org_id or viewer in brokers):
        result = inquiry.result
        if result is not None and result.private_details:
            shown.append(
                {"kind": "result", "id": result.id, "title": result.title, "text": result.private_details}
            )
    return shown


def get_deal_for(user, deal_id: int) -> Deal:
    deal = db.session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(gettext("对接不存在"))
    if not can(user, "view", deal):
        raise PermissionDenied(gettext("只有对接双方及其技术经纪机构可以查看"))
    return deal


def stage_history(deal: Deal) -> list:
    return list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.object_type == "deals", AuditLog.object_id == deal.id)
            .order_by(AuditLog.id)
        )
    )


def broker_choices() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.org_type == Role.BROKER, Organisation.verification_status == "verified")
            .order_by(Organisation.name)
        )
    )


def inquiries_stmt(org_id: int, box: str):
    """Inquiries received, sent, or introduced (as a broker) by an organisation, newest first."""
    if box == "received":
        where = Inquiry.recipient_org_id == org_id
    elif box == "introduced":
        where = Inquiry.introducer_org_id == org_id
    else:
        where = or_(Inquiry.sender_org_id == org_id, Inquiry.introducer_org_id == org_id)
    return select(Inquiry).where(where).order_by(Inquiry.id.desc())


def deals_stmt(org_id: int):
    return (
        select(Deal)
        .where(or_(Deal.seller_org_id == org_id, Deal.buyer_org_id == org_id, Deal.broker_org_id == org_id))
        .order_by(Deal.last_activity_at.desc(), Deal.id.desc())
    )


def pending_counts(org_id: int) -> tuple[int, int]:
    """(pending inquiries to answer, of which overdue)."""
    base = select(func.count(Inquiry.id)).where(
        Inquiry.recipient_org_id == org_id, Inquiry.status == "pending"
    )
    pending = db.session.scalar(base) or 0
    overdue = db.session.scalar(base.where(Inquiry.created_at < utcnow() - overdue_after())) or 0
    return pending, overdue


def existing_inquiry(org_id: int, listing) -> Inquiry | None:
    """The viewer's latest inquiry about (or offer to) this listing, to show its state."""
    column = {"patent": Inquiry.patent_id, "result": Inquiry.result_id, "demand": Inquiry.demand_id}[
        listing.kind
    ]
    party = or_(Inquiry.sender_org_id == org_id, Inquiry.introducer_org_id == org_id)
    return db.session.scalar(
        select(Inquiry).where(party, column == listing.id).order_by(Inquiry.id.desc()).limit(1)
    )
