"""The bureau's targets (with their change history) and the indicators it enters by hand."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.timeutil import utcnow
from marketplace.extensions import db


class StatSetting(db.Model):
    """One target or setting; a missing row means the city's plan default applies."""

    __tablename__ = "stat_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class StatSettingChange(db.Model):
    """A change of a target, kept so the bureau can see who moved which goal and when."""

    __tablename__ = "stat_setting_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), index=True)
    old_value: Mapped[str] = mapped_column(String(40))
    new_value: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(300), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    changed_by = relationship("User")


class ManualIndicator(db.Model):
    """A value the platform cannot measure (万人发明专利拥有量, bases), with its source and date."""

    __tablename__ = "stat_indicators"
    __table_args__ = (Index("ix_stat_indicators_key_as_of", "key", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(20))  # an exact decimal as text, never a float
    source: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date]
    note: Mapped[str] = mapped_column(String(300), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entered_by = relationship("User")
