"""Organisations: the universities, institutes, enterprises, brokers and the bureau."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.domain import DISTRICTS, FUNCTIONAL_ZONES, NATURE_CODES, ORG_TYPES, region_label
from marketplace.common.i18n import N_
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db

VERIFICATION_STATES = {"unverified": N_("待认证"), "verified": N_("已认证"), "rejected": N_("认证未通过")}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    org_type: Mapped[str] = mapped_column(String(20), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    district: Mapped[str] = mapped_column(String(6), default="130100")
    zone: Mapped[str | None] = mapped_column(String(20))
    nature_code: Mapped[str] = mapped_column(String(3), default="900")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    evidence_path: Mapped[str | None] = mapped_column(String(300))
    evidence_filename: Mapped[str | None] = mapped_column(String(200))
    evidence_mimetype: Mapped[str | None] = mapped_column(String(100))

    verification_status: Mapped[str] = mapped_column(String(20), default="unverified", index=True)
    verification_reason: Mapped[str] = mapped_column(String(500), default="")
    # No foreign key: users also point at organisations, and a cycle would complicate migrations.
    verified_by_id: Mapped[int | None]
    verified_at: Mapped[datetime | None]

    is_transfer_institution: Mapped[bool] = mapped_column(default=False)
    is_registration_point: Mapped[bool] = mapped_column(default=False)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    verified_by = relationship(
        "User", primaryjoin="foreign(Organisation.verified_by_id) == User.id", viewonly=True
    )

    @property
    def is_verified(self) -> bool:
        return self.verification_status == "verified"

    @property
    def type_label(self) -> str:
        return ORG_TYPES.get(self.org_type, self.org_type)

    @property
    def district_label(self) -> str:
        return region_label(self.district)

    @property
    def zone_label(self) -> str:
        return FUNCTIONAL_ZONES.get(self.zone or "", "")

    @property
    def nature_label(self) -> str:
        return NATURE_CODES.get(self.nature_code, self.nature_code)

    @property
    def verification_label(self) -> str:
        return VERIFICATION_STATES.get(self.verification_status, self.verification_status)

    @property
    def in_shijiazhuang(self) -> bool:
        return self.district in DISTRICTS

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"
