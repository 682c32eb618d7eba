"""The bureau verifies organisations from their evidence; only members and the bureau see it."""

import io

from sqlalchemy import select

from marketplace.common.audit import AuditLog
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from tests.factories import login, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(client, data: bytes, name: str):
    return client.post(
        "/my/org/evidence",
        data={"evidence": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_evidence_upload_checks_content_not_name(client, app):
    with app.app_context():
        user = make_user("university", verified=False)
        login(client, user)
        org_id = user.organisation_id
    # A Windows executable renamed to .pdf is refused.
    response = upload(client, b"MZ\x90\x00\x03" + b"\x00" * 100, "licence.pdf")
    assert "不是允许的格式" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organisation, org_id).evidence_path is None
    response = upload(client, PDF, "营业执照.pdf")
    assert "证明材料已上传" in response.get_data(as_text=True)
    with client.get(f"/orgs/{org_id}/evidence") as evidence:
        assert evidence.status_code == 200 and evidence.data == PDF
        assert evidence.mimetype == "application/pdf"


def test_oversized_evidence_is_refused(client, app):
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    with app.app_context():
        login(client, make_user("university", verified=False))
    response = upload(client, PDF + b"0" * 2048, "big.pdf")
    assert "文件过大" in response.get_data(as_text=True)


def test_evidence_is_private_to_members_and_bureau(client, app):
    with app.app_context():
        owner = make_user("enterprise", verified=False)
        outsider = make_user("enterprise")
        bureau = make_user("bureau")
        login(client, owner)
    upload(client, PDF, "licence.pdf")
    org_id = owner.organisation_id
    assert app.test_client().get(f"/orgs/{org_id}/evidence").status_code == 302  # to login
    other = app.test_client()
    with app.app_context():
        login(other, outsider)
    assert other.get(f"/orgs/{org_id}/evidence").status_code == 403
    reviewer = app.test_client()
    with app.app_context():
        login(reviewer, bureau)
    with reviewer.get(f"/orgs/{org_id}/evidence") as response:
        assert response.status_code == 200


def test_bureau_verifies_and_rejects_with_reason(client, app):
    with app.app_context():
        applicant = make_user("institute", verified=False)
        bureau = make_user("bureau")
        org_id = applicant.organisation_id
        login(client, bureau)
    listing = client.get("/bureau/orgs?status=unverified").get_data(as_text=True)
    assert applicant.organisation.name in listing
    response = client.post(f"/bureau/orgs/{org_id}/reject", data={"reason": ""})
    assert response.status_code == 422 and "请填写理由" in response.get_data(as_text=True)
    client.post(f"/bureau/orgs/{org_id}/reject", data={"reason": "营业执照照片不清晰"})
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.verification_status == "rejected" and org.verification_reason == "营业执照照片不清晰"
    member = app.test_client()
    with app.app_context():
        login(member, applicant)
    assert "营业执照照片不清晰" in member.get("/my/org").get_data(as_text=True)
    client.post(f"/bureau/orgs/{org_id}/verify")
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.is_verified and org.verified_by_id == bureau.id and org.verified_at
        actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == org_id)))
        assert "organisation.rejected" in actions and "organisation.verified" in actions


def test_only_the_bureau_verifies(client, app):
    with app.app_context():
        applicant = make_user("institute", verified=False)
        login(client, make_user("broker"))
    assert client.post(f"/bureau/orgs/{applicant.organisation_id}/verify").status_code == 403
    assert client.get("/bureau/orgs").status_code == 403


def test_bureau_marks_recognition(client, app):
    with app.app_context():
        broker = make_user("broker")
        login(client, make_user("bureau"))
    client.post(
        f"/bureau/orgs/{broker.organisation_id}/recognition",
        data={"is_transfer_institution": "y", "is_registration_point": "y"},
    )
    with app.app_context():
        org = db.session.get(Organisation, broker.organisation_id)
        assert org.is_transfer_institution and org.is_registration_point


def test_manager_edits_contact_and_removes_member(client, app):
    with app.app_context():
        manager = make_user("enterprise")
        member = make_user(org=manager.organisation, manager=False)
        login(client, manager)
    response = client.post(
        "/my/org", data={"contact_name": "赵经理", "contact_phone": "0311-7654321", "zone": "high_tech"}
    )
    assert response.status_code == 302
    client.post(f"/my/org/members/{member.id}/remove")
    with app.app_context():
        from marketplace.accounts.models import User

        assert db.session.get(Organisation, manager.organisation_id).contact_name == "赵经理"
        assert db.session.get(User, member.id).membership == "removed"
        assert db.session.get(User, member.id).role is None


def test_plain_member_cannot_manage_members(client, app):
    with app.app_context():
        manager = make_user("enterprise")
        member = make_user(org=manager.organisation, manager=False)
        login(client, member)
    client.post(f"/my/org/members/{manager.id}/remove")
    with app.app_context():
        from marketplace.accounts.models import User

        assert db.session.get(User, manager.id).membership == "active"
