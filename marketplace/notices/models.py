"""In-site notices: new matches, inquiries, answers, messages, stage changes.

A notice is addressed to an organisation (every active member sees it and one reading marks it read)
or, with `user_id`, to one person (an event reminder, a digest); then only that user sees it.
"""

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import JSON, ForeignKey, Index, String, Text, or_
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.i18n import N_, tr
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

NOTICE_KINDS = {
    "match": N_("新匹配"),
    "inquiry": N_("对接意向"),
    "answer": N_("意向答复"),
    "broker": N_("技术经纪人"),
    "message": N_("新消息"),
    "stage": N_("进展变化"),
    "listing": N_("发布提醒"),
    "contract": N_("合同登记"),
    "system": N_("系统通知"),
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
    # The title's and body's message ids and their values ({"title": ..., "body": ..., "params": ...}),
    # so each reader sees the notice in their own language; title and body keep the Chinese text.
    # A body of several lines (a digest) is "lines": [[message id, values], ...] instead of "body".
    message: Mapped[dict | None] = mapped_column(JSON)

    @property
    def kind_label(self) -> str:
        return NOTICE_KINDS.get(self.kind, self.kind)

    @property
    def shown_title(self) -> str:
        """The title in the reader's language."""
        return self._shown("title")

    @property
    def shown_body(self) -> str:
        return self._shown("body")

    def _shown(self, part: str) -> str:
        message = self.message or {}
        if part == "body" and message.get("lines"):
            return "\n".join(message_text(line, values) for line, values in message["lines"])
        if not message.get(part):
            return tr(getattr(self, part))  # a fixed text, or an older notice stored in Chinese only
        return message_text(message[part], message.get("params", {}))


def message_text(message_id: str, params: dict) -> str:
    """A message id filled with its values in the reader's language.

    A value whose name ends in `_label` is a code label (a kind, a status) and is translated too;
    every other value is what users wrote and is shown as it is.
    """
    if not message_id:
        return ""
    if not params:
        return gettext(message_id)
    shown = {name: tr(value) if name.endswith("_label") else value for name, value in params.items()}
    return gettext(message_id, **shown)


def addressed_to(user):
    """The SQL condition for the notices `user` sees: their organisation's and their own."""
    own = Notice.user_id == user.id
    if user.org is None:
        return own
    return or_(own, (Notice.user_id.is_(None)) & (Notice.organisation_id == user.org.id))
