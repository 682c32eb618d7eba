"""What pages and other features read: lists, the bureau's queue, counts, the timeline, and the
contracts that count in statistics."""

import hmac
from datetime import date

from flask_babel import gettext
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.common.audit import AuditLog
from marketplace.common.i18n import DEFAULT_LOCALE, N_, current_language, tr
from marketplace.common.timeutil import beijing_today
from marketplace.contracts.access import visible_to
from marketplace.contracts.models import (
    CONTRACT_TYPES,
    EDITABLE_STATUSES,
    IN_REVIEW_STATUSES,
    REFUSAL_REASONS,
    ContractRevision,
    TechContract,
)
from marketplace.extensions import db


def registered_contracts_query() -> Select:
    """Select (TechContract, ContractRevision) rows of registered, not cancelled contracts.

    The revision is the one that counts: the registered one, even while an amendment is reviewed.
    """
    return (
        select(TechContract, ContractRevision)
        .join(ContractRevision, ContractRevision.id == TechContract.registered_revision_id)
        .where(TechContract.status == "registered")
    )


def _list_options():
    """Load what a list row shows (revisions, parties, reviewer) in a few queries, not per row."""
    loads = []
    for relation in (TechContract.pending_revision, TechContract.registered_revision):
        loads += [
            selectinload(relation).selectinload(ContractRevision.seller_org),
            selectinload(relation).selectinload(ContractRevision.buyer_org),
            selectinload(relation).selectinload(ContractRevision.reviewer),
        ]
    return loads


def with_workflow_status(stmt: Select, status: str) -> Select:
    """Filter by the status people act on: an open revision's (amendments too), else the contract's."""
    if status in EDITABLE_STATUSES + IN_REVIEW_STATUSES:
        open_revision = (
            select(ContractRevision.id)
            .where(ContractRevision.id == TechContract.pending_revision_id, ContractRevision.status == status)
            .exists()
        )
        return stmt.where(open_revision)
    if status in ("registered", "refused", "cancelled"):
        return stmt.where(TechContract.status == status)
    return stmt


def visible_contracts_stmt(user) -> Select:
    """Contracts the user may see, newest first."""
    return (
        select(TechContract)
        .options(*_list_options())
        .order_by(TechContract.updated_at.desc(), TechContract.id.desc())
        .where(visible_to(user))
    )


def find_for_verification(number, code) -> TechContract | None:
    """The contract a certificate's number and code pair names, or None for any wrong pair.

    Whether the number exists without the right code is not revealed: both give None, and the
    code is compared in constant time.
    """
    if not isinstance(number, str) or not isinstance(code, str):
        return None
    number, code = number.strip(), code.strip().upper()
    if not (number.isascii() and number.isdigit() and len(number) == 16) or not 8 <= len(code) <= 16:
        return None
    contract = db.session.scalar(select(TechContract).where(TechContract.registration_number == number))
    stored = contract.verification_code if contract is not None else None
    if not hmac.compare_digest((stored or "-").encode(), code.encode()) or stored is None:
        return None
    return contract


TIMELINE_LABELS = {
    "contract.created": N_("创建草稿"),
    "contract.updated": N_("修改"),
    "contract.attachment_added": N_("上传附件"),
    "contract.attachment_removed": N_("删除附件"),
    "contract.submitted": N_("提交"),
    "contract.review_started": N_("开始审核"),
    "contract.approved": N_("准予登记"),
    "contract.changes_requested": N_("退回补正"),
    "contract.refused": N_("不予登记"),
    "contract.amendment_opened": N_("发起变更"),
    "contract.amendment_approved": N_("变更通过"),
    "contract.amendment_refused": N_("变更不予登记"),
    "contract.cancelled": N_("注销"),
}


def timeline(contract: TechContract) -> list[tuple[AuditLog, User | None, str]]:
    """The contract's audited transitions, oldest first, with who did them."""
    rows = db.session.execute(
        select(AuditLog, User)
        .outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.object_type == TechContract.__tablename__, AuditLog.object_id == contract.id)
        .order_by(AuditLog.created_at, AuditLog.id)
    ).all()
    return [(entry, user, TIMELINE_LABELS.get(entry.action, entry.action)) for entry, user in rows]


def timeline_note(entry: AuditLog) -> str:
    """What the timeline says about an entry, in the reader's language.

    The stored summary is Chinese (the audit log keeps what happened as written then), so other
    languages rebuild the note from the entry's recorded values; what people wrote stays as written.
    """
    if current_language() == DEFAULT_LOCALE:
        return entry.summary
    before, after = entry.before_data, entry.after_data
    action = entry.action
    if action == "contract.attachment_added":
        return after.get("filename", "")
    if action == "contract.attachment_removed":
        return before.get("filename", "")
    if action == "contract.submitted" and after.get("due_on"):
        return gettext("审核期限 %(day)s", day=after["due_on"])
    if action == "contract.approved" and after.get("registration_number"):
        return gettext("登记号 %(number)s", number=after["registration_number"])
    if action in ("contract.amendment_opened", "contract.amendment_approved") and after.get("revision"):
        return gettext("第 %(n)s 版", n=after["revision"])
    if action == "contract.changes_requested":
        return after.get("comment", "")[:200]
    if action in ("contract.refused", "contract.amendment_refused"):
        reasons = gettext("、").join(tr(REFUSAL_REASONS.get(c, c)) for c in after.get("reasons", []))
        return gettext("%(reasons)s。%(comment)s", reasons=reasons, comment=after.get("comment", "")[:200])
    if action == "contract.cancelled":
        return after.get("reason", "")[:200]
    return ""


def is_overdue(revision: ContractRevision | None, today: date | None = None) -> bool:
    if revision is None or revision.status not in IN_REVIEW_STATUSES or revision.due_on is None:
        return False
    return revision.due_on < (today or beijing_today())


def queue_stmt(
    *,
    status: str = "",
    contract_type: str = "",
    overdue: bool = False,
    min_fen: int | None = None,
    max_fen: int | None = None,
) -> Select:
    """The bureau's queue: contracts joined with the revision under review or else the current one.

    Amounts filter on 技术交易额 of that revision.
    """
    shown = func.coalesce(TechContract.pending_revision_id, TechContract.registered_revision_id)
    stmt = (
        select(TechContract)
        .options(*_list_options())
        # contract_id lets the planner use an index; the coalesce alone makes SQLite scan.
        .join(
            ContractRevision,
            and_(ContractRevision.contract_id == TechContract.id, ContractRevision.id == shown),
        )
        .where(or_(TechContract.status != "draft", ContractRevision.status != "draft"))
    )
    if status == "open":
        stmt = stmt.where(ContractRevision.status.in_(IN_REVIEW_STATUSES))
    elif status in ("submitted", "under_review", "needs_correction"):
        stmt = stmt.where(ContractRevision.status == status)
    elif status in ("registered", "refused", "cancelled"):
        stmt = stmt.where(TechContract.status == status)
    elif status == "amending":
        stmt = stmt.where(TechContract.status == "registered", TechContract.pending_revision_id.is_not(None))
    if contract_type in CONTRACT_TYPES:
        stmt = stmt.where(ContractRevision.contract_type == contract_type)
    if overdue:
        stmt = stmt.where(
            and_(ContractRevision.status.in_(IN_REVIEW_STATUSES), ContractRevision.due_on < beijing_today())
        )
    if min_fen is not None:
        stmt = stmt.where(ContractRevision.technical_amount_fen >= min_fen)
    if max_fen is not None:
        stmt = stmt.where(ContractRevision.technical_amount_fen <= max_fen)
    # Oldest deadline first, so what is due soonest is on top.
    return stmt.order_by(ContractRevision.due_on.is_(None), ContractRevision.due_on, TechContract.id.desc())


def bureau_counts() -> dict[str, int]:
    """Counts for the bureau's workbench: waiting, being reviewed, overdue."""
    rows = db.session.execute(
        select(ContractRevision.status, func.count())
        .join(TechContract, TechContract.pending_revision_id == ContractRevision.id)
        .where(ContractRevision.status.in_(IN_REVIEW_STATUSES))
        .group_by(ContractRevision.status)
    ).all()
    counts = {"submitted": 0, "under_review": 0}
    counts.update(dict(rows))
    counts["overdue"] = (
        db.session.scalar(
            select(func.count())
            .select_from(ContractRevision)
            .join(TechContract, TechContract.pending_revision_id == ContractRevision.id)
            .where(ContractRevision.status.in_(IN_REVIEW_STATUSES), ContractRevision.due_on < beijing_today())
        )
        or 0
    )
    return counts


def filer_counts(user) -> dict[str, int]:
    """Counts for a filer's workbench: drafts and contracts sent back for correction."""
    org = getattr(user, "org", None)
    if org is None:
        return {"draft": 0, "needs_correction": 0}
    rows = db.session.execute(
        select(ContractRevision.status, func.count())
        .join(TechContract, TechContract.pending_revision_id == ContractRevision.id)
        .where(
            or_(TechContract.filer_org_id == org.id, ContractRevision.registrant_org_id == org.id),
            ContractRevision.status.in_(EDITABLE_STATUSES),
        )
        .group_by(ContractRevision.status)
    ).all()
    counts = {"draft": 0, "needs_correction": 0}
    counts.update(dict(rows))
    return counts
