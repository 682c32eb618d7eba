"""Events (活动), the projects presented at them, and the people registered for them."""

from datetime import datetime

from flask import url_for
from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.audit import Subject, describe_audit
from marketplace.common.i18n import N_
from marketplace.common.kinds import KIND_LABELS
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

EVENT_TYPES = {
    "roadshow": N_("路演"),
    "matchmaking": N_("供需对接会"),
    "competition": N_("大赛"),
    "forum": N_("论坛"),
    "training": N_("培训"),
}
# draft → pending (an organisation's event waits for the bureau) → published; or rejected/cancelled.
EVENT_STATUSES = {
    "draft": N_("草稿"),
    "pending": N_("待审核"),
    "published": N_("已发布"),
    "rejected": N_("未通过"),
    "cancelled": N_("已取消"),
}
REGISTRATION_STATUSES = {
    "registered": N_("已报名"),
    "waiting": N_("候补中"),
    "cancelled": N_("已取消"),
}
CHECKED_IN_LABEL = N_("已签到")
# A check-in code is read aloud and typed on a phone: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_status_starts", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(20), index=True)
    # Stored as naive UTC; entered and shown in Beijing time.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(300), default="")
    organiser_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    capacity: Mapped[int]
    registration_deadline: Mapped[datetime]
    agenda: Mapped[str] = mapped_column(Text, default="")
    training_hours: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    review_reason: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    featured: Mapped[bool] = mapped_column(default=False, index=True)
    # Bumped by every registration change: the write that serialises registrations (see registration.py).
    seats_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    organisation = relationship("Organisation")
    projects = relationship(
        "EventProject",
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="(EventProject.slot_at, EventProject.id)",
    )

    @property
    def type_label(self) -> str:
        return EVENT_TYPES.get(self.event_type, self.event_type)

    @property
    def status_label(self) -> str:
        return EVENT_STATUSES.get(self.status, self.status)

    @property
    def is_public(self) -> bool:
        return self.status == "published"

    @property
    def is_training(self) -> bool:
        return self.event_type == "training"

    @property
    def is_past(self) -> bool:
        return self.ends_at < utcnow()

    @property
    def registration_closes_at(self) -> datetime:
        """Registration closes at the deadline or when the event starts, whichever is first."""
        return min(self.registration_deadline, self.starts_at)

    @property
    def registration_open(self) -> bool:
        return self.status == "published" and utcnow() < self.registration_closes_at


class EventProject(db.Model):
    """A published result, patent or demand presented at an event, with its slot."""

    __tablename__ = "event_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    listing_kind: Mapped[str] = mapped_column(String(10))
    patent_id: Mapped[int | None] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), index=True)
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    slot_at: Mapped[datetime]

    event = relationship("Event", back_populates="projects")
    patent = relationship("Patent")
    result = relationship("ResearchResult")
    demand = relationship("Demand")

    @property
    def listing(self):
        return {"patent": self.patent, "result": self.result, "demand": self.demand}[self.listing_kind]

    @property
    def listing_id(self) -> int:
        return getattr(self, f"{self.listing_kind}_id")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.listing_kind, self.listing_kind)


class Registration(db.Model):
    """One person's place at an event: registered, on the waiting list, or cancelled; or a walk-in."""

    __tablename__ = "event_registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_event_registrations_user"),
        UniqueConstraint("event_id", "code", name="uq_event_registrations_code"),
        Index("ix_event_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # None for a walk-in guest the organiser adds at the door.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="registered")
    # When the person agreed that the organiser may use these details for this event.
    consent_at: Mapped[datetime | None]
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    walk_in: Mapped[bool] = mapped_column(default=False)
    # The waiting list's order: when the person joined it (reset on each new registration).
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None]

    event = relationship("Event")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def status_label(self) -> str:
        if self.checked_in_at is not None:
            return CHECKED_IN_LABEL
        return REGISTRATION_STATUSES.get(self.status, self.status)

    @property
    def is_active(self) -> bool:
        return self.status in ("registered", "waiting")


describe_audit(
    actions={
        "event.created": N_("创建活动"),
        "event.updated": N_("修改活动"),
        "event.approved": N_("批准活动发布"),
        "event.rejected": N_("驳回活动"),
        "event.featured": N_("首页推荐活动"),
        "event.unfeatured": N_("取消首页推荐活动"),
        "event.cancelled": N_("取消活动"),
    },
    groups={"event.": N_("活动")},
    subjects={
        "events": Subject(
            N_("活动"),
            Event,
            title=lambda e: e.title,
            url=lambda e: url_for("events.show", event_id=e.id),
            fields={"status": N_("状态"), "reason": N_("原因")},
            values={"status": EVENT_STATUSES},
        )
    },
)
