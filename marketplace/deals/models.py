"""From match to deal: inquiries (意向), deals with their messages, reports, and matches shown."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.i18n import N_
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

INQUIRY_KINDS = {"inquiry": N_("对接意向"), "offer": N_("成果推荐")}
PURPOSES = {
    "license": N_("许可"),
    "transfer": N_("转让"),
    "cooperation": N_("合作开发/实施"),
    "consulting": N_("技术咨询"),
}
INQUIRY_STATUSES = {
    "pending": N_("待答复"),
    "accepted": N_("已接受"),
    "declined": N_("已婉拒"),
    "withdrawn": N_("已撤回"),
}
DECLINE_REASONS = {
    "not_available": N_("该技术已转让或暂不对外"),
    "mismatch": N_("技术方向不匹配"),
    "terms": N_("合作方式或条件不合适"),
    "more_info": N_("信息不足，请补充后再联系"),
    "other": N_("其他"),
}
STAGES = {
    "contact": N_("初步接洽"),
    "negotiating": N_("洽谈中"),
    "agreed": N_("达成一致"),
    "contracted": N_("已签合同并登记"),
    "closed": N_("已终止"),
}
# Stages a party may move a deal to by hand; `contracted` only follows a registered contract.
STAGE_MOVES = {
    "contact": ("negotiating", "closed"),
    "negotiating": ("agreed", "closed"),
    "agreed": ("negotiating", "closed"),
    "contracted": (),
    "closed": (),
}
CLOSE_REASONS = {
    "no_agreement": N_("未能就条件达成一致"),
    "tech_unfit": N_("技术不满足需求"),
    "budget": N_("预算或资金原因"),
    "other_partner": N_("已选择其他合作方"),
    "other": N_("其他"),
}
BROKER_SOURCES = {"introduced": N_("促成对接"), "invited": N_("受邀参与")}
REPORT_REASONS = {
    "spam": N_("垃圾或广告信息"),
    "fraud": N_("虚假信息或诈骗"),
    "abuse": N_("骚扰或不当言论"),
    "other": N_("其他"),
}
REPORT_STATUSES = {"open": N_("待处理"), "resolved": N_("已处理")}


class Inquiry(db.Model):
    """An organisation's wish to talk about a listing, answered by the listing's owner."""

    __tablename__ = "inquiries"
    __table_args__ = (
        Index("ix_inquiries_recipient_status", "recipient_org_id", "status"),
        Index("ix_inquiries_sender_created", "sender_org_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # `inquiry`: an enterprise asks about a patent or result; `offer`: a university offers a result.
    kind: Mapped[str] = mapped_column(String(10), default="inquiry")
    sender_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    recipient_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A broker that sent it on the sender's behalf; credited when a contract follows.
    introducer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    patent_id: Mapped[int | None] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), index=True)
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    # The event whose page the inquiry was started from (a presented project's link), if any.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    wants_private_details: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    # Set while pending, so the database refuses a second open inquiry for the same pair.
    open_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    decline_reason: Mapped[str | None] = mapped_column(String(20))
    decline_text: Mapped[str] = mapped_column(String(500), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    sender_org = relationship("Organisation", foreign_keys=[sender_org_id])
    recipient_org = relationship("Organisation", foreign_keys=[recipient_org_id])
    introducer_org = relationship("Organisation", foreign_keys=[introducer_org_id])
    sent_by = relationship("User", foreign_keys=[sent_by_id])
    patent = relationship("Patent")
    result = relationship("ResearchResult")
    demand = relationship("Demand")
    deal = relationship("Deal", back_populates="inquiry", uselist=False)

    @property
    def listing(self):
        """The supply side the inquiry is about: the patent or the result."""
        return self.patent if self.patent_id else self.result

    @property
    def target(self):
        """The recipient's listing: the patent/result asked about, or the demand offered to."""
        return self.demand if self.kind == "offer" else self.listing

    @property
    def kind_label(self) -> str:
        return INQUIRY_KINDS.get(self.kind, self.kind)

    @property
    def purpose_label(self) -> str:
        return PURPOSES.get(self.purpose, self.purpose)

    @property
    def status_label(self) -> str:
        return INQUIRY_STATUSES.get(self.status, self.status)

    @property
    def decline_reason_label(self) -> str:
        return DECLINE_REASONS.get(self.decline_reason or "", "")

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"


class Deal(db.Model):
    """The thread that follows an accepted inquiry, until a contract is registered or it closes."""

    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), unique=True)
    # The technology side (owner of the patent/result) and the side that wants it.
    seller_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    broker_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    broker_source: Mapped[str | None] = mapped_column(String(20))
    patent_id: Mapped[int | None] = mapped_column(ForeignKey("patents.id", ondelete="SET NULL"))
    result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="SET NULL"))
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id", ondelete="SET NULL"))
    technology_field: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20), default="contact", index=True)
    close_reason: Mapped[str | None] = mapped_column(String(20))
    close_text: Mapped[str] = mapped_column(String(500), default="")
    # No foreign key: contracts live in another feature; deals/subscribers.py sets it when the
    # contract citing this deal is registered.
    contract_id: Mapped[int | None] = mapped_column(index=True)
    broker_credited: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    agreed_at: Mapped[datetime | None]
    contracted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    inquiry = relationship("Inquiry", back_populates="deal")
    seller_org = relationship("Organisation", foreign_keys=[seller_org_id])
    buyer_org = relationship("Organisation", foreign_keys=[buyer_org_id])
    broker_org = relationship("Organisation", foreign_keys=[broker_org_id])
    patent = relationship("Patent")
    result = relationship("ResearchResult")
    demand = relationship("Demand")
    messages = relationship("DealMessage", back_populates="deal", order_by="DealMessage.id")

    @property
    def listing(self):
        return self.patent if self.patent_id else self.result

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.stage, self.stage)

    @property
    def close_reason_label(self) -> str:
        return CLOSE_REASONS.get(self.close_reason or "", "")

    @property
    def broker_source_label(self) -> str:
        return BROKER_SOURCES.get(self.broker_source or "", "")

    @property
    def party_ids(self) -> tuple[int, int]:
        return (self.seller_org_id, self.buyer_org_id)

    def other_party_id(self, org_id: int) -> int:
        return self.buyer_org_id if org_id == self.seller_org_id else self.seller_org_id


class DealMessage(db.Model):
    __tablename__ = "deal_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    attachment_path: Mapped[str | None] = mapped_column(String(300))
    attachment_filename: Mapped[str | None] = mapped_column(String(200))
    attachment_mimetype: Mapped[str | None] = mapped_column(String(100))
    attachment_size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deal = relationship("Deal", back_populates="messages")
    author = relationship("User")
    author_org = relationship("Organisation")


class DealReport(db.Model):
    """A report of spam or abuse in an inquiry or a deal, for the bureau to handle."""

    __tablename__ = "deal_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    reporter_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    resolution: Mapped[str] = mapped_column(String(500), default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inquiry = relationship("Inquiry")
    reporter_org = relationship("Organisation")

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.reason, self.reason)

    @property
    def status_label(self) -> str:
        return REPORT_STATUSES.get(self.status, self.status)


class MatchShown(db.Model):
    """A listing shown as a match for a demand, once per pair: the top of the bureau's funnel."""

    __tablename__ = "matches_shown"
    __table_args__ = (
        UniqueConstraint("demand_id", "listing_kind", "listing_id", name="uq_matches_shown_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"))
    listing_kind: Mapped[str] = mapped_column(String(10))
    listing_id: Mapped[int]
    viewer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    technology_field: Mapped[str | None] = mapped_column(String(40))
    shown_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
