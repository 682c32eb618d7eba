"""Who may use the broker directory's routes. The world: the broker user holds a listed profile (a
transfer institution's broker) with a stored certificate scan; the enterprise asked it for help
with a demand twice (one request pending, one accepted); the university member has a profile
awaiting review."""

from pathlib import Path

from flask import current_app

from tests.brokers.factories import make_profile, make_request
from tests.deals.factories import make_demand, make_result
from tests.permission_roles import ANY, BUREAU, MEMBERS

PROFILE_HOLDERS = frozenset({"university", "institute", "enterprise", "broker"})
BROKER = frozenset({"broker"})
REQUEST_PARTIES = frozenset({"enterprise", "broker", "bureau", "admin"})

RULES = {
    "brokers.directory": ("GET", "/brokers/", ANY),
    "brokers.show": ("GET", "/brokers/{profile}", ANY),
    "brokers.ask": ("POST", "/brokers/{profile}/ask", frozenset({"enterprise"})),
    "brokers.evidence": ("GET", "/brokers/{profile}/evidence", frozenset({"broker", "bureau", "admin"})),
    "brokers.edit_profile": ("GET", "/my/broker-profile", PROFILE_HOLDERS),
    "brokers.my_requests": ("GET", "/my/broker-requests", MEMBERS),
    "brokers.request_page": ("GET", "/brokers/requests/{pending_request}", REQUEST_PARTIES),
    "brokers.accept": ("POST", "/brokers/requests/{pending_request}/accept", BROKER),
    "brokers.decline": ("POST", "/brokers/requests/{pending_request}/decline", BROKER),
    "brokers.withdraw": ("POST", "/brokers/requests/{pending_request}/withdraw", frozenset({"enterprise"})),
    "brokers.inquire": ("GET", "/brokers/requests/{accepted_request}/inquire", BROKER),
    "brokers.bureau_list": ("GET", "/bureau/brokers", BUREAU),
    "brokers.bureau_review": ("GET", "/bureau/brokers/{pending_profile}", BUREAU),
    "brokers.bureau_verify": ("POST", "/bureau/brokers/{pending_profile}/verify", BUREAU),
    "brokers.bureau_reject": ("POST", "/bureau/brokers/{pending_profile}/reject", BUREAU),
    "api.list_brokers": ("GET", "/api/v1/brokers", ANY),
    "api.get_broker": ("GET", "/api/v1/brokers/{profile}", ANY),
}


def setup(users):
    broker, enterprise = users["broker"], users["enterprise"]
    relative = f"brokers/perm-{broker.id}.pdf"
    path = Path(current_app.config["UPLOAD_DIR"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 test")
    profile = make_profile(
        broker, evidence_path=relative, evidence_filename="cert.pdf", evidence_mimetype="application/pdf"
    )
    pending_profile = make_profile(users["university"], status="pending")
    make_result(users["university"], technology_field="先进制造")
    pending = make_request(profile, enterprise, make_demand(enterprise))
    accepted = make_request(profile, enterprise, make_demand(enterprise), status="accepted")
    return {
        "profile": profile.id,
        "pending_profile": pending_profile.id,
        "pending_request": pending.id,
        "accepted_request": accepted.id,
    }
