"""The audit trail: who changed what, when and from where.

Retention: entries are never deleted by the application (no job, command or view removes them; a
user or organisation that goes away leaves its entries, the reference set to NULL), so they are
kept at least six months as the register requires; pruning, if ever wanted, must keep six months.
The admin and bureau read them as a register at /admin/audit (`marketplace/admin/register.py`).
"""

import contextvars
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

# Set by a request hook so that services can record the client address without reading `request`.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)


@dataclass(frozen=True)
class Subject:
    """What an audited object is called in the register, and how to find its title and page."""

    label: str  # e.g. 活动
    model: type | None = None  # looked up in bulk by id for the titles
    title: Callable[[Any], str] | None = None
    url: Callable[[Any], str | None] | None = None  # called inside a request (url_for)
    fields: dict[str, str] = field(default_factory=dict)  # recorded key -> label
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # recorded key -> code -> label


# The register's words (marketplace/admin/register.py reads them). Each feature describes the
# actions it records and the objects it records them on with `describe_audit`, next to its models,
# so a new feature adds its labels without touching the register.
ACTION_LABELS: dict[str, str] = {}
GROUP_LABELS: dict[str, str] = {}  # action prefix ("contract.") -> what the group is about
SUBJECTS: dict[str, Subject] = {}  # object_type (a table name) -> Subject


def describe_audit(
    *,
    actions: dict[str, str] | None = None,
    groups: dict[str, str] | None = None,
    subjects: dict[str, Subject] | None = None,
) -> None:
    """Add a feature's action labels, action groups and audited objects to the register's tables."""
    ACTION_LABELS.update(actions or {})
    GROUP_LABELS.update(groups or {})
    SUBJECTS.update(subjects or {})


class AuditLog(db.Model):
    __tablename__ = "audit_logs"
    __table_args__ = (Index("ix_audit_logs_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    @property
    def before_data(self) -> dict:
        return json.loads(self.before) if self.before else {}

    @property
    def after_data(self) -> dict:
        return json.loads(self.after) if self.after else {}


def _dump(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)


def record_audit(
    actor,
    action: str,
    obj=None,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditLog:
    """Add an audit entry to the session; the caller's commit stores it with the change."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        if object_id is None and getattr(obj, "id", None) is None:
            db.session.flush()  # a new object needs its id before it can be referred to
        if object_id is None:
            object_id = getattr(obj, "id", None)
    entry = AuditLog(
        actor_id=getattr(actor, "id", None),
        actor_org_id=getattr(actor, "organisation_id", None),
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        summary=summary[:500],
        before=_dump(before),
        after=_dump(after),
        ip=current_ip.get(),
    )
    db.session.add(entry)
    return entry
