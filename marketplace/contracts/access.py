"""Who may see, change and review a contract.

The object rules are registered with `marketplace.common.permissions`, so views ask
`can(user, "view", contract)` / `can(user, "edit", contract)`; `visible_to` is the same view rule
as a SQL condition for lists. Services call the `require_*` checks, which raise `PermissionDenied`.
"""

from flask_babel import gettext
from sqlalchemy import ColumnElement, false, or_, select, true

from marketplace.common.domain import CAN_FILE_CONTRACTS
from marketplace.common.errors import PermissionDenied
from marketplace.common.permissions import object_rule
from marketplace.common.roles import is_bureau
from marketplace.contracts.models import ContractRevision, TechContract


def party_org_ids(contract: TechContract) -> set[int]:
    """Platform organisations on either side of the current or the registered revision."""
    ids: set[int] = set()
    for revision in (contract.pending_revision, contract.registered_revision):
        if revision is not None:
            ids.update(i for i in (revision.seller_org_id, revision.buyer_org_id) if i)
    if not ids and contract.revisions:
        last = contract.revisions[-1]
        ids.update(i for i in (last.seller_org_id, last.buyer_org_id) if i)
    return ids


@object_rule(TechContract, "view")
def can_view(user, contract: TechContract) -> bool:
    """Only the two parties, the filing organisation (their broker) and the bureau see a contract."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_bureau(user):
        return True
    org = user.org
    if org is None:
        return False
    return org.id == contract.filer_org_id or org.id in party_org_ids(contract)


@object_rule(TechContract, "edit")
def can_edit(user, contract: TechContract) -> bool:
    """The filing organisation and the registering organisation may change and submit it."""
    org = getattr(user, "org", None) if getattr(user, "is_authenticated", False) else None
    if org is None or user.role not in CAN_FILE_CONTRACTS:
        return False
    registrant = contract.current.registrant_org_id
    return org.id in (contract.filer_org_id, registrant)


def visible_to(user) -> ColumnElement[bool]:
    """The `view` rule as a condition on `TechContract`, for lists of the contracts a user may see."""
    if is_bureau(user):
        return true()
    org = getattr(user, "org", None)
    if org is None:
        return false()
    party = (
        select(ContractRevision.contract_id)
        .where(or_(ContractRevision.seller_org_id == org.id, ContractRevision.buyer_org_id == org.id))
        .where(
            or_(
                ContractRevision.id == TechContract.pending_revision_id,
                ContractRevision.id == TechContract.registered_revision_id,
            )
        )
        .where(ContractRevision.contract_id == TechContract.id)
    )
    return or_(TechContract.filer_org_id == org.id, party.exists())


def require_filer_role(actor) -> None:
    if actor.org is None or actor.role not in CAN_FILE_CONTRACTS:
        raise PermissionDenied(gettext("只有技术转移机构、高校、科研院所和企业可以填报技术合同"))


def require_editor(actor, contract: TechContract) -> None:
    if not can_edit(actor, contract):
        raise PermissionDenied(gettext("只有填报单位或登记方可以修改、提交该合同"))


def require_reviewer(actor) -> None:
    if not is_bureau(actor):
        raise PermissionDenied(gettext("只有科技管理部门的审核人员可以审核技术合同"))
