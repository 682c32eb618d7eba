"""Organisation operations: evidence, verification by the bureau, recognition flags."""

from flask import current_app
from flask_babel import gettext

from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.common.permissions import can
from marketplace.common.roles import is_bureau
from marketplace.common.rows import claim
from marketplace.common.timeutil import utcnow
from marketplace.common.uploads import store_upload
from marketplace.organisations.models import Organisation


def _require_bureau(actor) -> None:
    if not is_bureau(actor):
        raise PermissionDenied(gettext("只有科技管理部门可以认证单位"))


def attach_evidence(actor, org: Organisation, storage) -> None:
    """Store the licence / legal-person certificate scan and send the org back for review."""
    if not can(actor, "attach_evidence", org):
        raise PermissionDenied(gettext("只能为本单位上传证明材料"))
    stored = store_upload(storage, "evidence", max_bytes=current_app.config["EVIDENCE_MAX_BYTES"])
    before = {"evidence": org.evidence_filename, "status": org.verification_status}
    org.evidence_path = stored["path"]
    org.evidence_filename = stored["filename"]
    org.evidence_mimetype = stored["mimetype"]
    if org.verification_status == "rejected":
        # New evidence answers the rejection, so the bureau sees the organisation again.
        org.verification_status = "unverified"
    record_audit(
        actor,
        "organisation.evidence_uploaded",
        org,
        before=before,
        after={"evidence": org.evidence_filename, "status": org.verification_status},
    )


def _decide(org: Organisation, seen: str, status: str, *, reason: str, **values) -> None:
    """Apply a verification decision only if the status it was taken on is still the stored one.

    Two reviewers deciding at once (or a new licence arriving meanwhile) both saw the old status;
    the second decision must not silently overwrite the first.
    """
    if not claim(
        org,
        Organisation.verification_status == seen,
        verification_status=status,
        verification_reason=reason,
        **values,
    ):
        raise Conflict(gettext("该单位的认证状态刚刚已被其他人更改，请刷新页面后再处理"))


def verify_organisation(actor, org: Organisation) -> None:
    _require_bureau(actor)
    if org.verification_status == "verified":
        raise Conflict(gettext("该单位已认证"))
    before = {"status": org.verification_status}
    _decide(org, before["status"], "verified", reason="", verified_by_id=actor.id, verified_at=utcnow())
    record_audit(actor, "organisation.verified", org, before=before, after={"status": "verified"})


def reject_organisation(actor, org: Organisation, reason: str) -> None:
    _require_bureau(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(gettext("请填写不予认证的理由"), fields={"reason": gettext("必填")})
    before = {"status": org.verification_status}
    _decide(
        org, before["status"], "rejected", reason=reason[:500], verified_by_id=actor.id, verified_at=utcnow()
    )
    record_audit(
        actor,
        "organisation.rejected",
        org,
        before=before,
        after={"status": "rejected", "reason": org.verification_reason},
    )


def set_recognition(actor, org: Organisation, *, transfer_institution: bool, registration_point: bool):
    """Mark an organisation as a recognised transfer institution and/or registration point."""
    _require_bureau(actor)
    before = {
        "transfer_institution": org.is_transfer_institution,
        "registration_point": org.is_registration_point,
    }
    org.is_transfer_institution = transfer_institution
    org.is_registration_point = registration_point
    record_audit(
        actor,
        "organisation.recognition_changed",
        org,
        before=before,
        after={"transfer_institution": transfer_institution, "registration_point": registration_point},
    )


def update_profile(actor, org: Organisation, **fields) -> None:
    """Let the organisation's manager correct its contact details (not its identity)."""
    if not can(actor, "manage", org):
        raise PermissionDenied(gettext("只有本单位管理员可以修改单位信息"))
    allowed = {"contact_name", "contact_phone", "contact_email", "address", "description", "zone"}
    before = {k: getattr(org, k) for k in fields if k in allowed}
    for key, value in fields.items():
        if key in allowed:
            setattr(org, key, value)
    record_audit(actor, "organisation.updated", org, before=before, after={k: fields[k] for k in before})
