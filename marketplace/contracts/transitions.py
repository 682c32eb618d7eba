"""The two steps every state change of a contract shares: claim the row, then set the status.

Filing and review both start a transition with `lock` and end it with `follow_revision`.
"""

from flask_babel import gettext
from sqlalchemy import update

from marketplace.common.errors import NotFound
from marketplace.common.timeutil import utcnow
from marketplace.contracts.models import TechContract
from marketplace.extensions import db


def lock(contract: TechContract) -> TechContract:
    """Claim the contract row for this transaction, then re-read it and its open revision.

    Every state transition starts here. The claim is an UPDATE, not a SELECT: on PostgreSQL it
    takes the row lock, and on SQLite it takes the database's write lock (a plain SELECT takes
    none, so two approvals both read "under review" and both approved). Whoever claims second
    waits for the first to commit and then reads the state the first left, so exactly one of two
    simultaneous decisions wins and the other gets a Conflict.
    """
    db.session.flush()  # changes made earlier in this transaction must survive the re-read
    pending = contract.pending_revision
    if pending is not None:
        db.session.expire(pending)
    db.session.expire(contract)
    table = TechContract.__table__
    claimed = db.session.execute(
        update(table).where(table.c.id == contract.id).values(updated_at=table.c.updated_at)
    )
    if claimed.rowcount != 1:
        raise NotFound(gettext("合同不存在"))
    db.session.refresh(contract)
    if contract.pending_revision is not None:
        db.session.refresh(contract.pending_revision)
    return contract


def follow_revision(contract: TechContract, status: str) -> None:
    """The open revision moved to `status`: the contract shows it too, unless it is an amendment.

    While an amendment is drafted or reviewed the contract stays `registered`: the registered
    revision keeps counting, and only the amendment's own status moves.
    """
    if contract.registered_revision_id is None:
        contract.status = status
    contract.updated_at = utcnow()
