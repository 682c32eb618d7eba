"""Broker profiles, the fields and districts they cover, help requests from enterprises, training.

A profile is a person's (a user's), not an organisation's: the organisation is where the person
works when the profile is filed. Performance is never stored here; `performance.py` computes it
from the inquiries, deals and contracts the person is recorded on.
"""

from datetime import date, datetime

from flask import url_for
from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.audit import Subject, describe_audit
from marketplace.common.i18n import N_
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

# Qualification levels of the 技术经纪人/技术经理人 certificates (初级/中级/高级).
LEVELS = {"junior": N_("初级"), "intermediate": N_("中级"), "senior": N_("高级")}
PROFILE_STATUSES = {"pending": N_("待审核"), "verified": N_("已认证"), "rejected": N_("未通过")}
REQUEST_STATUSES = {
    "pending": N_("待答复"),
    "accepted": N_("已接受"),
    "declined": N_("已婉拒"),
    "withdrawn": N_("已撤回"),
    "ended": N_("已结束"),
}
# Editing any of these after verification sends the profile back to the bureau.
KEY_FIELDS = (
    "name",
    "level",
    "certificate_number",
    "certificate_issuer",
    "certificate_date",
    "evidence_path",
)


class BrokerProfile(db.Model):
    """A qualified person's entry in the directory, listed once the bureau verified it."""

    __tablename__ = "broker_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(20), index=True)
    certificate_number: Mapped[str] = mapped_column(String(50))
    certificate_issuer: Mapped[str] = mapped_column(String(100))
    certificate_date: Mapped[date] = mapped_column(Date)
    evidence_path: Mapped[str | None] = mapped_column(String(300))
    evidence_filename: Mapped[str | None] = mapped_column(String(200))
    evidence_mimetype: Mapped[str | None] = mapped_column(String(100))
    introduction: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    review_reason: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    organisation = relationship("Organisation")
    field_rows = relationship(
        "BrokerField", cascade="all, delete-orphan", order_by="BrokerField.field", lazy="selectin"
    )
    region_rows = relationship(
        "BrokerRegion", cascade="all, delete-orphan", order_by="BrokerRegion.region_code", lazy="selectin"
    )

    @property
    def fields(self) -> list[str]:
        return [row.field for row in self.field_rows]

    @property
    def regions(self) -> list[str]:
        return [row.region_code for row in self.region_rows]

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, self.level)

    @property
    def status_label(self) -> str:
        return PROFILE_STATUSES.get(self.status, self.status)

    @property
    def is_verified(self) -> bool:
        return self.status == "verified"


class BrokerField(db.Model):
    """One 技术领域 a broker covers."""

    __tablename__ = "broker_fields"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("broker_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class BrokerRegion(db.Model):
    """One district of Shijiazhuang (GB/T 2260 code) a broker serves."""

    __tablename__ = "broker_regions"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("broker_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True, index=True)


class BrokerRequest(db.Model):
    """An enterprise asks a listed broker for help with one of its demands."""

    __tablename__ = "broker_requests"
    __table_args__ = (Index("ix_broker_requests_profile_status", "profile_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("broker_profiles.id", ondelete="CASCADE"))
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    requester_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    # Set while pending or accepted, so the database refuses a second open request for the pair.
    open_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    answer_text: Mapped[str] = mapped_column(String(500), default="")
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    profile = relationship("BrokerProfile")
    demand = relationship("Demand")
    requester_org = relationship("Organisation")
    requested_by = relationship("User")
    inquiry_links = relationship("BrokerRequestInquiry", order_by="BrokerRequestInquiry.inquiry_id")

    @property
    def status_label(self) -> str:
        return REQUEST_STATUSES.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in ("pending", "accepted")


class BrokerRequestInquiry(db.Model):
    """An inquiry a broker sent for the demand of a request it accepted."""

    __tablename__ = "broker_request_inquiries"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("broker_requests.id", ondelete="CASCADE"), primary_key=True
    )
    inquiry_id: Mapped[int] = mapped_column(
        ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True, unique=True
    )

    inquiry = relationship("Inquiry")


class TrainingRecord(db.Model):
    """Hours of a training event (培训) a person attended, recorded when they were checked in."""

    __tablename__ = "training_records"
    __table_args__ = (UniqueConstraint("user_id", "event_id", name="uq_training_records_user_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # No foreign key: events live in another feature that sends the signal.
    event_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[float]
    attended_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


describe_audit(
    actions={
        "broker.filed": N_("提交技术经纪人资格"),
        "broker.edited": N_("修改技术经纪人资格"),
        "broker.verified": N_("认证技术经纪人资格"),
        "broker.rejected": N_("驳回技术经纪人资格"),
        "broker_request.sent": N_("请求技术经纪人协助"),
        "broker_request.accepted": N_("接受协助请求"),
        "broker_request.declined": N_("婉拒协助请求"),
        "broker_request.withdrawn": N_("撤回协助请求"),
        "broker_request.ended": N_("结束经纪委托"),
    },
    groups={"broker.": N_("技术经纪人"), "broker_request.": N_("经纪协助请求")},
    subjects={
        "broker_profiles": Subject(
            N_("技术经纪人"),
            BrokerProfile,
            title=lambda p: p.name,
            url=lambda p: url_for("brokers.bureau_review", profile_id=p.id),
            fields={
                "name": N_("姓名"),
                "level": N_("资格等级"),
                "certificate_number": N_("证书编号"),
                "certificate_issuer": N_("发证机构"),
                "certificate_date": N_("发证日期"),
                "evidence_path": N_("证书扫描件"),
                "status": N_("状态"),
                "reason": N_("原因"),
            },
            values={"level": LEVELS, "status": PROFILE_STATUSES},
        ),
        "broker_requests": Subject(
            N_("经纪协助请求"),
            BrokerRequest,
            title=lambda r: f"协助请求 #{r.id}",
            url=lambda r: url_for("brokers.request_page", request_id=r.id),
            fields={"status": N_("状态"), "profile_id": N_("经纪人档案"), "demand_id": N_("技术需求")},
            values={"status": REQUEST_STATUSES},
        ),
    },
)
