"""Who may use the deals routes. The world: an enterprise asked (through the broker) about the
university's result; one inquiry is still pending, another was accepted and became a deal."""

from pathlib import Path

from flask import current_app

from marketplace.deals.models import DealMessage, DealReport
from marketplace.extensions import db
from tests.deals.factories import accept, make_demand, make_result, send
from tests.permission_roles import BUREAU, MEMBERS

PARTIES = frozenset({"enterprise", "university", "broker"})
TWO_PARTIES = frozenset({"enterprise", "university"})
SENDER_SIDE = frozenset({"enterprise", "broker"})
RECIPIENT = frozenset({"university"})

RULES = {
    "deals.index": ("GET", "/deals/", MEMBERS),
    "deals.brokered": ("GET", "/deals/brokered", frozenset({"broker"})),
    "deals.new_inquiry": ("GET", "/deals/inquire/result/{result}", SENDER_SIDE),
    "deals.new_offer": ("GET", "/deals/offer/{demand}", frozenset({"university", "institute"})),
    "deals.inquiry": ("GET", "/deals/inquiries/{pending_inquiry}", PARTIES),
    "deals.accept": ("POST", "/deals/inquiries/{pending_inquiry}/accept", RECIPIENT),
    "deals.decline": ("POST", "/deals/inquiries/{pending_inquiry}/decline", RECIPIENT),
    "deals.withdraw": ("POST", "/deals/inquiries/{pending_inquiry}/withdraw", SENDER_SIDE),
    "deals.report": ("POST", "/deals/inquiries/{pending_inquiry}/report", PARTIES),
    "deals.deal": ("GET", "/deals/{deal}", PARTIES),
    "deals.post_message": ("POST", "/deals/{deal}/messages", PARTIES),
    "deals.change_stage": ("POST", "/deals/{deal}/stage", TWO_PARTIES),
    "deals.invite_broker": ("POST", "/deals/{deal}/broker", TWO_PARTIES),
    "deals.attachment": ("GET", "/deals/{deal}/messages/{message}/attachment", PARTIES),
    "deals.bureau_funnel": ("GET", "/bureau/funnel", BUREAU),
    "deals.bureau_reports": ("GET", "/bureau/deal-reports", BUREAU),
    "deals.resolve_report": ("POST", "/bureau/deal-reports/{report}/resolve", BUREAU),
    "api.create_inquiry": (
        "POST",
        "/api/v1/inquiries",
        frozenset({"enterprise", "broker", "university", "institute"}),
    ),
    "api.list_inquiries": ("GET", "/api/v1/inquiries", MEMBERS),
    "api.accept_inquiry": ("POST", "/api/v1/inquiries/{pending_inquiry}/accept", RECIPIENT),
    "api.decline_inquiry": ("POST", "/api/v1/inquiries/{pending_inquiry}/decline", RECIPIENT),
    "api.get_deal": ("GET", "/api/v1/deals/{deal}", PARTIES),
    "api.post_deal_message": ("POST", "/api/v1/deals/{deal}/messages", PARTIES),
}


def setup(users):
    enterprise, university, broker = users["enterprise"], users["university"], users["broker"]
    result = make_result(university)
    other = make_result(university)
    demand = make_demand(users["enterprise"])
    pending = send(broker, result, on_behalf_of_org_id=enterprise.organisation_id)
    accepted = send(broker, other, on_behalf_of_org_id=enterprise.organisation_id)
    deal = accept(university, accepted)
    relative = f"deals/{deal.id}/scan.pdf"
    path = Path(current_app.config["UPLOAD_DIR"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 test")
    message = DealMessage(
        deal_id=deal.id,
        author_org_id=university.organisation_id,
        body="附件",
        attachment_path=relative,
        attachment_filename="scan.pdf",
        attachment_mimetype="application/pdf",
        attachment_size=13,
    )
    report = DealReport(inquiry_id=pending.id, reporter_org_id=university.organisation_id, reason="spam")
    db.session.add_all([message, report])
    db.session.flush()
    return {
        "result": result.id,
        "demand": demand.id,
        "pending_inquiry": pending.id,
        "deal": deal.id,
        "message": message.id,
        "report": report.id,
    }
