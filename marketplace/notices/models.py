"""In-site notices: new matches, inquiries, answers, messages, stage changes.

A notice is addressed to an organisation (every active member sees it and one reading marks it read)
or, with `user_id`, to one person (an event reminder, a digest); then only that user sees it.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, or_
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

NOTICE_KINDS = {
    "match": "新匹配",
    "inquiry": "对接意向",
    "answer": "意向答复",
    "message": "新消息",
    "stage": "进展变化",
    "listing": "发布提醒",
    "contract": "合同登记",
    "system": "系统通知",
}


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_org_unread", "organisation_id", "read_at"),
        Index("ix_notices_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # Set for a notice meant for one person; the organisation (if any) is then only context.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="system")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    # What the notice is about, so the same event is not announced twice.
    subject_key: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def kind_label(self) -> str:
        return NOTICE_KINDS.get(self.kind, self.kind)


def addressed_to(user):
    """The SQL condition for the notices `user` sees: their organisation's and their own."""
    own = Notice.user_id == user.id
    if user.org is None:
        return own
    return or_(own, (Notice.user_id.is_(None)) & (Notice.organisation_id == user.org.id))
