"""Review by the bureau: taking a contract, approving it with a registration number, sending it back,
refusing it, and cancelling a registration.

Approval and cancellation are announced through `marketplace.contracts.signals`, inside the
transaction, so the features that count registered contracts stay in step with them.
"""

import secrets

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, PermissionDenied, ValidationError
from marketplace.common.i18n import N_
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.contracts.access import require_reviewer
from marketplace.contracts.models import (
    IN_REVIEW_STATUSES,
    REFUSAL_REASONS,
    ContractRevision,
    RegistrationCounter,
    RegistrationPoint,
    RegistrationReviewer,
    TechContract,
)
from marketplace.contracts.payload import check_registrant
from marketplace.contracts.signals import contract_amended, contract_cancelled, contract_registered
from marketplace.contracts.transitions import follow_revision, lock
from marketplace.extensions import db
from marketplace.notices.services import notify

MAX_SERIAL = 9999
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L to misread on paper


def new_verification_code(length: int = 10) -> str:
    """A random code printed on the certificate; with the number it opens the public check."""
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(length))


def _reviewable(contract: TechContract) -> ContractRevision:
    revision = contract.pending_revision
    if revision is None or revision.status not in IN_REVIEW_STATUSES:
        raise Conflict(
            gettext(
                "该合同当前状态为“%(status)s”，不在待审核状态", status=gettext(contract.current.status_label)
            )
        )
    return revision


def reviewer_point(actor) -> RegistrationPoint | None:
    assignment = db.session.get(RegistrationReviewer, actor.id)
    return assignment.point if assignment is not None else None


def start_review(actor, contract: TechContract) -> TechContract:
    """A reviewer takes a submitted contract."""
    require_reviewer(actor)
    lock(contract)
    revision = contract.pending_revision
    if revision is None or revision.status != "submitted":
        raise Conflict(gettext("只有已提交、尚未有人受理的合同可以开始审核"))
    _take(actor, contract, revision)
    return contract


def _take(actor, contract: TechContract, revision: ContractRevision) -> None:
    revision.status = "under_review"
    revision.reviewer_id = actor.id
    revision.review_started_at = utcnow()
    follow_revision(contract, "under_review")
    record_audit(
        actor,
        "contract.review_started",
        contract,
        before={"status": "submitted"},
        after={"status": "under_review"},
        summary="开始审核",
    )


def _check_taken_by(actor, revision: ContractRevision) -> None:
    if revision.status == "under_review" and revision.reviewer_id not in (None, actor.id):
        name = revision.reviewer.name if revision.reviewer else gettext("其他审核人员")
        raise Conflict(gettext("该合同正由%(name)s审核，不能重复处理", name=name))


def issue_registration_number(point: RegistrationPoint, year: int) -> str:
    """Take the next serial of the point's year under a row lock, so numbers never repeat or skip."""
    stmt = (
        select(RegistrationCounter)
        .where(RegistrationCounter.point_id == point.id, RegistrationCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter = db.session.scalars(stmt).first()
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(RegistrationCounter(point_id=point.id, year=year, last_serial=0))
        except IntegrityError:
            pass  # another reviewer created the year's counter first; lock theirs below
        counter = db.session.scalars(stmt).one()
    if counter.last_serial >= MAX_SERIAL:
        raise Conflict(
            gettext(
                "%(point)s %(year)s 年的登记序号已用完（最多 %(max)s 号），请联系系统管理员",
                point=point.name,
                year=year,
                max=MAX_SERIAL,
            )
        )
    counter.last_serial += 1
    db.session.flush()
    return f"{year:04d}{point.region_code}{point.point_code}{counter.last_serial:04d}"


def approve_contract(actor, contract: TechContract) -> TechContract:
    """Register the contract (or its amendment) and issue a registration number on first approval."""
    require_reviewer(actor)
    point = reviewer_point(actor)
    if point is None or not point.active:
        raise PermissionDenied(
            gettext("您尚未被分配到有效的技术合同登记点，不能办理登记；请联系科技局管理员")
        )
    lock(contract)
    revision = _reviewable(contract)
    _check_taken_by(actor, revision)
    check_registrant(revision)
    if revision.status == "submitted":
        _take(actor, contract, revision)
    previous = contract.registered_revision
    amended = previous is not None
    revision.status = "registered"
    revision.reviewed_at = utcnow()
    revision.reviewer_id = actor.id
    if previous is not None:
        previous.status = "superseded"
    contract.registered_revision = revision
    contract.pending_revision = None
    contract.status = "registered"
    if not contract.registration_number:
        today = beijing_today()
        contract.registration_number = issue_registration_number(point, today.year)
        contract.verification_code = new_verification_code()
        contract.registered_on = today
        contract.point_id = point.id
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.amendment_approved" if amended else "contract.approved",
        contract,
        before={"status": "under_review"},
        after={
            "status": "registered",
            "registration_number": contract.registration_number,
            "revision": revision.number,
        },
        summary=(
            f"变更登记通过（第 {revision.number} 版）"
            if amended
            else f"准予登记，登记号 {contract.registration_number}"
        ),
    )
    (contract_amended if amended else contract_registered).send(contract)
    _tell_filer(
        contract,
        revision,
        N_("《%(title)s》变更已登记") if amended else N_("《%(title)s》已准予登记"),
        N_("登记号 %(number)s。"),
        {"title": revision.project_name, "number": contract.registration_number},
    )
    return contract


def _tell_filer(contract: TechContract, revision, title: str, body: str, params: dict) -> None:
    """Tell the filing organisation, and the registering party a broker filed for, of a decision.

    `title` and `body` are message ids; what people wrote (the project's name, a comment) goes in
    `params`, so each reader sees the notice in their own language.
    """
    for org_id in dict.fromkeys((contract.filer_org_id, revision.registrant_org_id)):
        if org_id is not None:
            # A plain path, not url_for: the API and CLI review without a request.
            notify(
                org_id,
                "contract",
                title,
                body=body,
                url=f"/contracts/{contract.id}",
                email=True,
                params=params,
            )


def request_changes(actor, contract: TechContract, comment: str) -> TechContract:
    """Send the contract back to the filer to correct what the comment says."""
    require_reviewer(actor)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(gettext("请写明需要补正的内容"), fields={"comment": gettext("必填")})
    lock(contract)
    revision = _reviewable(contract)
    _check_taken_by(actor, revision)
    before = revision.status
    revision.status = "needs_correction"
    revision.review_comment = comment[:2000]
    revision.reviewer_id = actor.id
    revision.reviewed_at = utcnow()
    follow_revision(contract, "needs_correction")
    record_audit(
        actor,
        "contract.changes_requested",
        contract,
        before={"status": before},
        after={"status": "needs_correction", "comment": comment[:2000]},
        summary=f"退回补正：{comment[:200]}",
    )
    _tell_filer(
        contract,
        revision,
        N_("《%(title)s》须补正后重新提交"),
        N_("%(comment)s"),
        {"title": revision.project_name, "comment": comment[:500]},
    )
    return contract


def refuse_contract(actor, contract: TechContract, reasons: list[str], comment: str) -> TechContract:
    """Refuse registration for one or more of the codes in DOMAIN.md, with an explanation."""
    require_reviewer(actor)
    errors = {}
    if not isinstance(reasons, list) or not reasons:
        errors["reasons"] = gettext("请至少选择一项不予登记的理由")
    elif any(code not in REFUSAL_REASONS for code in reasons):
        errors["reasons"] = gettext("不予登记理由代码无效，可选：%(codes)s", codes="、".join(REFUSAL_REASONS))
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if not comment:
        errors["comment"] = gettext("请写明不予登记的具体说明")
    if errors:
        raise ValidationError(gettext("请补全不予登记的理由"), fields=errors)
    lock(contract)
    revision = _reviewable(contract)
    _check_taken_by(actor, revision)
    before = revision.status
    revision.status = "refused"
    revision.refusal_reasons = list(dict.fromkeys(reasons))
    revision.review_comment = comment[:2000]
    revision.reviewer_id = actor.id
    revision.reviewed_at = utcnow()
    contract.pending_revision = None
    amended = contract.registered_revision_id is not None
    follow_revision(contract, "refused")
    labels = "、".join(REFUSAL_REASONS[c] for c in revision.refusal_reasons)
    record_audit(
        actor,
        "contract.amendment_refused" if amended else "contract.refused",
        contract,
        before={"status": before},
        after={"status": "refused", "reasons": revision.refusal_reasons, "comment": comment[:2000]},
        summary=("变更不予登记" if amended else "不予登记") + f"：{labels}。{comment[:200]}",
    )
    _tell_filer(
        contract,
        revision,
        N_("《%(title)s》变更不予登记") if amended else N_("《%(title)s》不予登记"),
        N_("%(reasons)s。%(comment)s"),
        {"title": revision.project_name, "reasons": labels, "comment": comment[:500]},
    )
    return contract


def review_contract(
    actor, contract: TechContract, action: str, reasons=None, comment: str = ""
) -> TechContract:
    """Dispatch one of the API's review actions: start, approve, request_changes, refuse."""
    if action == "start":
        return start_review(actor, contract)
    if action == "approve":
        return approve_contract(actor, contract)
    if action == "request_changes":
        return request_changes(actor, contract, comment)
    if action == "refuse":
        return refuse_contract(actor, contract, reasons or [], comment)
    raise ValidationError(
        gettext("审核动作应为 start、approve、request_changes 或 refuse"), fields={"action": gettext("无效")}
    )


def cancel_contract(actor, contract: TechContract, reason: str) -> TechContract:
    """Cancel (注销) a registered contract; it stops counting and any open amendment is dropped."""
    require_reviewer(actor)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError(gettext("请写明注销的理由"), fields={"reason": gettext("必填")})
    lock(contract)
    if contract.status != "registered":
        raise Conflict(gettext("只有已登记的合同可以注销"))
    if contract.pending_revision is not None:
        contract.pending_revision.status = "discarded"
        contract.pending_revision = None
    contract.status = "cancelled"
    contract.cancelled_at = utcnow()
    contract.cancel_reason = reason[:500]
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.cancelled",
        contract,
        before={"status": "registered"},
        after={"status": "cancelled", "reason": reason[:500]},
        summary=f"注销登记：{reason[:200]}",
    )
    contract_cancelled.send(contract)
    return contract
