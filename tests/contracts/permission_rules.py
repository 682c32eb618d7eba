"""Who may use each contract route (see tests/test_permissions.py)."""

from marketplace.contracts import services
from marketplace.contracts.models import RegistrationPoint, RegistrationReviewer
from marketplace.extensions import db
from tests.contracts.factories import make_contract, payload
from tests.permission_roles import ANY, AUTH, BUREAU

FILERS = frozenset({"university", "institute", "enterprise", "broker"})
# The contracts are filed by the broker for the university (seller) with the enterprise as buyer.
VIEWERS = frozenset({"broker", "university", "enterprise", "bureau", "admin"})
EDITORS = frozenset({"broker", "university"})

RULES = {
    "contracts.mine": ("GET", "/contracts", FILERS),
    "contracts.new": ("GET", "/contracts/new", FILERS),
    "contracts.show": ("GET", "/contracts/{contract}", VIEWERS),
    "contracts.edit": ("GET", "/contracts/{draft}/edit", EDITORS),
    "contracts.upload": ("POST", "/contracts/{draft}/attachments", EDITORS),
    "contracts.attachment": ("GET", "/contracts/{contract}/attachments/{attachment}", VIEWERS),
    "contracts.remove_attachment": (
        "POST",
        "/contracts/{draft}/attachments/{draft_attachment}/delete",
        EDITORS,
    ),
    "contracts.submit": ("POST", "/contracts/{contract}/submit", EDITORS),
    "contracts.amend": ("POST", "/contracts/{draft}/amend", EDITORS),
    "contracts.review": ("POST", "/contracts/{contract}/review", BUREAU),
    "contracts.cancel": ("POST", "/contracts/{contract}/cancel", BUREAU),
    "contracts.certificate": ("GET", "/contracts/{contract}/certificate", VIEWERS),
    # Public: anyone holding a certificate may check it (rate-limited per client); the pair in the
    # query is the credential, so the URL names no object (an unknown pair answers 404 to everyone).
    "contracts.verify_certificate": ("GET", "/verify?number=2026130104010001&code=ABCDEFGH", ANY),
    "contracts.queue": ("GET", "/bureau/contracts", BUREAU),
    "contracts.points": ("GET", "/bureau/registration-points", BUREAU),
    "contracts.edit_point": ("GET", "/bureau/registration-points/{point}", BUREAU),
    "contracts.assign_reviewer": ("POST", "/bureau/registration-reviewers", BUREAU),
    "contracts.calendar": ("GET", "/bureau/contract-calendar", BUREAU),
    "contracts.remove_calendar_day": ("POST", "/bureau/contract-calendar/2026-10-01/delete", BUREAU),
    "api.contracts_create": ("POST", "/api/v1/contracts", FILERS),
    "api.contracts_list": ("GET", "/api/v1/contracts", AUTH),
    "api.contracts_get": ("GET", "/api/v1/contracts/{contract}", VIEWERS),
    "api.contracts_update": ("PATCH", "/api/v1/contracts/{contract}", EDITORS),
    "api.contracts_attach": ("POST", "/api/v1/contracts/{draft}/attachments", EDITORS),
    "api.contracts_attachment": (
        "GET",
        "/api/v1/contracts/{contract}/attachments/{attachment}",
        VIEWERS,
    ),
    "api.contracts_submit": ("POST", "/api/v1/contracts/{contract}/submit", EDITORS),
    "api.contracts_amend": ("POST", "/api/v1/contracts/{draft}/amend", EDITORS),
    "api.contracts_review": ("POST", "/api/v1/contracts/{contract}/review", BUREAU),
    "api.contracts_cancel": ("POST", "/api/v1/contracts/{contract}/cancel", BUREAU),
}


def setup(users) -> dict:
    point = RegistrationPoint(region_code="130104", point_code="01", name="桥西区技术合同登记点")
    db.session.add(point)
    db.session.flush()
    for role in ("bureau", "admin"):
        db.session.add(RegistrationReviewer(user_id=users[role].id, point_id=point.id))
    db.session.commit()
    data = payload(
        seller={"org_id": users["university"].organisation_id},
        buyer={"org_id": users["enterprise"].organisation_id},
    )
    registered = make_contract(users["broker"], data, submit=True)
    services.approve_contract(users["bureau"], registered)
    draft = make_contract(users["broker"], data)
    db.session.commit()
    return {
        "contract": registered.id,
        "draft": draft.id,
        "attachment": registered.attachments[0].id,
        "draft_attachment": draft.attachments[0].id,
        "point": point.id,
    }
