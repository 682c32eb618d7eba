"""A decision taken on a state that changed meanwhile is refused, never written over the newer one.

Each test loads the object in one session (the page a person is looking at), lets another session
change and commit it (the colleague who was quicker), then applies the first decision: on the old
code the stale decision silently won.
"""

from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.common.audit import AuditLog
from marketplace.common.errors import Conflict
from marketplace.extensions import db
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Organisation
from tests.factories import make_org, make_user


def _in_other_session(app, action):
    """Run `action()` in a session of its own (a second app context) and commit it."""
    with app.app_context():
        action()
        db.session.commit()
        db.session.remove()


def test_a_stale_approval_does_not_bring_back_a_removed_member(app_ctx):
    org = make_org("enterprise")
    manager = make_user(org=org)
    applicant = make_user(org=org, membership="pending", manager=False)
    admin = make_user("bureau", admin=True)
    db.session.commit()
    manager_id, applicant_id, admin_id = manager.id, applicant.id, admin.id
    seen = db.session.get(User, applicant_id)
    assert seen.membership == "pending"

    def remove():
        accounts.remove_member(db.session.get(User, admin_id), db.session.get(User, applicant_id))

    _in_other_session(app_ctx, remove)
    try:
        accounts.approve_member(db.session.get(User, manager_id), seen)
        db.session.commit()
    except Conflict:
        db.session.rollback()
    db.session.expire_all()
    assert db.session.get(User, applicant_id).membership == "removed"


def test_two_reviewers_deciding_one_organisation_keep_the_first_decision(app_ctx):
    org = make_org("broker", verified=False)
    first, second = make_user("bureau"), make_user("bureau")
    db.session.commit()
    org_id, first_id = org.id, first.id
    seen = db.session.get(Organisation, org_id)
    assert seen.verification_status == "unverified"

    def reject():
        organisations.reject_organisation(
            db.session.get(User, first_id), db.session.get(Organisation, org_id), "营业执照不清晰"
        )

    _in_other_session(app_ctx, reject)
    raised = None
    try:
        organisations.verify_organisation(second, seen)
        db.session.commit()
    except Conflict as error:
        raised = error
        db.session.rollback()
    db.session.expire_all()
    assert raised is not None and "刷新" in raised.message
    assert db.session.get(Organisation, org_id).verification_status == "rejected"
    audits = db.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.action.like("organisation.%"))
    )
    assert audits == 1
