"""Filing a contract: drafts, corrections, attachments, submission and opening an amendment.

Services take the acting user and plain values (the API's JSON shape, amounts in 分), check the
rules of DOMAIN.md, change the models and record an audit entry; the caller commits.
"""

from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from marketplace.common.audit import record_audit
from marketplace.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.common.permissions import can
from marketplace.common.roles import Role
from marketplace.common.timeutil import beijing_today, utcnow
from marketplace.common.uploads import store_upload, upload_path
from marketplace.contracts.access import require_editor, require_filer_role
from marketplace.contracts.calendar import add_working_days, review_working_days
from marketplace.contracts.citations import check_deal_access
from marketplace.contracts.models import (
    DOMESTIC_COUNTRY,
    EDITABLE_STATUSES,
    ContractAttachment,
    ContractDeduction,
    ContractRevision,
    TechContract,
)
from marketplace.contracts.payload import (
    PLAIN_FIELDS,
    check_registrant,
    clean_payload,
    registrant_side,
    revision_payload,
)
from marketplace.contracts.transitions import follow_revision, lock
from marketplace.extensions import db
from marketplace.listings.models import Patent, ResearchResult
from marketplace.organisations.models import Organisation

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
CONTENT_COLUMNS = (
    *PLAIN_FIELDS,
    *(
        f"{side}_{part}"
        for side in ("seller", "buyer")
        for part in ("org_id", "name", "credit_code", "region_code", "nature_code", "country")
    ),
    "registrant_org_id",
    "contract_amount_fen",
    "technical_amount_fen",
    "amount_unit",
    "demand_id",
)


def _apply(revision: ContractRevision, clean: dict[str, Any]) -> None:
    # Half-filled objects must not be flushed by the look-ups below.
    with db.session.no_autoflush:
        _apply_fields(revision, clean)


def _apply_fields(revision: ContractRevision, clean: dict[str, Any]) -> None:
    for name in PLAIN_FIELDS:
        setattr(revision, name, clean[name])
    for side in ("seller", "buyer"):
        party = clean[side]
        org_id = party.get("org_id")
        setattr(revision, f"{side}_org_id", org_id)
        setattr(revision, f"{side}_org", db.session.get(Organisation, org_id) if org_id else None)
        setattr(revision, f"{side}_name", "" if org_id else party["name"])
        setattr(revision, f"{side}_credit_code", None if org_id else party["credit_code"])
        setattr(revision, f"{side}_region_code", None if org_id else party["region_code"])
        setattr(revision, f"{side}_nature_code", "900" if org_id else party["nature_code"])
        setattr(revision, f"{side}_country", DOMESTIC_COUNTRY if org_id else party["country"])
    revision.contract_amount_fen = clean["contract_amount_fen"]
    revision.technical_amount_fen = clean["technical_amount_fen"]
    revision.amount_unit = clean["amount_unit"]
    revision.deductions = [
        ContractDeduction(
            position=i, category=d["category"], description=d["description"], amount_fen=d["amount_fen"]
        )
        for i, d in enumerate(clean["deductions"])
    ]
    revision.patents = list(db.session.scalars(select(Patent).where(Patent.id.in_(clean["patent_ids"]))))
    revision.results = list(
        db.session.scalars(select(ResearchResult).where(ResearchResult.id.in_(clean["result_ids"])))
    )
    revision.demand_id = clean["demand_id"]
    side = registrant_side(revision)
    revision.registrant_org_id = getattr(revision, f"{side}_org_id")


def _check_filer_is_registrant(actor, revision: ContractRevision) -> None:
    # A broker files for the registering party; anyone else may only file as that party.
    if actor.role == Role.BROKER:
        return
    if revision.registrant_org_id != actor.org.id:
        raise ValidationError(
            gettext(
                "贵单位不是该合同的登记方：技术合同由卖方登记（技术进口合同由国内买方登记），"
                "请由登记方或其委托的技术转移机构填报"
            ),
            fields={registrant_side(revision): gettext("应为本单位")},
        )


def _summary(revision: ContractRevision) -> dict[str, Any]:
    return {
        "project_name": revision.project_name,
        "contract_amount_fen": revision.contract_amount_fen,
        "technical_amount_fen": revision.technical_amount_fen,
        "status": revision.status,
    }


def create_contract(actor, data: dict[str, Any]) -> TechContract:
    """Save a new contract as a draft filed by the actor's organisation."""
    require_filer_role(actor)
    clean = clean_payload(data)
    check_deal_access(actor, clean["deal_id"])
    contract = TechContract(
        status="draft",
        filed_by_id=actor.id,
        filer_org_id=actor.org.id,
        broker_id=actor.id if actor.role == Role.BROKER else None,
        deal_id=clean["deal_id"],
    )
    revision = ContractRevision(number=1, status="draft", contract=contract)
    db.session.add_all([contract, revision])
    _apply(revision, clean)
    _check_filer_is_registrant(actor, revision)
    check_registrant(revision)
    db.session.flush()
    contract.pending_revision = revision
    record_audit(actor, "contract.created", contract, after=_summary(revision), summary="创建合同草稿")
    return contract


def update_contract(actor, contract: TechContract, data: dict[str, Any]) -> TechContract:
    """Change the open revision (a draft or one sent back for correction); missing keys stay."""
    require_editor(actor, contract)
    lock(contract)
    revision = contract.pending_revision
    if revision is None or revision.status not in EDITABLE_STATUSES:
        raise Conflict(gettext("只有草稿或待补正的合同可以修改"))
    before = _summary(revision)
    merged = {**revision_payload(revision, contract.deal_id), **data}
    clean = clean_payload(merged)
    if clean["deal_id"] != contract.deal_id:
        check_deal_access(actor, clean["deal_id"], contract.id)
    _apply(revision, clean)
    _check_filer_is_registrant(actor, revision)
    check_registrant(revision)
    contract.deal_id = clean["deal_id"]
    contract.updated_at = utcnow()
    record_audit(
        actor, "contract.updated", contract, before=before, after=_summary(revision), summary="修改合同信息"
    )
    return contract


def add_attachment(actor, contract: TechContract, storage) -> ContractAttachment:
    """Store a scan or PDF of the signed contract, checked by content and size."""
    require_editor(actor, contract)
    revision = contract.pending_revision
    if revision is None or revision.status not in EDITABLE_STATUSES:
        raise Conflict(gettext("只有草稿或待补正的合同可以上传附件"))
    max_bytes = current_app.config.get("CONTRACT_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES)
    stored = store_upload(storage, f"contracts/{contract.id}", max_bytes=max_bytes)
    attachment = ContractAttachment(
        contract=contract,
        revision_id=revision.id,
        path=stored["path"],
        filename=stored["filename"],
        mimetype=stored["mimetype"],
        size=stored["size"],
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.attachment_added",
        contract,
        after={"filename": attachment.filename},
        summary=f"上传附件：{attachment.filename}",
    )
    return attachment


def attachment_content(actor, contract: TechContract, attachment_id: int) -> tuple[ContractAttachment, bytes]:
    """Return an attachment of a contract the actor may view, with its bytes.

    The whole file is read (attachments are size-limited), so no file handle outlives a response.
    """
    if not can(actor, "view", contract):
        raise PermissionDenied(gettext("您无权查看该合同：只有合同双方、其经纪机构和科技局可以查看"))
    attachment = db.session.get(ContractAttachment, attachment_id)
    if attachment is None or attachment.contract_id != contract.id:
        raise NotFound(gettext("附件不存在"))
    path = upload_path(attachment.path)
    if not path.is_file():
        raise NotFound(gettext("附件文件已不存在，请联系填报单位重新上传"))
    return attachment, path.read_bytes()


def remove_attachment(actor, contract: TechContract, attachment: ContractAttachment) -> None:
    """Remove a file uploaded for the open revision; files a reviewer has seen stay in the record."""
    require_editor(actor, contract)
    revision = contract.pending_revision
    if attachment.contract_id != contract.id:
        raise NotFound(gettext("附件不存在"))
    if revision is None or revision.status not in EDITABLE_STATUSES or attachment.revision_id != revision.id:
        raise Conflict(gettext("只能删除本次填报（草稿或待补正）中上传的附件"))
    if revision.submitted_at is not None and attachment.created_at <= revision.submitted_at:
        raise Conflict(gettext("该附件已随合同提交审核，不能删除；如有错误请上传更正后的文件"))
    path = upload_path(attachment.path)
    db.session.delete(attachment)
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.attachment_removed",
        contract,
        before={"filename": attachment.filename},
        summary=f"删除附件：{attachment.filename}",
    )
    # The file goes after the row; a failed commit leaves only an orphan file, never a dangling row.
    db.session.flush()
    path.unlink(missing_ok=True)


def submit_contract(actor, contract: TechContract) -> TechContract:
    """Send the open revision to the bureau; the review deadline starts today."""
    require_editor(actor, contract)
    lock(contract)
    revision = contract.pending_revision
    if revision is None or revision.status not in EDITABLE_STATUSES:
        raise Conflict(gettext("只有草稿或待补正的合同可以提交登记"))
    if not actor.org_verified:
        raise PermissionDenied(gettext("贵单位尚未通过认证，认证通过后才能提交登记（可先保存草稿）"))
    check_registrant(revision)
    if revision.registrant_org is not None and not revision.registrant_org.is_verified:
        raise ValidationError(
            gettext("登记方“%(name)s”尚未通过平台认证，暂不能提交登记", name=revision.registrant_org.name)
        )
    if not contract.attachments:
        raise ValidationError(
            gettext("请先上传签字盖章的合同文本（PDF 或扫描图片）再提交"),
            fields={"attachments": gettext("必填")},
        )
    before = revision.status
    today = beijing_today()
    revision.status = "submitted"
    revision.submitted_at = utcnow()
    # A correction restarts the review period from the day it is sent back.
    revision.due_on = add_working_days(today, review_working_days(revision.technical_amount_fen))
    revision.reviewer_id = None
    revision.review_started_at = None
    follow_revision(contract, "submitted")
    label = (
        "提交变更登记"
        if contract.registered_revision_id
        else ("补正后重新提交" if before == "needs_correction" else "提交登记")
    )
    record_audit(
        actor,
        "contract.submitted",
        contract,
        before={"status": before},
        after={"status": "submitted", "revision": revision.number, "due_on": revision.due_on},
        summary=f"{label}，审核期限 {revision.due_on.isoformat()}",
    )
    return contract


def open_amendment(actor, contract: TechContract) -> ContractRevision:
    """Open a new revision of a registered contract; the registered one keeps counting meanwhile."""
    require_editor(actor, contract)
    lock(contract)
    if contract.status != "registered":
        raise Conflict(gettext("只有已登记的合同可以申请变更"))
    if contract.pending_revision is not None:
        raise Conflict(gettext("该合同已有一项变更正在办理"))
    base = contract.registered_revision
    revision = ContractRevision(
        contract=contract, number=max(r.number for r in contract.revisions) + 1, status="draft"
    )
    db.session.add(revision)
    # Copy the registered content as it is; it is checked again when the amendment is saved or submitted.
    with db.session.no_autoflush:
        for column in CONTENT_COLUMNS:
            setattr(revision, column, getattr(base, column))
        revision.deductions = [
            ContractDeduction(
                position=d.position, category=d.category, description=d.description, amount_fen=d.amount_fen
            )
            for d in base.deductions
        ]
        revision.patents = list(base.patents)
        revision.results = list(base.results)
    db.session.flush()
    contract.pending_revision = revision
    contract.updated_at = utcnow()
    record_audit(
        actor,
        "contract.amendment_opened",
        contract,
        after={"revision": revision.number},
        summary=f"发起变更（第 {revision.number} 版）",
    )
    return revision
